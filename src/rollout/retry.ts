// Calls the driver, retrying throttling and transient errors with full-jitter exponential back-off
// (poll.ts), on top of the SDK's own retries. Fatal errors and too many in a row are thrown.
import {
  afterError,
  classifyError,
  DEFAULT_POLL_POLICY,
  INITIAL_POLL_STATE,
  nextDelay,
  tooManyErrors,
  type PollPolicy,
} from './poll.js';
import { formatDuration } from './gates.js';
import type { Clock } from './types.js';

export interface RetryOptions {
  clock: Clock;
  policy?: PollPolicy;
  random?: () => number;
  signal?: AbortSignal;
  /** Told before each back-off sleep, so a caller can say what it is doing during a long one. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export async function callWithRetry<T>(
  label: string,
  call: () => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  const policy = opts.policy ?? DEFAULT_POLL_POLICY;
  const random = opts.random ?? Math.random;
  let state = INITIAL_POLL_STATE;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const kind = classifyError(err);
      state = afterError(state);
      if (kind === 'fatal' || tooManyErrors(state, policy) || opts.signal?.aborted) {
        const times = state.consecutiveErrors > 1 ? ` (${state.consecutiveErrors} attempts)` : '';
        throw new Error(`${label} failed${times}: ${errorMessage(err)}`, { cause: err });
      }
      const delayMs = nextDelay(state, policy, random());
      try {
        opts.onRetry?.({ attempt: state.consecutiveErrors, delayMs, error: err });
      } catch {
        // A progress callback must not change the retry.
      }
      await sleepQuietly(opts.clock, delayMs, opts.signal);
    }
  }
}

/** Sleeps; an abort ends the sleep early instead of throwing (callers check the signal). */
export async function sleepQuietly(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await clock.sleep(ms, signal);
  } catch {
    // Aborted: the caller looks at signal.aborted.
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error)
    return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

/** What a caller waits for, and why it waits longer: `… (AWS is throttling API calls; retrying in 8s)`. */
export function retryingWords(waitingFor: string, retry: { delayMs: number; error: unknown }): string {
  const why =
    classifyError(retry.error) === 'throttling'
      ? 'AWS is throttling API calls'
      : `AWS call failed (${errorMessage(retry.error)})`;
  return `${waitingFor} (${why}; retrying in ${formatDuration(retry.delayMs)})`;
}
