// The CloudWatch operations the emulator serves, with the CloudWatch API Reference's rules and error
// codes (query codes; protocol.ts maps them to the JSON error shapes): PutMetricAlarm,
// DescribeAlarms, DeleteAlarms, PutMetricData, GetMetricData, ListMetrics.
import { AwsError, type RequestContext } from '../contracts.js';
import type { AlarmBook, MetricAlarm } from './alarms.js';
import { COMPARISON_OPERATORS, type ComparisonOperator, type TreatMissingData } from './evaluate.js';
import { keyedPage } from '../paging.js';
import { metricKey, STATISTICS, type Dimension, type MetricStore, type Statistic } from './metrics.js';

type Input = Record<string, unknown>;

const ACCOUNT_ID = '000000000000';

export interface CloudWatchApi {
  has(operation: string): boolean;
  invoke(operation: string, input: Input, ctx: RequestContext): Promise<unknown>;
}

const invalid = (message: string): AwsError => new AwsError('InvalidParameterValue', message);
const missing = (name: string): AwsError =>
  new AwsError('MissingParameter', `The parameter ${name} is required.`);
/** Smithy's constraint check, as CloudWatch answers it (ValidationError, HTTP 400). */
const validation = (message: string): AwsError =>
  new AwsError('ValidationError', `1 validation error detected: ${message}`);

/** DescribeAlarms: AlarmNames at most 100; MaxRecords 1..100, default 50 (API Reference). */
const MAX_ALARM_NAMES = 100;
const DEFAULT_MAX_RECORDS = 50;
/** ListMetrics answers up to 500 metrics a page. */
const LIST_METRICS_PAGE = 500;
/** GetMetricData: at most 500 queries; 100,800 datapoints a page by default. */
const MAX_QUERIES = 500;
const invalidNextToken = (): AwsError =>
  new AwsError('InvalidNextToken', 'The service returned an invalid NextToken.');

function str(input: Input, key: string): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new AwsError('SerializationException', `STRING_VALUE can not be converted to a String (${key})`);
  return v;
}
function num(input: Input, key: string): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new AwsError('SerializationException', `NUMBER_VALUE can not be converted to a Number (${key})`);
  return v;
}
function list(input: Input, key: string): unknown[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v))
    throw new AwsError('SerializationException', `Start of list found where not expected (${key})`);
  return v;
}
function strings(input: Input, key: string): string[] | undefined {
  const v = list(input, key);
  if (v && v.some((x) => typeof x !== 'string'))
    throw new AwsError('SerializationException', `STRING_VALUE can not be converted to a String (${key})`);
  return v as string[] | undefined;
}
function dimensions(input: Input, key: string): Dimension[] {
  const v = list(input, key) ?? [];
  if (v.length > 30)
    throw validation(
      `Value at '${key.toLowerCase()}' failed to satisfy constraint: Member must have length less than or equal to 30`,
    );
  return v.map((d) => {
    const o = (d ?? {}) as Input;
    const name = str(o, 'Name');
    const value = str(o, 'Value');
    if (!name) throw missing(`${key}.member.Name`);
    if (value === undefined) throw missing(`${key}.member.Value`);
    return { Name: name, Value: value };
  });
}
/** JSON 1.0 timestamps are epoch seconds (the SDK may send fractions). */
const seconds = (ms: number): number => Math.round(ms) / 1000;

export function createCloudWatchApi(deps: {
  metrics: MetricStore;
  book: AlarmBook;
  clock: { ms(s: number): number; now(): number };
}): CloudWatchApi {
  const { metrics, book, clock } = deps;

  const alarmShape = (a: MetricAlarm): Input => ({
    AlarmName: a.name,
    AlarmArn: a.arn,
    ...(a.description !== undefined ? { AlarmDescription: a.description } : {}),
    AlarmConfigurationUpdatedTimestamp: seconds(a.configurationUpdatedAt),
    ActionsEnabled: a.actionsEnabled,
    OKActions: a.okActions,
    AlarmActions: a.alarmActions,
    InsufficientDataActions: a.insufficientDataActions,
    StateValue: a.state,
    StateReason: a.stateReason,
    ...(a.stateReasonData !== undefined ? { StateReasonData: a.stateReasonData } : {}),
    StateUpdatedTimestamp: seconds(a.stateUpdatedAt),
    MetricName: a.metricName,
    Namespace: a.namespace,
    Statistic: a.statistic,
    Dimensions: a.dimensions,
    Period: a.period,
    ...(a.unit !== undefined ? { Unit: a.unit } : {}),
    EvaluationPeriods: a.evaluationPeriods,
    DatapointsToAlarm: a.datapointsToAlarm,
    Threshold: a.threshold,
    ComparisonOperator: a.comparisonOperator,
    TreatMissingData: a.treatMissingData,
    StateTransitionedTimestamp: seconds(a.stateTransitionedAt),
  });

  const handlers: Record<string, (input: Input, ctx: RequestContext) => unknown> = {
    PutMetricAlarm(input, ctx) {
      const name = str(input, 'AlarmName');
      if (!name) throw missing('AlarmName');
      if (name.length > 255)
        throw validation(
          `Value at 'alarmName' failed to satisfy constraint: Member must have length less than or equal to 255`,
        );
      if (input['Metrics'] !== undefined || input['ThresholdMetricId'] !== undefined)
        throw invalid('The emulator models alarms on one metric; metric math (Metrics) is not supported.');
      if (input['ExtendedStatistic'] !== undefined)
        throw invalid('The emulator does not model percentile statistics (ExtendedStatistic).');
      const metricName = str(input, 'MetricName');
      const namespace = str(input, 'Namespace');
      if (!metricName) throw missing('MetricName');
      if (!namespace) throw missing('Namespace');
      const statistic = str(input, 'Statistic');
      if (statistic === undefined)
        throw invalid('Exactly one of Statistic and ExtendedStatistic must be specified.');
      if (!STATISTICS.includes(statistic as Statistic))
        throw validation(
          `Value '${statistic}' at 'statistic' failed to satisfy constraint: Member must satisfy enum value set: [${STATISTICS.join(', ')}]`,
        );
      const period = num(input, 'Period');
      if (period === undefined) throw missing('Period');
      // "Valid values are 10, 20, 30, and any multiple of 60."
      if (!(period === 10 || period === 20 || period === 30 || (period >= 60 && period % 60 === 0)))
        throw invalid('The parameter Period must be 10, 20, 30, or a multiple of 60.');
      const evaluationPeriods = num(input, 'EvaluationPeriods');
      if (evaluationPeriods === undefined) throw missing('EvaluationPeriods');
      if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1)
        throw validation(
          `Value '${evaluationPeriods}' at 'evaluationPeriods' failed to satisfy constraint: Member must have value greater than or equal to 1`,
        );
      // "the maximum value of EvaluationPeriods multiplied by Period is 86,400 seconds" (one day).
      if (evaluationPeriods * period > 86_400)
        throw invalid(
          'The evaluation period length (Period * EvaluationPeriods) must not exceed 86400 seconds (1 day).',
        );
      const datapointsToAlarm = num(input, 'DatapointsToAlarm') ?? evaluationPeriods;
      if (
        !Number.isInteger(datapointsToAlarm) ||
        datapointsToAlarm < 1 ||
        datapointsToAlarm > evaluationPeriods
      )
        throw invalid('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
      const threshold = num(input, 'Threshold');
      if (threshold === undefined) throw missing('Threshold');
      const comparisonOperator = str(input, 'ComparisonOperator');
      if (comparisonOperator === undefined) throw missing('ComparisonOperator');
      if (!COMPARISON_OPERATORS.includes(comparisonOperator as ComparisonOperator))
        throw invalid(
          `The emulator does not model ComparisonOperator ${comparisonOperator} (anomaly detection).`,
        );
      const treat = str(input, 'TreatMissingData') ?? 'missing';
      if (!['breaching', 'notBreaching', 'ignore', 'missing'].includes(treat))
        throw invalid(`TreatMissingData must be one of breaching, notBreaching, ignore, missing.`);
      const now = clock.now();
      const existing = book.alarms.get(name);
      const description = str(input, 'AlarmDescription');
      const unit = str(input, 'Unit');
      const alarm: MetricAlarm = {
        name,
        arn: `arn:aws:cloudwatch:${ctx.region}:${ACCOUNT_ID}:alarm:${name}`,
        actionsEnabled: input['ActionsEnabled'] !== false,
        okActions: strings(input, 'OKActions') ?? [],
        alarmActions: strings(input, 'AlarmActions') ?? [],
        insufficientDataActions: strings(input, 'InsufficientDataActions') ?? [],
        namespace,
        metricName,
        dimensions: dimensions(input, 'Dimensions'),
        statistic: statistic as Statistic,
        period,
        evaluationPeriods,
        datapointsToAlarm,
        threshold,
        comparisonOperator: comparisonOperator as ComparisonOperator,
        treatMissingData: treat as TreatMissingData,
        // "When this operation creates an alarm, the alarm state is immediately set to
        // INSUFFICIENT_DATA ... When you update an existing alarm, its state is left unchanged."
        state: existing?.state ?? 'INSUFFICIENT_DATA',
        stateReason: existing?.stateReason ?? 'Unchecked: Initial alarm creation',
        stateUpdatedAt: existing?.stateUpdatedAt ?? now,
        stateTransitionedAt: existing?.stateTransitionedAt ?? now,
        configurationUpdatedAt: now,
      };
      if (description !== undefined) alarm.description = description;
      if (unit !== undefined) alarm.unit = unit;
      if (existing?.stateReasonData !== undefined) alarm.stateReasonData = existing.stateReasonData;
      book.alarms.set(name, alarm);
      book.evaluate(alarm);
      return {};
    },

    DescribeAlarms(input) {
      const names = strings(input, 'AlarmNames');
      if (names && names.length > MAX_ALARM_NAMES)
        throw validation(
          `Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ALARM_NAMES}`,
        );
      const prefix = str(input, 'AlarmNamePrefix');
      if (names && prefix !== undefined)
        throw new AwsError(
          'InvalidParameterCombination',
          'AlarmNamePrefix and AlarmNames cannot both be specified.',
        );
      const stateValue = str(input, 'StateValue');
      const maxRecords = num(input, 'MaxRecords') ?? DEFAULT_MAX_RECORDS;
      if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 100)
        throw validation(
          `Value '${maxRecords}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100`,
        );
      // Without AlarmTypes, DescribeAlarms answers metric alarms only.
      const types = strings(input, 'AlarmTypes') ?? ['MetricAlarm'];
      const all = types.includes('MetricAlarm')
        ? [...book.alarms.values()]
            .filter((a) => (names ? names.includes(a.name) : true))
            .filter((a) => (prefix !== undefined ? a.name.startsWith(prefix) : true))
            .filter((a) => (stateValue !== undefined ? a.state === stateValue : true))
        : [];
      // By alarm name, the order DescribeAlarms answers in.
      const { items, next } = keyedPage({
        operation: 'DescribeAlarms',
        entries: all.map((a) => ({ key: [a.name], item: a })),
        token: str(input, 'NextToken'),
        size: maxRecords,
        badToken: invalidNextToken,
      });
      return {
        MetricAlarms: items.map(alarmShape),
        // The emulator has no composite alarms (no PutCompositeAlarm); asked for, the list is empty.
        ...(types.includes('CompositeAlarm') ? { CompositeAlarms: [] } : {}),
        ...(next !== undefined ? { NextToken: next } : {}),
      };
    },

    DeleteAlarms(input) {
      const names = strings(input, 'AlarmNames');
      if (!names) throw missing('AlarmNames');
      if (names.length > MAX_ALARM_NAMES)
        throw validation(
          `Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ALARM_NAMES}`,
        );
      const unknown = names.filter((n) => !book.alarms.has(n));
      // "If you specify any alarms that do not exist, the entire operation fails and no alarms are deleted."
      if (unknown.length > 0)
        throw new AwsError('ResourceNotFound', `Could not find alarm(s): ${unknown.join(', ')}`, 404);
      for (const n of names) book.alarms.delete(n);
      return {};
    },

    PutMetricData(input) {
      const namespace = str(input, 'Namespace');
      if (!namespace) throw missing('Namespace');
      if (namespace.startsWith('AWS/')) throw invalid('The value AWS/ for parameter Namespace is invalid.');
      const data = list(input, 'MetricData');
      if (!data || data.length === 0) throw missing('MetricData');
      for (const raw of data) {
        const d = (raw ?? {}) as Input;
        const name = str(d, 'MetricName');
        if (!name) throw missing('MetricData.member.MetricName');
        const ts = num(d, 'Timestamp');
        const at = ts !== undefined ? ts * 1000 : clock.now();
        const id = { namespace, name, dimensions: dimensions(d, 'Dimensions') };
        const unit = str(d, 'Unit');
        const value = num(d, 'Value');
        const set = d['StatisticValues'] as Input | undefined;
        if (set) {
          const sum = num(set, 'Sum');
          const count = num(set, 'SampleCount');
          const min = num(set, 'Minimum');
          const max = num(set, 'Maximum');
          if (sum === undefined || count === undefined || min === undefined || max === undefined)
            throw missing('MetricData.member.StatisticValues');
          metrics.put(id, { at, sum, count, min, max }, unit);
        } else if (value !== undefined) metrics.put(id, { at, value }, unit);
        else throw invalid('One of Value, Values or StatisticValues must be specified.');
      }
      return {};
    },

    GetMetricData(input) {
      const queries = list(input, 'MetricDataQueries');
      if (!queries || queries.length === 0) throw missing('MetricDataQueries');
      if (queries.length > MAX_QUERIES)
        throw validation(
          `Value at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_QUERIES}`,
        );
      const start = num(input, 'StartTime');
      const end = num(input, 'EndTime');
      if (start === undefined) throw missing('StartTime');
      if (end === undefined) throw missing('EndTime');
      if (end <= start) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
      const descending = (str(input, 'ScanBy') ?? 'TimestampDescending') === 'TimestampDescending';
      const results = queries.map((raw) => {
        const q = (raw ?? {}) as Input;
        const id = str(q, 'Id');
        if (!id) throw missing('MetricDataQueries.member.Id');
        if (q['Expression'] !== undefined)
          throw invalid('The emulator does not model metric math (Expression).');
        const stat = q['MetricStat'] as Input | undefined;
        if (!stat) throw invalid(`Query ${id} needs a MetricStat.`);
        const metric = (stat['Metric'] ?? {}) as Input;
        const namespace = str(metric, 'Namespace');
        const name = str(metric, 'MetricName');
        if (!namespace || !name) throw missing('MetricDataQueries.member.MetricStat.Metric');
        const period = num(stat, 'Period');
        if (period === undefined) throw missing('MetricDataQueries.member.MetricStat.Period');
        const s = str(stat, 'Stat') ?? '';
        if (!STATISTICS.includes(s as Statistic))
          throw invalid(`The emulator models the statistics ${STATISTICS.join(', ')}, not ${s}.`);
        const points = metrics
          .series(
            { namespace, name, dimensions: dimensions(metric, 'Dimensions') },
            s as Statistic,
            start * 1000,
            end * 1000,
            clock.ms(period),
          )
          .filter((p) => p.value !== undefined);
        if (descending) points.reverse();
        return {
          Id: id,
          Label: str(q, 'Label') ?? name,
          Timestamps: points.map((p) => seconds(p.at)),
          Values: points.map((p) => p.value as number),
          StatusCode: 'Complete',
        };
      });
      return { MetricDataResults: results, Messages: [] };
    },

    ListMetrics(input) {
      const filters = (list(input, 'Dimensions') ?? []).map((raw) => {
        const d = (raw ?? {}) as Input;
        const name = str(d, 'Name');
        if (!name) throw missing('Dimensions.member.Name');
        const value = str(d, 'Value');
        return value === undefined ? { Name: name } : { Name: name, Value: value };
      });
      const namespace = str(input, 'Namespace');
      const name = str(input, 'MetricName');
      const found = metrics.list({
        ...(namespace !== undefined ? { namespace } : {}),
        ...(name !== undefined ? { name } : {}),
        dimensions: filters,
      });
      const { items, next } = keyedPage({
        operation: 'ListMetrics',
        entries: found.map((m) => ({ key: [metricKey(m)], item: m })),
        token: str(input, 'NextToken'),
        size: LIST_METRICS_PAGE,
        badToken: invalidNextToken,
      });
      return {
        Metrics: items.map((m) => ({ Namespace: m.namespace, MetricName: m.name, Dimensions: m.dimensions })),
        ...(next !== undefined ? { NextToken: next } : {}),
      };
    },
  };

  return {
    has: (operation) => Object.hasOwn(handlers, operation),
    invoke(operation, input, ctx) {
      const handler = handlers[operation];
      if (!handler) return Promise.reject(new AwsError('InvalidAction', `Unknown operation ${operation}`));
      try {
        return Promise.resolve(handler(input, ctx));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
