// The database first: pre-deploy-command runs a one-off task (RunTask) of the NEW task definition,
// with the service's network configuration, after registering and before any change to the
// service. A migration that fails (or runs past pre-deploy-timeout) fails the step with the service
// untouched: no UpdateService ever sent, the lease given back. One that succeeds lets the rollout go
// on. In the emulator the command decides what the one-off container does: `--exit <code>` after
// `--sleep <s>` AWS seconds (emulator/README.md, "How a task app behaves").
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecs';
import { emulatorClients } from '../../emulator/src/scenario.js';
import type { CallRecord } from '../../emulator/src/contracts.js';
import {
  deploy,
  describeRun,
  lineWatcher,
  runPost,
  startDeploy,
  taskDefinition,
  whileRunning,
  errorAnnotations,
  observeFleet,
  startHarness,
  steadyProblems,
  waitUntil,
} from './helpers.js';
import type { Harness } from './helpers.js';
import { expectWith } from '../helpers/expect-with.js';

const LEASE_TAG = 'ecs-rolling-deploy:lease';

interface RunTaskRequest {
  cluster?: string;
  taskDefinition?: string;
  launchType?: string;
  platformVersion?: string;
  startedBy?: string;
  clientToken?: string;
  networkConfiguration?: unknown;
  overrides?: { containerOverrides?: { name?: string; command?: string[] }[] };
}

/** The action's calls of one operation, in order, with their request bodies. */
const callsOf = (calls: CallRecord[], operation: string): CallRecord[] =>
  calls.filter((c) => c.service === 'ecs' && c.operation === operation && c.status === 200);
const requestOf = <T>(call: CallRecord | undefined): T => JSON.parse(call?.wire?.request ?? '{}') as T;

describe('pre-deploy-command', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ desiredCount: 2 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const leaseTag = async (): Promise<string | undefined> => {
    const { ecs } = emulatorClients(h.info.endpoint, h.info.region);
    try {
      const { tags = [] } = await ecs.send(
        new ListTagsForResourceCommand({ resourceArn: h.info.serviceArn }),
      );
      return tags.find((t) => t.key === LEASE_TAG)?.value;
    } finally {
      ecs.destroy();
    }
  };

  it('a migration that exits 1 fails the step; the service is untouched, the lease given back', async () => {
    // A container that logs to CloudWatch (awslogs): the failure links to the task's log stream.
    const logged = taskDefinition('public.ecr.aws/demo/web:1');
    const web = logged.containerDefinitions?.[0];
    if (web)
      web.logConfiguration = {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/web',
          'awslogs-region': 'us-east-1',
          'awslogs-stream-prefix': 'ecs',
        },
      };
    writeFileSync(join(h.dir, 'logged.json'), JSON.stringify(logged));
    const from = h.emulator.calls().length;
    const run = await deploy(
      h,
      h.inputs({
        'task-definition': 'logged.json',
        image: 'web:2',
        'pre-deploy-command': 'migrate --exit 1',
      }),
    );
    expectWith(run.exitCode, describeRun(run)).toBe(1);
    expect(run.outputs['outcome']).toBe('failed');
    const errors = errorAnnotations(run).join('\n');
    expectWith(errors, describeRun(run)).toMatch(
      /The pre-deploy task \w+ failed: container "web" exited with code 1/,
    );
    expect(errors).toMatch(/Essential container in task exited/);
    expect(errors).toMatch(/The service was not changed: it still runs web:1/);
    const taskId = (JSON.parse(callsOf(h.emulator.calls().slice(from), 'RunTask')[0]?.wire?.response ?? '{}')
      .tasks?.[0]?.taskArn ?? '') as string;
    expect(errors).toContain(
      `Its log: https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/ecs$252Fweb$252F${taskId.slice(taskId.lastIndexOf('/') + 1)}`,
    );
    expect(run.outputs['failure-reason']).toMatch(/exited with code 1/);
    expect(run.summary).toMatch(/### Pre-deploy task/);
    expect(run.summary).toMatch(/FAILED\*\*, exit code 1/);
    expect(run.summary).toContain('The service was not changed.');

    // This test's calls only (the log is kept whole for the records checks after the e2e group).
    const calls = h.emulator.calls().slice(from);
    expect(callsOf(calls, 'UpdateService')).toEqual([]);
    expect(callsOf(calls, 'RunTask')).toHaveLength(1);
    // The new revision was registered (the task ran it) before the RunTask.
    const registered = callsOf(calls, 'RegisterTaskDefinition');
    expect(registered).toHaveLength(1);
    expect(requestOf<RunTaskRequest>(callsOf(calls, 'RunTask')[0]).taskDefinition).toMatch(
      /task-definition\/web:2$/,
    );

    const fleet = await observeFleet(h.info);
    expect(steadyProblems(fleet, h.info.taskDefinitionArn, 2, h.info.targetGroupArns)).toEqual([]);
    expect(fleet.deployments).toHaveLength(1);
    expect(await leaseTag()).toBeUndefined();
  });

  it('a migration that runs past pre-deploy-timeout is stopped (StopTask); the service is untouched', async () => {
    const from = h.emulator.calls().length;
    const run = await deploy(
      h,
      h.inputs({
        image: 'web:3',
        'pre-deploy-command': '["migrate", "--sleep", "100000"]',
        'pre-deploy-timeout': '3s',
      }),
    );
    expectWith(run.exitCode, describeRun(run)).toBe(1);
    expect(errorAnnotations(run).join('\n')).toMatch(/did not finish within pre-deploy-timeout \(3s\)/);
    // This test's calls only (the log is kept whole for the records checks after the e2e group).
    const calls = h.emulator.calls().slice(from);
    expect(callsOf(calls, 'UpdateService')).toEqual([]);
    const taskArn = JSON.parse(callsOf(calls, 'RunTask')[0]?.wire?.response ?? '{}').tasks?.[0]
      ?.taskArn as string;
    const stops = callsOf(calls, 'StopTask').map((c) => requestOf<{ task?: string }>(c).task);
    expect(stops).toEqual([taskArn]);
    // ECS really stops it: SIGTERM ends the one-off command.
    const { ecs } = emulatorClients(h.info.endpoint, h.info.region);
    try {
      const status = await waitUntil(async () => {
        const task = (await ecs.send(new DescribeTasksCommand({ cluster: h.info.cluster, tasks: [taskArn] })))
          .tasks?.[0];
        return task?.lastStatus === 'STOPPED' ? [] : [`task ${task?.lastStatus}`];
      }, 20_000);
      expect(status).toEqual([]);
    } finally {
      ecs.destroy();
    }
    expect((await observeFleet(h.info)).taskDefinitionArn).toBe(h.info.taskDefinitionArn);
    expect(await leaseTag()).toBeUndefined();
  });

  it('a migration that succeeds: the rollout goes on; RunTask carried the service network and the override', async () => {
    const from = h.emulator.calls().length;
    const run = await deploy(
      h,
      h.inputs({ image: 'web:4', 'pre-deploy-command': '["migrate", "--exit", "0"]' }),
    );
    expectWith(run.exitCode, describeRun(run)).toBe(0);
    expect(run.outputs['outcome']).toBe('succeeded');
    expect(run.stdout).toMatch(
      /pre-deploy: task \w+ stopped, exit code 0, stoppedReason "Essential container in task exited"/,
    );
    expect(run.summary).toMatch(/\*\*passed\*\*, exit code 0/);

    // This test's calls only (the log is kept whole for the records checks after the e2e group).
    const calls = h.emulator.calls().slice(from);
    const runTask = callsOf(calls, 'RunTask');
    expect(runTask).toHaveLength(1);
    const firstUpdate = callsOf(calls, 'UpdateService')[0];
    expect(firstUpdate).toBeDefined();
    // Before any change to the service.
    expect(calls.indexOf(runTask[0] as CallRecord)).toBeLessThan(calls.indexOf(firstUpdate as CallRecord));

    const { ecs } = emulatorClients(h.info.endpoint, h.info.region);
    let service;
    try {
      service = (
        await ecs.send(new DescribeServicesCommand({ cluster: h.info.cluster, services: [h.info.service] }))
      ).services?.[0];
    } finally {
      ecs.destroy();
    }
    const request = requestOf<RunTaskRequest>(runTask[0]);
    expect(request.networkConfiguration).toEqual(service?.networkConfiguration);
    expect(request.launchType).toBe(service?.launchType);
    expect(request.taskDefinition).toBe(run.outputs['task-definition-arn']);
    expect(request.startedBy).toBe('ecs-rolling-deploy/pre-deploy');
    expect(request.clientToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.overrides?.containerOverrides).toEqual([
      { name: 'web', command: ['migrate', '--exit', '0'] },
    ]);

    const fleet = await observeFleet(h.info);
    expect(
      steadyProblems(fleet, run.outputs['task-definition-arn'] ?? '', 2, h.info.targetGroupArns),
    ).toEqual([]);
  });

  it('a cancellation while it runs stops the task; the service is untouched, after the post step too', async () => {
    const from = h.emulator.calls().length;
    const watcher = lineWatcher();
    const inputs = h.inputs({ image: 'web:5', 'pre-deploy-command': 'migrate --sleep 100000' });
    const action = startDeploy(h, inputs, { onLine: watcher.onLine });
    const main = await whileRunning(action, async () => {
      await watcher.waitFor(/pre-deploy: started task/, 60_000);
      action.child.kill('SIGINT');
      await action.done;
    });
    expectWith(main.signal, describeRun(main)).toBeNull();
    expect(main.outputs['outcome']).toBe('cancelled');
    expect(errorAnnotations(main).join('\n')).toMatch(
      /Cancelled while the pre-deploy task \w+ ran; it was stopped/,
    );
    const post = await runPost(h, inputs, main.state);
    expectWith(post.exitCode, describeRun(post)).toBe(0);

    const calls = h.emulator.calls().slice(from);
    expect(callsOf(calls, 'UpdateService')).toEqual([]);
    const taskArn = JSON.parse(callsOf(calls, 'RunTask')[0]?.wire?.response ?? '{}').tasks?.[0]
      ?.taskArn as string;
    expect(callsOf(calls, 'StopTask').map((c) => requestOf<{ task?: string }>(c).task)).toEqual([taskArn]);
    const fleet = await observeFleet(h.info);
    expect(fleet.taskDefinitionArn).not.toMatch(/web:5/);
    expect(steadyProblems(fleet, fleet.taskDefinitionArn, 2, h.info.targetGroupArns)).toEqual([]);
    expect(await leaseTag()).toBeUndefined();
  });

  it('a pre-deploy-container the new definition does not have: refused before anything is registered', async () => {
    const from = h.emulator.calls().length;
    const run = await deploy(
      h,
      h.inputs({ image: 'web:6', 'pre-deploy-command': 'migrate', 'pre-deploy-container': 'db' }),
    );
    expectWith(run.exitCode, describeRun(run)).toBe(1);
    expect(errorAnnotations(run).join('\n')).toMatch(
      /pre-deploy-container: the new task definition has no container "db"; write one of "web"/,
    );
    const calls = h.emulator.calls().slice(from);
    for (const operation of ['RegisterTaskDefinition', 'RunTask', 'UpdateService'])
      expect(callsOf(calls, operation)).toEqual([]);
    expect(await leaseTag()).toBeUndefined();
  });

  it('RunTask refused (no permission): the step fails naming it; the service is untouched', async () => {
    const from = h.emulator.calls().length;
    h.emulator.injectFault({
      operation: 'RunTask',
      service: 'ecs',
      error: {
        code: 'AccessDeniedException',
        message: 'not authorized to perform: ecs:RunTask',
        httpStatus: 400,
      },
      times: 1,
    });
    try {
      const run = await deploy(h, h.inputs({ image: 'web:7', 'pre-deploy-command': 'migrate' }));
      expectWith(run.exitCode, describeRun(run)).toBe(1);
      expect(errorAnnotations(run).join('\n')).toMatch(
        /The pre-deploy task could not be started: RunTask of the pre-deploy task in cluster "e2e" failed: AccessDeniedException/,
      );
    } finally {
      h.emulator.clearFaults();
    }
    const calls = h.emulator.calls().slice(from);
    expect(callsOf(calls, 'UpdateService')).toEqual([]);
    expect((await observeFleet(h.info)).deployments).toHaveLength(1);
    expect(await leaseTag()).toBeUndefined();
  });

  it('main killed while the pre-deploy task runs: the post step stops the task', async () => {
    const from = h.emulator.calls().length;
    const watcher = lineWatcher();
    const inputs = h.inputs({ image: 'web:8', 'pre-deploy-command': 'migrate --sleep 100000' });
    const action = startDeploy(h, inputs, { onLine: watcher.onLine });
    const main = await whileRunning(action, async () => {
      await watcher.waitFor(/pre-deploy: started task/, 60_000);
      action.child.kill('SIGKILL');
      await action.done;
    });
    const taskArn = JSON.parse(callsOf(h.emulator.calls().slice(from), 'RunTask')[0]?.wire?.response ?? '{}')
      .tasks?.[0]?.taskArn as string;
    expect(JSON.parse(main.state['rollout'] ?? '{}')).toMatchObject({
      phase: 'preflight',
      preDeployTaskArn: taskArn,
    });
    const post = await runPost(h, inputs, main.state);
    expectWith(post.exitCode, describeRun(post)).toBe(0);
    expect(post.stdout).toMatch(/Stopped the pre-deploy task \w+, which was still running/);
    const calls = h.emulator.calls().slice(from);
    expect(callsOf(calls, 'StopTask').map((c) => requestOf<{ task?: string }>(c).task)).toEqual([taskArn]);
    expect(callsOf(calls, 'UpdateService')).toEqual([]);
    expect(await leaseTag()).toBeUndefined();
  });
});
