// Calls the driver, retrying what the driver classified as throttled or transient with full-jitter
// exponential back-off (on top of the SDK's own retries), until the call succeeds, the error is
// fatal, or the next attempt would start past the phase's deadline. Every phase has its own bound:
// a burst of 5xx costs seconds, not the safety of the rollout.
import { errorKind } from './port.js';
import { formatDuration } from './words.js';
import type { Clock } from './types.js';

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 20_000 };

export interface RetryOptions {
  clock: Clock;
  /** Absolute time (clock.now() scale) after which no new attempt starts. */
  deadline: number;
  backoff?: BackoffPolicy;
  random?: () => number;
  /** Stops retrying (the last error is thrown); the call in flight is not cut short. */
  signal?: AbortSignal;
  /** Ends a back-off sleep early without stopping the retry: the next attempt says what to do. */
  wakeOn?: AbortSignal;
  /** Told before each back-off sleep, so a caller can say what it is doing during a long one. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** The give-up message, when the caller words it its own way (the wait loop's reads). */
  exhausted?: (failure: { attempts: number; elapsedMs: number; error: unknown }) => string;
}

/** How long one call (read or change) may keep retrying throttling and 5xx, unless a phase says otherwise. */
export const CALL_BOUND_MS = 120_000;

/**
 * The one builder of retry options: a call may retry until `boundMs` from now. Everything that
 * retries (the session's calls, the lease's) builds its options here.
 */
export function boundedRetry(
  clock: Clock,
  boundMs: number = CALL_BOUND_MS,
  extra: Omit<RetryOptions, 'clock' | 'deadline'> = {},
): RetryOptions {
  return { clock, deadline: clock.now() + boundMs, ...extra };
}

/** The error a retried call gives up with: what was attempted, how long, and the last error. */
export class RetryExhausted extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly last: unknown,
  ) {
    super(message, { cause: last });
    this.name = 'RetryExhausted';
  }
}

/** Full jitter: a random delay in [0, min(max, base * 2^(attempt-1))). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random * cap);
}

export async function retrying<T>(label: string, call: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const policy = opts.backoff ?? DEFAULT_BACKOFF;
  const random = opts.random ?? Math.random;
  const started = opts.clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const kind = errorKind(error);
      if (kind === 'fatal') throw error;
      // Never sleep for nothing: with no time left, say how long it kept failing.
      const delayMs = Math.max(backoffDelay(attempt, policy, random()), Math.min(250, policy.baseMs));
      const now = opts.clock.now();
      if (now + delayMs > opts.deadline || opts.signal?.aborted) {
        const times = attempt > 1 ? `${attempt} attempts over ${formatDuration(now - started)}` : '1 attempt';
        const message = opts.exhausted
          ? opts.exhausted({ attempts: attempt, elapsedMs: now - started, error })
          : `${label} kept failing (${times}): ${messageOf(error)}`;
        throw new RetryExhausted(message, attempt, error);
      }
      try {
        opts.onRetry?.({ attempt, delayMs, error });
      } catch {
        // A progress callback must not change the retry.
      }
      await sleepQuietly(opts.clock, delayMs, opts.signal ?? opts.wakeOn);
    }
  }
}

/** Sleeps; an abort ends the sleep early instead of throwing (callers check the signal). */
export async function sleepQuietly(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return;
  try {
    await clock.sleep(ms, signal);
  } catch {
    // Aborted: the caller looks at signal.aborted.
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/** What a caller waits for, and why it waits longer: `… (AWS is throttling API calls; retrying in 8s)`. */
export function retryingWords(waitingFor: string, retry: { delayMs: number; error: unknown }): string {
  const why =
    errorKind(retry.error) === 'throttled'
      ? 'AWS is throttling API calls'
      : `an AWS call failed: ${messageOf(retry.error)}`;
  return `${waitingFor} (${why}; retrying in ${formatDuration(retry.delayMs)})`;
}
