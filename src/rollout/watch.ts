// The one place the action waits. Every phase that waits for the service — preflight (a deployment
// in progress, another run's lease), each batch of the rollout, the restore, the health check of
// an unchanged task definition — is a `watch`: observe, take one step (decide, maybe act), say
// what it waits for, sleep, again. One heartbeat per run says what is awaited at least every 20 s,
// also while AWS calls are being retried.
import { errorKind } from './port.js';
import { DEFAULT_PACE, nextPollDelay, type PacePolicy, type SnapshotCalls } from './pace.js';
import { backoffDelay, DEFAULT_BACKOFF, RetryExhausted, retryingWords, sleepQuietly } from './retry.js';
import type { Clock } from './types.js';
import { formatDuration } from './words.js';

/** Says what the run waits for: when the words change, and at least every `everyMs`. */
export class Heartbeat {
  private lastWords = '';
  private lastSaidAt = Number.NEGATIVE_INFINITY;
  private sink: (words: string, at: number) => void;

  constructor(
    sink: (words: string, at: number) => void,
    readonly everyMs: number = DEFAULT_PACE.heartbeatMs,
  ) {
    this.sink = sink;
  }

  /** Where the lines go in the current phase (rollout progress, rollback progress, a log line). */
  setSink(sink: (words: string, at: number) => void): void {
    this.sink = sink;
    this.lastWords = '';
  }

  get words(): string {
    return this.lastWords;
  }

  say(words: string, at: number): void {
    if (words === this.lastWords && at - this.lastSaidAt < this.everyMs) return;
    this.emit(words, at);
    this.lastWords = words;
  }

  /** Before a back-off sleep: a line now if the sleep would leave more than a heartbeat silent. */
  retrying(delayMs: number, error: unknown, at: number): void {
    if (at + delayMs - this.lastSaidAt < this.everyMs) return;
    this.emit(retryingWords(this.lastWords || 'AWS', { delayMs, error }), at);
  }

  /** When the next line is due, for a caller that sleeps. */
  dueAt(): number {
    return this.lastSaidAt + this.everyMs;
  }

  private emit(words: string, at: number): void {
    this.lastSaidAt = at;
    try {
      this.sink(words, at);
    } catch {
      // Saying where we are must never change where we are.
    }
  }
}

export type WatchStep<R> =
  | { done: R }
  | {
      /** What the phase waits for, in words. */
      wait: string;
      /** Look again soon (right after a release). */
      urgent?: boolean;
      /** A predicted change (drain end, bake end), absolute. */
      wakeAt?: number;
    };

export interface WatchOptions<O, R> {
  clock: Clock;
  heartbeat: Heartbeat;
  /** When aborted, the watch ends with onCancel (a phase without onCancel is not cancellable). */
  signal?: AbortSignal;
  /** Reads may keep failing (throttled, transient) until this absolute time; then onReadFailure. */
  deadline: () => number;
  observe: () => Promise<O>;
  step: (observed: O, at: number) => Promise<WatchStep<R>> | WatchStep<R>;
  onCancel?: (waitingFor: string) => R;
  /** A fatal read error, or reads that kept failing past the deadline. */
  onReadFailure: (error: unknown, waitingFor: string) => R;
  /** The API calls the last observation cost, so the pace stays within the budget. */
  calls?: (observed: O) => SnapshotCalls;
  pace?: PacePolicy;
  random?: () => number;
}

export async function watch<O, R>(w: WatchOptions<O, R>): Promise<R> {
  const { clock, heartbeat } = w;
  const random = w.random ?? Math.random;
  let failures = 0;
  let failingSince: number | undefined;
  for (;;) {
    if (w.signal?.aborted && w.onCancel) return w.onCancel(heartbeat.words);
    const observedFrom = clock.now();
    let observed: O;
    try {
      observed = await w.observe();
      failures = 0;
      failingSince = undefined;
    } catch (error) {
      if (errorKind(error) === 'fatal') return w.onReadFailure(error, heartbeat.words);
      failures += 1;
      failingSince ??= observedFrom;
      const now = clock.now();
      const delay = Math.max(250, backoffDelay(failures, DEFAULT_BACKOFF, random()));
      if (now + delay > w.deadline()) {
        const message = `observing the service kept failing for ${formatDuration(now - failingSince)} (${failures} attempts): ${
          error instanceof Error ? error.message : String(error)
        }`;
        return w.onReadFailure(new RetryExhausted(message, failures, error), heartbeat.words);
      }
      heartbeat.retrying(delay, error, now);
      await sleepQuietly(clock, delay, w.onCancel ? w.signal : undefined);
      continue;
    }

    const step = await w.step(observed, clock.now());
    if ('done' in step) return step.done;
    const now = clock.now();
    heartbeat.say(step.wait, now);
    const delay = nextPollDelay(
      {
        now,
        observedFrom,
        ...(step.urgent ? { urgent: true } : {}),
        ...(step.wakeAt !== undefined ? { wakeAt: step.wakeAt } : {}),
        ...(w.calls ? { calls: w.calls(observed) } : {}),
      },
      w.pace ?? DEFAULT_PACE,
    );
    await sleepQuietly(
      clock,
      Math.min(delay, Math.max(0, heartbeat.dueAt() - now)),
      w.onCancel ? w.signal : undefined,
    );
  }
}
