import { describe, expect, it } from '@jest/globals';
import { DriverError } from '../src/rollout/port.js';
import { RetryExhausted } from '../src/rollout/retry.js';
import { Heartbeat, watch } from '../src/rollout/watch.js';
import { FakeClock, T0 } from './helpers/fake-service.js';

describe('watch: the one wait loop', () => {
  it('observes, steps, says what it waits for when that changes and at least every 20 s, and ends with the step', async () => {
    const clock = new FakeClock();
    const said: [number, string][] = [];
    const heartbeat = new Heartbeat((w, at) => void said.push([at - T0, w]));
    let n = 0;
    const result = await watch({
      clock,
      heartbeat,
      deadline: () => T0 + 600_000,
      observe: async () => ++n,
      step: (i) => (i >= 60 ? { done: `done after ${i}` } : { wait: i < 10 ? 'starting' : 'waiting' }),
      onReadFailure: () => 'read failure',
    });
    expect(result).toBe('done after 60');
    expect(said[0]).toEqual([0, 'starting']);
    expect(said.map(([, w]) => w)).toContain('waiting');
    for (let i = 1; i < said.length; i++) expect(said[i]![0] - said[i - 1]![0]).toBeLessThanOrEqual(20_000);
    expect(clock.sleeps.every((ms) => ms <= 800)).toBe(true);
  });

  it('retries transient read failures with back-off, saying so during a long one; gives up at the deadline', async () => {
    const clock = new FakeClock();
    const said: string[] = [];
    const heartbeat = new Heartbeat((w) => void said.push(w));
    heartbeat.say('batch 1/3: 0/2 new tasks healthy', T0);
    const result = await watch({
      clock,
      heartbeat,
      deadline: () => T0 + 120_000,
      random: () => 0.999,
      observe: async () => {
        throw new DriverError('InternalFailure (HTTP 500): boom', { kind: 'transient', httpStatus: 500 });
      },
      step: () => ({ wait: 'never' }),
      onReadFailure: (error) => error,
    });
    expect(result).toBeInstanceOf(RetryExhausted);
    expect((result as Error).message).toMatch(
      /^observing the service kept failing for [\dhms]+ \(\d+ attempts\): InternalFailure/,
    );
    expect(clock.now()).toBeLessThanOrEqual(T0 + 120_000);
    expect(
      said.some((w) => /an AWS call failed: InternalFailure \(HTTP 500\): boom; retrying in \d+s/.test(w)),
    ).toBe(true);
  });

  it('a fatal read error ends the watch at once', async () => {
    const clock = new FakeClock();
    const error = new DriverError('AccessDeniedException: no', { kind: 'fatal' });
    const result = await watch({
      clock,
      heartbeat: new Heartbeat(() => undefined),
      deadline: () => T0 + 120_000,
      observe: async () => Promise.reject(error),
      step: () => ({ wait: 'never' }),
      onReadFailure: (e) => e,
    });
    expect(result).toBe(error);
    expect(clock.sleeps).toEqual([]);
  });

  it('cancellation ends a cancellable watch at the next look, with what it was waiting for', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    let n = 0;
    const result = await watch({
      clock,
      heartbeat: new Heartbeat(() => undefined),
      signal: ac.signal,
      deadline: () => T0 + 600_000,
      observe: async () => {
        if (++n === 3) ac.abort();
        return n;
      },
      step: () => ({ wait: 'the batch' }),
      onCancel: (w) => `cancelled waiting for ${w}`,
      onReadFailure: () => 'read failure',
    });
    expect(result).toBe('cancelled waiting for the batch');
    expect(n).toBe(3);
  });
});
