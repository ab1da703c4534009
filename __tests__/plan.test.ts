import { describe, it, expect } from '@jest/globals';
import { planBatches, resolveQuantity } from '../src/rollout/plan.js';
import { expectWith } from './helpers/expect-with.js';
import type { TaskQuantity } from '../src/parse/quantity.js';

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
  // N, batch, unavailable -> b, u, release max%/min% (full batch), last release, batches
  const rows: [number, string, string, number, number, string, string | undefined, number[]][] = [
    [6, '2', '0', 2, 0, '134/100', undefined, [2, 2, 2]],
    [5, '2', '0', 2, 0, '140/100', '120/100', [2, 2, 1]],
    [1, '25%', '0', 1, 0, '200/100', undefined, [1]],
    [4, '25%', '0', 1, 0, '125/100', undefined, [1, 1, 1, 1]],
    [3, '10', '0', 3, 0, '200/100', undefined, [3]],
    [10, '30%', '10%', 3, 1, '120/90', '100/90', [3, 3, 3, 1]],
    [7, '1', '1', 1, 1, '100/85', undefined, repeat(1, 7)],
    [500, '10%', '0', 50, 0, '110/100', undefined, repeat(50, 10)],
    [250, '1', '0', 2, 0, '101/100', undefined, repeat(2, 125)],
    [300, '1', '1', 3, 0, '101/100', undefined, repeat(3, 100)],
    [0, '25%', '0', 0, 0, '', undefined, []],
  ];
  const words = (s: { maximumPercent: number; minimumHealthyPercent: number } | undefined): string =>
    s ? `${s.maximumPercent}/${s.minimumHealthyPercent}` : '';
  it.each(rows)(
    'N=%i batch=%s unavailable=%s -> b=%i u=%i release %s',
    (n, batch, unavail, b, u, release, last, batches) => {
      const plan = planBatches({ desired: n, batchSize: q(batch), maxUnavailable: q(unavail) });
      expect(plan).toMatchObject({ desired: n, batchSize: b, maxUnavailable: u, batches });
      expect(words(plan.releases[0])).toBe(release);
      expect(words(plan.releases.at(-1))).toBe(last ?? release);
      expect(plan.releases).toHaveLength(batches.length);
      expect(plan.hold).toEqual({ maximumPercent: 100, minimumHealthyPercent: 100 });
    },
  );

  it('says where ECS rounding could not give what was asked, and only then', () => {
    expect(planBatches({ desired: 250, batchSize: count(1), maxUnavailable: count(0) }).notes).toEqual([
      'ECS rounds 101% of 250 tasks down to 252: batches of 2 instead of 1',
    ]);
    expect(planBatches({ desired: 300, batchSize: count(1), maxUnavailable: count(1) }).notes).toEqual([
      'ECS rounds 100% of 300 tasks up to 300: at most 0 unavailable instead of 1',
      'ECS rounds 101% of 300 tasks down to 303: batches of 3 instead of 1',
    ]);
    expect(planBatches({ desired: 6, batchSize: count(2), maxUnavailable: count(0) }).notes).toBeUndefined();
  });
});

/**
 * What ECS may do under one release, in either reading of maximumPercent (a task being stopped
 * counted or not): it starts tasks only while the tasks it counts stay within the cap, and stops
 * old ones only while the healthy count stays at or above the floor. From N healthy tasks meant to
 * run, the most it can start is the surge plus the old tasks it may stop first.
 */
function mostStarted(n: number, release: { maximumPercent: number; minimumHealthyPercent: number }): number {
  const surge = ecsMax(n, release.maximumPercent) - n;
  const stopFirst = n - ecsMin(n, release.minimumHealthyPercent);
  return surge + stopFirst;
}

describe('planBatches: each release lets ECS start exactly its batch, in either reading', () => {
  const quantities = (n: number): TaskQuantity[] => [
    ...[1, 2, 3, 5, 7, 10, n, n + 3].map(count),
    ...[1, 5, 10, 20, 25, 33, 34, 50, 99, 100, 150].map(pct),
  ];

  it('for every N up to 100: a release starts exactly b_k, stops first at most u, and the hold starts and stops nothing', () => {
    const problems: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok) problems.push(what);
    };
    for (let n = 1; n <= 100; n++) {
      for (const batch of quantities(n)) {
        for (const unavailable of [count(0), count(1), count(2), pct(10), pct(25), pct(50), pct(100)]) {
          const plan = planBatches({ desired: n, batchSize: batch, maxUnavailable: unavailable });
          const b = Math.min(n, Math.max(1, resolveQuantity(batch, n, 'up')));
          const u = Math.min(b, n, resolveQuantity(unavailable, n, 'down'));
          const where = `N=${n} batch=${JSON.stringify(batch)} unavailable=${JSON.stringify(unavailable)}`;
          check(plan.batchSize === b, `${where}: batchSize ${plan.batchSize}, want ${b}`);
          check(plan.maxUnavailable === u, `${where}: maxUnavailable ${plan.maxUnavailable}, want ${u}`);
          check(ecsMax(n, plan.hold.maximumPercent) === n, `${where}: the hold lets ECS start tasks`);
          check(
            ecsMin(n, plan.hold.minimumHealthyPercent) === n,
            `${where}: the hold lets ECS stop healthy tasks`,
          );
          plan.batches.forEach((size, i) => {
            const release = plan.releases[i];
            const at = `${where} batch ${i + 1}`;
            if (!release) return check(false, `${at}: no release`);
            check(
              mostStarted(n, release) === size,
              `${at}: ECS may start ${mostStarted(n, release)}, not ${size}`,
            );
            // Capacity: never fewer healthy than N minus what the batch may stop first.
            check(
              ecsMin(n, release.minimumHealthyPercent) === n - Math.min(u, size),
              `${at}: floor ${release.minimumHealthyPercent}%`,
            );
            // The smallest maximum that does it: one less would start fewer.
            if (release.maximumPercent > 100)
              check(
                ecsMax(n, release.maximumPercent - 1) < ecsMax(n, release.maximumPercent),
                `${at}: maximumPercent not the smallest`,
              );
          });
          check(plan.batches.reduce((a, x) => a + x, 0) === n, `${where}: batches do not add up to N`);
          check(
            plan.batches.slice(0, -1).every((x) => x === b),
            `${where}: a batch other than the last is not b`,
          );
          check(plan.notes === undefined, `${where}: notes ${JSON.stringify(plan.notes)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('for large N: a full release starts exactly the batch ECS can give (>= b), never stopping first more than u', () => {
    for (const n of [101, 150, 199, 250, 333, 500, 999, 1000]) {
      for (const batch of quantities(n)) {
        for (const unavailable of [count(0), count(1), count(3), pct(10)]) {
          const plan = planBatches({ desired: n, batchSize: batch, maxUnavailable: unavailable });
          const b = Math.min(n, Math.max(1, resolveQuantity(batch, n, 'up')));
          const u = Math.min(b, n, resolveQuantity(unavailable, n, 'down'));
          const where = `N=${n} batch=${JSON.stringify(batch)} unavailable=${JSON.stringify(unavailable)}`;
          const full = plan.releases[0];
          if (!full) throw new Error(`${where}: no release`);
          expectWith(Math.min(mostStarted(n, full), n), where).toBe(plan.batchSize);
          expectWith(plan.batchSize, where).toBeGreaterThanOrEqual(b);
          expectWith(n - ecsMin(n, full.minimumHealthyPercent), where).toBe(plan.maxUnavailable);
          expectWith(plan.maxUnavailable, where).toBeLessThanOrEqual(u);
          // The last, shorter batch: ECS starts no more than the tasks still missing.
          const lastSize = plan.batches.at(-1) ?? 0;
          const last = plan.releases.at(-1);
          if (!last) throw new Error(`${where}: no last release`);
          expectWith(mostStarted(n, last), where).toBeGreaterThanOrEqual(lastSize);
          expectWith(
            plan.batches.reduce((a, x) => a + x, 0),
            where,
          ).toBe(n);
          expectWith(plan.notes !== undefined, where).toBe(plan.batchSize !== b || plan.maxUnavailable !== u);
        }
      }
    }
  });
});

describe('planBatches: edges', () => {
  it('N = 0: no batches, no releases; the hold keeps the circuit breaker', () => {
    const plan = planBatches({
      desired: 0,
      batchSize: pct(25),
      maxUnavailable: count(0),
      circuitBreaker: { enable: true, rollback: false },
    });
    expect(plan.batches).toEqual([]);
    expect(plan.releases).toEqual([]);
    expect(plan.hold).toEqual({
      maximumPercent: 100,
      minimumHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: false },
    });
  });

  it('N = 1: one batch of one, surge 100%', () => {
    expect(planBatches({ desired: 1, batchSize: count(1), maxUnavailable: count(0) })).toMatchObject({
      batches: [1],
      releases: [{ maximumPercent: 200, minimumHealthyPercent: 100 }],
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

  it('percent of small N rounds the batch up and the unavailability down, and u never exceeds b', () => {
    expect(planBatches({ desired: 3, batchSize: pct(10), maxUnavailable: pct(50) })).toMatchObject({
      batchSize: 1,
      maxUnavailable: 1,
    });
    // 30% of 10 is 3, not 4 (float noise: 10 * 30 / 100).
    expect(planBatches({ desired: 10, batchSize: pct(30), maxUnavailable: count(0) }).batchSize).toBe(3);
    expect(planBatches({ desired: 7, batchSize: pct(30), maxUnavailable: count(0) }).batchSize).toBe(3);
    expect(planBatches({ desired: 10, batchSize: count(2), maxUnavailable: count(5) }).maxUnavailable).toBe(
      2,
    );
  });

  it('max unavailable of a whole batch: stop first, start after, no surge', () => {
    expect(planBatches({ desired: 4, batchSize: count(4), maxUnavailable: pct(100) }).releases).toEqual([
      { maximumPercent: 100, minimumHealthyPercent: 0 },
    ]);
  });

  it('copies the circuit breaker into every setting, so the caller cannot change the plan through it', () => {
    const cb = { enable: true, rollback: true };
    const plan = planBatches({
      desired: 4,
      batchSize: count(1),
      maxUnavailable: count(0),
      circuitBreaker: cb,
    });
    cb.enable = false;
    expect(plan.hold.circuitBreaker).toEqual({ enable: true, rollback: true });
    for (const r of plan.releases) expect(r.circuitBreaker).toEqual({ enable: true, rollback: true });
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

describe('planBatches: a schedule (batch-size: 1, 25%, 50%), the worked rows of the doc comment', () => {
  const steps = (s: string): TaskQuantity[] => s.split(',').map((x) => q(x.trim()));
  const words = (r: { maximumPercent: number; minimumHealthyPercent: number }): string =>
    `${r.maximumPercent}/${r.minimumHealthyPercent}`;
  // N, schedule, unavailable -> batches, releases
  const rows: [number, string, string, number[], string][] = [
    [6, '1, 50%', '0', [1, 3, 2], '117/100 150/100 134/100'],
    [20, '1, 25%, 50%', '0', [1, 5, 10, 4], '105/100 125/100 150/100 120/100'],
    [100, '1, 25%, 50%', '0', [1, 25, 50, 24], '101/100 125/100 150/100 124/100'],
    [20, '10%, 100%', '0', [2, 18], '110/100 190/100'],
    [6, '10%, 100%', '0', [1, 5], '117/100 184/100'],
    [10, '1, 50%', '10%', [1, 5, 4], '100/90 140/90 130/90'],
    [1, '10%, 100%', '0', [1], '200/100'],
  ];
  it.each(rows)('N=%i schedule %s unavailable=%s -> %j', (n, schedule, unavail, batches, releases) => {
    const plan = planBatches({
      desired: n,
      batchSize: count(99),
      schedule: steps(schedule),
      maxUnavailable: q(unavail),
    });
    expect(plan.batches).toEqual(batches);
    expect(plan.releases.map(words).join(' ')).toBe(releases);
    expect(plan.batchSize).toBe(Math.max(...batches));
    expect(plan.hold).toEqual({ maximumPercent: 100, minimumHealthyPercent: 100 });
    expect(plan.notes).toBeUndefined();
  });

  it('a schedule of one step plans exactly as that batch size; an empty schedule falls back to batchSize', () => {
    for (const n of [1, 4, 6, 20, 250, 300]) {
      for (const size of [count(1), count(2), pct(25), pct(100)]) {
        const one = planBatches({ desired: n, batchSize: size, maxUnavailable: count(1) });
        expect(
          planBatches({ desired: n, batchSize: count(7), schedule: [size], maxUnavailable: count(1) }),
        ).toEqual(one);
        expect(planBatches({ desired: n, batchSize: size, schedule: [], maxUnavailable: count(1) })).toEqual(
          one,
        );
      }
    }
  });

  it('for every N up to 100: the first batch is the first step (its blast radius), each release starts exactly its batch, and no release lets ECS start more than its step asked', () => {
    const schedules = ['1, 25%, 50%', '1, 50%', '10%, 100%', '2, 5', '50%, 1', '1, 2, 3, 100%'].map(steps);
    const problems: string[] = [];
    for (let n = 1; n <= 100; n++) {
      for (const schedule of schedules) {
        for (const unavailable of [count(0), count(1), pct(10), pct(50)]) {
          const plan = planBatches({
            desired: n,
            batchSize: count(1),
            schedule,
            maxUnavailable: unavailable,
          });
          const where = `N=${n} schedule=${JSON.stringify(schedule)} unavailable=${JSON.stringify(unavailable)}`;
          const asked = (k: number): number =>
            Math.min(n, Math.max(1, resolveQuantity(schedule[Math.min(k, schedule.length - 1)]!, n, 'up')));
          const u = Math.min(n, resolveQuantity(unavailable, n, 'down'));
          if (plan.batches[0] !== asked(0)) problems.push(`${where}: first batch ${plan.batches[0]}`);
          if (plan.batches.reduce((a, x) => a + x, 0) !== n) problems.push(`${where}: batches do not add up`);
          plan.batches.forEach((size, k) => {
            const release = plan.releases[k];
            if (!release) {
              problems.push(`${where} batch ${k + 1}: no release`);
              return;
            }
            if (mostStarted(n, release) !== size)
              problems.push(`${where} batch ${k + 1}: ECS may start ${mostStarted(n, release)}, not ${size}`);
            if (size > asked(k)) problems.push(`${where} batch ${k + 1}: ${size} > step ${asked(k)}`);
            // The last batch may be cut short; every other takes its step whole.
            if (k < plan.batches.length - 1 && size !== asked(k))
              problems.push(`${where} batch ${k + 1}: ${size}, step ${asked(k)}`);
            if (ecsMin(n, release.minimumHealthyPercent) !== n - Math.min(u, size))
              problems.push(`${where} batch ${k + 1}: floor ${release.minimumHealthyPercent}%`);
          });
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('large N: rounding notes are said once per distinct problem, not per step', () => {
    const plan = planBatches({
      desired: 250,
      batchSize: count(1),
      schedule: [count(1), count(1), pct(50)],
      maxUnavailable: count(0),
    });
    expect(plan.notes).toEqual(['ECS rounds 101% of 250 tasks down to 252: batches of 2 instead of 1']);
    expect(plan.batches.slice(0, 3)).toEqual([2, 2, 125]);
  });

  it('refuses a step that is not a quantity', () => {
    expect(() =>
      planBatches({
        desired: 4,
        batchSize: count(1),
        schedule: [count(1), count(1.5)],
        maxUnavailable: count(0),
      }),
    ).toThrow(/batch size must be a whole number of tasks, got 1.5/);
  });
});
