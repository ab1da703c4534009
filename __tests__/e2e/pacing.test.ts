// The action holds each batch, end to end: between batches the service is held (ECS can start
// nothing), each batch is released by the action and launched no bigger than its size, the next
// release waits for the verdict (health, health-check-url, bake time), old tasks drain while the
// next batch runs (or not, with drain-overlap false), in either reading of maximumPercent.
import { describe, expect, it } from '@jest/globals';
import { DeregisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { emulatorClients } from '../../emulator/src/scenario.js';
import {
  CONTAINER_PORT,
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  launchedPerRelease,
  lineWatcher,
  observeFleet,
  releaseTimes,
  setTaskHealth,
  settingsSent,
  startDeploy,
  startHarness,
  startPaceWatch,
  steadyProblems,
  whileRunning,
  type Harness,
  type PaceRecord,
} from './helpers.js';
import type { ActionRun } from '../../tools/run-action.js';
import { expectWith } from '../helpers/expect-with.js';

const NEW_IMAGE = 'public.ecr.aws/demo/web:2';

async function deployPaced(
  h: Harness,
  inputs: Record<string, string>,
  onLine?: (line: string) => void,
): Promise<{ run: ActionRun; pace: PaceRecord }> {
  let newArn: string | undefined;
  const watch = startPaceWatch(h, () => newArn);
  const run = await deploy(h, inputs, {
    onLine: (line) => {
      // The revision is known once registered; tasks are launched only after that.
      const m = /registered (web:\d+)/.exec(line);
      if (m) newArn = h.info.taskDefinitionArn.replace(/web:\d+$/, m[1] ?? '');
      onLine?.(line);
    },
  }).finally(() => undefined);
  return { run, pace: watch.stop() };
}

async function expectSteadyOn(h: Harness, arn: string): Promise<void> {
  const fleet = await observeFleet(h.info);
  expect(steadyProblems(fleet, arn, fleet.desiredCount, h.info.targetGroupArns)).toEqual([]);
  expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
}

describe('hold and release', () => {
  it.each([
    ['overlap on, draining tasks not counted (the default reading)', 'true', false],
    ['overlap on, draining tasks counted', 'true', true],
    ['overlap off, draining tasks not counted', 'false', false],
    ['overlap off, draining tasks counted', 'false', true],
  ])(
    '%s: no batch launches more than its size, N + b tasks meant to run at most, never below N healthy',
    async (_name, overlap, counted) => {
      const h = await startHarness({ desiredCount: 6, emulator: { drainingCountsTowardMaximum: counted } });
      try {
        const { run, pace } = await deployPaced(
          h,
          h.inputs({ image: NEW_IMAGE, 'batch-size': '2', 'drain-overlap': overlap }),
        );
        expectWith(run.outputs['outcome'], describeRun(run)).toBe('succeeded');
        const calls = h.emulator.calls();
        // The service started held, then per batch: release, hold; then its own settings.
        const sent = settingsSent(calls).map(
          (s) => `${s.taskDefinition ? 'td ' : ''}${s.maximumPercent}/${s.minimumHealthyPercent}`,
        );
        expect(sent).toEqual([
          'td 100/100',
          '134/100',
          '100/100',
          '134/100',
          '100/100',
          '134/100',
          '100/100',
          '200/50',
        ]);
        expect(launchedPerRelease(calls, pace.launched)).toEqual([2, 2, 2]);
        expect(Math.max(...pace.samples.map((s) => s.up))).toBeLessThanOrEqual(8);
        expect(Math.min(...pace.samples.map((s) => s.healthy))).toBeGreaterThanOrEqual(6);
        // Without overlap the old tasks are gone before the next batch starts: never more than N + b at all.
        if (overlap === 'false') expect(Math.max(...pace.samples.map((s) => s.live))).toBeLessThanOrEqual(8);
        await expectSteadyOn(h, run.outputs['task-definition-arn'] ?? '');
      } finally {
        await h.stop();
      }
    },
  );

  it('a health-check-url failing from the start, with a 0 s drain: the gate fires in batch 1, no task of batch 2 is ever launched', async () => {
    const h = await startHarness({ desiredCount: 6, scenario: { deregistrationDelaySeconds: 0 } });
    try {
      const { run, pace } = await deployPaced(
        h,
        h.inputs({
          image: NEW_IMAGE,
          'batch-size': '2',
          // The listener's /missing answers 404 whatever the version: the URL check fails from the start.
          'health-check-url': `${h.info.listenerUrl}/_emulator/missing-path`,
          'health-check-status': '200',
          'health-check-threshold': '2',
        }),
      );
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('rolled-back');
      expect(run.outputs['failure-reason']).toMatch(
        /^batch 1\/3: health check http:\/\/127\.0\.0\.1:\d+\/_emulator\/missing-path failed 2 times in a row/,
      );
      expectWith(
        pace.launched.size,
        `${describeRun(run)}\n${JSON.stringify(settingsSent(h.emulator.calls()))}`,
      ).toBe(2);
      expect(run.stdout).not.toMatch(/batch 2\/3: starting/);
      await expectSteadyOn(h, h.info.taskDefinitionArn);
    } finally {
      await h.stop();
    }
  });
});

describe('bake time', () => {
  it('holds every batch for the bake time after its tasks are healthy: no release before it has passed', async () => {
    const h = await startHarness({ desiredCount: 4 });
    try {
      const healthyAt: number[] = [];
      const { run } = await deployPaced(
        h,
        h.inputs({ image: NEW_IMAGE, 'batch-size': '2', 'bake-time': '2s' }),
        (line) => {
          if (/every gate passes; baking 2s/.test(line)) healthyAt.push(Date.now());
        },
      );
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('succeeded');
      const releases = releaseTimes(h.emulator.calls());
      expect(healthyAt).toHaveLength(2);
      expect(releases).toHaveLength(2);
      // The second release came at least the bake time after batch 1 was seen healthy.
      expect((releases[1] ?? 0) - (healthyAt[0] ?? Infinity)).toBeGreaterThanOrEqual(2_000 - 100);
    } finally {
      await h.stop();
    }
  });

  it('a target that turns unhealthy during the bake time fails the batch and the rollout is rolled back', async () => {
    const h = await startHarness({ desiredCount: 4 });
    try {
      const watcher = lineWatcher();
      const action = startDeploy(
        h,
        h.inputs({ image: NEW_IMAGE, 'batch-size': '2', 'bake-time': '1m', 'batch-timeout': '2m' }),
        {
          onLine: watcher.onLine,
        },
      );
      const run = await whileRunning(action, async () => {
        await watcher.waitFor(/batch 1\/2: every gate passes; baking 1m/, 60_000);
        const fleet = await observeFleet(h.info);
        const fresh = fleet.tasks.find(
          (t) => t.taskDefinitionArn !== h.info.taskDefinitionArn && t.lastStatus === 'RUNNING',
        );
        if (!fresh?.ip) throw new Error('no new task to fail');
        await setTaskHealth(fresh.ip, CONTAINER_PORT, 'fail');
      });
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('rolled-back');
      expect(run.outputs['failure-reason']).toMatch(
        /^batch 1\/2: (target .* during the bake time|task .* stopped during the bake time)/,
      );
      expect(run.stdout).not.toMatch(/batch 2\/2: starting/);
      await expectSteadyOn(h, h.info.taskDefinitionArn);
    } finally {
      await h.stop();
    }
  });

  it('cancelled while the service is held for the bake time: rolled back, outcome cancelled', async () => {
    const h = await startHarness({ desiredCount: 4 });
    try {
      const watcher = lineWatcher();
      const action = startDeploy(
        h,
        h.inputs({
          image: NEW_IMAGE,
          'batch-size': '2',
          'bake-time': '5m',
          'batch-timeout': '10m',
          'rollout-timeout': '20m',
        }),
        {
          onLine: watcher.onLine,
        },
      );
      const run = await whileRunning(action, async () => {
        await watcher.waitFor(/batch 1\/2: every gate passes; baking 5m/, 60_000);
        action.child.kill('SIGINT');
      });
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('cancelled');
      expect(run.outputs['failure-reason']).toMatch(/cancelled in batch 1\/2/);
      await expectSteadyOn(h, h.info.taskDefinitionArn);
    } finally {
      await h.stop();
    }
  });
});

describe('plan and deploy agree on the target', () => {
  it('the running revision given by name: plan says a deploy changes nothing; deploy registers nothing and rolls nothing', async () => {
    const h = await startHarness({ desiredCount: 2 });
    try {
      const current = h.info.taskDefinitionArn;
      const planned = await deploy(
        h,
        h.inputs({ mode: 'plan', 'task-definition': 'web:1', 'container-name': '' }),
      );
      expectWith(planned.outputs['outcome'], describeRun(planned)).toBe('planned');
      expect(planned.outputs['task-definition-arn']).toBe(current);
      expect(planned.summary).toMatch(/registers nothing, rolls nothing/);
      const run = await deploy(h, h.inputs({ 'task-definition': 'web:1', 'container-name': '' }));
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('succeeded');
      expect(run.outputs['task-definition-arn']).toBe(current);
      expect(
        h.emulator
          .calls()
          .filter((c) => c.mutating && c.operation !== 'TagResource' && c.operation !== 'UntagResource'),
      ).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('a deregistered revision: refused by plan mode as by deploy, before anything changes', async () => {
    const h = await startHarness({ desiredCount: 2 });
    try {
      const first = await deploy(h, h.inputs({ image: NEW_IMAGE, 'batch-size': '2' }));
      expectWith(first.outputs['outcome'], describeRun(first)).toBe('succeeded');
      const { ecs, elbv2 } = emulatorClients(h.info.endpoint, h.info.region);
      try {
        await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:1' }));
      } finally {
        ecs.destroy();
        elbv2.destroy();
      }
      h.emulator.clearCalls();
      for (const mode of ['plan', 'deploy']) {
        const run = await deploy(h, h.inputs({ mode, 'task-definition': 'web:1', 'container-name': '' }));
        expectWith(run.outputs['outcome'], describeRun(run)).toBe('failed');
        expect(run.outputs['failure-reason']).toMatch(
          /Task definition web:1 is INACTIVE; ECS does not let a service move to it/,
        );
      }
      expect(h.emulator.calls().filter((c) => c.mutating)).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
