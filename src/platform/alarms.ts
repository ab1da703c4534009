// CloudWatch alarms for the alarm gate, read in as few calls as CloudWatch allows: DescribeAlarms
// takes at most 100 alarm names per call (AlarmNames, "Array Members: Maximum number of 100 items")
// and answers at most MaxRecords (1-100) alarms per page, with a NextToken while there are more.
// Both alarm types are asked for: without AlarmTypes, DescribeAlarms answers metric alarms only.
import {
  DescribeAlarmsCommand,
  type CloudWatchClient,
  type CompositeAlarm,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { driverError } from './errors.js';
import { allPages } from './pages.js';
import type { AlarmView } from '../rollout/snapshot.js';

/** DescribeAlarms: at most 100 AlarmNames per call, and at most 100 records per page. */
export const ALARM_NAMES_PER_CALL = 100;

/**
 * Every named alarm that exists, metric and composite, in name order of the request. A name that
 * matches no alarm is simply absent from the answer (CloudWatch does not fail the call).
 */
export async function describeAlarms(
  cloudwatch: CloudWatchClient,
  names: readonly string[],
): Promise<AlarmView[]> {
  const unique = [...new Set(names)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += ALARM_NAMES_PER_CALL)
    chunks.push(unique.slice(i, i + ALARM_NAMES_PER_CALL));
  try {
    const perChunk = await Promise.all(
      chunks.map((chunk) =>
        allPages<AlarmView>(async (nextToken) => {
          const page = await cloudwatch.send(
            new DescribeAlarmsCommand({
              AlarmNames: chunk,
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              MaxRecords: ALARM_NAMES_PER_CALL,
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
          );
          return {
            items: [
              ...(page.MetricAlarms ?? []).map(metricAlarmView),
              ...(page.CompositeAlarms ?? []).map(compositeAlarmView),
            ],
            nextToken: page.NextToken,
          };
        }),
      ),
    );
    const byName = new Map(perChunk.flat().map((a) => [a.name, a]));
    return unique.map((n) => byName.get(n)).filter((a): a is AlarmView => a !== undefined);
  } catch (error) {
    throw driverError(
      error,
      `DescribeAlarms for ${unique.length === 1 ? `alarm "${unique[0] ?? ''}"` : `${unique.length} alarms`} failed`,
      'The alarm gate needs cloudwatch:DescribeAlarms',
    );
  }
}

function metricAlarmView(alarm: MetricAlarm): AlarmView {
  const view: AlarmView = { name: alarm.AlarmName ?? '', kind: 'metric', state: alarm.StateValue ?? '' };
  if (alarm.StateReason) view.stateReason = alarm.StateReason;
  if (alarm.StateUpdatedTimestamp) view.stateUpdatedAt = alarm.StateUpdatedTimestamp.getTime();
  if (alarm.MetricName && alarm.Namespace) {
    view.metric = {
      namespace: alarm.Namespace,
      name: alarm.MetricName,
      dimensions: (alarm.Dimensions ?? []).map((d) => ({ name: d.Name ?? '', value: d.Value ?? '' })),
    };
  }
  return view;
}

function compositeAlarmView(alarm: CompositeAlarm): AlarmView {
  const view: AlarmView = { name: alarm.AlarmName ?? '', kind: 'composite', state: alarm.StateValue ?? '' };
  if (alarm.StateReason) view.stateReason = alarm.StateReason;
  if (alarm.StateUpdatedTimestamp) view.stateUpdatedAt = alarm.StateUpdatedTimestamp.getTime();
  if (alarm.AlarmRule) view.rule = alarm.AlarmRule;
  return view;
}
