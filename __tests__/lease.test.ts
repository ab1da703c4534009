import { describe, expect, it } from '@jest/globals';
import {
  describeLease,
  formatLease,
  formatOwnSettings,
  leaseHolder,
  LEASE_TAG,
  parseLease,
  parseOwnSettings,
  runIdentity,
} from '../src/rollout/lease.js';

describe('the lease tag', () => {
  const lease = {
    id: 'a1b2c3d4e5f6',
    run: 'octo-org/web/actions/runs/4242/attempts/2',
    until: 1_764_326_400_000,
  };

  it('round-trips, within ECS’s tag rules (<= 256 characters of letters, digits, spaces and _ . : / = + - @)', () => {
    const value = formatLease(lease);
    expect(value).toBe('id=a1b2c3d4e5f6 until=1764326400 run=octo-org/web/actions/runs/4242/attempts/2');
    expect(value).toMatch(/^[\p{L}\p{N}\p{Z}_.:/=+\-@]*$/u);
    expect(parseLease(value)).toEqual(lease);
    const long = formatLease({ ...lease, run: `${'x'.repeat(300)}#?` });
    expect(long.length).toBeLessThanOrEqual(256);
    expect(long).toMatch(/^[\p{L}\p{N}\p{Z}_.:/=+\-@]*$/u);
  });

  it('judges who holds the service: ours, another live run, or nobody (absent, unreadable or expired)', () => {
    const tags = { [LEASE_TAG]: formatLease(lease) };
    expect(leaseHolder(tags, lease.until - 1, 'a1b2c3d4e5f6').kind).toBe('ours');
    expect(leaseHolder(tags, lease.until - 1, 'zzz')).toEqual({ kind: 'other', lease });
    expect(leaseHolder(tags, lease.until, 'zzz')).toEqual({ kind: 'free', expired: lease });
    expect(leaseHolder({}, 0, 'zzz')).toEqual({ kind: 'free' });
    expect(leaseHolder({ [LEASE_TAG]: 'garbage' }, 0, 'zzz')).toEqual({ kind: 'free' });
  });

  it('names the other run with a link a person can open', () => {
    expect(describeLease(lease)).toBe(
      'run octo-org/web/actions/runs/4242/attempts/2 (https://github.com/octo-org/web/actions/runs/4242/attempts/2), until 10:40:00 UTC',
    );
    expect(describeLease({ ...lease, run: 'local' })).toBe('run local, until 10:40:00 UTC');
  });

  it('a run’s identity from the runner’s environment', () => {
    expect(
      runIdentity({ GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '3' }, 'id1'),
    ).toEqual({
      id: 'id1',
      run: 'o/r/actions/runs/9/attempts/3',
    });
    expect(runIdentity({}, 'id1')).toEqual({ id: 'id1', run: 'local' });
  });
});

describe('the recorded own-settings tag', () => {
  it.each([
    [{ maximumPercent: 200, minimumHealthyPercent: 50 }, 'max=200 min=50'],
    [
      { maximumPercent: 150, minimumHealthyPercent: 100, circuitBreaker: { enable: true, rollback: false } },
      'max=150 min=100 breaker=on rollback=off',
    ],
  ])('%j <-> %s', (settings, text) => {
    expect(formatOwnSettings(settings)).toBe(text);
    expect(parseOwnSettings(text)).toEqual(settings);
  });

  it('anything else is not a record', () => {
    expect(parseOwnSettings(undefined)).toBeUndefined();
    expect(parseOwnSettings('max=2x min=1')).toBeUndefined();
  });
});
