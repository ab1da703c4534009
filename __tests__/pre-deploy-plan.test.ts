// The pure parts of the pre-deploy task: word splitting, the container chosen, the log link, one
// look at the task; and the RunTask placement taken from the service.
import { describe, expect, it } from '@jest/globals';
import { parseCommand, splitWords } from '../src/parse/command.js';
import { awslogsLink, lookAtPreDeploy, preDeployContainer } from '../src/pre-deploy-plan.js';
import { runTaskPlacement } from '../src/platform/one-off-task.js';
import type { TaskView } from '../src/rollout/snapshot.js';

describe('splitWords (shell-like, no expansions)', () => {
  it.each<[string, string[]]>([
    ['bin/migrate up', ['bin/migrate', 'up']],
    ['  spaced   out  ', ['spaced', 'out']],
    [`sh -c "echo \\"hi\\" && exit 0"`, ['sh', '-c', 'echo "hi" && exit 0']],
    [`echo 'a "b" $HOME'`, ['echo', 'a "b" $HOME']],
    [`a\\ b c`, ['a b', 'c']],
    [`""`, ['']],
    [`x ''`, ['x', '']],
    ['one \\\ntwo', ['one', 'two']],
    ['tab\tsep\nline', ['tab', 'sep', 'line']],
  ])('%s -> %j', (text, words) => {
    expect(splitWords(text)).toEqual({ ok: true, value: words });
  });

  it.each(["it's", 'say "hi', 'ends \\'])('%s: refused', (text) => {
    expect(splitWords(text).ok).toBe(false);
  });
});

describe('parseCommand', () => {
  it('a JSON array is taken as it is, words and all', () => {
    expect(parseCommand('["a b", "$HOME", ""]')).toEqual({ ok: true, value: ['a b', '$HOME', ''] });
  });
  it('anything not starting with [ is words, as a shell would read them', () => {
    expect(parseCommand('"migrate"')).toEqual({ ok: true, value: ['migrate'] });
  });
  it.each(['', '   ', '[]', '[""]', '""', '[1]'])('%j: refused', (text) => {
    expect(parseCommand(text).ok).toBe(false);
  });
});

const body = (containers: Record<string, unknown>[]): Record<string, unknown> => ({
  containerDefinitions: containers,
});

describe('preDeployContainer', () => {
  const defs = body([
    { name: 'sidecar', essential: false },
    { name: 'web' },
    { name: 'worker', essential: true },
  ]);
  it('defaults to the first essential container (essential defaults to true)', () => {
    expect(preDeployContainer(defs, undefined)).toBe('web');
  });
  it('takes the one named, essential or not', () => {
    expect(preDeployContainer(defs, 'sidecar')).toBe('sidecar');
  });
  it('refuses a name the definition does not have, listing the ones it has', () => {
    expect(() => preDeployContainer(defs, 'db')).toThrow(
      /pre-deploy-container: the new task definition has no container "db"; write one of "sidecar", "web", "worker"/,
    );
  });
});

describe('awslogsLink', () => {
  const logged = (options: Record<string, string>, driver = 'awslogs'): Record<string, unknown> =>
    body([{ name: 'web', logConfiguration: { logDriver: driver, options } }]);

  it('with a stream prefix: the stream <prefix>/<container>/<task id>, both names encoded for the console', () => {
    expect(
      awslogsLink(
        logged({
          'awslogs-group': '/ecs/web',
          'awslogs-region': 'eu-west-1',
          'awslogs-stream-prefix': 'ecs',
        }),
        'web',
        'abc123',
        'us-east-1',
      ),
    ).toEqual({
      group: '/ecs/web',
      stream: 'ecs/web/abc123',
      url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/ecs$252Fweb$252Fabc123',
    });
  });

  it('without awslogs-region: the action region; without a prefix: the group only', () => {
    expect(awslogsLink(logged({ 'awslogs-group': 'web' }), 'web', 'abc', 'us-east-2')).toEqual({
      group: 'web',
      url: 'https://us-east-2.console.aws.amazon.com/cloudwatch/home?region=us-east-2#logsV2:log-groups/log-group/web',
    });
  });

  it('China and GovCloud consoles', () => {
    const options = { 'awslogs-group': 'g', 'awslogs-stream-prefix': 'p' };
    expect(awslogsLink(logged(options), 'web', 't', 'cn-north-1')?.url).toMatch(
      /^https:\/\/cn-north-1\.console\.amazonaws\.cn\/cloudwatch\/home\?region=cn-north-1#/,
    );
    expect(awslogsLink(logged(options), 'web', 't', 'us-gov-west-1')?.url).toMatch(
      /^https:\/\/console\.amazonaws-us-gov\.com\/cloudwatch\/home\?region=us-gov-west-1#/,
    );
  });

  it('no link for another driver, no group, or another container', () => {
    expect(awslogsLink(logged({ 'awslogs-group': 'g' }, 'fluentd'), 'web', 't', 'us-east-1')).toBeUndefined();
    expect(awslogsLink(logged({}), 'web', 't', 'us-east-1')).toBeUndefined();
    expect(awslogsLink(logged({ 'awslogs-group': 'g' }), 'db', 't', 'us-east-1')).toBeUndefined();
  });
});

describe('lookAtPreDeploy', () => {
  const task = (over: Partial<TaskView>, exitCode?: number): TaskView => ({
    arn: 'arn:aws:ecs:us-east-1:1:task/c/t1',
    id: 't1',
    taskDefinitionArn: 'td',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    containers: [
      { name: 'web', ...(exitCode !== undefined ? { exitCode } : {}) },
      { name: 'sidecar', exitCode: 0 },
    ],
    ...over,
  });
  const stopped = (exitCode?: number, why = 'Essential container in task exited'): TaskView =>
    task({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedReason: why }, exitCode);

  it.each<[string, TaskView | undefined, number, string, RegExp | null]>([
    ['not listed yet', undefined, 0, 'wait', /to be listed/],
    ['running', task({}), 1_000, 'wait', /t1 to finish \(RUNNING\)/],
    ['stopping', task({ desiredStatus: 'STOPPED', lastStatus: 'DEACTIVATING' }), 1_000, 'wait', /stopping/],
    ['exit 0', stopped(0), 1_000, 'succeeded', null],
    ['exit 0 past the timeout: the result counts', stopped(0), 10_000, 'succeeded', null],
    [
      'exit 1',
      stopped(1),
      1_000,
      'failed',
      /container "web" exited with code 1 \(Essential container in task exited\)/,
    ],
    [
      'never ran',
      stopped(undefined, 'CannotPullContainerError: no such image'),
      1_000,
      'failed',
      /stopped before container "web" ran \(CannotPullContainerError/,
    ],
    [
      'running at the timeout',
      task({}),
      5_000,
      'timeout',
      /did not finish within pre-deploy-timeout \(5s\): it was RUNNING/,
    ],
  ])('%s', (_what, seen, elapsed, kind, words) => {
    const look = lookAtPreDeploy(seen, 'web', elapsed, 5_000);
    expect(look.kind).toBe(kind);
    if (words) expect('words' in look ? look.words : 'message' in look ? look.message : '').toMatch(words);
  });

  it('the exit code is the chosen container’s, not another’s', () => {
    const look = lookAtPreDeploy(stopped(2), 'web', 0, 5_000);
    expect(look).toMatchObject({ kind: 'failed', exitCode: 2 });
  });
});

describe('runTaskPlacement: RunTask lands where the service runs', () => {
  const awsvpcConfiguration = {
    subnets: ['subnet-1'],
    securityGroups: ['sg-1'],
    assignPublicIp: 'DISABLED' as const,
  };
  it('awsvpc, launch type and platform version', () => {
    expect(
      runTaskPlacement({
        networkConfiguration: { awsvpcConfiguration },
        launchType: 'FARGATE',
        platformVersion: '1.4.0',
      }),
    ).toEqual({
      networkConfiguration: { awsvpcConfiguration },
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
    });
  });
  it('a capacity provider strategy instead of the launch type, never both', () => {
    const capacityProviderStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    expect(runTaskPlacement({ capacityProviderStrategy, launchType: 'FARGATE' })).toEqual({
      capacityProviderStrategy,
    });
  });
  it('nothing the service does not have', () => {
    expect(runTaskPlacement({})).toEqual({});
  });
});
