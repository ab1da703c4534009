// Real time, for the action's waits (tests inject a clock of their own).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from './rollout/types.js';

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleep(ms, undefined, signal ? { signal } : {});
  },
};
