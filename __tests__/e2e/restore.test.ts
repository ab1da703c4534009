// The restore keeps the previous revision's tasks, end to end: on failure the action asks ECS to
// roll its service deployment back (StopServiceDeployment, stopType ROLLBACK), which returns the
// service to the previous revision without replacing the previous tasks still running. Refused, it
// falls back to UpdateService and says why; ECS's ROLLBACK_FAILED is a failed rollout; the post step
// after a SIGKILL takes the same path.
import { describe, expect, it } from '@jest/globals';
import {
  CONTAINER_PORT,
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  describeRun,
  failOldestNewTasks,
  lineWatcher,
  observeFleet,
  runPost,
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
import type { CallRecord } from '../../emulator/src/contracts.js';
import type { ActionRun, RunningAction } from '../../tools/run-action.js';
import { expectWith } from '../helpers/expect-with.js';

const NEW_IMAGE = 'public.ecr.aws/demo/web:2';

/** The StopServiceDeployment calls the emulator answered, with the stop type each asked for. */
function stopsAsked(calls: CallRecord[]): { at: number; stopType: string | undefined; status: number }[] {
  return calls
    .filter((c) => c.operation === 'StopServiceDeployment')
    .map((c) => ({
      at: c.time,
      status: c.status,
      stopType: (JSON.parse(c.wire?.request ?? '{}') as { stopType?: string }).stopType,
    }));
}

/** Previous-revision tasks ECS was asked to stop at or after `since` (ms). */
function previousStoppedSince(h: Harness, pace: PaceRecord, since: number): string[] {
  return [...pace.tasks]
    .filter(([, t]) => t.taskDefinitionArn === h.info.taskDefinitionArn && (t.stopAt ?? -1) >= since)
    .map(([arn]) => arn);
}

/** The previous revision's tasks ECS means to run now. */
async function previousRunning(h: Harness): Promise<string[]> {
  const fleet = await observeFleet(h.info);
  return fleet.tasks
    .filter((t) => t.taskDefinitionArn === h.info.taskDefinitionArn && t.desiredStatus === 'RUNNING')
    .map((t) => t.arn)
    .sort();
}

async function expectBackOnPrevious(h: Harness, run: ActionRun): Promise<void> {
  const fleet = await observeFleet(h.info);
  expectWith(
    steadyProblems(fleet, h.info.taskDefinitionArn, fleet.desiredCount, h.info.targetGroupArns),
    describeRun(run),
  ).toEqual([]);
  expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
}

/** Runs the action with a pace watch on the service, learning the new revision from the log. */
function startWatched(
  h: Harness,
  inputs: Record<string, string>,
  onLine?: (line: string) => void,
): { action: RunningAction; watch: { stop(): PaceRecord } } {
  let newArn: string | undefined;
  const watch = startPaceWatch(h, () => newArn);
  const action = startDeploy(h, inputs, {
    onLine: (line) => {
      const m = /registered (web:\d+)/.exec(line);
      if (m) newArn = h.info.taskDefinitionArn.replace(/web:\d+$/, m[1] ?? '');
      onLine?.(line);
    },
  });
  return { action, watch };
}

describe('the restore keeps the previous tasks', () => {
  it('a broken first batch: ECS rolls back keeping every previous task (same ARNs), at most b new tasks launched', async () => {
    const h = await startHarness({ desiredCount: 6 });
    try {
      const before = await previousRunning(h);
      expect(before).toHaveLength(6);
      const { action, watch } = startWatched(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:unhealthy', 'batch-size': '2' }),
      );
      const run = await action.done;
      const pace = watch.stop();
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('rolled-back');
      await expectBackOnPrevious(h, run);

      // ECS was asked to roll back, not given the previous revision as a new deployment.
      const calls = h.emulator.calls();
      expect(stopsAsked(calls)).toEqual([expect.objectContaining({ stopType: 'ROLLBACK', status: 200 })]);
      expect(settingsSent(calls).filter((s) => s.taskDefinition === h.info.taskDefinitionArn)).toEqual([]);
      expect(run.stdout).toMatch(/StopServiceDeployment \(ROLLBACK\)/);

      // The very tasks that ran before: none replaced. And no more than one batch of the new revision.
      expect(await previousRunning(h)).toEqual(before);
      expect(pace.launched.size).toBeGreaterThan(0);
      expect(pace.launched.size).toBeLessThanOrEqual(2);
    } finally {
      await h.stop();
    }
  });

  it('a late failure (after two good batches): rolled back, every previous task still running when ECS was asked is kept', async () => {
    // An 80 s deregistration delay (4 real seconds) keeps batch 3 busy well past the failure.
    const h = await startHarness({ desiredCount: 6, scenario: { deregistrationDelaySeconds: 80 } });
    try {
      const watcher = lineWatcher();
      const { action, watch } = startWatched(
        h,
        h.inputs({ image: NEW_IMAGE, 'batch-size': '2' }),
        watcher.onLine,
      );
      const run = await whileRunning(action, async () => {
        await watcher.waitFor(/batch 3\/3: starting/, 60_000);
        // Batches 1 and 2 passed; their four new tasks now fail their health checks.
        expect(await failOldestNewTasks(h, 4)).toBe(4);
      });
      const pace = watch.stop();
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('rolled-back');
      expect(run.outputs['failure-reason']).toMatch(/batch 3\b/);
      await expectBackOnPrevious(h, run);

      const [stop] = stopsAsked(h.emulator.calls());
      expectWith(stop, run.stdout).toEqual(expect.objectContaining({ stopType: 'ROLLBACK', status: 200 }));
      // Previous tasks ECS still ran when it was asked to roll back: it stopped none of them after.
      expect(previousStoppedSince(h, pace, stop?.at ?? 0)).toEqual([]);
      // Batch 3's two old tasks were never replaced: there before ECS was asked, running now.
      const keptFromBefore = [...pace.tasks]
        .filter(([, t]) => t.taskDefinitionArn === h.info.taskDefinitionArn && t.seenAt < (stop?.at ?? 0))
        .filter(([, t]) => t.stopAt === undefined)
        .map(([arn]) => arn);
      expect(keptFromBefore.length).toBeGreaterThanOrEqual(2);
      const now = await previousRunning(h);
      for (const arn of keptFromBefore) expect(now).toContain(arn);
    } finally {
      await h.stop();
    }
  });
});

describe('when ECS will not roll back', () => {
  it('StopServiceDeployment refused (AccessDeniedException, set through the fault endpoint): falls back to UpdateService and says why', async () => {
    const h = await startHarness({ desiredCount: 4 });
    try {
      // The fault endpoint, as a user replays a fault with curl against a running emulator.
      const answer = await fetch(new URL('/_emulator/faults', h.emulator.endpoint), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          operation: 'StopServiceDeployment',
          error: {
            code: 'AccessDeniedException',
            httpStatus: 400,
            message:
              'User: arn:aws:sts::000000000000:assumed-role/deploy/gh is not authorized to perform: ecs:StopServiceDeployment',
          },
        }),
      });
      expect(answer.status).toBe(200);
      const { action } = startWatched(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:unhealthy', 'batch-size': '2' }),
      );
      const run = await action.done;
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('rolled-back');
      await expectBackOnPrevious(h, run);
      const calls = h.emulator.calls();
      expect(stopsAsked(calls).map((s) => s.status)).toEqual([400]);
      // The fallback: the previous revision given back to ECS as a deployment.
      expect(settingsSent(calls).filter((s) => s.taskDefinition === h.info.taskDefinitionArn)).toHaveLength(
        1,
      );
      expect(run.stdout).toMatch(
        /rolling back: UpdateService back to web:1, a new deployment that replaces its tasks \(ECS refused StopServiceDeployment: AccessDeniedException: User: .* is not authorized to perform: ecs:StopServiceDeployment\)/,
      );
    } finally {
      await h.stop();
    }
  });

  it("ECS's ROLLBACK_FAILED: the rollout is failed, not rolled-back, and the reason says what ECS said", async () => {
    // The service's own circuit breaker (with rollback) is on; it is what fails ECS's rollback
    // when the previous revision's tasks fail their health checks during it.
    const h = await startHarness({
      desiredCount: 6,
      scenario: {
        deploymentConfiguration: {
          ...ORIGINAL_DEPLOYMENT_CONFIGURATION,
          deploymentCircuitBreaker: { enable: true, rollback: true },
        },
      },
    });
    try {
      const watcher = lineWatcher();
      const { action } = startWatched(
        h,
        h.inputs({ image: NEW_IMAGE, 'batch-size': '2', 'bake-time': '1m', 'batch-timeout': '2m' }),
        watcher.onLine,
      );
      const run = await whileRunning(action, async () => {
        await watcher.waitFor(/batch 1\/3: every gate passes; baking 1m/, 60_000);
        // During batch 1's bake: one new task fails (the rollout fails), and so does every
        // previous-revision task still running (ECS's rollback to them then fails too).
        const fleet = await observeFleet(h.info);
        const running = fleet.tasks.filter(
          (t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING' && t.ip !== undefined,
        );
        const fresh = running.find((t) => t.taskDefinitionArn !== h.info.taskDefinitionArn);
        const previous = running.filter((t) => t.taskDefinitionArn === h.info.taskDefinitionArn);
        expect(fresh).toBeDefined();
        expect(previous.length).toBeGreaterThanOrEqual(3);
        await Promise.all(
          [fresh, ...previous].map((t) => setTaskHealth(t?.ip ?? '', CONTAINER_PORT, 'fail')),
        );
      });
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('failed');
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toMatch(/ROLLBACK_FAILED|rollback of .* failed/);
      expect(run.summary).toMatch(/rollback of .* failed|ROLLBACK_FAILED/i);
    } finally {
      await h.stop();
    }
  });
});

describe('the post step after a SIGKILL', () => {
  it('restores through the same path: StopServiceDeployment, every previous task that was running kept', async () => {
    const h = await startHarness({ desiredCount: 6 });
    try {
      const watcher = lineWatcher();
      const inputs = h.inputs({
        image: NEW_IMAGE,
        'batch-size': '2',
        'bake-time': '1m',
        'batch-timeout': '2m',
      });
      const { action, watch } = startWatched(h, inputs, watcher.onLine);
      const main = await whileRunning(action, async () => {
        await watcher.waitFor(/batch 1\/3: every gate passes; baking 1m/, 60_000);
        action.child.kill('SIGKILL');
        await action.done;
      });
      expect(main.signal).toBe('SIGKILL');
      const previousAtKill = await previousRunning(h);
      expect(previousAtKill.length).toBeGreaterThanOrEqual(4);

      const post = await runPost(h, inputs, main.state);
      const pace = watch.stop();
      expectWith(post.timedOut, describeRun(post)).toBe(false);
      await expectBackOnPrevious(h, post);
      const [stop] = stopsAsked(h.emulator.calls());
      expectWith(stop, describeRun(post)).toEqual(
        expect.objectContaining({ stopType: 'ROLLBACK', status: 200 }),
      );
      expect(previousStoppedSince(h, pace, stop?.at ?? 0)).toEqual([]);
      const now = await previousRunning(h);
      for (const arn of previousAtKill) expect(now).toContain(arn);
    } finally {
      await h.stop();
    }
  });
});
