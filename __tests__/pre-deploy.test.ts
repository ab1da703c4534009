// runPreDeploy, the loop around the one-off task, on a fake clock and a fake driver: what it
// reports for each end, that a timeout and a cancellation stop the task, that a RunTask retried
// after a 5xx reuses its clientToken; and the SDK driver's RunTask (with aws-sdk-client-mock):
// the service's placement, the override, failures[] passed on.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeServicesCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { runPreDeploy, type PreDeployOptions } from '../src/pre-deploy.js';
import { stopLeftPreDeployTask } from '../src/pre-deploy-post.js';
import { Calls } from '../src/rollout/calls.js';
import type { OneOffTaskDriver } from '../src/pre-deploy-plan.js';
import { createOneOffTaskDriver } from '../src/platform/one-off-task.js';
import { DriverError } from '../src/rollout/port.js';
import { Heartbeat } from '../src/rollout/watch.js';
import { FakeClock, T0 } from './helpers/fake-service.js';
import type { TaskView } from '../src/rollout/snapshot.js';

const TASK_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/prod/abc123';

/** A task that is RUNNING until `stopsAt` (fake-clock time), then STOPPED with `exitCode`. */
function fakeTasks(
  clock: FakeClock,
  stopsAt: number,
  exitCode: number | undefined,
  opts: { failures?: boolean; runTaskErrors?: number } = {},
) {
  const calls = { runTask: [] as string[], stopTask: [] as string[], describe: 0 };
  let stoppedAt = stopsAt;
  let stoppedBy: string | undefined;
  let errors = opts.runTaskErrors ?? 0;
  const view = (): TaskView => {
    const stopped = clock.now() >= stoppedAt;
    // A task StopTask ended exits as SIGTERM left it (143); one still running has no code.
    const code = !stopped ? undefined : stoppedBy ? 143 : exitCode;
    return {
      arn: TASK_ARN,
      id: 'abc123',
      taskDefinitionArn: 'td',
      lastStatus: stopped ? 'STOPPED' : 'RUNNING',
      desiredStatus: stopped ? 'STOPPED' : 'RUNNING',
      ...(stopped ? { stoppedReason: stoppedBy ?? 'Essential container in task exited' } : {}),
      containers: [code === undefined ? { name: 'web' } : { name: 'web', exitCode: code }],
    };
  };
  const driver: OneOffTaskDriver = {
    async runTask(request) {
      calls.runTask.push(request.clientToken);
      if (errors-- > 0)
        throw new DriverError('InternalFailure (HTTP 500)', { kind: 'transient', httpStatus: 500 });
      if (opts.failures)
        return { failures: [{ reason: 'RESOURCE:ENI', arn: 'arn:aws:ecs:...:container-instance/x' }] };
      return { task: { ...view(), lastStatus: 'PROVISIONING' }, failures: [] };
    },
    async describeTask() {
      calls.describe++;
      return view();
    },
    async stopTask(_arn, reason) {
      calls.stopTask.push(reason);
      stoppedBy = reason;
      stoppedAt = clock.now();
    },
  };
  return { driver, calls };
}

function options(
  clock: FakeClock,
  tasks: OneOffTaskDriver,
  extra: Partial<PreDeployOptions> = {},
): PreDeployOptions {
  return {
    tasks,
    calls: new Calls({ clock, heartbeat: new Heartbeat(() => undefined), callBoundMs: 30_000 }),
    log: { line: () => undefined, warning: () => undefined },
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7',
    body: {
      containerDefinitions: [
        {
          name: 'web',
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' },
          },
        },
      ],
    },
    container: 'web',
    command: ['migrate'],
    timeoutMs: 60_000,
    region: 'us-east-1',
    ...extra,
  };
}

describe('runPreDeploy', () => {
  it('exit 0: succeeded, with the exit code, the stoppedReason and the log link', async () => {
    const clock = new FakeClock();
    const { driver, calls } = fakeTasks(clock, T0 + 20_000, 0);
    const report = await runPreDeploy(options(clock, driver));
    expect(report).toMatchObject({
      outcome: 'succeeded',
      exitCode: 0,
      stoppedReason: 'Essential container in task exited',
      taskArn: TASK_ARN,
      logUrl: expect.stringContaining('log-events/ecs$252Fweb$252Fabc123'),
    });
    expect(calls.stopTask).toEqual([]);
    expect(clock.now() - T0).toBeGreaterThanOrEqual(20_000);
  });

  it('exit 1: failed, naming the code', async () => {
    const clock = new FakeClock();
    const { driver, calls } = fakeTasks(clock, T0 + 5_000, 1);
    const report = await runPreDeploy(options(clock, driver));
    expect(report).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(report.message).toMatch(
      /container "web" exited with code 1 \(Essential container in task exited\)/,
    );
    expect(calls.stopTask).toEqual([]);
  });

  it('RunTask answers failures[] and no task: failed, with ECS’s reason, nothing to stop', async () => {
    const clock = new FakeClock();
    const { driver, calls } = fakeTasks(clock, T0, 0, { failures: true });
    const report = await runPreDeploy(options(clock, driver));
    expect(report.outcome).toBe('failed');
    expect(report.message).toMatch(/RunTask started no pre-deploy task: RESOURCE:ENI/);
    expect(calls.describe).toBe(0);
  });

  it('past pre-deploy-timeout: the task is stopped (StopTask) and the pre-deploy fails', async () => {
    const clock = new FakeClock();
    const { driver, calls } = fakeTasks(clock, T0 + 3_600_000, 0);
    const report = await runPreDeploy(options(clock, driver, { timeoutMs: 30_000 }));
    expect(report.outcome).toBe('failed');
    expect(report.message).toMatch(/did not finish within pre-deploy-timeout \(30s\)/);
    expect(calls.stopTask).toEqual([expect.stringMatching(/pre-deploy-timeout \(30s\) passed/)]);
    expect(clock.now() - T0).toBeLessThan(40_000);
  });

  it('a cancellation while it runs stops the task', async () => {
    const clock = new FakeClock();
    const { driver, calls } = fakeTasks(clock, T0 + 3_600_000, 0);
    const controller = new AbortController();
    const originalDescribe = driver.describeTask.bind(driver);
    driver.describeTask = async (arn) => {
      if (clock.now() - T0 > 10_000) controller.abort();
      return originalDescribe(arn);
    };
    const report = await runPreDeploy(options(clock, driver, { signal: controller.signal }));
    expect(report.outcome).toBe('cancelled');
    expect(calls.stopTask).toEqual([expect.stringMatching(/cancelled/)]);
  });

  it('a RunTask that fails with a 5xx is retried with the same clientToken', async () => {
    const clock = new FakeClock();
    const { driver, calls } = fakeTasks(clock, T0 + 1_000, 0, { runTaskErrors: 2 });
    const report = await runPreDeploy(options(clock, driver));
    expect(report.outcome).toBe('succeeded');
    expect(calls.runTask).toHaveLength(3);
    expect(new Set(calls.runTask).size).toBe(1);
  });
});

describe('the SDK driver’s RunTask', () => {
  const ecs = mockClient(ECSClient);
  afterEach(() => {
    ecs.reset();
  });

  it('repeats the service’s network, launch type and platform version, with the override and startedBy', async () => {
    const awsvpcConfiguration = {
      subnets: ['subnet-1'],
      securityGroups: ['sg-1'],
      assignPublicIp: 'DISABLED' as const,
    };
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'web',
          networkConfiguration: { awsvpcConfiguration },
          launchType: 'FARGATE',
          platformVersion: '1.4.0',
        },
      ],
    });
    ecs
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY', detail: 'no room' }] });
    const driver = createOneOffTaskDriver(new ECSClient({ region: 'us-east-1' }), {
      cluster: 'prod',
      service: 'web',
    });
    const answer = await driver.runTask({
      taskDefinitionArn: 'arn:td:7',
      container: 'web',
      command: ['migrate', 'up'],
      startedBy: 'ecs-rolling-deploy/pre-deploy',
      clientToken: 'tok',
    });
    expect(answer).toEqual({ failures: [{ reason: 'RESOURCE:MEMORY', detail: 'no room' }] });
    expect(ecs.commandCalls(RunTaskCommand)[0]?.args[0].input).toEqual({
      cluster: 'prod',
      taskDefinition: 'arn:td:7',
      count: 1,
      startedBy: 'ecs-rolling-deploy/pre-deploy',
      clientToken: 'tok',
      networkConfiguration: { awsvpcConfiguration },
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      overrides: { containerOverrides: [{ name: 'web', command: ['migrate', 'up'] }] },
    });
  });
});

describe('stopLeftPreDeployTask (the post step)', () => {
  it('stops a task still running, leaves a stopped one alone, and says when it could not', async () => {
    const clock = new FakeClock();
    const running = fakeTasks(clock, T0 + 3_600_000, 0);
    expect(await stopLeftPreDeployTask(TASK_ARN, running.driver, new Calls({ clock }))).toBe(
      'Stopped the pre-deploy task abc123, which was still running.',
    );
    expect(running.calls.stopTask).toHaveLength(1);

    const done = fakeTasks(clock, T0, 1);
    expect(await stopLeftPreDeployTask(TASK_ARN, done.driver, new Calls({ clock }))).toBe(
      'The pre-deploy task abc123 had already stopped.',
    );
    expect(done.calls.stopTask).toEqual([]);

    const refused = fakeTasks(clock, T0 + 3_600_000, 0);
    refused.driver.stopTask = async () => {
      throw new DriverError('AccessDeniedException: ecs:StopTask', { kind: 'fatal' });
    };
    expect(await stopLeftPreDeployTask(TASK_ARN, refused.driver, new Calls({ clock }))).toMatch(
      /^Could not stop the pre-deploy task abc123: AccessDeniedException: ecs:StopTask\. Stop it by hand\.$/,
    );
  });
});
