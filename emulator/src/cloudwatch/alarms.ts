// Metric alarms as CloudWatch keeps them, and their evaluation on a timer. CloudWatch evaluates a
// standard-resolution alarm once a minute and a high-resolution one (period 10 or 30 s) every 10 s
// ("Evaluating an alarm"); the emulator evaluates every alarm every EVALUATION_SECONDS (AWS
// seconds, scaled by the clock) over its last EvaluationPeriods *complete* periods: a load
// balancer sends its metrics once per 60-second interval, so the period still running has no
// datapoint yet.
import type { Clock } from '../contracts.js';
import {
  evaluateAlarm,
  type AlarmStateValue,
  type ComparisonOperator,
  type TreatMissingData,
} from './evaluate.js';
import type { Dimension, MetricStore, Statistic } from './metrics.js';

export const EVALUATION_SECONDS = 10;

export interface MetricAlarm {
  name: string;
  arn: string;
  description?: string;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  statistic: Statistic;
  unit?: string;
  /** AWS seconds. */
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: TreatMissingData;
  state: AlarmStateValue;
  stateReason: string;
  stateReasonData?: string;
  stateUpdatedAt: number;
  stateTransitionedAt: number;
  configurationUpdatedAt: number;
}

export interface AlarmBook {
  alarms: Map<string, MetricAlarm>;
  /** Evaluates one alarm now (also run by the timer). */
  evaluate(alarm: MetricAlarm): void;
  stop(): void;
}

export function createAlarmBook(deps: { clock: Clock; metrics: MetricStore }): AlarmBook {
  const { clock, metrics } = deps;
  const alarms = new Map<string, MetricAlarm>();

  const evaluate = (alarm: MetricAlarm): void => {
    const now = clock.now();
    const periodMs = clock.ms(alarm.period);
    const end = Math.floor(now / periodMs) * periodMs; // the running period is not complete
    const start = end - alarm.evaluationPeriods * periodMs;
    const points = metrics.series(
      { namespace: alarm.namespace, name: alarm.metricName, dimensions: alarm.dimensions },
      alarm.statistic,
      start,
      end,
      periodMs,
    );
    const result = evaluateAlarm(alarm, points, alarm.state, now);
    // StateUpdatedTimestamp and the reason change with the state only (DescribeAlarms: "the time
    // stamp of the last update to the value of either the StateValue or EvaluationState").
    if (result.state !== alarm.state) {
      alarm.state = result.state;
      alarm.stateUpdatedAt = now;
      alarm.stateTransitionedAt = now;
      alarm.stateReason = result.reason;
      alarm.stateReasonData = result.reasonData;
    } else if (alarm.stateReason.startsWith('Unchecked')) {
      alarm.stateReason = result.reason;
      alarm.stateReasonData = result.reasonData;
    }
  };

  const timer = clock.every(EVALUATION_SECONDS, () => {
    for (const alarm of alarms.values()) evaluate(alarm);
  });

  return { alarms, evaluate, stop: () => timer.cancel() };
}
