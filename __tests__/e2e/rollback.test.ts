// Failed rollouts of the bundled action against the emulator: each gate fires with a reason a user
// can act on, the previous revision is put back health-gated, the step fails, and the service ends
// steady on the previous revision with its own settings and no task of the new one left.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, expect } from '@jest/globals';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  failOldestNewTasks,
  lineWatcher,
  notStopped,
  observeFleet,
  startDeploy,
  startHarness,
  startSampler,
  steadyProblems,
  waitUntil,
  whileRunning,
} from './helpers.js';
import type { Harness, Sample } from './helpers.js';
import type { ActionRun } from '../../tools/run-action.js';
import { startTraffic } from '../../tools/traffic.js';
import type { TrafficReport } from '../../tools/traffic.js';
import { expectWith } from '../helpers/expect-with.js';

/** What every rolled-back rollout must leave behind; returns the failure reason. */
async function expectRolledBack(h: Harness, run: ActionRun): Promise<string> {
  expectWith(run.exitCode, describeRun(run)).toBe(1);
  expectWith(run.outputs['outcome'], describeRun(run)).toBe('rolled-back');
  expect(run.outputs['previous-task-definition-arn']).toBe(h.info.taskDefinitionArn);
  const newArn = run.outputs['task-definition-arn'] ?? '';
  expect(newArn).toMatch(/task-definition\/web:2$/);
  const reason = run.outputs['failure-reason'] ?? '';
  expect(reason).not.toBe('');
  // The step fails with an error annotation carrying the reason.
  expect(run.stdout).toMatch(/^::error/m);
  expect(run.summary).toContain('Rolled back');

  const fleet = await observeFleet(h.info);
  expect(steadyProblems(fleet, h.info.taskDefinitionArn, fleet.desiredCount, h.info.targetGroupArns)).toEqual(
    [],
  );
  expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
  // No task of the new revision is meant to run (checked above); the ones stopping reach STOPPED.
  const leftovers = await waitUntil(
    async () => notStopped(await observeFleet(h.info), newArn).map((t) => `${t.arn} ${t.lastStatus}`),
    10_000,
  );
  expect(leftovers).toEqual([]);
  return reason;
}

/**
 * Runs the action while sampling the service from outside. "The previous revision is left as it
 * was" is checked as what users feel: its healthy capacity never drops below the desired count.
 * (That the rollback keeps the very same previous tasks is restore.test.ts's business.)
 */
async function deployWatched(
  h: Harness,
  inputs: Record<string, string>,
): Promise<{ run: ActionRun; minHealthy: number }> {
  const sampler = startSampler(h.info);
  let samples: Sample[] = [];
  let run: ActionRun;
  try {
    run = await deploy(h, inputs);
  } finally {
    samples = await sampler.stop();
  }
  expect(samples.length).toBeGreaterThan(5);
  return { run, minHealthy: Math.min(...samples.map((s) => s.healthy)) };
}

describe('automatic rollback', () => {
  it('unhealthy first batch: rolled back, the previous revision never below full capacity, the reason names batch 1 and the reason code', async () => {
    const h = await startHarness({ desiredCount: 6 });
    try {
      const { run, minHealthy } = await deployWatched(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:unhealthy' }),
      );
      const reason = await expectRolledBack(h, run);
      expect(reason).toMatch(/batch 1\b/);
      // What ELB said about the target: its reason code, or its description of it (ECS may stop
      // the task so soon after `unhealthy` that the action sees it stopped, not the target).
      expect(reason).toMatch(/Target\.ResponseCodeMismatch|Health checks failed with these codes: \[500\]/);
      expect(minHealthy).toBeGreaterThanOrEqual(6);
    } finally {
      await h.stop();
    }
  });

  it('crash on start: rolled back, the reason names the stoppedReason and the exit code', async () => {
    const h = await startHarness({ desiredCount: 4 });
    try {
      const { run, minHealthy } = await deployWatched(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:crash' }),
      );
      const reason = await expectRolledBack(h, run);
      expect(reason).toMatch(/batch 1\b/);
      expect(reason).toMatch(/Essential container in task exited/);
      expect(reason).toMatch(/exit(?: code)?:? 1\b/);
      expect(minHealthy).toBeGreaterThanOrEqual(4);
    } finally {
      await h.stop();
    }
  });

  it('slow start beyond batch-timeout: rolled back, the reason names the timeout', async () => {
    const h = await startHarness({ desiredCount: 4 });
    try {
      // 600 AWS seconds of start-up is 30 real seconds at the harness's time scale: far past 4 s.
      const run = await deploy(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:slow-start-600', 'batch-timeout': '4s' }),
      );
      const reason = await expectRolledBack(h, run);
      expect(reason).toMatch(/batch 1\b/);
      expect(reason).toMatch(/timed out after 4s/);
    } finally {
      await h.stop();
    }
  });

  it('an HTTP health check that keeps failing: rolled back, the reason names the URL and its answer', async () => {
    const h = await startHarness({ desiredCount: 4 });
    // A health endpoint of the user's own (a smoke test behind another door) that answers 503.
    const server = createServer((_req, res) => res.writeHead(503).end('down'));
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    try {
      const address = server.address() as AddressInfo;
      const url = `http://127.0.0.1:${address.port}/health`;
      const run = await deploy(
        h,
        h.inputs({
          image: 'public.ecr.aws/demo/web:2',
          'health-check-url': url,
          'health-check-threshold': '2',
        }),
      );
      const reason = await expectRolledBack(h, run);
      expect(reason).toMatch(/batch 1\b/);
      expect(reason).toContain(url);
      expect(reason).toMatch(/503/);
    } finally {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
      await h.stop();
    }
  });

  it('a version that turns unhealthy after the second batch: every replaced batch restored, no failed request', async () => {
    // Batch 3 must not finish before its failing targets are seen: a deregistration delay of 80 s
    // (4 real seconds) keeps it draining its old tasks well past the two failed health checks
    // (0.5 s) and the action's next observation (about 1 s), even on a loaded machine.
    const h = await startHarness({ desiredCount: 6, scenario: { deregistrationDelaySeconds: 80 } });
    try {
      const watcher = lineWatcher();
      const traffic = startTraffic(h.info.listenerUrl, { ratePerSecond: 25, maxDurationMs: 150_000 });
      let load: TrafficReport | undefined;
      let run: ActionRun;
      try {
        const action = startDeploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2' }), {
          onLine: watcher.onLine,
        });
        run = await whileRunning(action, async () => {
          await watcher.waitFor(/batch 3\/3: starting/, 60_000);
          // Batches 1 and 2 are done: their four new tasks serve traffic. Now their health fails.
          // (Only theirs: ECS may already have started batch 3's tasks, since draining old tasks
          // do not count against maximumPercent; those stay healthy and keep serving.)
          expect(await failOldestNewTasks(h, 4)).toBe(4);
        });
      } finally {
        load = await traffic.stop();
      }
      const reason = await expectRolledBack(h, run);
      expect(reason).toMatch(/batch 3\b/);
      expect(watcher.lines.some((l) => /batch 2\/3 passed/.test(l))).toBe(true);

      // Zero downtime across the rollout and the rollback, and both revisions served.
      expect(load.sent).toBeGreaterThan(50);
      expectWith(load.failed, load.failures.join('\n')).toBe(0);
      expect(load.byTaskDefinition['web:1'] ?? 0).toBeGreaterThan(0);
      expect(load.byTaskDefinition['web:2'] ?? 0).toBeGreaterThan(0);
    } finally {
      await h.stop();
    }
  });
});
