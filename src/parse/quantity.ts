// Task quantities: a whole number of tasks (`2`) or a percentage of the service's desired count
// (`25%`). The percentage is resolved against the desired count later, by the batch plan.
import { bad, ok, type Parsed } from './result.js';

/** A count of tasks or a percentage of the desired count, as parsed from an input (`2`, `25%`). */
export type TaskQuantity = { kind: 'count'; value: number } | { kind: 'percent'; value: number };

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

/** More steps than this cannot mean anything a person would write; a long list is likely a mistake. */
const MAX_SCHEDULE_STEPS = 20;

/**
 * A batch schedule: one task quantity (`25%`), or several separated by commas (`1, 25%, 50%`):
 * batch k takes step k and the last step repeats. Every step is a batch size (at least 1 task).
 */
export function parseTaskSchedule(text: string): Parsed<TaskQuantity[]> {
  const fix =
    'write a batch size (e.g. 2 or 25%) or a schedule of sizes separated by commas, the last repeating (e.g. 1, 25%, 50%)';
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length > MAX_SCHEDULE_STEPS)
    return bad(`has ${parts.length} steps, more than ${MAX_SCHEDULE_STEPS}`, fix);
  const steps: TaskQuantity[] = [];
  for (const [i, part] of parts.entries()) {
    const parsed = parseTaskQuantity(part, 1);
    if (parsed.ok) {
      steps.push(parsed.value);
      continue;
    }
    if (parts.length === 1) return parsed;
    const what = part === '' ? 'is empty' : `(${JSON.stringify(part)}) ${parsed.problem}`;
    return bad(`step ${i + 1} ${what}`, fix);
  }
  return ok(steps);
}

/** A schedule as a person writes it: `1, 25%, 50%`. */
export function formatTaskSchedule(steps: readonly TaskQuantity[]): string {
  return steps.map((q) => (q.kind === 'percent' ? `${q.value}%` : String(q.value))).join(', ');
}
