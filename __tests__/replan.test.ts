import { describe, it, expect } from '@jest/globals';
import { planBatches, type PlanInput } from '../src/rollout/plan.js';
import { inputOfPlan, replanBatches } from '../src/rollout/replan.js';
import type { DeploymentSettings } from '../src/rollout/types.js';
import type { TaskQuantity } from '../src/parse/quantity.js';

// ECS's own rounding, written out independently of plan.ts (DeploymentConfiguration, rolling update).
const ecsMax = (n: number, pct: number): number => Math.floor((n * pct) / 100);
const ecsMin = (n: number, pct: number): number => Math.ceil((n * pct) / 100);

const q = (s: string): TaskQuantity =>
  s.endsWith('%') ? { kind: 'percent', value: Number(s.slice(0, -1)) } : { kind: 'count', value: Number(s) };
const input = (n: number, batch: string, unavail: string): PlanInput => ({
  desired: n,
  batchSize: q(batch),
  maxUnavailable: q(unavail),
});
const words = (s: DeploymentSettings): string => `${s.maximumPercent}/${s.minimumHealthyPercent}`;
const times = (s: string, k: number): string[] => Array.from({ length: k }, () => s);

describe('replanBatches: the worked rows of the doc comment', () => {
  // N, N', batch, unavailable, released, batches before, batches after, releases after
  const rows: [number, number, string, string, number, number[], number[], string[]][] = [
    [6, 9, '2', '0', 2, [2, 2, 2], [2, 2, 2, 2, 1], [...times('123/100', 4), '112/100']],
    [6, 4, '2', '0', 2, [2, 2, 2], [2, 2], times('150/100', 2)],
    [6, 3, '2', '0', 2, [2, 2, 2], [2, 1], ['167/100', '134/100']],
    [6, 1, '2', '0', 2, [2, 2, 2], [1, 0], ['200/100', '100/100']],
    [6, 9, '25%', '0', 1, [2, 2, 2], [2, 1, 3, 3], ['123/100', '112/100', ...times('134/100', 2)]],
    [6, 9, '3', '0', 1, [3, 3], [3, 3, 3], times('134/100', 3)],
    [4, 5, '3', '0', 1, [3, 1], [3, 2], ['160/100', '140/100']],
    [
      10,
      20,
      '30%',
      '10%',
      1,
      [3, 3, 3, 1],
      [3, 3, 6, 6, 2],
      [...times('105/90', 2), ...times('120/90', 2), '100/90'],
    ],
    [6, 0, '2', '0', 1, [2, 2, 2], [0], ['100/100']],
    [6, 8, '2', '0', 0, [2, 2, 2], [2, 2, 2, 2], times('125/100', 4)],
  ];
  it.each(rows)(
    'N %i -> %i, batch %s, unavailable %s, %i released',
    (n, n2, batch, unavail, released, before, after, releases) => {
      const given = input(n, batch, unavail);
      const plan = planBatches(given);
      expect(plan.batches).toEqual(before);
      const next = replanBatches({ plan, input: given, released, desired: n2 });
      expect(next.desired).toBe(n2);
      expect(next.batches).toEqual(after);
      expect(next.releases.map(words)).toEqual(releases);
      expect(next.hold).toEqual({ maximumPercent: 100, minimumHealthyPercent: 100 });
    },
  );

  it('an unchanged count keeps the plan itself', () => {
    const given = input(6, '2', '0');
    const plan = planBatches(given);
    expect(replanBatches({ plan, input: given, released: 2, desired: 6 })).toBe(plan);
  });
});

describe('replanBatches: properties over many counts', () => {
  const cases: [number, number, string, string, number][] = [];
  for (const [batch, unavail] of [
    ['2', '0'],
    ['25%', '0'],
    ['3', '1'],
    ['30%', '10%'],
    ['1', '0'],
  ] as const) {
    for (const n of [1, 4, 6, 10]) {
      for (const n2 of [0, 1, 3, 6, 9, 13, 40]) {
        if (n2 === n) continue;
        const batches = planBatches(input(n, batch, unavail)).batches.length;
        for (let released = 0; released <= batches; released++) cases.push([n, n2, batch, unavail, released]);
      }
    }
  }

  it.each(cases)('N %i -> %i (batch %s, unavailable %s, %i released)', (n, n2, batch, unavail, released) => {
    const given = input(n, batch, unavail);
    const plan = planBatches(given);
    const next = replanBatches({ plan, input: given, released, desired: n2 });
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const releasedBefore = sum(plan.batches.slice(0, released));

    // The released batches keep their places and never grow; the whole adds up to N'.
    expect(next.batches.length).toBeGreaterThanOrEqual(released);
    next.batches.slice(0, released).forEach((b, i) => expect(b).toBeLessThanOrEqual(plan.batches[i] ?? 0));
    expect(sum(next.batches)).toBe(Math.max(n2, Math.min(n2, releasedBefore)));
    expect(next.releases).toHaveLength(next.batches.length);
    // Nothing is left to release once the released batches reach N'.
    if (releasedBefore >= n2) expect(next.batches).toHaveLength(released);

    // Under N', each release lets ECS start exactly its batch (the cap is counted from N' tasks
    // meant to run), and the floor never lets more stop first than asked.
    const full = planBatches({ ...given, desired: n2 });
    next.batches.forEach((b, i) => {
      const r = next.releases[i] as DeploymentSettings;
      if (b === 0) {
        expect(words(r)).toBe('100/100');
        return;
      }
      const inPlace = n2 - ecsMin(n2, r.minimumHealthyPercent);
      expect(inPlace).toBeLessThanOrEqual(Math.min(full.maxUnavailable, b));
      expect(ecsMax(n2, r.maximumPercent) - n2 + inPlace).toBe(b);
    });
  });
});

describe('inputOfPlan', () => {
  it('gives planBatches back the plan it came from', () => {
    const plan = planBatches({
      ...input(10, '30%', '10%'),
      circuitBreaker: { enable: true, rollback: false },
    });
    expect(planBatches(inputOfPlan(plan))).toEqual(plan);
  });
});
