// A metric alarm's evaluation, as CloudWatch documents it ("Evaluating an alarm"; "Configuring how
// CloudWatch alarms treat missing data", CloudWatch User Guide). Pure: the datapoints of the last
// EvaluationPeriods complete periods in, the new state and CloudWatch-worded StateReason out.
//
// - Each period's datapoint is the alarm's statistic over the samples in it (statistic.ts); a
//   period with no sample is missing.
// - Breaching: the datapoint compared with Threshold by ComparisonOperator.
// - M of N: ALARM when at least DatapointsToAlarm of the EvaluationPeriods datapoints breach.
// - TreatMissingData: notBreaching (a missing datapoint is good), breaching (bad), ignore (the
//   state is kept while too few datapoints are present to decide), missing (the default: missing
//   datapoints are left out; all of them missing is INSUFFICIENT_DATA).
// Left out: CloudWatch's wider "evaluation range" lookback for sparse metrics and its rule that a
// single old breaching datapoint followed by missing ones may alarm; percentiles, anomaly
// detection and metric math.

export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmRule {
  threshold: number;
  comparisonOperator: ComparisonOperator;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
}

/** One period's datapoint, oldest first; `value` undefined when the period had no sample. */
export interface Datapoint {
  /** Start of the period, ms since the epoch (what the reason shows). */
  at: number;
  value: number | undefined;
}

export interface Evaluation {
  state: AlarmStateValue;
  reason: string;
  /** StateReasonData, as CloudWatch gives it (JSON text). */
  reasonData: string;
}

const COMPARE: Record<ComparisonOperator, { test: (v: number, t: number) => boolean; words: string }> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, words: 'greater than or equal to' },
  GreaterThanThreshold: { test: (v, t) => v > t, words: 'greater than' },
  LessThanThreshold: { test: (v, t) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, words: 'less than or equal to' },
};

export const COMPARISON_OPERATORS = Object.keys(COMPARE) as ComparisonOperator[];

export function breaches(value: number, rule: Pick<AlarmRule, 'threshold' | 'comparisonOperator'>): boolean {
  return COMPARE[rule.comparisonOperator].test(value, rule.threshold);
}

/**
 * The state after one evaluation of `datapoints` (the last EvaluationPeriods periods, oldest
 * first), given the current state (kept by `ignore` when there is too little data) and the time.
 */
export function evaluateAlarm(
  rule: AlarmRule,
  datapoints: readonly Datapoint[],
  current: AlarmStateValue,
  now: number,
): Evaluation {
  const last = datapoints.slice(-rule.evaluationPeriods);
  const verdicts = last.map((d) => {
    if (d.value !== undefined) return breaches(d.value, rule);
    if (rule.treatMissingData === 'breaching') return true;
    if (rule.treatMissingData === 'notBreaching') return false;
    return undefined; // missing / ignore: left out
  });
  const present = last.filter((d) => d.value !== undefined);
  const breaching = verdicts.filter((v) => v === true).length;
  const known = verdicts.filter((v) => v !== undefined).length;
  const m = rule.datapointsToAlarm;
  const n = rule.evaluationPeriods;
  const words = COMPARE[rule.comparisonOperator].words;
  const data = (state: AlarmStateValue): string =>
    JSON.stringify({
      version: '1.0',
      queryDate: formatIso(now),
      startDate: last[0] ? formatIso(last[0].at) : undefined,
      recentDatapoints: present.map((d) => d.value),
      threshold: rule.threshold,
      evaluatedDatapoints: present.map((d) => ({ timestamp: formatIso(d.at), value: d.value })),
      newState: state,
    });

  if (breaching >= m) {
    // The datapoints shown are the present ones, newest first, as CloudWatch lists them.
    const shown = present.filter((d) => d.value !== undefined && breaches(d.value, rule)).reverse();
    const count =
      m === n && m === 1
        ? `${plural(Math.max(shown.length, 1), 'datapoint')}`
        : `${breaching} out of the last ${n} datapoints`;
    const reason =
      `Threshold Crossed: ${count} [${shown.map(describePoint).join(', ')}] ${breaching === 1 ? 'was' : 'were'} ${words} the threshold (${formatNumber(rule.threshold)})` +
      (m === n && m === 1 ? '.' : ` (minimum ${plural(m, 'datapoint')} for OK -> ALARM transition).`) +
      missingNote(last.length - present.length, rule.treatMissingData);
    return { state: 'ALARM', reason, reasonData: data('ALARM') };
  }
  if (known === 0) {
    if (rule.treatMissingData === 'ignore' && current !== 'INSUFFICIENT_DATA') {
      return {
        state: current,
        reason: `no datapoints were received for ${plural(n, 'period')} and the missing data was ignored; the alarm stays ${current}.`,
        reasonData: data(current),
      };
    }
    return {
      state: 'INSUFFICIENT_DATA',
      reason: `Insufficient Data: ${plural(n, 'datapoint')} ${n === 1 ? 'was' : 'were'} unknown.`,
      reasonData: data('INSUFFICIENT_DATA'),
    };
  }
  const shown = [...present].reverse();
  const count =
    n === 1
      ? plural(Math.max(shown.length, 1), 'datapoint')
      : `${known - breaching} out of the last ${n} datapoints`;
  const reason =
    `Threshold Crossed: ${count} [${shown.map(describePoint).join(', ')}] ${known - breaching === 1 ? 'was' : 'were'} not ${words} the threshold (${formatNumber(rule.threshold)})` +
    (n === 1 ? '.' : ` (minimum ${plural(n - m + 1, 'datapoint')} for ALARM -> OK transition).`) +
    missingNote(last.length - present.length, rule.treatMissingData);
  return { state: 'OK', reason, reasonData: data('OK') };
}

function missingNote(missing: number, treat: TreatMissingData): string {
  if (missing === 0 || treat === 'missing' || treat === 'ignore') return '';
  return ` ${plural(missing, 'missing datapoint')} ${missing === 1 ? 'was' : 'were'} treated as [${treat === 'breaching' ? 'Breaching' : 'NonBreaching'}].`;
}

/** `5.0 (05/12/26 08:01:00)`: CloudWatch's dd/MM/yy HH:mm:ss, in UTC. */
export function describePoint(d: Datapoint): string {
  return `${formatNumber(d.value ?? 0)} (${formatReasonDate(d.at)})`;
}

export function formatReasonDate(ms: number): string {
  const t = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(t.getUTCDate())}/${two(t.getUTCMonth() + 1)}/${two(t.getUTCFullYear() % 100)} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())}`;
}

/** CloudWatch shows whole numbers with one decimal (`5.0`), others as they are. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

function formatIso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
