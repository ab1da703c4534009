// The emulator's alarm evaluation as a table: datapoints of the last N periods (oldest first; `_` a
// missing one) -> state, for M of N, each comparison and each TreatMissingData ("Evaluating an
// alarm", "Configuring how CloudWatch alarms treat missing data"); and the statistics of a period.
import { describe, it, expect } from '@jest/globals';
import {
  evaluateAlarm,
  formatReasonDate,
  type AlarmRule,
  type AlarmStateValue,
  type ComparisonOperator,
  type TreatMissingData,
} from '../../emulator/src/cloudwatch/evaluate.js';
import { createMetricStore, statisticOf, type Sample } from '../../emulator/src/cloudwatch/metrics.js';

const T = Date.UTC(2026, 11, 5, 8, 0, 0);
const MINUTE = 60_000;

/** `[1, _, 5]` -> datapoints a minute apart, oldest first. */
function points(values: (number | undefined)[]): { at: number; value: number | undefined }[] {
  return values.map((value, i) => ({ at: T + i * MINUTE, value }));
}
const _ = undefined;

const rule = (over: Partial<AlarmRule> = {}): AlarmRule => ({
  threshold: 1,
  comparisonOperator: 'GreaterThanThreshold',
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  treatMissingData: 'missing',
  ...over,
});

describe('evaluateAlarm: M of N and the comparison', () => {
  const rows: {
    values: (number | undefined)[];
    m: number;
    n: number;
    op?: ComparisonOperator;
    threshold?: number;
    state: AlarmStateValue;
  }[] = [
    { values: [5, 5, 5], m: 3, n: 3, state: 'ALARM' },
    { values: [0, 5, 5], m: 3, n: 3, state: 'OK' },
    { values: [0, 5, 5], m: 2, n: 3, state: 'ALARM' },
    { values: [5, 0, 0], m: 2, n: 3, state: 'OK' },
    { values: [1, 1, 1], m: 1, n: 3, state: 'OK' }, // equal is not greater
    { values: [1, 0, 0], m: 1, n: 3, op: 'GreaterThanOrEqualToThreshold', state: 'ALARM' },
    { values: [0.5], m: 1, n: 1, op: 'LessThanThreshold', state: 'ALARM' },
    { values: [1], m: 1, n: 1, op: 'LessThanThreshold', state: 'OK' },
    { values: [1], m: 1, n: 1, op: 'LessThanOrEqualToThreshold', state: 'ALARM' },
    // Only the last N count: an old breach has aged out.
    { values: [9, 9, 0, 0, 0], m: 1, n: 3, state: 'OK' },
  ];
  for (const row of rows) {
    it(`${row.values.join(',')} ${row.m} of ${row.n} ${row.op ?? 'GreaterThanThreshold'} ${row.threshold ?? 1} -> ${row.state}`, () => {
      const r = rule({
        datapointsToAlarm: row.m,
        evaluationPeriods: row.n,
        ...(row.op ? { comparisonOperator: row.op } : {}),
        ...(row.threshold !== undefined ? { threshold: row.threshold } : {}),
      });
      expect(evaluateAlarm(r, points(row.values), 'OK', T).state).toBe(row.state);
    });
  }
});

describe('evaluateAlarm: TreatMissingData', () => {
  const rows: {
    values: (number | undefined)[];
    treat: TreatMissingData;
    m?: number;
    current?: AlarmStateValue;
    state: AlarmStateValue;
  }[] = [
    { values: [_, _, _], treat: 'missing', state: 'INSUFFICIENT_DATA' },
    { values: [_, _, _], treat: 'notBreaching', state: 'OK' },
    { values: [_, _, _], treat: 'breaching', state: 'ALARM' },
    { values: [_, _, _], treat: 'ignore', current: 'ALARM', state: 'ALARM' },
    { values: [_, _, _], treat: 'ignore', current: 'OK', state: 'OK' },
    { values: [_, _, _], treat: 'ignore', current: 'INSUFFICIENT_DATA', state: 'INSUFFICIENT_DATA' },
    // A 5xx count is published only when not zero: the quiet periods are missing.
    { values: [_, 5, _], treat: 'notBreaching', m: 1, state: 'ALARM' },
    { values: [_, 5, _], treat: 'notBreaching', m: 2, state: 'OK' },
    { values: [_, 5, _], treat: 'breaching', m: 3, state: 'ALARM' },
    { values: [_, 0, _], treat: 'breaching', m: 3, state: 'OK' },
    { values: [_, 0, _], treat: 'breaching', m: 2, state: 'ALARM' },
    { values: [_, 5, 5], treat: 'missing', m: 2, state: 'ALARM' },
    { values: [_, 0, 5], treat: 'missing', m: 2, state: 'OK' },
  ];
  for (const row of rows) {
    it(`${row.values.map((v) => v ?? '_').join(',')} ${row.m ?? 3} of 3, ${row.treat}${row.current ? ` (was ${row.current})` : ''} -> ${row.state}`, () => {
      const r = rule({ treatMissingData: row.treat, datapointsToAlarm: row.m ?? 3 });
      expect(evaluateAlarm(r, points(row.values), row.current ?? 'OK', T).state).toBe(row.state);
    });
  }
});

describe('evaluateAlarm: CloudWatch’s words', () => {
  it('one datapoint over the threshold', () => {
    const e = evaluateAlarm(rule({ evaluationPeriods: 1, datapointsToAlarm: 1 }), points([5]), 'OK', T);
    expect(e.reason).toBe(
      `Threshold Crossed: 1 datapoint [5.0 (${formatReasonDate(T)})] was greater than the threshold (1.0).`,
    );
    expect(JSON.parse(e.reasonData)).toMatchObject({
      newState: 'ALARM',
      threshold: 1,
      recentDatapoints: [5],
    });
  });

  it('M of N names the breaching datapoints newest first and the minimum for the transition', () => {
    const e = evaluateAlarm(rule({ datapointsToAlarm: 2, threshold: 0.5 }), points([0.2, 0.75, 2]), 'OK', T);
    expect(e.reason).toBe(
      `Threshold Crossed: 2 out of the last 3 datapoints [2.0 (${formatReasonDate(T + 2 * MINUTE)}), 0.75 (${formatReasonDate(T + MINUTE)})] ` +
        'were greater than the threshold (0.5) (minimum 2 datapoints for OK -> ALARM transition).',
    );
  });

  it('the way back to OK, and missing data treated as not breaching', () => {
    const e = evaluateAlarm(
      rule({ evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'notBreaching' }),
      points([_]),
      'ALARM',
      T,
    );
    expect(e.state).toBe('OK');
    expect(e.reason).toMatch(/1 missing datapoint was treated as \[NonBreaching\]\.$/);
  });

  it('dates read dd/MM/yy HH:mm:ss in UTC', () => {
    expect(formatReasonDate(Date.UTC(2026, 11, 5, 8, 1, 0))).toBe('05/12/26 08:01:00');
  });
});

describe('statistics of a period', () => {
  const samples: Sample[] = [1, 4, 2, 5].map((v, i) => ({ at: T + i, sum: v, count: 1, min: v, max: v }));
  it.each([
    ['SampleCount', 4],
    ['Sum', 12],
    ['Average', 3],
    ['Minimum', 1],
    ['Maximum', 5],
  ] as const)('%s', (stat, value) => {
    expect(statisticOf(samples, stat)).toBe(value);
  });

  it('a statistic set counts as its samples; an empty period has no datapoint', () => {
    expect(statisticOf([{ at: T, sum: 10, count: 4, min: 1, max: 4 }], 'Average')).toBe(2.5);
    expect(statisticOf([], 'Sum')).toBeUndefined();
  });

  it('the store cuts samples into aligned periods of the exact dimension set', () => {
    const store = createMetricStore();
    const id = { namespace: 'N', name: 'm', dimensions: [{ Name: 'A', Value: '1' }] };
    store.put(id, { at: T + 10, value: 1 });
    store.put(id, { at: T + 1_500, value: 3 });
    store.put({ ...id, dimensions: [] }, { at: T + 20, value: 100 });
    expect(store.series(id, 'Sum', T + 500, T + 3_000, 1_000)).toEqual([
      { at: T, value: 1 },
      { at: T + 1_000, value: 3 },
      { at: T + 2_000, value: undefined },
    ]);
  });
});
