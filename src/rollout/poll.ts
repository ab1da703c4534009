// How long to wait before the next observation. Pure policy: the loop feeds it what happened and
// a random number; it answers with a delay.
//
// - Settling (something changed in the last `settlePolls` observations): a snapshot starts every
//   `fastMs` (800 ms), so a healthy target or a stopped task is seen within a second even counting
//   the time the snapshot itself takes.
// - Quiet: the interval grows by half each unchanged poll, up to `slowMs`.
// - Throttled or a transient error: full-jitter exponential back-off (a random delay in
//   [0, min(maxBackoffMs, baseBackoffMs * 2^errors)]), on top of the SDK's own retries; after
//   `maxConsecutiveErrors` failures in a row the loop gives up.

export interface PollPolicy {
  fastMs: number;
  slowMs: number;
  settlePolls: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  maxConsecutiveErrors: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = {
  fastMs: 800,
  slowMs: 5000,
  settlePolls: 3,
  baseBackoffMs: 500,
  maxBackoffMs: 20_000,
  maxConsecutiveErrors: 8,
};

export interface PollState {
  /** Observations in a row that changed nothing. */
  unchangedPolls: number;
  /** Failed observations in a row. */
  consecutiveErrors: number;
}

export const INITIAL_POLL_STATE: PollState = { unchangedPolls: 0, consecutiveErrors: 0 };

/** After a successful observation: did it change anything? */
export function afterObservation(state: PollState, changed: boolean): PollState {
  return { unchangedPolls: changed ? 0 : state.unchangedPolls + 1, consecutiveErrors: 0 };
}

/** After a failed observation. */
export function afterError(state: PollState): PollState {
  return { unchangedPolls: state.unchangedPolls, consecutiveErrors: state.consecutiveErrors + 1 };
}

/** True once the loop should stop retrying and fail. */
export function tooManyErrors(state: PollState, policy: PollPolicy): boolean {
  return state.consecutiveErrors >= policy.maxConsecutiveErrors;
}

/** The delay before the next observation; `random` in [0, 1). */
export function nextDelay(state: PollState, policy: PollPolicy, random: number): number {
  if (state.consecutiveErrors > 0) {
    const cap = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** (state.consecutiveErrors - 1));
    return Math.floor(random * cap);
  }
  if (state.unchangedPolls < policy.settlePolls) return policy.fastMs;
  const grown = policy.fastMs * 1.5 ** (state.unchangedPolls - policy.settlePolls + 1);
  return Math.min(policy.slowMs, Math.round(grown));
}

export type ErrorClass = 'throttling' | 'transient' | 'fatal';

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/**
 * Throttling: AWS's throttling error names, or the SDK's `$retryable.throttling`. Transient: the
 * SDK marks it `$retryable`, a 5xx, a timeout or a dropped connection. Anything else (access denied,
 * service not found, a validation error) is fatal: retrying would not help.
 */
export function classifyError(err: unknown): ErrorClass {
  if (typeof err !== 'object' || err === null) return 'fatal';
  const e = err as {
    name?: unknown;
    code?: unknown;
    $retryable?: { throttling?: boolean };
    $metadata?: { httpStatusCode?: number };
  };
  if (typeof e.name === 'string' && THROTTLING_NAMES.has(e.name)) return 'throttling';
  if (e.$retryable?.throttling === true) return 'throttling';
  if (e.$retryable !== undefined) return 'transient';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return 'transient';
  if (e.name === 'TimeoutError') return 'transient';
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return 'transient';
  return 'fatal';
}
