// Task quantities: a whole number of tasks (`2`) or a percentage of the service's desired count
// (`25%`). The percentage is resolved against the desired count later, by the batch plan.
import type { TaskQuantity } from '../rollout/types.js';
import { bad, ok, type Parsed } from './result.js';

/** ECS's default quota of tasks per service; a count above it cannot mean anything. */
export const MAX_TASK_COUNT = 5000;

/**
 * `min` is the least count and percentage allowed: 1 for a batch size (a batch that starts nothing
 * never ends), 0 for max-unavailable (0 keeps every old task until its replacement is healthy).
 */
export function parseTaskQuantity(text: string, min: 0 | 1): Parsed<TaskQuantity> {
  const fix =
    min === 1
      ? 'write a whole number of tasks ≥ 1 (e.g. 2) or a percentage in 1%-100% (e.g. 25%)'
      : 'write a whole number of tasks ≥ 0 (e.g. 1) or a percentage in 0%-100% (e.g. 10%)';
  const count = /^\d+$/.exec(text);
  if (count) {
    const value = Number(text);
    if (value > MAX_TASK_COUNT) {
      return bad(`is more than ${MAX_TASK_COUNT} tasks, ECS's default quota of tasks per service`, fix);
    }
    if (value < min) return bad('is not a task count or percentage', fix);
    return ok({ kind: 'count', value });
  }
  const percent = /^(\d+)%$/.exec(text);
  if (percent) {
    const value = Number(percent[1]);
    if (value < min || value > 100) return bad('is not a task count or percentage', fix);
    return ok({ kind: 'percent', value });
  }
  return bad('is not a task count or percentage', fix);
}

/** A whole number in [min, max], e.g. a threshold of consecutive failures. */
export function parseWholeNumber(text: string, min: number, max: number): Parsed<number> {
  const fix = `write a whole number from ${min} to ${max} (e.g. ${Math.min(max, Math.max(min, 3))})`;
  if (!/^\d+$/.test(text)) return bad('is not a whole number', fix);
  const value = Number(text);
  if (value < min || value > max) return bad(`is outside ${min}-${max}`, fix);
  return ok(value);
}
