// Scaled real time for the emulator (see Clock in contracts.ts). Every timer is unref'd so a
// forgotten one never keeps a process alive, and tracked so `dispose()` can cancel them all.
import type { Clock } from './contracts.js';

const STALL_TICK_MS = 20;
const STALL_JITTER_MS = 5;

export function createClock(scale: number): Clock {
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`time scale must be a positive number of real seconds per AWS second, got ${scale}`);
  }
  const timers = new Set<NodeJS.Timeout>();
  const ms = (awsSeconds: number): number => Math.max(0, awsSeconds * 1000 * scale);

  // Stall meter: a tick every STALL_TICK_MS; whatever a tick comes later than that (beyond the
  // timer's ordinary jitter) is time the loop could not run. Started on the first ask, so an
  // emulator that never health-checks never wakes for it.
  let stalled = 0;
  let lastTick: number | undefined;
  let disposed = false;
  const watchStalls = (): void => {
    lastTick = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const late = now - (lastTick ?? now) - STALL_TICK_MS;
      if (late > STALL_JITTER_MS) stalled += late;
      lastTick = now;
    }, STALL_TICK_MS);
    timer.unref();
    timers.add(timer);
  };

  return {
    scale,
    stalledMs() {
      // After dispose() a check's last judgement may still ask: answer without a new meter.
      if (disposed) return stalled;
      if (lastTick === undefined) watchStalls();
      // A stall still under way is counted too: the tick that would measure it has not run yet.
      const current = performance.now() - (lastTick ?? performance.now()) - STALL_TICK_MS;
      return stalled + (current > STALL_JITTER_MS ? current : 0);
    },
    ms,
    now: () => Date.now(),
    after(awsSeconds, fn) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms(awsSeconds));
      timer.unref();
      timers.add(timer);
      return {
        cancel() {
          clearTimeout(timer);
          timers.delete(timer);
        },
      };
    },
    every(awsSeconds, fn) {
      // A zero interval would spin the event loop; 1 ms is the floor Node uses anyway.
      const timer = setInterval(fn, Math.max(1, ms(awsSeconds)));
      timer.unref();
      timers.add(timer);
      return {
        cancel() {
          clearInterval(timer);
          timers.delete(timer);
        },
      };
    },
    dispose() {
      for (const timer of timers) clearTimeout(timer); // clearTimeout also clears intervals
      timers.clear();
      disposed = true;
    },
  };
}
