// Cancellation as a runner does it: SIGINT to the main step's process mid-batch, then the post step
// (post-if: always()) with the state main saved. The post step puts the previous task definition
// back, health-gated, and restores the service's own deployment settings.
import { describe, it, expect } from 'vitest';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  describeRun,
  lineWatcher,
  notStopped,
  observeFleet,
  runPost,
  startDeploy,
  startHarness,
  steadyProblems,
  waitUntil,
  whileRunning,
} from './helpers.js';
import type { ActionRun } from '../../tools/run-action.js';

/** The runner sends SIGTERM 7.5 s after SIGINT and kills 2.5 s later: main must be gone by then. */
const RUNNER_KILL_AFTER_MS = 10_000;

describe('cancellation', () => {
  it('SIGINT mid-batch, then the post step: back on the previous revision at the desired count, settings restored', async () => {
    const h = await startHarness({ desiredCount: 6 });
    try {
      const watcher = lineWatcher();
      const inputs = h.inputs({ image: 'public.ecr.aws/demo/web:2', 'batch-size': '2', 'on-cancel': 'rollback' });
      const action = startDeploy(h, inputs, { onLine: watcher.onLine });
      let exitedWithin: number | undefined;
      const main: ActionRun = await whileRunning(action, async () => {
        await watcher.waitFor(/batch 2\/3: starting/, 60_000);
        const sent = Date.now();
        action.child.kill('SIGINT');
        const bound = setTimeout(() => action.child.kill('SIGKILL'), RUNNER_KILL_AFTER_MS);
        await action.done;
        clearTimeout(bound);
        exitedWithin = Date.now() - sent;
      });
      // Main handled SIGINT itself (Node's default would die of the signal) and left in time.
      expect(main.signal, describeRun(main)).toBeNull();
      expect(exitedWithin ?? Infinity).toBeLessThan(RUNNER_KILL_AFTER_MS);
      // It saved where it was, for the post step.
      const saved = JSON.parse(main.state['rollout'] ?? '{}') as { phase?: string; previousTaskDefinitionArn?: string };
      expect(saved.previousTaskDefinitionArn, JSON.stringify(main.state)).toBe(h.info.taskDefinitionArn);
      expect(['rolling-out', 'rolling-back', 'finished']).toContain(saved.phase);

      const post = await runPost(h, inputs, main.state);
      expect(post.timedOut, describeRun(post)).toBe(false);

      const fleet = await observeFleet(h.info);
      expect(steadyProblems(fleet, h.info.taskDefinitionArn, 6, h.info.targetGroupArns), describeRun(post)).toEqual([]);
      expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
      const newArns = new Set(fleet.tasks.map((t) => t.taskDefinitionArn).filter((arn) => arn !== h.info.taskDefinitionArn));
      expect(newArns.size, 'batch 1 had started new tasks').toBeGreaterThan(0);
      const leftovers = await waitUntil(
        async () => {
          const now = await observeFleet(h.info);
          return [...newArns].flatMap((arn) => notStopped(now, arn).map((t) => `${t.arn} ${t.lastStatus}`));
        },
        10_000,
      );
      expect(leftovers).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
