// The runner-faithful harness (tools/run-action.ts) at unit level: the INPUT_* variables and the
// environment it gives a step are what a GitHub runner gives it, read against action.yml itself
// and against @actions/core, which is what the action reads them with. No process is spawned.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import * as core from '@actions/core';
import { parse as parseYaml } from 'yaml';
import {
  RUNNER_TOKEN,
  actionInputs,
  inputVariable,
  parseCommandFile,
  runnerEnv,
  runnerInputs,
  type ActionInputSpec,
} from '../tools/run-action.js';
import { expectWith } from './helpers/expect-with.js';

const actionYml = parseYaml(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, ActionInputSpec>;
};
const declared = Object.entries(actionYml.inputs);
const withDefault = declared.filter(([, spec]) => spec.default !== undefined);
const withoutDefault = declared.filter(([, spec]) => spec.default === undefined);

const savedEnv = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

describe('actionInputs', () => {
  it('reads every input action.yml declares, with its default', () => {
    expect(actionInputs()).toEqual(actionYml.inputs);
    // The ones the regressions are about are there, with the defaults a runner sets.
    expect(actionInputs()['health-check-status']?.default).toBe('200-399');
    expect(actionInputs()['github-token']?.default).toBe('${{ github.token }}');
  });
});

describe('inputVariable', () => {
  it.each([
    ['service', 'INPUT_SERVICE'],
    ['task-definition', 'INPUT_TASK-DEFINITION'],
    ['health-check-url', 'INPUT_HEALTH-CHECK-URL'],
    ['my input', 'INPUT_MY_INPUT'],
    ['Mixed Case-name', 'INPUT_MIXED_CASE-NAME'],
  ])('%s -> %s (upper-cased, spaces to _, hyphens kept)', (name, variable) => {
    expect(inputVariable(name)).toBe(variable);
  });

  it('names the variable @actions/core reads for the input', () => {
    for (const [name] of declared) {
      process.env[inputVariable(name)] = `value of ${name}`;
      expectWith(core.getInput(name), name).toBe(`value of ${name}`);
    }
    process.env[inputVariable('my input')] = 'spaced';
    expect(core.getInput('my input')).toBe('spaced');
  });
});

describe('runnerInputs', () => {
  it('sets INPUT_<NAME> for every input that has a default, whether the step names it or not', () => {
    const env = runnerInputs({});
    expect(withDefault.length).toBeGreaterThan(10);
    for (const [name, spec] of withDefault) {
      const expected = name === 'github-token' ? RUNNER_TOKEN : String(spec.default);
      expectWith(env[inputVariable(name)], name).toBe(expected);
    }
    // An empty default is still set, to ''.
    expect(env['INPUT_CHECK-NAME']).toBe('');
    expect(Object.keys(env).sort()).toEqual(withDefault.map(([name]) => inputVariable(name)).sort());
  });

  it('sets no variable for an input without a default that the step does not name', () => {
    const env = runnerInputs({ service: 'web' });
    expect(withoutDefault.map(([name]) => name)).toEqual(
      expect.arrayContaining(['service', 'task-definition', 'health-check-url', 'environment-url']),
    );
    for (const [name] of withoutDefault) {
      if (name === 'service') continue;
      expectWith(env, name).not.toHaveProperty(inputVariable(name));
    }
    expect(env['INPUT_SERVICE']).toBe('web');
  });

  it('replaces `${{ github.token }}` by the token it is given', () => {
    expect(runnerInputs({})['INPUT_GITHUB-TOKEN']).toBe(RUNNER_TOKEN);
    expect(runnerInputs({}, undefined, 'ghs_other')['INPUT_GITHUB-TOKEN']).toBe('ghs_other');
    expect(
      runnerInputs(
        {},
        { a: { default: '${{github.token}}' }, b: { default: 'x ${{  github.token  }} y' } },
        't',
      ),
    ).toEqual({ INPUT_A: 't', INPUT_B: 'x t y' });
  });

  it('lays the step’s inputs over the defaults', () => {
    const env = runnerInputs({
      'batch-size': '2',
      'github-token': 'ghs_step',
      'health-check-url': 'https://web.example.com/health',
    });
    expect(env['INPUT_BATCH-SIZE']).toBe('2');
    expect(env['INPUT_GITHUB-TOKEN']).toBe('ghs_step');
    expect(env['INPUT_HEALTH-CHECK-URL']).toBe('https://web.example.com/health');
    expect(env['INPUT_MAX-UNAVAILABLE']).toBe('0');
  });

  it('takes a spec’s defaults as a runner does: non-strings as text, absent ones not set', () => {
    const spec: Record<string, ActionInputSpec> = {
      count: { default: 3 },
      flag: { default: false },
      'no default': { description: 'x' },
      'with space': { default: 'v' },
    };
    expect(runnerInputs({}, spec)).toEqual({ INPUT_COUNT: '3', INPUT_FLAG: 'false', INPUT_WITH_SPACE: 'v' });
  });

  it('is what @actions/core reads: every default, and the step’s values', () => {
    Object.assign(process.env, runnerInputs({ service: 'web', 'bake-time': '30s' }));
    expect(core.getInput('health-check-status')).toBe('200-399');
    expect(core.getInput('drain-overlap')).toBe('true');
    expect(core.getInput('bake-time')).toBe('30s');
    expect(core.getInput('service')).toBe('web');
    expect(core.getInput('environment')).toBe('');
  });
});

describe('runnerEnv', () => {
  const workDir = '/tmp/runner-temp-x';
  const workspace = '/home/runner/work/web/web';

  it('is a GitHub Actions step: GITHUB_ACTIONS, CI, RUNNER_TEMP, GITHUB_WORKSPACE', () => {
    const env = runnerEnv(workDir, workspace, 'main');
    expect(env).toMatchObject({
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      RUNNER_TEMP: workDir,
      GITHUB_WORKSPACE: workspace,
      RUNNER_OS: 'Linux',
    });
  });

  it('gives the runner’s files in the runner’s temp folder, one set per step', () => {
    const main = runnerEnv(workDir, workspace, 'main');
    const post = runnerEnv(workDir, workspace, 'post');
    for (const name of [
      'GITHUB_OUTPUT',
      'GITHUB_STATE',
      'GITHUB_STEP_SUMMARY',
      'GITHUB_ENV',
      'GITHUB_PATH',
    ] as const) {
      expectWith(main[name], name).toBeDefined();
      expectWith(dirname(main[name] ?? ''), name).toBe(workDir);
      expectWith(post[name], name).not.toBe(main[name]);
    }
    const files = ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV', 'GITHUB_PATH'].map(
      (n) => main[n],
    );
    expect(new Set(files).size).toBe(5);
  });

  it('has the workflow run’s context, and points GitHub’s API at a closed loopback port', () => {
    const env = runnerEnv(workDir, workspace, 'main');
    expect(env['GITHUB_REPOSITORY']).toMatch(/^[\w-]+\/[\w-]+$/);
    expect(env['GITHUB_RUN_ID']).toMatch(/^\d+$/);
    expect(env['GITHUB_SHA']).toMatch(/^[0-9a-f]{40}$/);
    expect(new URL(env['GITHUB_API_URL'] ?? '').hostname).toBe('127.0.0.1');
  });

  it('sets no INPUT_ variable and no STATE_ variable of its own', () => {
    const env = runnerEnv(workDir, workspace, 'post');
    expect(Object.keys(env).filter((k) => k.startsWith('INPUT_') || k.startsWith('STATE_'))).toEqual([]);
  });
});

describe('parseCommandFile', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads back what @actions/core writes to GITHUB_OUTPUT and GITHUB_STATE', () => {
    dir = mkdtempSync(join(tmpdir(), 'run-action-test-'));
    const output = join(dir, 'output');
    const state = join(dir, 'state');
    writeFileSync(output, '');
    writeFileSync(state, '');
    process.env['GITHUB_OUTPUT'] = output;
    process.env['GITHUB_STATE'] = state;
    core.setOutput('outcome', 'rolled-back');
    core.setOutput('failure-reason', 'batch 2 failed\nsecond line = with equals');
    core.setOutput('empty', '');
    core.saveState('rollout', JSON.stringify({ phase: 'rolling-out', n: 1 }));
    expect(parseCommandFile(readFileSync(output, 'utf8'))).toEqual({
      outcome: 'rolled-back',
      'failure-reason': 'batch 2 failed\nsecond line = with equals',
      empty: '',
    });
    expect(parseCommandFile(readFileSync(state, 'utf8'))).toEqual({
      rollout: '{"phase":"rolling-out","n":1}',
    });
  });

  it('reads the plain name=value form too', () => {
    expect(parseCommandFile('a=1\nb=x=y\n\n')).toEqual({ a: '1', b: 'x=y' });
  });
});
