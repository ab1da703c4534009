// Follows the service's desired count when something else changes it mid-rollout (Application Auto
// Scaling, a scheduled action, a person): the batches left are planned again for the new count N'.
// Pure, built on planBatches with the same inputs, so whatever planBatches makes of them (a fixed
// batch size, a percent of N', a growing schedule) is what the rest of the rollout follows.
//
// Why the settings must follow too: ECS applies maximumPercent and minimumHealthyPercent to the
// service's CURRENT desiredCount (API reference, DeploymentConfiguration: "as a percentage of the
// desiredCount"), and its PRIMARY deployment's desiredCount is "the most recent desired count ...
// specified for the service" (API reference, Deployment). So:
//   hold      100/100 holds at any N': the cap is N', the floor is N'. A scale-out by d leaves room
//             for exactly d tasks, which ECS starts at once on the PRIMARY (new) revision: capacity
//             the autoscaler asked for, not a batch the action can hold back; the gates judge them
//             with the batch in flight. A scale-in lets ECS stop tasks down to N'.
//   release   a percent of N is not a percent of N': 134% of 6 lets 2 start, 134% of 9 lets 3.
//             Every release is recomputed for N' (releaseSettings), the one in flight included, so
//             a release still starts only its batch.
import { planBatches, releaseSettings, type PlanInput } from './plan.js';
import type { BatchPlan, DeploymentSettings } from './types.js';

export interface ReplanInput {
  /** The plan in force. */
  plan: BatchPlan;
  /** What planBatches was given for it; only `desired` changes. */
  input: PlanInput;
  /** Batches released so far (the position's batch, the one in flight included): they are history. */
  released: number;
  /** The service's desired count now. */
  desired: number;
}

/**
 * Released batches keep their place; their sizes are cut so that none reaches past N' (a batch with
 * no task left to start is 0). The rest is planBatches({...input, desired: N'}) with the tasks the
 * released batches cover cut off its front, a batch cut in two keeping its remainder. New tasks
 * already released count toward N'; at or above N', nothing is left to release and the rollout
 * only finishes replacing (and draining) the old tasks.
 *
 * Worked rows (repeated by __tests__/replan.test.ts); batch/unavail as given, "released" =
 * batches released so far, release = max%/min% of each batch under N':
 *
 *   N -> N'   batch  unavail  released  batches before  ->  batches after   releases after
 *   6 -> 9    2      0        2         [2,2,2]             [2,2,2,2,1]     123/100 x4, 112/100
 *   6 -> 4    2      0        2         [2,2,2]             [2,2]           150/100 x2
 *   6 -> 3    2      0        2         [2,2,2]             [2,1]           167/100, 134/100
 *   6 -> 1    2      0        2         [2,2,2]             [1,0]           200/100, 100/100 (hold)
 *   6 -> 9    25%    0        1         [2,2,2]             [2,1,3,3]       123/100, 112/100, 134/100 x2
 *   6 -> 9    3      0        1         [3,3]               [3,3,3]         134/100 x3
 *   4 -> 5    3      0        1         [3,1]               [3,2]           160/100, 140/100
 *   10 -> 20  30%    10%      1         [3,3,3,1]           [3,3,6,6,2]     105/90 x2, 120/90 x2, 100/90
 *   6 -> 0    2      0        1         [2,2,2]             [0]             100/100 (hold)
 *   6 -> 8    2      0        0         [2,2,2]             [2,2,2,2]       125/100 x4  (before any release)
 *
 * (25% of 9 is a batch of 3, and the batch cut at the 2 tasks already released keeps its 1; 30% of
 * 20 is 6, 10% of 20 lets 2 stop first.) The hold is 100/100 in every row. An unchanged N returns
 * the plan as it is.
 */
export function replanBatches(r: ReplanInput): BatchPlan {
  const n = r.desired;
  if (n === r.plan.desired) return r.plan;
  const full = planBatches({ ...r.input, desired: n });
  const u = full.maxUnavailable;
  const release = (b: number): DeploymentSettings =>
    b > 0 ? withBreaker(releaseSettings(n, b, u), full.hold) : { ...full.hold };

  const batches: number[] = [];
  const releases: DeploymentSettings[] = [];
  let done = 0;
  for (const size of r.plan.batches.slice(0, Math.max(0, r.released))) {
    const b = Math.min(size, Math.max(0, n - done));
    batches.push(b);
    releases.push(release(b));
    done += b;
  }

  // The front of the full plan that the released batches already cover is cut off.
  let covered = 0;
  full.batches.forEach((size, i) => {
    const end = covered + size;
    covered = end;
    if (end <= done) return;
    const left = Math.min(size, end - done);
    batches.push(left);
    releases.push(left === size ? (full.releases[i] ?? release(left)) : release(left));
  });

  const plan: BatchPlan = {
    desired: n,
    batchSize: full.batchSize,
    maxUnavailable: u,
    batches,
    hold: full.hold,
    releases,
  };
  if (full.notes) plan.notes = full.notes;
  return plan;
}

/** The plan inputs a plan implies when no one kept them: its batch size and unavailability as counts. */
export function inputOfPlan(plan: BatchPlan): PlanInput {
  return {
    desired: plan.desired,
    batchSize: { kind: 'count', value: Math.max(1, plan.batchSize) },
    maxUnavailable: { kind: 'count', value: plan.maxUnavailable },
    ...(plan.hold.circuitBreaker ? { circuitBreaker: { ...plan.hold.circuitBreaker } } : {}),
  };
}

function withBreaker(s: DeploymentSettings, hold: DeploymentSettings): DeploymentSettings {
  return hold.circuitBreaker ? { ...s, circuitBreaker: { ...hold.circuitBreaker } } : s;
}
