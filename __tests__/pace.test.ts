import { describe, expect, it } from '@jest/globals';
import { budgetIntervalMs, DEFAULT_PACE, nextPollDelay, snapshotCalls } from '../src/rollout/pace.js';

describe('pace: how long until the next look', () => {
  it('a look every 800 ms, counted from the start of the last one', () => {
    expect(nextPollDelay({ now: 1_300, observedFrom: 1_000 })).toBe(500);
    expect(nextPollDelay({ now: 2_000, observedFrom: 1_000 })).toBe(0);
  });

  it('right after a release, every 200 ms: the hold must land before the new tasks turn healthy', () => {
    expect(nextPollDelay({ now: 1_050, observedFrom: 1_000, urgent: true })).toBe(DEFAULT_PACE.urgentMs - 50);
  });

  it('a predicted change sooner than the budget allows wakes the loop early, but not before the fast pace', () => {
    const calls = snapshotCalls(3_000, 0, 1); // 30 ListTasks, 30 DescribeTasks: 3 s at 10/s
    expect(nextPollDelay({ now: 0, observedFrom: 0, calls })).toBe(3_000);
    expect(nextPollDelay({ now: 0, observedFrom: 0, calls, wakeAt: 1_500 })).toBe(1_500);
    expect(nextPollDelay({ now: 0, observedFrom: 0, calls, wakeAt: 100 })).toBe(DEFAULT_PACE.fastMs);
    // A prediction later than the next look changes nothing.
    expect(nextPollDelay({ now: 0, observedFrom: 0, wakeAt: 5_000 })).toBe(DEFAULT_PACE.fastMs);
  });
});

describe('pace: half of the account’s API budget, at most', () => {
  it.each([
    // live tasks, stopping, groups -> the shortest interval in ms
    [6, 0, 1, 200],
    [300, 0, 2, 400],
    [1_000, 0, 2, 1_000],
    [1_000, 50, 2, 1_100],
    [5_000, 0, 5, 5_000],
  ])(
    '%i live tasks, %i stopping, %i target groups: no faster than every %i ms',
    (live, stopping, groups, ms) => {
      expect(budgetIntervalMs(snapshotCalls(live, stopping, groups))).toBe(ms);
    },
  );

  it('counts pages: 1 DescribeServices, ceil(n/100) ListTasks and DescribeTasks, 1 DescribeTargetHealth per group', () => {
    expect(snapshotCalls(1_000, 3, 2)).toEqual({
      describeServices: 1,
      listTasks: 10,
      describeTasks: 11,
      elbDescribe: 2,
    });
    expect(snapshotCalls(0, 0, 1)).toEqual({
      describeServices: 1,
      listTasks: 1,
      describeTasks: 0,
      elbDescribe: 1,
    });
  });

  it('at 1,000 tasks the pace keeps each bucket at or under half its sustained rate', () => {
    const calls = snapshotCalls(1_000, 0, 2);
    const perSecond = 1_000 / Math.max(DEFAULT_PACE.fastMs, budgetIntervalMs(calls));
    expect(calls.listTasks * perSecond).toBeLessThanOrEqual(10);
    expect(calls.describeTasks * perSecond).toBeLessThanOrEqual(10);
    expect(calls.elbDescribe * perSecond).toBeLessThanOrEqual(5);
  });
});
