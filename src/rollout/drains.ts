// Follows the old tasks ECS stops during the rollout, per batch: each is seen told to stop, its
// targets draining (ELB sends it no new request, in-flight ones finish), its targets gone, and the
// task STOPPED. Pure: a fold over snapshots.
//
// With overlap (the default) batch k+1 is released while batch k's old tasks still drain, so the
// deregistration delay is paid about once per rollout; each drain is still followed to its end
// and reported with the batch whose new tasks replaced it.
import { indexOf } from './snapshot-index.js';
import type { Snapshot } from './snapshot.js';

export interface DrainRecord {
  taskArn: string;
  ip?: string;
  /** The batch whose new tasks replaced this old one. */
  batch: number;
  /** First seen with desiredStatus STOPPED. */
  stopSeenAt: number;
  drainingSeenAt?: number;
  /** No target of it left in any target group. */
  goneAt?: number;
  stoppedAt?: number;
}

export interface DrainLedger {
  /** By task ARN, in the order ECS stopped them. */
  readonly tasks: ReadonlyMap<string, DrainRecord>;
}

export const EMPTY_LEDGER: DrainLedger = { tasks: new Map() };

export interface DrainContext {
  newTaskDefinitionArn: string;
  /** Sizes of the batches released so far (the current one last): each replaces that many old tasks. */
  released: readonly number[];
  /** When the rollout began: a task that stopped before was not stopped by it. */
  since: number;
}

/**
 * An old task seen told to stop is put with the earliest released batch that has not yet had as
 * many old tasks stopped as it has new ones: ECS stops old tasks in step with the new ones turning
 * healthy, and may do so a moment after the action has moved on to the next batch.
 */
export function trackDrains(ledger: DrainLedger, snapshot: Snapshot, ctx: DrainContext): DrainLedger {
  const index = indexOf(snapshot);
  const at = snapshot.at;
  const next = new Map(ledger.tasks);
  const perBatch = new Map<number, number>();
  for (const r of next.values()) perBatch.set(r.batch, (perBatch.get(r.batch) ?? 0) + 1);
  const batchFor = (): number => {
    for (let i = 0; i < ctx.released.length; i++) {
      if ((perBatch.get(i + 1) ?? 0) < (ctx.released[i] ?? 0)) return i + 1;
    }
    return Math.max(1, ctx.released.length);
  };

  for (const task of snapshot.tasks) {
    if (task.taskDefinitionArn === ctx.newTaskDefinitionArn || task.desiredStatus !== 'STOPPED') continue;
    let record = next.get(task.arn);
    if (!record) {
      if (task.stoppedAt !== undefined && task.stoppedAt < ctx.since) continue;
      if (ctx.released.length === 0) continue;
      const batch = batchFor();
      perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
      record = { taskArn: task.arn, batch, stopSeenAt: at, ...(task.ip ? { ip: task.ip } : {}) };
    } else {
      record = { ...record };
    }
    const targets = index.targetsOfTask(task);
    if (record.drainingSeenAt === undefined && targets.some((t) => t.state === 'draining'))
      record.drainingSeenAt = at;
    if (record.goneAt === undefined && targets.every((t) => t.state === 'unused')) record.goneAt = at;
    if (record.stoppedAt === undefined && task.lastStatus === 'STOPPED') {
      record.stoppedAt = at;
      record.goneAt ??= at;
    }
    next.set(task.arn, record);
  }
  return { tasks: next };
}

export function finished(r: DrainRecord): boolean {
  return r.stoppedAt !== undefined && r.goneAt !== undefined;
}

/** Old tasks of `batch` and when the last of them finished (undefined while any is unfinished). */
export function batchDrain(
  ledger: DrainLedger,
  batch: number,
): { tasks: number; startedAt?: number; doneAt?: number } {
  let tasks = 0;
  let doneAt = 0;
  let startedAt: number | undefined;
  let open = false;
  for (const r of ledger.tasks.values()) {
    if (r.batch !== batch) continue;
    tasks += 1;
    startedAt = Math.min(startedAt ?? r.stopSeenAt, r.stopSeenAt);
    if (!finished(r)) open = true;
    else doneAt = Math.max(doneAt, r.stoppedAt ?? 0, r.goneAt ?? 0);
  }
  const started = startedAt !== undefined ? { startedAt } : {};
  return tasks > 0 && !open ? { tasks, ...started, doneAt } : { tasks, ...started };
}

/** Old tasks told to stop that have not finished; the oldest of them, for the drain's time limit. */
export function unfinished(ledger: DrainLedger): {
  count: number;
  draining: number;
  oldestStopSeenAt?: number;
} {
  let count = 0;
  let draining = 0;
  let oldest: number | undefined;
  for (const r of ledger.tasks.values()) {
    if (finished(r)) continue;
    count += 1;
    if (r.drainingSeenAt !== undefined && r.goneAt === undefined) draining += 1;
    oldest = oldest === undefined ? r.stopSeenAt : Math.min(oldest, r.stopSeenAt);
  }
  return { count, draining, ...(oldest !== undefined ? { oldestStopSeenAt: oldest } : {}) };
}

/**
 * When the first unfinished drain should end: it was seen draining at `drainingSeenAt`, and ELB
 * ends a drain after the target group's deregistration delay (ECS then stops the task).
 */
export function predictedDrainEnd(
  ledger: DrainLedger,
  deregistrationDelayMs: number | undefined,
): number | undefined {
  if (deregistrationDelayMs === undefined) return undefined;
  let first: number | undefined;
  for (const r of ledger.tasks.values()) {
    if (r.goneAt !== undefined || r.drainingSeenAt === undefined) continue;
    const end = r.drainingSeenAt + deregistrationDelayMs;
    first = first === undefined ? end : Math.min(first, end);
  }
  return first;
}
