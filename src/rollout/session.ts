// One session per step (main, or post): the engine's cross-cutting work in one place. It owns
// - the call bound, the retry policy and the waits, as its Calls (calls.ts);
// - changes under the lease: `change` confirms the lease, then calls (LeaseLost passes through);
// - the lease from taking to giving back: `takeLease`, and `giveBack`, the one place that gives it back;
// main and post build one (src/wiring.ts) and hand it down; the engine's functions also build one
// from their parts when called alone (tests, a rollout of several services).
import { LeaseLost, type ServiceGuard } from './guard.js';
import type { Lease } from './lease.js';
import type { ServiceDriver } from './port.js';
import { Calls, type CallOptions, type CallsParts } from './calls.js';
import type { DeploymentSettings } from './types.js';

export interface SessionParts extends CallsParts {
  driver: ServiceDriver;
  /** Holds the service's lease; every change is confirmed against it first. */
  guard?: ServiceGuard;
}

export class Session extends Calls {
  readonly driver: ServiceDriver;
  readonly guard: ServiceGuard | undefined;

  constructor(parts: SessionParts) {
    super(parts);
    this.driver = parts.driver;
    this.guard = parts.guard;
  }

  /** A change to the service: the lease must still be this run's (LeaseLost when not), then the call. */
  async change<T>(label: string, fn: () => Promise<T>, o?: CallOptions): Promise<T> {
    await this.guard?.confirm();
    return this.call(label, fn, o);
  }

  /**
   * Takes the service's lease and confirms it; returns the other run's lease when that run holds
   * it. A lease that could not be confirmed (the tags kept failing to read) is given back.
   */
  async takeLease(own: DeploymentSettings): Promise<Lease | undefined> {
    const guard = this.guard;
    if (!guard) return undefined;
    const record = await guard.read();
    if (record.holder.kind === 'other') return record.holder.lease;
    await guard.acquire(own);
    try {
      await guard.confirm();
      return undefined;
    } catch (error) {
      if (error instanceof LeaseLost && error.holder.kind === 'other') return error.holder.lease;
      await this.giveBack();
      throw error;
    }
  }

  /**
   * The one place the lease is given back: removes it, with the recorded settings unless they must
   * stay. Does nothing to a lease that is not this run's. Never throws: a lease left expires by
   * itself; `onError` hears why when the caller says so.
   */
  async giveBack(
    o: { keepRecordedSettings?: boolean; onError?: (error: unknown) => void } = {},
  ): Promise<boolean> {
    try {
      await this.guard?.release(o.keepRecordedSettings ?? false);
      return true;
    } catch (error) {
      o.onError?.(error);
      return false;
    }
  }
}

/** What an engine function takes: the session main or post built, or the parts to build one. */
export type SessionOrParts = { session: Session } | SessionParts;

/** The session a caller handed down, or one built from the parts it gave. */
export function sessionOf(o: SessionOrParts): Session {
  return 'session' in o ? o.session : new Session(o);
}
