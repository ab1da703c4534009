// The release workflow fits GitHub's immutable releases (docs/development.md, "Releasing"): each
// v1.x.y is published as a release (draft first, then published, so it is immutable with all it
// has) whose release attestation is checked, and only then is the major tag v1 moved; v1 itself is a
// plain tag, never a release (an immutable release's tag cannot be moved). Its steps' shell scripts
// run here as the runner runs them (bash -eo pipefail), with `gh`, `git` and `sleep` replaced by
// fakes on PATH that record their calls: no network, no GitHub.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
const root = join(import.meta.dirname, '..');
const workflow = parse(readFileSync(join(root, '.github/workflows/release.yml'), 'utf8')) as {
  on: { push: { tags: string[]; branches?: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const job = (name: string): Job => {
  const found = workflow.jobs[name];
  if (!found) throw new Error(`release.yml has no job ${name}`);
  return found;
};
const step = (jobName: string, name: string): Step => {
  const found = job(jobName).steps.find((s) => s.name === name);
  if (!found?.run) throw new Error(`release.yml ${jobName} has no run step named "${name}"`);
  return found;
};

// The fakes: each call is one line of $CALLS; FAKE_* variables say what GitHub has.
const FAKE_GH = `#!/bin/bash
echo "gh $*" >> "$CALLS"
case "$1 $2" in
  "release view")
    if [ "$3" = "$FAKE_MAJOR" ]; then [ "$FAKE_MAJOR_IS_RELEASE" = 1 ] || exit 1; exit 0; fi
    case "$FAKE_RELEASE" in none) exit 1 ;; draft) echo true ;; published) echo false ;; esac ;;
  "release verify") [ "$FAKE_ATTESTED" = 1 ] || exit 1 ;;
esac
exit 0
`;
const RECORDER = `#!/bin/bash\necho "$(basename "$0") $*" >> "$CALLS"\n`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'release-workflow-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [name, body] of [
    ['gh', FAKE_GH],
    ['git', RECORDER],
    ['sleep', RECORDER],
  ] as const) {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(
    join(dir, 'CHANGELOG.md'),
    '# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.2.3] - 2026-12-05\n\n### Added\n\n- a thing\n\n## [1.2.2] - 2026-11-01\n\n- old\n',
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs one step's script as the runner does; returns its exit status, output and the fakes' calls. */
function run(s: Step, env: Record<string, string>): { status: number | null; out: string; calls: string[] } {
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run ?? ''], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 10_000,
    env: {
      PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}`,
      CALLS: join(dir, 'calls'),
      RUNNER_TEMP: dir,
      GITHUB_REPOSITORY: 'octo/ecs-rolling-deploy',
      GITHUB_SHA: 'abc123',
      FAKE_MAJOR: 'v1',
      TAG: 'v1.2.3',
      ...env,
    },
  });
  let calls: string[] = [];
  try {
    calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
  } catch {
    calls = [];
  }
  return { status: result.status, out: `${result.stdout}${result.stderr}`, calls };
}

describe('release.yml', () => {
  it('runs on v1.2.3 tags only, with no permission but what each job asks for', () => {
    expect(workflow.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+']);
    expect(workflow.on.push.branches).toBeUndefined();
    expect(workflow.permissions).toEqual({});
    expect(job('check').permissions).toEqual({ contents: 'read' });
    expect(job('release').permissions).toEqual({ contents: 'write' });
    expect(job('release').needs).toBe('check');
  });

  it('publishes, then checks the attestation, then moves the major tag, in that order', () => {
    const names = job('release').steps.map((s) => s.name ?? s.uses);
    const publish = names.indexOf('Publish the release (immutable once published)');
    const verify = names.indexOf('The release has its release attestation');
    const move = names.indexOf('Move the major tag to this release');
    expect(publish).toBeGreaterThan(0);
    expect(verify).toBeGreaterThan(publish);
    expect(move).toBeGreaterThan(verify);
  });

  it('takes the release notes from the CHANGELOG section of the tag', () => {
    const { status } = run(step('release', 'Release notes from CHANGELOG.md'), {});
    expect(status).toBe(0);
    expect(readFileSync(join(dir, 'notes.md'), 'utf8').trim()).toBe('### Added\n\n- a thing');
  });

  it.each([
    [
      "CHANGELOG.md has the release's section",
      { TAG: 'v1.2.3' },
      { TAG: 'v1.2.4' },
      "::error::CHANGELOG.md has no '## [1.2.4]",
    ],
    [
      'The major tag is a plain tag, not a release',
      { FAKE_MAJOR_IS_RELEASE: '0' },
      { FAKE_MAJOR_IS_RELEASE: '1' },
      '::error::v1 is a GitHub release',
    ],
  ])('check step "%s" passes the good case and refuses the bad one', (name, good, bad, error) => {
    const s = step('check', name);
    expect(run(s, good).status).toBe(0);
    const refused = run(s, bad);
    expect(refused.status).toBe(1);
    expect(refused.out).toContain(error);
  });

  it.each([
    [
      'none',
      [
        'release view',
        'release create v1.2.3 --repo octo/ecs-rolling-deploy --draft --verify-tag',
        'release edit v1.2.3 --repo octo/ecs-rolling-deploy --draft=false',
      ],
    ],
    ['draft', ['release view', 'release edit v1.2.3 --repo octo/ecs-rolling-deploy --draft=false']],
    ['published', ['release view']],
  ])(
    'publishes the release as a draft first, then for real (release already there: %s)',
    (state, expected) => {
      const { status, calls } = run(step('release', 'Publish the release (immutable once published)'), {
        FAKE_RELEASE: state,
      });
      expect(status).toBe(0);
      expect(calls).toEqual(expected.map((e) => expect.stringContaining(`gh ${e}`)));
      expect(calls.some((c) => /release (create|edit) v1 /.test(c))).toBe(false);
    },
  );

  it('fails, without moving anything, when the release has no attestation after a bounded wait', () => {
    const s = step('release', 'The release has its release attestation');
    expect(run(s, { FAKE_ATTESTED: '1' }).calls).toEqual([
      'gh release verify v1.2.3 --repo octo/ecs-rolling-deploy',
    ]);
    rmSync(join(dir, 'calls'));
    const missing = run(s, { FAKE_ATTESTED: '0' });
    expect(missing.status).toBe(1);
    expect(missing.calls.filter((c) => c.startsWith('gh release verify'))).toHaveLength(6);
    expect(missing.calls.filter((c) => c.startsWith('sleep'))).toHaveLength(6);
    expect(missing.calls.some((c) => c.startsWith('git'))).toBe(false);
    expect(missing.out).toContain('::error::v1.2.3 has no release attestation, so v1 was not moved');
  });

  it('moves the major tag (a plain tag) to the released commit', () => {
    const { status, calls } = run(step('release', 'Move the major tag to this release'), {});
    expect(status).toBe(0);
    expect(calls).toEqual(['git tag --force v1 abc123', 'git push --force origin refs/tags/v1']);
  });
});
