// One rollout of a service at a time. Before it changes the service, a run takes the service's
// lease (a tag naming the run, with an expiry), and records the service's own deployment settings
// beside it. Right before every change after that it reads the lease back: a run whose lease is
// gone (another run took the service over after it expired) changes nothing more.
//
// Tags are not compare-and-swap, so two runs that start together can both write a lease; the last
// write wins and the other run sees it at its read-back. The read-back comes at least `settleMs`
// after the write, longer than a run takes from reading the tags to writing its own, so a second
// run that read "free" before our write has written by then. What is left is the window between
// the last read-back and the first UpdateService: one API round trip.
import {
  formatLease,
  leaseHolder,
  LEASE_TAG,
  OWN_SETTINGS_TAG,
  formatOwnSettings,
  parseOwnSettings,
} from './lease.js';
import type { LeaseHolder, RunIdentity } from './lease.js';
import type { ServiceDriver } from './port.js';
import { Calls } from './calls.js';
import { sleepQuietly } from './retry.js';
import type { Clock, DeploymentSettings } from './types.js';

export interface GuardOptions {
  driver: ServiceDriver;
  clock: Clock;
  identity: RunIdentity;
  /** How long a lease holds without renewal: a run that dies frees the service after this. */
  ttlMs?: number;
  renewAfterMs?: number;
  /** A confirmation this recent is trusted without a new read. */
  recheckAfterMs?: number;
  settleMs?: number;
  /** How long one guard call (read, tag, untag) may keep retrying throttling and 5xx. */
  callBoundMs?: number;
  random?: () => number;
}

/** How long a renewal between changes may retry before it waits for the next look. */
const KEEP_ALIVE_BOUND_MS = 10_000;

/** The lease was taken by another run: this one must not change the service any more. */
export class LeaseLost extends Error {
  constructor(readonly holder: LeaseHolder) {
    super('the service’s lease is no longer this run’s');
    this.name = 'LeaseLost';
  }
}

export interface ServiceRecord {
  holder: LeaseHolder;
  /** The service's own settings as an unfinished earlier run recorded them, if it did. */
  recordedSettings?: DeploymentSettings;
  tags: Record<string, string>;
}

const LEASE_TTL_MS = 5 * 60_000;

export class ServiceGuard {
  private readonly ttlMs: number;
  private readonly renewAfterMs: number;
  private readonly recheckAfterMs: number;
  private readonly settleMs: number;
  /** The lease's own calls: the step's retry policy, silent (a lease call is not what the run waits for). */
  private readonly calls: Calls;
  private acquiredAt: number | undefined;
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private renewedAt = Number.NEGATIVE_INFINITY;
  private lost: LeaseHolder | undefined;

  constructor(private readonly opts: GuardOptions) {
    this.ttlMs = opts.ttlMs ?? LEASE_TTL_MS;
    this.renewAfterMs = opts.renewAfterMs ?? 60_000;
    this.recheckAfterMs = opts.recheckAfterMs ?? 5_000;
    this.settleMs = opts.settleMs ?? 2_000;
    this.calls = new Calls({
      clock: opts.clock,
      ...(opts.callBoundMs !== undefined ? { callBoundMs: opts.callBoundMs } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    });
  }

  get identity(): RunIdentity {
    return this.opts.identity;
  }

  /** Who holds the service, and the settings an unfinished earlier run left recorded on it. */
  async read(): Promise<ServiceRecord> {
    const tags = await this.call('ListTagsForResource', () => this.opts.driver.readServiceTags());
    const recorded = parseOwnSettings(tags[OWN_SETTINGS_TAG]);
    return {
      holder: leaseHolder(tags, this.opts.clock.now(), this.opts.identity.id),
      ...(recorded ? { recordedSettings: recorded } : {}),
      tags,
    };
  }

  /** Writes our lease and the service's own settings, in one TagResource. */
  async acquire(ownSettings: DeploymentSettings): Promise<void> {
    const now = this.opts.clock.now();
    await this.call('TagResource (lease)', () =>
      this.opts.driver.tagService({
        [LEASE_TAG]: formatLease({ ...this.opts.identity, until: now + this.ttlMs }),
        [OWN_SETTINGS_TAG]: formatOwnSettings(ownSettings),
      }),
    );
    this.acquiredAt = this.opts.clock.now();
    this.renewedAt = this.acquiredAt;
  }

  /** Takes up a lease main wrote (the post step, with the identity main saved). */
  adopt(): void {
    this.acquiredAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * Right before a change to the service: the lease must still be ours. Throws LeaseLost when it is
   * not; renews it when it is getting old.
   */
  async confirm(): Promise<void> {
    if (this.lost) throw new LeaseLost(this.lost);
    const { clock } = this.opts;
    if (this.acquiredAt !== undefined && clock.now() < this.acquiredAt + this.settleMs)
      await sleepQuietly(clock, this.acquiredAt + this.settleMs - clock.now());
    if (clock.now() - this.confirmedAt >= this.recheckAfterMs) {
      const { holder } = await this.read();
      if (holder.kind !== 'ours') {
        // A lease that expired but nobody took is still free for us to take back.
        if (holder.kind === 'other') {
          this.lost = holder;
          throw new LeaseLost(holder);
        }
        this.renewedAt = Number.NEGATIVE_INFINITY;
      }
      this.confirmedAt = clock.now();
    }
    if (clock.now() - this.renewedAt >= this.renewAfterMs) {
      const now = clock.now();
      await this.call('TagResource (lease renewal)', () =>
        this.opts.driver.tagService({
          [LEASE_TAG]: formatLease({ ...this.opts.identity, until: now + this.ttlMs }),
        }),
      );
      this.renewedAt = now;
    }
  }

  /**
   * Between changes, at each look: renews the lease once it is due, so a wait longer than the
   * lease's life (a long bake time, a 300 s drain, a slow restore) does not let it lapse while this
   * run still owns the service. Never throws and never waits long: a renewal that fails is tried at
   * the next look, and a takeover it finds is what the next change's confirm() reports.
   */
  async keepAlive(): Promise<void> {
    const { clock } = this.opts;
    if (this.lost || this.acquiredAt === undefined || clock.now() - this.renewedAt < this.renewAfterMs)
      return;
    try {
      const holder = await this.readBetweenLooks();
      if (holder === undefined) return;
      const now = clock.now();
      await this.call(
        'TagResource (lease renewal)',
        () =>
          this.opts.driver.tagService({
            [LEASE_TAG]: formatLease({ ...this.opts.identity, until: now + this.ttlMs }),
          }),
        KEEP_ALIVE_BOUND_MS,
      );
      this.renewedAt = now;
      this.confirmedAt = now;
    } catch {
      // Tried again at the next look; the lease has minutes left.
    }
  }

  /**
   * One quick lease read between looks (keepAlive, prepareChange): the holder, or undefined once
   * another run is found to hold the service (remembered as lost, for the next change to report).
   */
  private async readBetweenLooks(): Promise<LeaseHolder | undefined> {
    const tags = await this.call(
      'ListTagsForResource',
      () => this.opts.driver.readServiceTags(),
      KEEP_ALIVE_BOUND_MS,
    );
    const holder = leaseHolder(tags, this.opts.clock.now(), this.opts.identity.id);
    if (holder.kind !== 'other') return holder;
    this.lost = holder;
    return undefined;
  }

  /**
   * A change is due soon (a batch's verdict is near, its release follows at once): reads the lease
   * now, between looks, when the confirmation the change would use will be stale within `aheadMs`,
   * so the change's confirm() does not pay a read on its way to the service. Never throws; a
   * takeover it finds is what the change's confirm() reports.
   */
  async prepareChange(aheadMs: number = this.recheckAfterMs / 2): Promise<void> {
    const { clock } = this.opts;
    if (this.lost || this.acquiredAt === undefined) return;
    if (clock.now() < this.acquiredAt + this.settleMs) return;
    if (clock.now() + aheadMs - this.confirmedAt < this.recheckAfterMs) return;
    try {
      const holder = await this.readBetweenLooks();
      if (holder === undefined) return;
      // A lease that expired unnoticed is renewed by the change's confirm(), as before.
      if (holder.kind === 'free') this.renewedAt = Number.NEGATIVE_INFINITY;
      this.confirmedAt = clock.now();
    } catch {
      // The change's confirm() reads again.
    }
  }

  /**
   * Starts over after losing the lease before this run changed anything (two runs started together
   * and the other one's write came last): with wait-for-idle the run waits for that one and takes
   * the lease again afterwards.
   */
  restart(): void {
    this.lost = undefined;
    this.acquiredAt = undefined;
    this.confirmedAt = Number.NEGATIVE_INFINITY;
    this.renewedAt = Number.NEGATIVE_INFINITY;
  }

  /** Whether another run has taken the service over (as far as this run has seen). */
  get takenOver(): LeaseHolder | undefined {
    return this.lost;
  }

  /**
   * Gives the service back: removes our lease, and the recorded settings unless they must stay
   * (they were not put back). Does nothing to a lease that is not ours.
   */
  async release(keepRecordedSettings: boolean): Promise<void> {
    if (this.lost) return;
    const { holder } = await this.read();
    // Another run's lease: the recorded settings are its record now too.
    if (holder.kind === 'other') return;
    const keys = keepRecordedSettings ? [LEASE_TAG] : [LEASE_TAG, OWN_SETTINGS_TAG];
    await this.call('UntagResource', () => this.opts.driver.untagService(keys));
  }

  private call<T>(label: string, fn: () => Promise<T>, boundMs?: number): Promise<T> {
    return this.calls.call(label, fn, { silent: true, ...(boundMs !== undefined ? { boundMs } : {}) });
  }
}
