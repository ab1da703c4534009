import { describe, expect, it } from '@jest/globals';
import { LeaseLost, ServiceGuard } from '../src/rollout/guard.js';
import { LEASE_TAG, OWN_SETTINGS_TAG } from '../src/rollout/lease.js';
import { DriverError } from '../src/rollout/port.js';
import { RetryExhausted } from '../src/rollout/retry.js';
import { Session } from '../src/rollout/session.js';
import { Heartbeat } from '../src/rollout/watch.js';
import { FakeClock, FakeService, serverError, T0 } from './helpers/fake-service.js';

const us = { id: 'run00001', run: 'o/r/actions/runs/1/attempts/1' };
const them = { id: 'run00002', run: 'o/r/actions/runs/2/attempts/1' };
const OWN = { maximumPercent: 200, minimumHealthyPercent: 50 };

function setup(callBoundMs?: number): {
  clock: FakeClock;
  fake: FakeService;
  session: Session;
  said: string[];
} {
  const clock = new FakeClock();
  const fake = new FakeService({ clock, desired: 2 });
  const said: string[] = [];
  const session = new Session({
    driver: fake,
    clock,
    guard: new ServiceGuard({ driver: fake, clock, identity: us }),
    heartbeat: new Heartbeat((w) => void said.push(w)),
    random: () => 0.999,
    ...(callBoundMs !== undefined ? { callBoundMs } : {}),
  });
  return { clock, fake, session, said };
}

describe('Session: the call bound and the retry policy', () => {
  it('a call retries throttling and 5xx within the session’s bound, then says how long it kept failing', async () => {
    const { clock, fake, session } = setup(20_000);
    fake.breakOp('describeService', serverError);
    const error = await session
      .call('DescribeServices', () => fake.describeService())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhausted);
    expect((error as Error).message).toMatch(/^DescribeServices kept failing \(\d+ attempts over \d+s\)/);
    expect(clock.now()).toBeLessThanOrEqual(T0 + 20_000);
  });

  it('a long back-off is said on the heartbeat, unless the call is silent', async () => {
    const loud = setup();
    loud.fake.fail('describeService', ...Array.from({ length: 8 }, serverError));
    await loud.session.call('DescribeServices', () => loud.fake.describeService());
    expect(loud.said.some((w) => /retrying in \d+s/.test(w))).toBe(true);

    const quiet = setup();
    quiet.fake.fail('describeService', ...Array.from({ length: 8 }, serverError));
    await quiet.session.call('DescribeServices', () => quiet.fake.describeService(), { silent: true });
    expect(quiet.said).toEqual([]);
  });
});

describe('Session: the lease, from taking to giving back', () => {
  it('takeLease writes and confirms the lease; giveBack removes it with the recorded settings', async () => {
    const { fake, session } = setup();
    await expect(session.takeLease(OWN)).resolves.toBeUndefined();
    expect(fake.tags.get(LEASE_TAG)).toMatch(/^id=run00001 /);
    expect(fake.tags.get(OWN_SETTINGS_TAG)).toBe('max=200 min=50');
    await expect(session.giveBack()).resolves.toBe(true);
    expect(fake.tags.has(LEASE_TAG)).toBe(false);
    expect(fake.tags.has(OWN_SETTINGS_TAG)).toBe(false);
  });

  it('takeLease answers with the other run’s lease, and changes nothing, when another run holds the service', async () => {
    const { clock, fake, session } = setup();
    await new ServiceGuard({ driver: fake, clock, identity: them }).acquire(OWN);
    const other = await session.takeLease(OWN);
    expect(other?.id).toBe('run00002');
    expect(fake.tags.get(LEASE_TAG)).toMatch(/^id=run00002 /);
  });

  it('giveBack never throws: a failure is told to onError and the lease is left to expire', async () => {
    const { fake, session } = setup(5_000);
    await session.takeLease(OWN);
    fake.breakOp('untagService', serverError);
    const heard: unknown[] = [];
    await expect(session.giveBack({ onError: (e) => void heard.push(e) })).resolves.toBe(false);
    expect(heard).toHaveLength(1);
    expect(fake.tags.has(LEASE_TAG)).toBe(true);
  });

  it('a change after another run took the lease over throws LeaseLost and makes no call', async () => {
    const { clock, fake, session } = setup();
    await session.takeLease(OWN);
    await new ServiceGuard({ driver: fake, clock, identity: them }).acquire(OWN);
    clock.t += 10_000;
    await expect(
      session.change('UpdateService', () => fake.updateService({ settings: OWN })),
    ).rejects.toBeInstanceOf(LeaseLost);
    expect(fake.updates).toEqual([]);
  });
});

describe('Session.phase: a wait that ends done, cancelled or unreadable, never by throwing', () => {
  it('done: the step’s result', async () => {
    const { session } = setup();
    let n = 0;
    const end = await session.phase({
      deadline: () => T0 + 60_000,
      observe: async () => ++n,
      step: (i) => (i >= 3 ? { done: i } : { wait: 'counting' }),
    });
    expect(end).toEqual({ done: 3 });
  });

  it('cancelled: with what it was waiting for, when its signal is aborted', async () => {
    const { session } = setup();
    const ac = new AbortController();
    let n = 0;
    const end = await session.phase({
      signal: ac.signal,
      deadline: () => T0 + 60_000,
      observe: async () => {
        if (++n === 2) ac.abort();
        return n;
      },
      step: () => ({ wait: 'the service to settle' }),
    });
    expect(end).toEqual({ cancelled: true, waitingFor: 'the service to settle' });
  });

  it('unreadable: a fatal read error at once, or reads that kept failing past the deadline', async () => {
    const { session } = setup();
    const fatal = new DriverError('AccessDeniedException: no', { kind: 'fatal' });
    const end = await session.phase({
      deadline: () => T0 + 60_000,
      observe: async () => Promise.reject(fatal),
      step: () => ({ wait: 'never' }),
    });
    expect(end).toEqual({ unreadable: fatal, waitingFor: '' });

    const slow = setup();
    const ended = await slow.session.phase({
      deadline: () => T0 + 30_000,
      observe: async () => Promise.reject(serverError()),
      step: () => ({ wait: 'never' }),
    });
    expect('unreadable' in ended && ended.unreadable).toBeInstanceOf(RetryExhausted);
    expect(slow.clock.now()).toBeLessThanOrEqual(T0 + 30_000);
  });

  it('a call retried after a phase ended is said by its own name, not as what the phase waited for', async () => {
    const { fake, session, said } = setup();
    await session.phase({
      deadline: () => T0 + 60_000,
      observe: async () => 1,
      step: (_n, at) => (at > T0 ? { done: true } : { wait: 'the last old task to drain' }),
    });
    expect(said).toContain('the last old task to drain');
    said.length = 0;
    fake.fail('describeService', ...Array.from({ length: 8 }, serverError));
    await session.call('TagResource (release)', () => fake.describeService());
    expect(said.length).toBeGreaterThan(0);
    expect(said.every((w) => w.startsWith('TagResource (release) (an AWS call failed'))).toBe(true);
  });
});
