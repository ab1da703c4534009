// How a rollout is paced and bounded: batch-size, max-unavailable, batch-timeout, rollout-timeout,
// bake-time and drain-overlap.
import { parseBoolean } from '../parse/choice.js';
import { formatDuration, parseDuration } from '../parse/duration.js';
import { parseTaskQuantity, parseTaskSchedule, type TaskQuantity } from '../parse/quantity.js';
import type { Inputs } from './context.js';
import { INPUT } from './inputs.js';

export interface PacingInputs {
  batchSchedule: TaskQuantity[];
  batchSize: TaskQuantity;
  maxUnavailable: TaskQuantity;
  batchTimeoutMs: number;
  rolloutTimeoutMs: number;
}

export function readPacing({ raw, complain, take }: Inputs): PacingInputs {
  const batchSchedule = take(INPUT.batchSize, parseTaskSchedule(raw(INPUT.batchSize)), [
    { kind: 'percent', value: 25 },
  ] as TaskQuantity[]);
  const batchSize = batchSchedule[0] ?? ({ kind: 'percent', value: 25 } as TaskQuantity);
  const maxUnavailable = take(INPUT.maxUnavailable, parseTaskQuantity(raw(INPUT.maxUnavailable), 0), {
    kind: 'count',
    value: 0,
  } as TaskQuantity);

  const batchTimeoutMs = take(INPUT.batchTimeout, parseDuration(raw(INPUT.batchTimeout)), NaN);
  const rolloutTimeoutMs = take(INPUT.rolloutTimeout, parseDuration(raw(INPUT.rolloutTimeout)), NaN);
  if (batchTimeoutMs > rolloutTimeoutMs) {
    complain(
      INPUT.batchTimeout,
      `${formatDuration(batchTimeoutMs)} is longer than rollout-timeout (${formatDuration(rolloutTimeoutMs)}); write a batch-timeout no longer than rollout-timeout, or raise rollout-timeout`,
    );
  }
  return { batchSchedule, batchSize, maxUnavailable, batchTimeoutMs, rolloutTimeoutMs };
}

export function readBake(
  { raw, complain, take }: Inputs,
  batchTimeoutMs: number,
): { bakeTimeMs: number; drainOverlap: boolean } {
  const bakeTimeMs = take(INPUT.bakeTime, parseDuration(raw(INPUT.bakeTime), { allowZero: true }), 0);
  // batch-timeout counts from the batch's release and includes the bake time, which starts only once
  // the batch is healthy: a bake time as long as the batch timeout can never pass either.
  if (bakeTimeMs >= batchTimeoutMs) {
    complain(
      INPUT.bakeTime,
      `${formatDuration(bakeTimeMs)} is not shorter than batch-timeout (${formatDuration(batchTimeoutMs)}), which includes it, so no batch could pass; write a shorter bake-time, or raise batch-timeout`,
    );
  }
  const drainOverlap = take(INPUT.drainOverlap, parseBoolean(raw(INPUT.drainOverlap)), true);
  return { bakeTimeMs, drainOverlap };
}
