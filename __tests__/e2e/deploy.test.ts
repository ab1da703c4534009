// Successful rollouts of the bundled action against the emulator: the batches ECS really ran, the
// outputs, the job summary, and the service left steady on the new revision with its own settings.
import { describe, it, expect } from '@jest/globals';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  lineWatcher,
  notStopped,
  observeFleet,
  startHarness,
  startSampler,
  steadyProblems,
  waitUntil,
} from './helpers.js';
import type { Harness, Sample } from './helpers.js';
import type { ActionRun } from '../../tools/run-action.js';
import { startTraffic } from '../../tools/traffic.js';
import type { TrafficReport } from '../../tools/traffic.js';
import { expectWith } from '../helpers/expect-with.js';

const NEW_IMAGE = 'public.ecr.aws/demo/web:2';

/** What every successful rollout must leave behind. */
async function expectSucceeded(h: Harness, run: ActionRun, batches: number): Promise<string> {
  expectWith(run.exitCode, describeRun(run)).toBe(0);
  expectWith(run.outputs['outcome'], describeRun(run)).toBe('succeeded');
  expect(run.outputs['previous-task-definition-arn']).toBe(h.info.taskDefinitionArn);
  const arn = run.outputs['task-definition-arn'] ?? '';
  expect(arn).toMatch(/^arn:aws:ecs:us-east-1:\d{12}:task-definition\/web:2$/);
  expect(run.outputs['batches']).toBe(String(batches));
  expect(run.outputs['failure-reason'] ?? '').toBe('');

  expect(run.summary).toContain('web:1');
  expect(run.summary).toContain('web:2');
  expect(run.summary).toContain(NEW_IMAGE);
  // The batch table: one row per batch, all succeeded.
  const rows = run.summary.split('\n').filter((line) => /^\| \d+ \|.*\| succeeded \|$/.test(line));
  expectWith(rows, run.summary).toHaveLength(batches);

  const fleet = await observeFleet(h.info);
  const desired = fleet.desiredCount;
  expect(steadyProblems(fleet, arn, desired, h.info.targetGroupArns)).toEqual([]);
  expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
  // Every old task is gone, not merely out of the target group.
  const leftovers = await waitUntil(
    async () =>
      notStopped(await observeFleet(h.info), h.info.taskDefinitionArn).map((t) => `${t.arn} ${t.lastStatus}`),
    10_000,
  );
  expect(leftovers).toEqual([]);
  return arn;
}

/** The numbers of the batches the log says started, in order. */
function batchesStarted(lines: string[]): number[] {
  return lines.flatMap((line) => {
    const m = /batch (\d+)\/\d+: starting/.exec(line);
    return m ? [Number(m[1])] : [];
  });
}

describe('deploy', () => {
  it('N=6, batch-size 2: three sequential batches, never above 8 tasks or below 6 healthy, no failed request', async () => {
    const h = await startHarness({ desiredCount: 6 });
    try {
      const watcher = lineWatcher();
      const sampler = startSampler(h.info);
      let samples: Sample[] = [];
      let load: TrafficReport | undefined;
      const traffic = startTraffic(h.info.listenerUrl, { ratePerSecond: 25, maxDurationMs: 150_000 });
      let run: ActionRun;
      try {
        run = await deploy(h, h.inputs({ image: NEW_IMAGE, 'batch-size': '2' }), { onLine: watcher.onLine });
      } finally {
        samples = await sampler.stop();
        load = await traffic.stop();
      }
      const arn = await expectSucceeded(h, run, 3);

      // The log tells the batches apart, and each one ended before the next began.
      expect(batchesStarted(watcher.lines)).toEqual([1, 2, 3]);
      const order = watcher.lines
        .filter((l) => /batch \d+\/\d+(?:: starting| passed(?=:))/.test(l))
        .map((l) => /batch \d+\/\d+(?:: starting| passed(?=:))/.exec(l)?.[0]);
      expect(order).toEqual([
        'batch 1/3: starting',
        'batch 1/3 passed',
        'batch 2/3: starting',
        'batch 2/3 passed',
        'batch 3/3: starting',
        'batch 3/3 passed',
      ]);

      // Every state the service went through while it ran (recorded at each scheduler pass and
      // health transition, not sampled): ECS paced it in steps of 2 (never more than 6 + 2 tasks
      // meant to run) and never let the healthy targets drop below 6.
      expect(samples.length).toBeGreaterThan(10);
      expect(Math.max(...samples.map((s) => s.live))).toBeLessThanOrEqual(8);
      expect(Math.min(...samples.map((s) => s.healthy))).toBeGreaterThanOrEqual(6);
      // And it did surge: the samples saw more than 6 tasks at some point.
      expect(Math.max(...samples.map((s) => s.live))).toBeGreaterThan(6);

      // Zero downtime through the listener, served by both revisions.
      if (!load) throw new Error('no traffic report');
      expect(load.sent).toBeGreaterThan(50);
      expectWith(load.failed, load.failures.join('\n')).toBe(0);
      expect(load.byTaskDefinition['web:1'] ?? 0).toBeGreaterThan(0);
      expect(load.byTaskDefinition['web:2'] ?? 0).toBeGreaterThan(0);

      // The action registered exactly one revision and updated the service to it.
      const calls = h.emulator.calls();
      expect(calls.filter((c) => c.operation === 'RegisterTaskDefinition' && c.status === 200)).toHaveLength(
        1,
      );
      expect(
        calls.some(
          (c) =>
            c.operation === 'UpdateService' &&
            c.params['taskDefinition'] !== undefined &&
            arn.endsWith(c.params['taskDefinition'] ?? '\u0000'),
        ),
      ).toBe(true);
    } finally {
      await h.stop();
    }
  });

  it('N=5, batch-size 2: batches of 2, 2 and 1, with a passing HTTP health check', async () => {
    const h = await startHarness({ desiredCount: 5 });
    try {
      const watcher = lineWatcher();
      const healthCheckUrl = new URL('/health', h.info.listenerUrl).toString();
      const run = await deploy(
        h,
        h.inputs({ image: NEW_IMAGE, 'batch-size': '2', 'health-check-url': healthCheckUrl }),
        {
          onLine: watcher.onLine,
        },
      );
      await expectSucceeded(h, run, 3);
      const sizes = watcher.lines.flatMap((line) => {
        const m = /batch \d+\/3: starting (\d+) new task/.exec(line);
        return m ? [Number(m[1])] : [];
      });
      expect(sizes).toEqual([2, 2, 1]);
    } finally {
      await h.stop();
    }
  });

  it('a service behind two target groups: every new task healthy in both', async () => {
    const h = await startHarness({ desiredCount: 4, targetGroups: 2 });
    try {
      const run = await deploy(h, h.inputs({ image: NEW_IMAGE, 'batch-size': '2' }));
      await expectSucceeded(h, run, 2);
      // expectSucceeded checked both groups; make sure there really were two, with four healthy each.
      const fleet = await observeFleet(h.info);
      expect(h.info.targetGroupArns).toHaveLength(2);
      for (const group of h.info.targetGroupArns) {
        expect(fleet.targets.filter((t) => t.targetGroupArn === group && t.state === 'healthy')).toHaveLength(
          4,
        );
      }
      // The action looked at both groups, not just the first.
      const watched = new Set(
        h.emulator
          .calls()
          .filter((c) => c.operation === 'DescribeTargetHealth')
          .map((c) => c.params['TargetGroupArn']),
      );
      for (const group of h.info.targetGroupArns)
        expectWith(watched.has(group), JSON.stringify([...watched])).toBe(true);
    } finally {
      await h.stop();
    }
  });

  it('100 tasks on the in-process runtime, batch-size 10%: ten batches', async () => {
    const h = await startHarness({
      desiredCount: 100,
      emulator: { taskRuntime: 'in-process' },
      scenario: { waitTimeoutMs: 90_000 },
    });
    try {
      const run = await deploy(
        h,
        h.inputs({ image: NEW_IMAGE, 'batch-size': '10%', 'batch-timeout': '90s', 'rollout-timeout': '10m' }),
      );
      await expectSucceeded(h, run, 10);
    } finally {
      await h.stop();
    }
  });
});
