// Cuts a rollout of N tasks into batches and finds the ECS deployment settings that hold the service
// between batches and release exactly one batch at a time. Pure.
//
// ECS's documented rounding (API reference, DeploymentConfiguration, rolling update):
//   - maximumPercent caps the service's tasks "in the RUNNING or PENDING state" at floor(N * max / 100);
//   - minimumHealthyPercent keeps at least ceil(N * min / 100) tasks RUNNING (healthy, with a load
//     balancer).
// A deploymentConfiguration change applies to the deployment in flight, so the action paces ECS by
// changing it between batches:
//   hold      maximumPercent 100, minimumHealthyPercent 100: the cap is N, so ECS starts nothing
//             while N tasks are meant to run; the floor is N, so it stops a healthy task only when
//             a healthy new one stands in for it.
//   release k maximumPercent for N + s_k, minimumHealthyPercent for N - u_k, where the batch's b_k
//             new tasks are s_k started beside the old ones (surge) plus u_k started in place of
//             old ones stopped first (u_k = min(max-unavailable, b_k)). ECS launches b_k: s_k at
//             once, and u_k as it stops the u_k old ones. Whether a task that is being stopped
//             (draining) still counts toward the cap is not documented; either way no more than
//             b_k start, because the cap is counted from the N tasks meant to run.
import type { BatchPlan, DeploymentSettings } from './types.js';
import type { TaskQuantity } from '../parse/quantity.js';

export interface PlanInput {
  desired: number;
  /** One batch size for every batch; with `schedule`, unused (kept so callers with one size need no change). */
  batchSize: TaskQuantity;
  /**
   * A batch schedule (input `batch-size: 1, 25%, 50%`): batch k takes step k, the last step repeats.
   * Takes the place of `batchSize` when given; a schedule of one step plans exactly as `batchSize`.
   */
  schedule?: readonly TaskQuantity[];
  maxUnavailable: TaskQuantity;
  circuitBreaker?: { enable: boolean; rollback: boolean };
}

/**
 * Batch size b: a count, or a percent of N rounded UP; at least 1, at most N.
 * Unavailable u: a count, or a percent of N rounded DOWN, at most b (a batch replaces b old tasks).
 *
 * Worked rows (repeated by __tests__/plan.test.ts); release = max% / min% of a full batch:
 *
 *   N    batch  unavail  ->  b   u   release   last release  batches            note
 *   6    2      0           2   0   134/100                 [2,2,2]
 *   5    2      0           2   0   140/100   120/100       [2,2,1]            last batch short
 *   1    25%    0           1   0   200/100                 [1]                percent rounds up to 1
 *   4    25%    0           1   0   125/100                 [1,1,1,1]
 *   3    10     0           3   0   200/100                 [3]                b >= N: one batch of N
 *   10   30%    10%         3   1   120/90    100/90        [3,3,3,1]          2 beside, 1 in place
 *   7    1      1           1   1   100/85                  [1,1,1,1,1,1,1]    stop first, then start
 *   500  10%    0           50  0   110/100                 [50 x 10]
 *   250  1      0           2   0   101/100                 [2 x 125]          1% of 250 is 2.5 tasks
 *   300  1      1           3   0   101/100                 [3 x 100]          min 99% keeps 297: u 0
 *   0    25%    0           0   0                           []                 nothing to replace
 * Hold is 100/100 in every row.
 *
 * A schedule (`batch-size: 1, 50%`): batch k takes step k's size, the last step repeats, and each
 * step resolves as above (b_k against N, u_k = min(unavailable, b_k)); a batch never exceeds the
 * tasks still to replace. Each release is that batch's own, so the surge grows with the batches and
 * is never more than the step asked for; the first batch is the first step's size (its blast
 * radius). `batchSize` is then the largest batch.
 *
 *   N    schedule        unavail  ->  batches         releases                       note
 *   6    1, 50%          0            [1,3,2]         117/100 150/100 134/100        last step repeats, cut short
 *   20   1, 25%, 50%     0            [1,5,10,4]      105/100 125/100 150/100 120/100
 *   100  1, 25%, 50%     0            [1,25,50,24]    101/100 125/100 150/100 124/100
 *   20   10%, 100%       0            [2,18]          110/100 190/100                 the default: canary, then the rest
 *   6    10%, 100%       0            [1,5]           117/100 184/100
 *   10   1, 50%          10%          [1,5,4]         100/90  140/90  130/90          u = min(1, b_k)
 *   1    10%, 100%       0            [1]             200/100                        one task: one batch
 *
 * Exactness: for N <= 100 one percent is at most one task, so the surge and the floor are exact.
 * For N > 100 a percent step is N/100 tasks: the surge is the smallest ECS allows that is >= what
 * was asked (batches use it, since it is what ECS will do), the unavailability the largest ECS
 * allows that is <= u (never more than asked). `notes` says so.
 */
export function planBatches(input: PlanInput): BatchPlan {
  const { desired: n } = input;
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`desired count must be a whole number >= 0, got ${n}`);
  const steps = input.schedule && input.schedule.length > 0 ? input.schedule : [input.batchSize];
  for (const step of steps) checkQuantity('batch size', step);
  checkQuantity('max unavailable', input.maxUnavailable);
  const withBreaker = (s: DeploymentSettings): DeploymentSettings =>
    input.circuitBreaker ? { ...s, circuitBreaker: { ...input.circuitBreaker } } : s;
  const hold = withBreaker({ maximumPercent: 100, minimumHealthyPercent: 100 });

  if (n === 0) return { desired: 0, batchSize: 0, maxUnavailable: 0, batches: [], hold, releases: [] };

  const notes: string[] = [];
  const note = (text: string): void => {
    if (!notes.includes(text)) notes.push(text);
  };
  const unavailableAsked = clamp(resolveQuantity(input.maxUnavailable, n, 'down'), 0, n);
  // Each step as ECS will run it: its batch size and how many of it start in place of old tasks.
  const resolved = steps.map((step) => resolveStep(n, step, unavailableAsked, note));

  const batches: number[] = [];
  const releases: DeploymentSettings[] = [];
  for (let left = n, k = 0; left > 0; k += 1) {
    const step = resolved[Math.min(k, resolved.length - 1)] as ResolvedStep;
    const b = Math.min(step.batchSize, left);
    batches.push(b);
    releases.push(withBreaker(releaseSettings(n, b, step.unavailable)));
    left -= b;
  }
  const batchSize = Math.max(...batches);
  const maxUnavailable = Math.max(...resolved.map((s) => s.unavailable));
  const plan: BatchPlan = { desired: n, batchSize, maxUnavailable, batches, hold, releases };
  if (notes.length > 0) plan.notes = notes;
  return plan;
}

interface ResolvedStep {
  batchSize: number;
  unavailable: number;
}

/** One step of the schedule: b (a count, or a percent of n rounded UP, 1..n) and u <= b, as ECS rounds them. */
function resolveStep(
  n: number,
  step: TaskQuantity,
  unavailableAsked: number,
  note: (text: string) => void,
): ResolvedStep {
  const requestedB = clamp(resolveQuantity(step, n, 'up'), 1, n);
  const requestedU = Math.min(unavailableAsked, requestedB);
  const minimumHealthyPercent = minimumHealthyFor(n, n - requestedU);
  const unavailable = n - ecsMinHealthy(n, minimumHealthyPercent);
  if (unavailable !== requestedU) {
    note(
      `ECS rounds ${minimumHealthyPercent}% of ${n} tasks up to ${n - unavailable}: ` +
        `at most ${unavailable} unavailable instead of ${requestedU}`,
    );
  }
  const surge = ecsSurge(n, requestedB - unavailable);
  const batchSize = Math.min(n, surge.tasks + unavailable);
  if (batchSize !== requestedB) {
    note(
      `ECS rounds ${surge.maximumPercent}% of ${n} tasks down to ${n + surge.tasks}: batches of ${batchSize} instead of ${requestedB}`,
    );
  }
  return { batchSize, unavailable };
}

/** The settings that let ECS start `b` new tasks of a service of `n`, `u` of them in place of old ones. */
export function releaseSettings(n: number, b: number, u: number): DeploymentSettings {
  // The floor first: ECS's rounding may keep more healthy than asked (n > 100), and then the
  // surge must make up what may not be stopped first.
  const minimumHealthyPercent = minimumHealthyFor(n, n - Math.min(u, b));
  const inPlace = n - ecsMinHealthy(n, minimumHealthyPercent);
  return { maximumPercent: ecsSurge(n, b - inPlace).maximumPercent, minimumHealthyPercent };
}

/** The smallest maximumPercent that lets `tasks` start beside n, and how many it really lets start. */
function ecsSurge(n: number, tasks: number): { maximumPercent: number; tasks: number } {
  if (tasks <= 0) return { maximumPercent: 100, tasks: 0 };
  const maximumPercent = Math.ceil((100 * (n + tasks)) / n);
  return { maximumPercent, tasks: ecsMaxTasks(n, maximumPercent) - n };
}

/** A count as is; a percent of n rounded as asked (surge up, unavailability down, as Kubernetes does). */
export function resolveQuantity(q: TaskQuantity, n: number, rounding: 'up' | 'down'): number {
  if (q.kind === 'count') return q.value;
  // Round away float noise first (e.g. 7 * 0.3 * 100) so 30% of 10 is 3, not 4.
  const exact = Math.round(((n * q.value) / 100) * 1e9) / 1e9;
  return rounding === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

/** Tasks ECS allows RUNNING + PENDING: maximumPercent of N, rounded down. */
function ecsMaxTasks(n: number, maximumPercent: number): number {
  return Math.floor((n * maximumPercent) / 100);
}

/** Tasks ECS keeps RUNNING: minimumHealthyPercent of N, rounded up. */
function ecsMinHealthy(n: number, minimumHealthyPercent: number): number {
  return Math.ceil((n * minimumHealthyPercent) / 100);
}

/**
 * The largest percent whose ECS rounding keeps exactly `healthy` of n tasks; when no percent gives
 * exactly that (n > 100), the smallest one that keeps at least that many (never fewer than asked).
 */
function minimumHealthyFor(n: number, healthy: number): number {
  if (healthy >= n) return 100;
  const largest = Math.floor((100 * healthy) / n);
  return ecsMinHealthy(n, largest) >= healthy ? largest : largest + 1;
}

function checkQuantity(name: string, q: TaskQuantity): void {
  if (!Number.isFinite(q.value) || q.value < 0) throw new RangeError(`${name} must be >= 0, got ${q.value}`);
  if (q.kind === 'count' && !Number.isInteger(q.value)) {
    throw new RangeError(`${name} must be a whole number of tasks, got ${q.value}`);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
