import { describe, expect, it } from '@jest/globals';
import { DriverError } from '../src/rollout/port.js';
import { backoffDelay, retrying, RetryExhausted, retryingWords } from '../src/rollout/retry.js';
import { FakeClock, T0 } from './helpers/fake-service.js';

const transient = (): DriverError =>
  new DriverError('InternalFailure (HTTP 500): boom', { kind: 'transient', httpStatus: 500 });
const throttled = (): DriverError =>
  new DriverError('ThrottlingException: Rate exceeded', { kind: 'throttled' });
const fatal = (): DriverError =>
  new DriverError('AccessDeniedException: no', { kind: 'fatal', code: 'AccessDeniedException' });

function failing(errors: unknown[]): { call: () => Promise<string>; calls: () => number } {
  let n = 0;
  return {
    call: async () => {
      const e = errors[n++];
      if (e !== undefined) throw e;
      return 'ok';
    },
    calls: () => n,
  };
}

describe('retrying: transient is transient, within the phase’s bound', () => {
  it('retries throttling and 5xx until the call succeeds', async () => {
    const clock = new FakeClock();
    const f = failing([transient(), throttled(), transient()]);
    await expect(
      retrying('UpdateService', f.call, { clock, deadline: T0 + 60_000, random: () => 0.5 }),
    ).resolves.toBe('ok');
    expect(f.calls()).toBe(4);
    expect(clock.sleeps).toHaveLength(3);
  });

  it('a fatal error is thrown at once, unchanged', async () => {
    const clock = new FakeClock();
    const error = fatal();
    const f = failing([error]);
    await expect(retrying('UpdateService', f.call, { clock, deadline: T0 + 60_000 })).rejects.toBe(error);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up when the next attempt would start past the deadline, saying how long and how often it failed', async () => {
    const clock = new FakeClock();
    const f = failing(Array.from({ length: 100 }, transient));
    const error = await retrying('DescribeServices', f.call, {
      clock,
      deadline: T0 + 30_000,
      random: () => 0.999,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhausted);
    expect((error as Error).message).toMatch(
      /^DescribeServices kept failing \(\d+ attempts over \d+s\): InternalFailure \(HTTP 500\): boom$/,
    );
    expect(clock.now()).toBeLessThanOrEqual(T0 + 30_000);
    expect((error as RetryExhausted).last).toBeInstanceOf(DriverError);
  });

  it('anything that is not a classified driver error (a bug) is not retried', async () => {
    const clock = new FakeClock();
    await expect(
      retrying('x', async () => Promise.reject(new TypeError('bug')), { clock, deadline: T0 + 60_000 }),
    ).rejects.toThrow('bug');
  });

  it('full-jitter exponential back-off, capped at 20 s', () => {
    const policy = { baseMs: 500, maxMs: 20_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffDelay(a, policy, 0.999999))).toEqual([
      499, 999, 1_999, 3_999, 7_999, 15_999, 19_999, 19_999,
    ]);
    expect(backoffDelay(5, policy, 0)).toBe(0);
  });

  it('says why it waits longer', () => {
    expect(retryingWords('batch 1/3: 0/2 new tasks healthy', { delayMs: 8_000, error: throttled() })).toBe(
      'batch 1/3: 0/2 new tasks healthy (AWS is throttling API calls; retrying in 8s)',
    );
    expect(retryingWords('x', { delayMs: 2_000, error: transient() })).toBe(
      'x (an AWS call failed: InternalFailure (HTTP 500): boom; retrying in 2s)',
    );
  });
});
