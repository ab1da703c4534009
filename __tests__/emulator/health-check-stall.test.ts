// One health check when the emulator's own event loop stalls: the load balancer it models is another
// machine, so a stall here (a GC pause, a busy CI machine) must not turn into Target.Timeout for a
// target that answers at once; a target that truly hangs still times out, stall or not.
import { describe, it, expect, afterEach } from '@jest/globals';
import { createClock } from '../../emulator/src/clock.js';
import { probe } from '../../emulator/src/elbv2/health-checker.js';
import type { Clock } from '../../emulator/src/contracts.js';
import { startTarget } from './elbv2-harness.js';
import type { FakeTarget } from './elbv2-harness.js';

// 1 AWS second = 50 ms: the 4 s timeout is 200 ms real.
const SCALE = 0.05;
const TIMEOUT_SECONDS = 4;
const TIMEOUT_MS = TIMEOUT_SECONDS * 1000 * SCALE;

/** Holds the event loop, as a long GC pause or a starved process does. */
function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('a health check across a stall of the emulator itself', () => {
  let clock: Clock;
  let target: FakeTarget | undefined;
  afterEach(async () => {
    clock.dispose();
    await target?.close();
    target = undefined;
  });

  const check = (t: FakeTarget) =>
    probe(
      {
        host: t.ip,
        port: t.port,
        path: '/health',
        timeoutSeconds: TIMEOUT_SECONDS,
        matcher: (s) => s === 200,
      },
      clock,
    );

  it('a target that answers at once passes, though the loop stalled past the whole timeout', async () => {
    clock = createClock(SCALE);
    target = await startTarget('127.0.0.31');
    const sent = check(target);
    blockLoop(3 * TIMEOUT_MS);
    await expect(sent.outcome).resolves.toEqual({ ok: true, status: 200 });
    expect(clock.stalledMs()).toBeGreaterThanOrEqual(2 * TIMEOUT_MS);
  });

  it('a target that hangs times out on a calm loop, and still times out across a stall', async () => {
    clock = createClock(SCALE);
    target = await startTarget('127.0.0.32', 'hang');
    await expect(check(target).outcome).resolves.toEqual({ ok: false, kind: 'timeout' });

    const sent = check(target);
    blockLoop(3 * TIMEOUT_MS);
    await expect(sent.outcome).resolves.toEqual({ ok: false, kind: 'timeout' });
  });

  it('the meter counts a stall, not the ordinary gaps between ticks', async () => {
    clock = createClock(SCALE);
    const before = clock.stalledMs();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(clock.stalledMs() - before).toBeLessThan(50);
    blockLoop(300);
    expect(clock.stalledMs() - before).toBeGreaterThanOrEqual(250);

    // Disposed: a late ask starts no new meter, so the stall count stands still.
    clock.dispose();
    const atDispose = clock.stalledMs();
    blockLoop(100);
    expect(clock.stalledMs()).toBe(atDispose);
  });
});
