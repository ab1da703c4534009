// Scaled real time for the emulator (see Clock in contracts.ts). Every timer is unref'd so a
// forgotten one never keeps a process alive, and tracked so `dispose()` can cancel them all.
import type { Clock } from './contracts.js';

export function createClock(scale: number): Clock {
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`time scale must be a positive number of real seconds per AWS second, got ${scale}`);
  }
  const timers = new Set<NodeJS.Timeout>();
  const ms = (awsSeconds: number): number => Math.max(0, awsSeconds * 1000 * scale);

  return {
    scale,
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
    },
  };
}
