// The extra HTTP checks (health-check-url): a streak of failed answers per URL.
import { statusMatches, type StatusRange } from '../../parse/status.js';
import type { ServiceView } from '../snapshot.js';
import type { HttpCheckStreak, RolloutFailure } from '../types.js';
import { batchLabel, eventsSince, type GateContext } from './context.js';

/** An HTTP check URL that failed `threshold` times in a row. */
export function httpCheckGate(
  streaks: readonly HttpCheckStreak[],
  threshold: number,
  ctx: GateContext,
  service?: ServiceView,
): RolloutFailure | undefined {
  const failing = streaks.find((s) => s.consecutiveFailures >= threshold);
  if (!failing) return undefined;
  const failure: RolloutFailure = {
    batch: ctx.batch,
    kind: 'http-check',
    message:
      `${batchLabel(ctx)}: health check ${failing.shown} failed ${failing.consecutiveFailures} times in a row` +
      (failing.last ? ` (last: ${failing.last})` : ''),
  };
  if (service) failure.serviceEvents = eventsSince(service, ctx.rolloutStartedAt);
  return failure;
}

/** Is this HTTP answer healthy? Any status inside one of the inclusive ranges. */
export function statusAccepted(status: number | undefined, ranges: readonly StatusRange[]): boolean {
  return status !== undefined && statusMatches(ranges, status);
}

/** The streak after one more answer at `at`: reset on success, one more on failure. */
export function nextStreak(
  streak: HttpCheckStreak,
  answer: { status?: number; error?: string },
  ranges: readonly StatusRange[],
  at: number,
): HttpCheckStreak {
  const base = { url: streak.url, shown: streak.shown, checkedAt: at };
  if (statusAccepted(answer.status, ranges)) return { ...base, consecutiveFailures: 0, passed: true };
  const last = answer.error ?? (answer.status !== undefined ? `status ${answer.status}` : 'no answer');
  return { ...base, consecutiveFailures: streak.consecutiveFailures + 1, passed: false, last };
}
