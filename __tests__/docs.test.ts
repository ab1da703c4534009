// The README is the user's five minutes; the manual's chapters are in docs/. This checks that the
// split holds: every relative link of README.md and docs/*.md reaches a file (and its anchor), the
// README still documents every input and output of action.yml and stays small with the two commands
// on its first screen, every chapter is linked from it, and the IAM policies that
// records/iam-policy.test.ts checks against the e2e calls are in docs/iam.md (and only there).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { expectWith } from './helpers/expect-with.js';
import { actionsOf, markdownPolicy } from './helpers/iam/policy.js';

const root = join(import.meta.dirname, '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const chapters = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const pages = ['README.md', ...chapters];

/** The text with fenced code blocks and inline code spans blanked out: links there are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, each space a hyphen. */
export function slug(heading: string): string {
  const text = heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Every anchor a markdown file offers: its headings' (duplicates numbered) and `<a id="…">`s. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading] of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(heading ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id ?? '');
  return anchors;
}

/**
 * The relative links of `markdown` (a file at `file`, relative to `base`) that do not resolve: a
 * missing file, or an anchor the target markdown file does not have. Absolute URLs are not followed.
 */
export function brokenLinks(
  markdown: string,
  file: string,
  base: string,
  readText = (p: string) => readFileSync(p, 'utf8'),
): string[] {
  const broken: string[] = [];
  for (const [, target] of prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [path = '', anchor] = target.split('#', 2);
    const resolved = path === '' ? join(base, file) : resolve(base, dirname(file), path);
    if (!existsSync(resolved)) {
      broken.push(`${file}: ${target} (no ${relative(base, resolved)})`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
      broken.push(`${file}: ${target} (an anchor into a file that is not markdown)`);
      continue;
    }
    if (!anchorsOf(readText(resolved)).has(anchor))
      broken.push(`${file}: ${target} (no heading or <a id> "${anchor}" in ${relative(base, resolved)})`);
  }
  return broken;
}

describe('links between the README and docs/', () => {
  it('finds the README and the chapters', () => {
    expect(chapters).toEqual(
      expect.arrayContaining([
        'docs/pacing.md',
        'docs/failure-modes.md',
        'docs/iam.md',
        'docs/development.md',
      ]),
    );
  });

  it.each(pages)('every relative link of %s reaches an existing file and anchor', (page) => {
    expect(brokenLinks(read(page), page, root)).toEqual([]);
  });

  it('is really checking: a missing file, a missing anchor and a good link', () => {
    const sample = [
      '[ok](docs/pacing.md) [ok](#inputs) [web](https://example.com/x.md#nowhere) `[code](nope.md)`',
      '[gone](docs/nope.md) [bad anchor](docs/iam.md#no-such-heading) [self](#no-such-here)',
      '```',
      '[in a fence](also-nope.md)',
      '```',
    ].join('\n');
    const pretendReadme = `# Title\n\n## Inputs\n\n${sample}\n`;
    expect(
      brokenLinks(pretendReadme, 'README.md', root, (p) =>
        p.endsWith('README.md') ? pretendReadme : readFileSync(p, 'utf8'),
      ),
    ).toEqual([
      'README.md: docs/nope.md (no docs/nope.md)',
      'README.md: docs/iam.md#no-such-heading (no heading or <a id> "no-such-heading" in docs/iam.md)',
      'README.md: #no-such-here (no heading or <a id> "no-such-here" in README.md)',
    ]);
  });

  it('makes anchors as GitHub does', () => {
    expect(slug("Measured against ECS's own rolling update")).toBe(
      'measured-against-ecss-own-rolling-update',
    );
    expect(slug('Services without a load balancer (workers)')).toBe(
      'services-without-a-load-balancer-workers',
    );
    expect(slug('Roll back by hand')).toBe('roll-back-by-hand');
    expect([...anchorsOf('# A\n## A\n<a id="x"></a>\n```\n# not a heading\n```\n')]).toEqual([
      'a',
      'a-1',
      'x',
    ]);
  });

  it('the README links every chapter of docs/', () => {
    const linked = new Set([...prose(read('README.md')).matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]));
    expectWith(
      chapters.filter((c) => !linked.has(c)),
      'chapters the README does not link',
    ).toEqual([]);
  });
});

describe('the README is for users', () => {
  const readme = read('README.md');

  it('is at most about 20 KB', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(20 * 1024);
  });

  it('has the two commands for a fresh machine on its first screen, and package.json has their scripts', () => {
    const firstScreen = readme.split('\n').slice(0, 25).join('\n');
    expect(firstScreen).toContain('`npm ci && npm run demo`');
    expect(firstScreen).toContain('`npm ci && npm test`');
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['demo']).toBeTruthy();
    expect(scripts['test']).toBeTruthy();
  });

  const action = parse(read('action.yml')) as {
    inputs: Record<string, { default?: string }>;
    outputs: Record<string, unknown>;
  };
  /** The first column of every table row that names one thing in backticks: `| \`name\` | …`. */
  const rowNames = (markdown: string, heading: string): string[] => {
    const start = markdown.indexOf(`\n## ${heading}\n`);
    const end = markdown.indexOf('\n## ', start + 1);
    const section = markdown.slice(start, end === -1 ? undefined : end);
    return [...section.matchAll(/^\| `([\w-]+)` \|/gm)].map((m) => m[1] ?? '');
  };

  it.each([
    ['README.md', 'Inputs', 'Outputs'],
    ['docs/inputs.md', 'Inputs', 'Outputs'],
  ])('%s has a row for every input and output of action.yml, and none it lacks', (file, inputs, outputs) => {
    const text = read(file);
    const documentedInputs = rowNames(text, inputs);
    const documentedOutputs = rowNames(text, outputs);
    expect([...new Set(documentedInputs)].sort()).toEqual(Object.keys(action.inputs).sort());
    expect([...new Set(documentedOutputs)].sort()).toEqual(Object.keys(action.outputs).sort());
  });

  it("gives each input the default action.yml gives it (the README's short tables)", () => {
    const rows = new Map(
      [...readme.matchAll(/^\| `([\w-]+)` \| ([^|]*) \|/gm)].map((m) => [m[1] ?? '', (m[2] ?? '').trim()]),
    );
    const wrong = Object.entries(action.inputs)
      .filter(([, d]) => d.default !== undefined && d.default !== '')
      .filter(([name, d]) => !(rows.get(name) ?? '').startsWith(`\`${d.default}\``))
      .map(([name, d]) => `${name}: action.yml says ${d.default}, README says ${rows.get(name)}`);
    expect(wrong).toEqual([]);
  });
});

describe('the IAM policies live in docs/iam.md', () => {
  it('has the deploy and the plan policy, as JSON that records/iam-policy.test.ts reads', () => {
    const doc = read('docs/iam.md');
    expect(actionsOf(markdownPolicy(doc, 'deploy'))).toEqual(
      expect.arrayContaining([
        'ecs:UpdateService',
        'ecs:RegisterTaskDefinition',
        'ecs:StopServiceDeployment',
      ]),
    );
    expect(actionsOf(markdownPolicy(doc, 'plan'))).toContain('ecs:DescribeServices');
  });

  it('and only there: no copy in the README to drift from the checked one', () => {
    expect(read('README.md')).not.toMatch(/<!-- iam-policy:/);
    expect(() => markdownPolicy(read('README.md'), 'deploy', 'README.md')).toThrow(
      'README.md has no <!-- iam-policy:deploy -->',
    );
  });
});
