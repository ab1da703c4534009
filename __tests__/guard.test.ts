import { describe, expect, it } from '@jest/globals';
import { LeaseLost, ServiceGuard } from '../src/rollout/guard.js';
import { formatLease, LEASE_TAG, OWN_SETTINGS_TAG } from '../src/rollout/lease.js';
import { FakeClock, FakeService, serverError, T0 } from './helpers/fake-service.js';

const us = { id: 'run00001', run: 'o/r/actions/runs/1/attempts/1' };
const them = { id: 'run00002', run: 'o/r/actions/runs/2/attempts/1' };
const OWN = { maximumPercent: 200, minimumHealthyPercent: 50 };

function two(): { clock: FakeClock; fake: FakeService; a: ServiceGuard; b: ServiceGuard } {
  const clock = new FakeClock();
  const fake = new FakeService({ clock, desired: 2 });
  return {
    clock,
    fake,
    a: new ServiceGuard({ driver: fake, clock, identity: us }),
    b: new ServiceGuard({ driver: fake, clock, identity: them }),
  };
}

describe('ServiceGuard: one rollout of a service at a time', () => {
  it('acquire writes the lease and the service’s own settings in one TagResource', async () => {
    const { fake, a } = two();
    await a.acquire(OWN);
    expect(fake.callCounts.tagService).toBe(1);
    expect(fake.tags.get(LEASE_TAG)).toMatch(
      /^id=run00001 until=\d+ run=o\/r\/actions\/runs\/1\/attempts\/1$/,
    );
    expect(fake.tags.get(OWN_SETTINGS_TAG)).toBe('max=200 min=50');
    expect((await a.read()).recordedSettings).toEqual(OWN);
  });

  it('two runs that write together: the last write wins; the other sees it at its read-back, after the settle time', async () => {
    const { clock, a, b } = two();
    await a.acquire(OWN);
    await b.acquire(OWN);
    const started = clock.now();
    await expect(a.confirm()).rejects.toBeInstanceOf(LeaseLost);
    // The read-back waited out the settle time (2 s) after the write.
    expect(clock.now() - started).toBeGreaterThanOrEqual(2_000);
    await expect(b.confirm()).resolves.toBeUndefined();
    // Once lost, always lost: no second read needed to refuse.
    await expect(a.confirm()).rejects.toBeInstanceOf(LeaseLost);
    expect(a.takenOver?.kind).toBe('other');
  });

  it('renews the lease when it gets old, so a live run keeps the service', async () => {
    const { clock, fake, a } = two();
    await a.acquire(OWN);
    const first = fake.tags.get(LEASE_TAG);
    clock.t += 61_000;
    await a.confirm();
    expect(fake.tags.get(LEASE_TAG)).not.toBe(first);
  });

  it('keepAlive renews the lease during a long wait with no change, so it never lapses while the run lives', async () => {
    const { clock, fake, a, b } = two();
    await a.acquire(OWN);
    await a.confirm();
    const tagsBefore = fake.callCounts.tagService;
    // Looks every few seconds for 12 minutes (a long bake or drain): no change, so no confirm().
    for (let t = 0; t < 12 * 60_000; t += 5_000) {
      clock.t += 5_000;
      await a.keepAlive();
      expect((await b.read()).holder.kind).toBe('other');
    }
    // Renewed about once a minute, not at every look.
    expect(fake.callCounts.tagService - tagsBefore).toBeGreaterThanOrEqual(11);
    expect(fake.callCounts.tagService - tagsBefore).toBeLessThanOrEqual(13);
  });

  it('keepAlive never throws: a renewal that fails waits for the next look; a takeover it finds is reported by the next confirm', async () => {
    const { clock, fake, a } = two();
    await a.acquire(OWN);
    clock.t += 61_000;
    fake.breakOp('readServiceTags', serverError);
    await expect(a.keepAlive()).resolves.toBeUndefined();
    fake.restore('readServiceTags');
    fake.tags.set(LEASE_TAG, formatLease({ ...them, until: clock.now() + 300_000 }));
    await expect(a.keepAlive()).resolves.toBeUndefined();
    expect(a.takenOver?.kind).toBe('other');
    await expect(a.confirm()).rejects.toBeInstanceOf(LeaseLost);
  });

  it('an expired lease of another run is nobody’s: a run may take it', async () => {
    const { clock, fake, a } = two();
    fake.tags.set(LEASE_TAG, formatLease({ ...them, until: T0 - 1 }));
    expect((await a.read()).holder.kind).toBe('free');
    await a.acquire(OWN);
    clock.t += 3_000;
    await expect(a.confirm()).resolves.toBeUndefined();
  });

  it('release removes our lease and the recorded settings (or keeps the settings when asked), and never another run’s', async () => {
    const { fake, a, b } = two();
    await a.acquire(OWN);
    await a.release(true);
    expect(fake.tags.has(LEASE_TAG)).toBe(false);
    expect(fake.tags.get(OWN_SETTINGS_TAG)).toBe('max=200 min=50');
    await a.acquire(OWN);
    await a.release(false);
    expect(fake.tags.has(OWN_SETTINGS_TAG)).toBe(false);
    await b.acquire(OWN);
    await a.release(false);
    expect(fake.tags.get(LEASE_TAG)).toMatch(/^id=run00002/);
  });

  it('its calls ride out 500s within their bound', async () => {
    const { fake, a } = two();
    fake.fail('tagService', serverError(), serverError());
    fake.fail('readServiceTags', serverError());
    await a.acquire(OWN);
    expect((await a.read()).holder.kind).toBe('ours');
  });
});

describe('ServiceGuard.prepareChange: the read-back ahead of a change that is due', () => {
  it('reads the lease between looks when the change’s confirmation would be stale, so confirm() then reads nothing', async () => {
    const { clock, fake, a } = two();
    await a.acquire(OWN);
    await a.confirm();
    // Just confirmed: nothing to do ahead of time.
    const reads = (): number => fake.callCounts.readServiceTags ?? 0;
    const before = reads();
    await a.prepareChange();
    expect(reads()).toBe(before);
    // 3 s later the confirmation would be stale within the next 2.5 s: read now.
    clock.t += 3_000;
    await a.prepareChange();
    expect(reads()).toBe(before + 1);
    // The change comes a moment later: confirm() trusts that read.
    clock.t += 1_000;
    await a.confirm();
    expect(reads()).toBe(before + 1);
  });

  it('a takeover it finds is reported by the next confirm(), without another read; it never throws', async () => {
    const { clock, fake, a } = two();
    await a.acquire(OWN);
    await a.confirm();
    clock.t += 4_000;
    fake.tags.set(LEASE_TAG, formatLease({ ...them, until: clock.now() + 60_000 }));
    await expect(a.prepareChange()).resolves.toBeUndefined();
    const reads = fake.callCounts.readServiceTags ?? 0;
    await expect(a.confirm()).rejects.toBeInstanceOf(LeaseLost);
    expect(fake.callCounts.readServiceTags ?? 0).toBe(reads);
  });

  it('does nothing before the settle time is over, or for a guard that holds no lease', async () => {
    const { fake, a, b } = two();
    await b.prepareChange();
    await a.acquire(OWN);
    const reads = fake.callCounts.readServiceTags ?? 0;
    await a.prepareChange();
    expect(fake.callCounts.readServiceTags ?? 0).toBe(reads);
  });
});
