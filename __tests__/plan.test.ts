import { describe, it, expect } from '@jest/globals';
import { planBatches, resolveQuantity } from '../src/rollout/plan.js';
import type { TaskQuantity } from '../src/rollout/types.js';
import { expectWith } from './helpers/expect-with.js';

// ECS's own rounding, written out here independently of plan.ts: maximumPercent caps RUNNING +
// PENDING tasks rounded DOWN, minimumHealthyPercent keeps RUNNING tasks rounded UP
// (DeploymentConfiguration, rolling update).
const ecsMax = (n: number, pct: number): number => Math.floor((n * pct) / 100);
const ecsMin = (n: number, pct: number): number => Math.ceil((n * pct) / 100);

const count = (value: number): TaskQuantity => ({ kind: 'count', value });
const pct = (value: number): TaskQuantity => ({ kind: 'percent', value });
const q = (s: string): TaskQuantity => (s.endsWith('%') ? pct(Number(s.slice(0, -1))) : count(Number(s)));
const repeat = (size: number, times: number): number[] => Array.from({ length: times }, () => size);

describe('planBatches: the worked rows of the doc comment', () => {
  // N, batch, unavailable -> b, u, max%, min%, batches
  const rows: [number, string, string, number, number, number, number, number[]][] = [
    [6, '2', '0', 2, 0, 134, 100, [2, 2, 2]],
    [5, '2', '0', 2, 0, 140, 100, [2, 2, 1]],
    [1, '25%', '0', 1, 0, 200, 100, [1]],
    [4, '25%', '0', 1, 0, 125, 100, [1, 1, 1, 1]],
    [3, '10', '0', 3, 0, 200, 100, [3]],
    [10, '30%', '10%', 3, 1, 130, 90, [3, 3, 3, 1]],
    [7, '1', '1', 1, 1, 115, 85, repeat(1, 7)],
    [500, '10%', '0', 50, 0, 110, 100, repeat(50, 10)],
    [250, '1', '0', 2, 0, 101, 100, repeat(2, 125)],
    [300, '1', '1', 3, 0, 101, 100, repeat(3, 100)],
    [0, '25%', '0', 0, 0, 200, 100, []],
  ];
  it.each(rows)(
    'N=%i batch=%s unavailable=%s -> b=%i u=%i max=%i%% min=%i%%',
    (n, batch, unavail, b, u, max, min, batches) => {
      const plan = planBatches({ desired: n, batchSize: q(batch), maxUnavailable: q(unavail) });
      expect(plan).toMatchObject({
        desired: n,
        batchSize: b,
        maxUnavailable: u,
        batches,
        settings: { maximumPercent: max, minimumHealthyPercent: min },
      });
    },
  );

  it('says where ECS rounding could not give what was asked, and only then', () => {
    expect(planBatches({ desired: 250, batchSize: count(1), maxUnavailable: count(0) }).notes).toEqual([
      'ECS rounds 101% of 250 tasks down to 252: batches of 2 instead of 1',
    ]);
    expect(planBatches({ desired: 300, batchSize: count(1), maxUnavailable: count(1) }).notes).toEqual([
      'ECS rounds 101% of 300 tasks down to 303: batches of 3 instead of 1',
      'ECS rounds 100% of 300 tasks up to 300: at most 0 unavailable instead of 1',
    ]);
    expect(planBatches({ desired: 6, batchSize: count(2), maxUnavailable: count(0) }).notes).toBeUndefined();
  });
});

describe('planBatches: ECS rounding gives exactly the plan', () => {
  const quantities = (n: number): TaskQuantity[] => [
    ...[1, 2, 3, 5, 7, 10, n, n + 3].map(count),
    ...[1, 5, 10, 20, 25, 33, 34, 50, 99, 100, 150].map(pct),
  ];

  it('for every N up to 100: surge exactly b, healthy floor exactly N - u, batches add up to N', () => {
    for (let n = 1; n <= 100; n++) {
      for (const batch of quantities(n)) {
        for (const unavailable of [count(0), count(1), count(2), pct(10), pct(25), pct(50), pct(100)]) {
          const plan = planBatches({ desired: n, batchSize: batch, maxUnavailable: unavailable });
          const b = Math.min(n, Math.max(1, resolveQuantity(batch, n, 'up')));
          const u = Math.min(n, resolveQuantity(unavailable, n, 'down'));
          const where = `N=${n} batch=${JSON.stringify(batch)} unavailable=${JSON.stringify(unavailable)}`;
          expectWith(plan.batchSize, where).toBe(b);
          expectWith(plan.maxUnavailable, where).toBe(u);
          expectWith(ecsMax(n, plan.settings.maximumPercent) - n, where).toBe(b);
          expectWith(ecsMin(n, plan.settings.minimumHealthyPercent), where).toBe(n - u);
          expectWith(plan.settings.maximumPercent, where).toBeLessThanOrEqual(200);
          expectWith(plan.settings.minimumHealthyPercent, where).toBeGreaterThanOrEqual(0);
          // The largest such percent: one more would keep an extra task (when not already 100).
          if (plan.settings.minimumHealthyPercent < 100) {
            expectWith(ecsMin(n, plan.settings.minimumHealthyPercent + 1), where).toBeGreaterThan(n - u);
          }
          // The smallest such maximum: one less would cut the surge.
          expectWith(ecsMax(n, plan.settings.maximumPercent - 1) - n, where).toBeLessThan(b);
          expectWith(
            plan.batches.reduce((a, x) => a + x, 0),
            where,
          ).toBe(n);
          expectWith(
            plan.batches.slice(0, -1).every((x) => x === b),
            where,
          ).toBe(true);
          expectWith(plan.batches.at(-1), where).toBeGreaterThan(0);
          expectWith(plan.batches.at(-1), where).toBeLessThanOrEqual(b);
          expectWith(plan.notes, where).toBeUndefined();
        }
      }
    }
  });

  it('for large N: the surge is the smallest ECS allows >= b, the unavailability the largest <= u', () => {
    for (const n of [101, 150, 199, 250, 333, 500, 999, 1000]) {
      for (const batch of quantities(n)) {
        for (const unavailable of [count(0), count(1), count(3), pct(10)]) {
          const plan = planBatches({ desired: n, batchSize: batch, maxUnavailable: unavailable });
          const b = Math.min(n, Math.max(1, resolveQuantity(batch, n, 'up')));
          const u = Math.min(n, resolveQuantity(unavailable, n, 'down'));
          const where = `N=${n} batch=${JSON.stringify(batch)} unavailable=${JSON.stringify(unavailable)}`;
          const surge = ecsMax(n, plan.settings.maximumPercent) - n;
          expectWith(surge, where).toBe(plan.batchSize);
          expectWith(surge, where).toBeGreaterThanOrEqual(b);
          expectWith(ecsMax(n, plan.settings.maximumPercent - 1) - n, where).toBeLessThan(b);
          const kept = ecsMin(n, plan.settings.minimumHealthyPercent);
          expectWith(n - kept, where).toBe(plan.maxUnavailable);
          expectWith(plan.maxUnavailable, where).toBeLessThanOrEqual(u);
          expectWith(
            plan.batches.reduce((a, x) => a + x, 0),
            where,
          ).toBe(n);
          expectWith(plan.notes !== undefined, where).toBe(surge !== b || plan.maxUnavailable !== u);
        }
      }
    }
  });
});

describe('planBatches: edges', () => {
  it('N = 0: no batches, ECS defaults, the circuit breaker kept', () => {
    const plan = planBatches({
      desired: 0,
      batchSize: pct(25),
      maxUnavailable: count(0),
      circuitBreaker: { enable: true, rollback: false },
    });
    expect(plan.batches).toEqual([]);
    expect(plan.settings).toEqual({
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: false },
    });
  });

  it('N = 1: one batch of one, surge 100%', () => {
    expect(planBatches({ desired: 1, batchSize: count(1), maxUnavailable: count(0) })).toMatchObject({
      batches: [1],
      settings: { maximumPercent: 200, minimumHealthyPercent: 100 },
    });
  });

  it('batch size 0 or 0% still moves one task at a time', () => {
    expect(planBatches({ desired: 4, batchSize: count(0), maxUnavailable: count(0) }).batches).toEqual([
      1, 1, 1, 1,
    ]);
    expect(planBatches({ desired: 4, batchSize: pct(0), maxUnavailable: count(0) }).batches).toEqual([
      1, 1, 1, 1,
    ]);
  });

  it('percent of small N rounds the batch up and the unavailability down', () => {
    expect(planBatches({ desired: 3, batchSize: pct(10), maxUnavailable: pct(50) })).toMatchObject({
      batchSize: 1,
      maxUnavailable: 1,
    });
    // 30% of 10 is 3, not 4 (float noise: 10 * 30 / 100).
    expect(planBatches({ desired: 10, batchSize: pct(30), maxUnavailable: count(0) }).batchSize).toBe(3);
    expect(planBatches({ desired: 7, batchSize: pct(30), maxUnavailable: count(0) }).batchSize).toBe(3);
  });

  it('max unavailable of all tasks: minimumHealthyPercent 0', () => {
    expect(planBatches({ desired: 4, batchSize: count(4), maxUnavailable: pct(100) }).settings).toEqual({
      maximumPercent: 200,
      minimumHealthyPercent: 0,
    });
  });

  it('copies the circuit breaker so the caller cannot change the plan through it', () => {
    const cb = { enable: true, rollback: true };
    const plan = planBatches({
      desired: 4,
      batchSize: count(1),
      maxUnavailable: count(0),
      circuitBreaker: cb,
    });
    cb.enable = false;
    expect(plan.settings.circuitBreaker).toEqual({ enable: true, rollback: true });
  });

  it.each([
    [{ desired: -1, batchSize: count(1), maxUnavailable: count(0) }, /desired count/],
    [{ desired: 2.5, batchSize: count(1), maxUnavailable: count(0) }, /desired count/],
    [{ desired: 4, batchSize: count(1.5), maxUnavailable: count(0) }, /batch size must be a whole number/],
    [{ desired: 4, batchSize: count(1), maxUnavailable: pct(-5) }, /max unavailable must be >= 0/],
    [{ desired: 4, batchSize: pct(Number.NaN), maxUnavailable: count(0) }, /batch size/],
  ])('refuses nonsense: %j', (input, message) => {
    expect(() => planBatches(input)).toThrow(message);
  });
});
