// decide when the service's desired count is no longer the plan's: Application Auto Scaling (or a
// person, or a scheduled action) called UpdateService with a new desiredCount mid-rollout. The plan
// follows it (replan.ts), and a release in flight is sent again for the new count.
import { describe, it, expect } from '@jest/globals';
import { decide, type DecideContext, type Decision } from '../src/rollout/decide.js';
import { EMPTY_LEDGER } from '../src/rollout/drains.js';
import { planBatches, type PlanInput } from '../src/rollout/plan.js';
import type { BatchPlan } from '../src/rollout/types.js';
import { fresh, NEW, old, snapshot, T0 } from './helpers/fake-service.js';
import type { Position } from '../src/rollout/progress.js';

const input = (n: number, b: number): PlanInput => ({
  desired: n,
  batchSize: { kind: 'count', value: b },
  maxUnavailable: { kind: 'count', value: 0 },
});

const at = (batch: number, stage: Position['stage'], extra: Partial<Position> = {}): Position => ({
  batch,
  stage,
  releasedAt: T0 + 1_000,
  ...extra,
});

const ctx = (plan: BatchPlan, position: Position, over: Partial<DecideContext> = {}): DecideContext => ({
  plan,
  planInput: input(6, 2),
  newTaskDefinitionArn: NEW,
  position,
  rolloutStartedAt: T0,
  batchTimeoutMs: 600_000,
  rolloutTimeoutMs: 3_600_000,
  bakeMs: 0,
  overlap: true,
  drains: EMPTY_LEDGER,
  ...over,
});

/** decide, and once more with the plan it asked to follow (what the loop does). */
function follow(d: Decision, again: (plan: BatchPlan) => Decision): Decision {
  if (d.kind !== 'replan') throw new Error(`expected a replan, got ${d.kind}`);
  return again(d.plan);
}

describe('decide: the desired count changed mid-rollout (N=6, batches of 2)', () => {
  const p = planBatches(input(6, 2));

  it('scale-out to 9 while batch 2 is held: the plan grows to 9 tasks, nothing to send (the hold holds at any N)', () => {
    // Batch 1 passed (2 new), batch 2 launched (2 new starting), 4 old; ECS has begun the 3 extra.
    const s = snapshot({
      desired: 9,
      tasks: [
        ...fresh(2),
        ...fresh(2, { lastStatus: 'PENDING', target: undefined }, 3),
        ...fresh(3, { lastStatus: 'PROVISIONING', target: undefined }, 5),
        ...old(4),
      ],
    });
    const position = at(2, 'held', { launchedAt: T0 + 2_000 });
    const d = decide(s, ctx(p, position));
    expect(d).toMatchObject({ kind: 'replan', from: 6, plan: { desired: 9, batches: [2, 2, 2, 2, 1] } });
    expect(d).not.toHaveProperty('settings');
    // With the new plan: batch 2 of 5 waits for its tasks, and the rollout is far from done.
    const next = follow(d, (plan) => decide(s, ctx(plan, position)));
    expect(next.kind).toBe('wait');
    expect(next.progress).toMatchObject({ batch: 2, batches: 5, newWanted: 4, newLaunched: 7 });
  });

  it('scale-out to 9 while batch 2 is released: its release is sent again for 9 (134% of 9 would let 3 start beyond the batch)', () => {
    const s = snapshot({ desired: 9, tasks: [...fresh(2), ...old(4)] });
    const d = decide(s, ctx(p, at(2, 'released')));
    expect(d).toMatchObject({
      kind: 'replan',
      plan: { desired: 9, batches: [2, 2, 2, 2, 1] },
      settings: { maximumPercent: 123, minimumHealthyPercent: 100 },
    });
  });

  it('scale-in to 4 while batch 2 is released: 150/100 for the batch, and it is the last', () => {
    const s = snapshot({ desired: 4, tasks: [...fresh(2), ...old(4)] });
    const d = decide(s, ctx(p, at(2, 'released')));
    expect(d).toMatchObject({
      kind: 'replan',
      plan: { desired: 4, batches: [2, 2] },
      settings: { maximumPercent: 150, minimumHealthyPercent: 100 },
    });
  });

  it('scale-in to 4 once batch 2 passed: nothing left to release; complete once the old tasks are gone', () => {
    const position = at(2, 'passed', { launchedAt: T0 + 2_000 });
    const draining = snapshot({
      desired: 4,
      tasks: [
        ...fresh(4),
        ...old(2, { lastStatus: 'DEACTIVATING', desiredStatus: 'STOPPED', target: 'draining' }),
      ],
    });
    const d = decide(draining, ctx(p, position));
    expect(d).toMatchObject({ kind: 'replan', plan: { desired: 4, batches: [2, 2] } });
    const plan = (d as Extract<Decision, { kind: 'replan' }>).plan;
    expect(decide(draining, ctx(plan, position)).kind).toBe('wait');
    const gone = snapshot({ desired: 4, tasks: fresh(4) });
    expect(decide(gone, ctx(plan, position))).toMatchObject({ kind: 'complete' });
  });

  it('scale-in to 1 below the 4 new tasks already released: ECS stopping surplus new tasks is not a failure', () => {
    const position = at(2, 'held', { launchedAt: T0 + 2_000 });
    const scaledIn = {
      lastStatus: 'DEACTIVATING',
      desiredStatus: 'STOPPED',
      target: 'draining',
      stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/new)',
      stopCode: 'ServiceSchedulerInitiated',
    };
    const s = snapshot({
      desired: 1,
      tasks: [...fresh(1), ...fresh(3, scaledIn, 2), ...old(4, scaledIn)],
    });
    const d = decide(s, ctx(p, position));
    expect(d).toMatchObject({ kind: 'replan', plan: { desired: 1, batches: [1, 0] } });
    const plan = (d as Extract<Decision, { kind: 'replan' }>).plan;
    // Batch 2 wants nothing more than the 1 task N' leaves: it passes, and then waits for the drains.
    expect(decide(s, ctx(plan, position))).toMatchObject({ kind: 'pass', progress: { newWanted: 1 } });
    const passed = at(2, 'passed');
    expect(decide(s, ctx(plan, passed)).kind).toBe('wait');
    expect(decide(snapshot({ desired: 1, tasks: fresh(1) }), ctx(plan, passed)).kind).toBe('complete');
  });

  it('a new task that stopped for any other reason still fails the batch after a scale-in', () => {
    const s = snapshot({
      desired: 4,
      tasks: [
        ...fresh(3),
        ...fresh(
          1,
          {
            lastStatus: 'STOPPED',
            desiredStatus: 'STOPPED',
            target: undefined,
            stoppedAt: T0 + 5_000,
            stoppedReason: 'Essential container in task exited',
          },
          4,
        ),
        ...old(2),
      ],
    });
    expect(decide(s, ctx(p, at(2, 'held')))).toMatchObject({
      kind: 'fail',
      failure: { kind: 'task-stopped' },
    });
  });

  it('scale-out to 9 after the last batch passed: the rollout is not complete, batch 4 is released for 9', () => {
    const position = at(3, 'passed');
    const s = snapshot({
      desired: 9,
      tasks: [...fresh(6), ...fresh(3, { lastStatus: 'PENDING', target: undefined }, 7)],
    });
    const d = decide(s, ctx(p, position));
    expect(d).toMatchObject({ kind: 'replan', plan: { batches: [2, 2, 2, 2, 1] } });
    expect(d).not.toHaveProperty('settings');
    const plan = (d as Extract<Decision, { kind: 'replan' }>).plan;
    expect(decide(s, ctx(plan, position))).toMatchObject({
      kind: 'release',
      batch: 4,
      settings: { maximumPercent: 123, minimumHealthyPercent: 100 },
    });
  });

  it('without the plan inputs the plan is left as it was (the count is then only watched)', () => {
    const s = snapshot({ desired: 9, tasks: [...fresh(2), ...old(4)] });
    const { planInput: _dropped, ...rest } = ctx(p, at(2, 'released'));
    expect(decide(s, rest).kind).toBe('wait');
  });

  it('an unchanged count decides as before', () => {
    const s = snapshot({ desired: 6, tasks: [...fresh(2), ...old(4)] });
    expect(decide(s, ctx(p, at(2, 'released'))).kind).toBe('wait');
  });
});
