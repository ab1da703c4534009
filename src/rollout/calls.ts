// The call bound, the retry policy and the waits of one step: every AWS call the action makes is
// retried by `call` within one bound (one builder, boundedRetry, over the one back-off, retrying),
// and every wait is a `phase` over the one `watch`, ending done, cancelled or unreadable as values
// (no phase throws for a cancel or a failed read). The Session (session.ts) is this with a service
// and its lease; the lease's own calls (guard.ts), the pre-deploy task and keep-revisions use it alone.
import { boundedRetry, CALL_BOUND_MS, retrying, type RetryOptions } from './retry.js';
import type { Clock } from './types.js';
import { Heartbeat, watch, type WatchOptions } from './watch.js';

export interface CallOptions {
  /** This call's own bound, when shorter than the session's. */
  boundMs?: number;
  /** Stops retrying (the call in flight is not cut short). */
  signal?: AbortSignal;
  /** Retries without telling the heartbeat (the restore's calls say nothing of their back-off). */
  silent?: boolean;
}

/** How a phase ended: its own result, a cancel, or reads that kept failing (or failed fatally). */
export type PhaseEnd<R> =
  { done: R } | { cancelled: true; waitingFor: string } | { unreadable: unknown; waitingFor: string };

export type PhaseOptions<O, R> = Pick<
  WatchOptions<O, R>,
  'deadline' | 'observe' | 'step' | 'calls' | 'pace' | 'signal'
> & {
  /** Where the phase's heartbeat lines go; unchanged when not given. */
  says?: (words: string, at: number) => void;
};

/** What a step's calls and waits need: no service, so the one-off task and the revisions use it too. */
export interface CallsParts {
  clock: Clock;
  heartbeat?: Heartbeat;
  /** How long one call may keep retrying throttling and 5xx (default 2 min). */
  callBoundMs?: number;
  random?: () => number;
}

/**
 * The call bound, the retry policy and the waits of one step. A Session is one with a service; the
 * pre-deploy task and keep-revisions, which touch no service, use this part of it.
 */
export class Calls {
  readonly clock: Clock;
  readonly heartbeat: Heartbeat;
  readonly callBoundMs: number;
  readonly random: (() => number) | undefined;

  constructor(parts: CallsParts) {
    this.clock = parts.clock;
    this.heartbeat = parts.heartbeat ?? new Heartbeat(() => undefined);
    this.callBoundMs = parts.callBoundMs ?? CALL_BOUND_MS;
    this.random = parts.random;
  }

  /** The retry policy every call of the step uses. */
  retry(o: CallOptions = {}, label?: string): RetryOptions {
    const { clock, heartbeat } = this;
    return boundedRetry(clock, o.boundMs ?? this.callBoundMs, {
      ...(o.signal ? { signal: o.signal } : {}),
      ...(this.random ? { random: this.random } : {}),
      ...(o.silent ? {} : { onRetry: (r) => heartbeat.retrying(r.delayMs, r.error, clock.now(), label) }),
    });
  }

  call<T>(label: string, fn: () => Promise<T>, o?: CallOptions): Promise<T> {
    return retrying(label, fn, this.retry(o, label));
  }

  /** A wait, through the one watch: cancel (when a signal is given) and read failures end it as values. */
  async phase<O, R>(p: PhaseOptions<O, R>): Promise<PhaseEnd<R>> {
    if (p.says) this.heartbeat.setSink(p.says);
    try {
      return await watch<O, PhaseEnd<R>>({
        clock: this.clock,
        heartbeat: this.heartbeat,
        ...(p.signal ? { signal: p.signal } : {}),
        deadline: p.deadline,
        observe: p.observe,
        step: async (observed, at) => {
          const s = await p.step(observed, at);
          return 'done' in s ? { done: { done: s.done } } : s;
        },
        ...(p.calls ? { calls: p.calls } : {}),
        ...(p.pace ? { pace: p.pace } : {}),
        ...(this.random ? { random: this.random } : {}),
        ...(p.signal ? { onCancel: (waitingFor: string) => ({ cancelled: true as const, waitingFor }) } : {}),
        onReadFailure: (unreadable, waitingFor) => ({ unreadable, waitingFor }),
      });
    } finally {
      // A call retried after the phase must not be said as what the phase waited for.
      this.heartbeat.endPhase();
    }
  }
}
