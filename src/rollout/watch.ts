// The one place the action waits. Every phase that waits for the service — preflight (a deployment
// in progress, another run's lease), each batch of the rollout, the restore, the health check of
// an unchanged task definition — is a `watch`: observe, take one step (decide, maybe act), say
// what it waits for, sleep, again. One heartbeat per run says what is awaited at least every 20 s,
// also while AWS calls are being retried.
import { DEFAULT_PACE, nextPollDelay, type PacePolicy, type SnapshotCalls } from './pace.js';
import { boundedRetry, retrying, retryingWords, sleepQuietly } from './retry.js';
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

  /**
   * Before a back-off sleep: a line now if the sleep would leave more than a heartbeat silent. It
   * names what the phase waits for, or, between phases, the call (`doing`) being retried.
   */
  retrying(delayMs: number, error: unknown, at: number, doing?: string): void {
    if (at + delayMs - this.lastSaidAt < this.everyMs) return;
    this.emit(retryingWords(this.lastWords || doing || 'AWS', { delayMs, error }), at);
  }

  /** A phase ended: what it waited for is no longer what the run does. */
  endPhase(): void {
    this.lastWords = '';
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

/** Not a driver error, so never retried: the read loop stops at once for a cancel. */
const CANCELLED = new Error('cancelled');

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
  const cancellable = w.onCancel ? w.signal : undefined;
  for (;;) {
    if (cancellable?.aborted && w.onCancel) return w.onCancel(heartbeat.words);
    let observedFrom = clock.now();
    let observed: O;
    try {
      // Reads that fail are retried by the one back-off loop; a cancel during its sleep ends the
      // sleep, and the watch stops before the next read.
      observed = await retrying(
        'observing the service',
        () => {
          if (cancellable?.aborted) return Promise.reject(CANCELLED);
          observedFrom = clock.now();
          return w.observe();
        },
        // The reads' deadline is the phase's, as a bound from now.
        boundedRetry(clock, w.deadline() - clock.now(), {
          ...(w.random ? { random: w.random } : {}),
          ...(cancellable ? { wakeOn: cancellable } : {}),
          onRetry: (r) => heartbeat.retrying(r.delayMs, r.error, clock.now()),
          exhausted: ({ attempts, elapsedMs, error }) =>
            `observing the service kept failing for ${formatDuration(elapsedMs)} (${attempts} attempts): ${
              error instanceof Error ? error.message : String(error)
            }`,
        }),
      );
    } catch (error) {
      if (error === CANCELLED && w.onCancel) return w.onCancel(heartbeat.words);
      return w.onReadFailure(error, heartbeat.words);
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
    await sleepQuietly(clock, Math.min(delay, Math.max(0, heartbeat.dueAt() - now)), cancellable);
  }
}
