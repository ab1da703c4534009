// Cuts a rollout of N tasks into batches and finds the ECS deployment settings that make ECS move in
// exactly those steps. Pure.
//
// ECS's documented rounding (DeploymentConfiguration, rolling update):
//   - maximumPercent caps RUNNING + PENDING tasks at floor(N * maximumPercent / 100);
//   - minimumHealthyPercent keeps at least ceil(N * minimumHealthyPercent / 100) tasks RUNNING.
// ECS counts a draining task as running, so with a surge of b it starts the next b new tasks only
// once the previous b old ones have stopped: one batch at a time.
import type { BatchPlan, DeploymentSettings, TaskQuantity } from './types.js';

export interface PlanInput {
  desired: number;
  batchSize: TaskQuantity;
  maxUnavailable: TaskQuantity;
  circuitBreaker?: { enable: boolean; rollback: boolean };
}

/**
 * Batch size b: a count, or a percent of N rounded UP; at least 1, at most N.
 * Unavailable u: a count, or a percent of N rounded DOWN; at most N.
 * maximumPercent = 100 + ceil(100 * b / N): the smallest percent whose floor gives N + b tasks.
 * minimumHealthyPercent = the largest percent whose ceil keeps exactly N - u tasks healthy.
 *
 * Worked rows (repeated by __tests__/plan.test.ts):
 *
 *   N    batch  unavail  ->  b   u   max%  min%  batches            note
 *   6    2      0           2   0   134   100   [2,2,2]
 *   5    2      0           2   0   140   100   [2,2,1]            last batch short
 *   1    25%    0           1   0   200   100   [1]                percent rounds up to 1
 *   4    25%    0           1   0   125   100   [1,1,1,1]
 *   3    10     0           3   0   200   100   [3]                b >= N: one batch of N
 *   10   30%    10%         3   1   130   90    [3,3,3,1]
 *   7    1      1           1   1   115   85    [1,1,1,1,1,1,1]    ceil(7*0.85) = 6 = N - u
 *   500  10%    0           50  0   110   100   [50 x 10]
 *   250  1      0           2   0   101   100   [2 x 125]          1% of 250 is 2.5 tasks: surge 2
 *   300  1      1           3   0   101   100   [3 x 100]          1% is 3 tasks; min 99% keeps 297: u 0
 *   0    25%    0           0   0   200   100   []                 nothing to replace
 *
 * Exactness: for N <= 100 one percent is at most one task, so the surge is exactly b and the
 * healthy floor exactly N - u. For N > 100 a percent step is N/100 tasks: the surge is then the
 * smallest ECS allows that is >= b (batches use that surge, since it is what ECS will do), and the
 * unavailability the largest ECS allows that is <= u (never more than asked). `notes` says so.
 *
 * With u > 0 ECS may stop u old tasks while it starts b new ones, so a batch can finish early or
 * two batches at once; decide.ts counts at-least, so that only makes the rollout faster.
 *
 * N = 0: no batches; the settings are ECS's defaults. The caller still updates the task definition
 * (ECS starts nothing) and the rollout is complete as soon as the new deployment is PRIMARY with
 * no old task left: decide.ts returns rollout-complete for a plan with no batches in that state.
 */
export function planBatches(input: PlanInput): BatchPlan {
  const { desired: n } = input;
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`desired count must be a whole number >= 0, got ${n}`);
  checkQuantity('batch size', input.batchSize);
  checkQuantity('max unavailable', input.maxUnavailable);
  const cb = input.circuitBreaker;

  if (n === 0) {
    const settings: DeploymentSettings = { maximumPercent: 200, minimumHealthyPercent: 100 };
    if (cb) settings.circuitBreaker = { ...cb };
    return { desired: 0, batchSize: 0, maxUnavailable: 0, batches: [], settings };
  }

  const requestedB = clamp(resolveQuantity(input.batchSize, n, 'up'), 1, n);
  const requestedU = clamp(resolveQuantity(input.maxUnavailable, n, 'down'), 0, n);
  const notes: string[] = [];

  const maximumPercent = 100 + Math.ceil((100 * requestedB) / n);
  const surge = Math.min(ecsMaxTasks(n, maximumPercent) - n, n);
  if (surge !== requestedB) {
    notes.push(
      `ECS rounds ${maximumPercent}% of ${n} tasks down to ${n + surge}: batches of ${surge} instead of ${requestedB}`,
    );
  }

  const minimumHealthyPercent = minimumHealthyFor(n, n - requestedU);
  const unavailable = n - ecsMinHealthy(n, minimumHealthyPercent);
  if (unavailable !== requestedU) {
    notes.push(
      `ECS rounds ${minimumHealthyPercent}% of ${n} tasks up to ${n - unavailable}: ` +
        `at most ${unavailable} unavailable instead of ${requestedU}`,
    );
  }

  const batches: number[] = [];
  for (let left = n; left > 0; left -= surge) batches.push(Math.min(surge, left));

  const settings: DeploymentSettings = { maximumPercent, minimumHealthyPercent };
  if (cb) settings.circuitBreaker = { ...cb };
  const plan: BatchPlan = { desired: n, batchSize: surge, maxUnavailable: unavailable, batches, settings };
  if (notes.length > 0) plan.notes = notes;
  return plan;
}

/** A count as is; a percent of n rounded as asked (surge up, unavailability down, as Kubernetes does). */
export function resolveQuantity(q: TaskQuantity, n: number, rounding: 'up' | 'down'): number {
  if (q.kind === 'count') return q.value;
  // Round away float noise first (e.g. 7 * 0.3 * 100) so 30% of 10 is 3, not 4.
  const exact = Math.round(((n * q.value) / 100) * 1e9) / 1e9;
  return rounding === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

/** Tasks ECS allows RUNNING + PENDING: maximumPercent of N, rounded down. */
export function ecsMaxTasks(n: number, maximumPercent: number): number {
  return Math.floor((n * maximumPercent) / 100);
}

/** Tasks ECS keeps RUNNING: minimumHealthyPercent of N, rounded up. */
export function ecsMinHealthy(n: number, minimumHealthyPercent: number): number {
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
