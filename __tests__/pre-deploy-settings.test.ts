// The inputs of the pre-deploy task and keep-revisions: parsed, defaulted and refused in
// readSettings (before any AWS call), each problem naming the input and the fix.
import { describe, expect, it } from '@jest/globals';
import { readSettings, SettingsError, type Settings } from '../src/settings.js';
import { runnerInputs, inputVariable } from '../tools/run-action.js';

type Inputs = Record<string, string>;
const BASE: Inputs = { service: 'web', 'task-definition': 'task-definition.json' };

function settings(inputs: Inputs): Settings {
  return readSettings(
    (name) => ({ ...BASE, ...inputs })[name] ?? '',
    () => {},
    '/ws',
  );
}

/** As on a runner: every input with a default in action.yml is set. */
function onRunner(inputs: Inputs): Settings {
  const env = runnerInputs({ ...BASE, ...inputs });
  return readSettings(
    (name) => env[inputVariable(name)] ?? '',
    () => {},
    '/ws',
  );
}

function problemsOf(inputs: Inputs): string[] {
  try {
    settings(inputs);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems.map((p) => p.message);
  }
  throw new Error(`expected a SettingsError for ${JSON.stringify(inputs)}`);
}

describe('pre-deploy inputs', () => {
  it('are off by default, also on a runner (which sets pre-deploy-timeout and keep-revisions)', () => {
    expect(settings({}).preDeploy).toBeUndefined();
    expect(onRunner({}).preDeploy).toBeUndefined();
    expect(onRunner({}).keepRevisions).toBeUndefined();
  });

  it.each([
    ['bin/rails db:migrate', ['bin/rails', 'db:migrate']],
    ['["bin/rails", "db:migrate"]', ['bin/rails', 'db:migrate']],
    [`sh -c "./migrate && ./seed"`, ['sh', '-c', './migrate && ./seed']],
  ])('pre-deploy-command %s -> %j, default container and timeout 10m', (command, words) => {
    expect(onRunner({ 'pre-deploy-command': command }).preDeploy).toEqual({
      command: words,
      timeoutMs: 600_000,
    });
  });

  it('takes pre-deploy-container and pre-deploy-timeout with a command', () => {
    expect(
      settings({
        'pre-deploy-command': 'migrate',
        'pre-deploy-container': 'app',
        'pre-deploy-timeout': '1h30m',
      }).preDeploy,
    ).toEqual({ command: ['migrate'], container: 'app', timeoutMs: 5_400_000 });
  });

  it.each<[Inputs, RegExp]>([
    [
      { 'pre-deploy-command': '[1, 2]' },
      /^pre-deploy-command: is a JSON value but not an array of strings; write/,
    ],
    [{ 'pre-deploy-command': '["migrate"' }, /^pre-deploy-command: starts with \[ but is not valid JSON/],
    [{ 'pre-deploy-command': 'sh -c "unclosed' }, /^pre-deploy-command: has a " with no closing "/],
    [{ 'pre-deploy-command': '[]' }, /^pre-deploy-command: has no words/],
    [{ 'pre-deploy-command': 'x'.repeat(9000) }, /longer than ECS takes in a task override/],
    [
      { 'pre-deploy-command': 'migrate', 'pre-deploy-timeout': '10' },
      /^pre-deploy-timeout: "10" has no unit/,
    ],
    [
      { 'pre-deploy-command': 'migrate', 'pre-deploy-container': 'a b' },
      /^pre-deploy-container: "a b" is not an ECS container name/,
    ],
    [{ 'pre-deploy-container': 'app' }, /^pre-deploy-container: is only used with pre-deploy-command/],
    [{ 'pre-deploy-timeout': '5m' }, /^pre-deploy-timeout: is only used with pre-deploy-command/],
    [{ 'pre-deploy-command': 'migrate', mode: 'plan' }, /^pre-deploy-command: is not used in plan mode/],
    [
      { 'keep-revisions': '1' },
      /^keep-revisions: "1" would leave no previous revision to roll back to; write 0/,
    ],
    [{ 'keep-revisions': 'all' }, /^keep-revisions: "all" is not a whole number/],
    [{ 'keep-revisions': '5', mode: 'plan' }, /^keep-revisions: is not used in plan mode/],
  ])('refuses %j', (inputs, message) => {
    const messages = problemsOf(inputs);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  it('never quotes the command back (it may carry an argument not meant for the log)', () => {
    const [message] = problemsOf({ 'pre-deploy-command': '["migrate", "--password=hunter2", 3]' });
    expect(message).not.toContain('hunter2');
  });

  it('refuses it in rollback mode', () => {
    const messages = problemsOf({ 'pre-deploy-command': 'migrate', mode: 'rollback', 'task-definition': '' });
    expect(messages.some((m) => /^pre-deploy-command: is not used in rollback mode/.test(m))).toBe(true);
  });

  it('keep-revisions: 0 is off, 2 and more are kept', () => {
    expect(settings({ 'keep-revisions': '0' }).keepRevisions).toBeUndefined();
    expect(settings({ 'keep-revisions': '2' }).keepRevisions).toBe(2);
    expect(settings({ 'keep-revisions': '25' }).keepRevisions).toBe(25);
  });
});
