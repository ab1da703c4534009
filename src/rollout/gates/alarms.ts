// The CloudWatch alarms the rollout gates on.
import type { AlarmView, Snapshot } from '../snapshot.js';
import type { RolloutFailure } from '../types.js';
import { batchLabel, eventsSince, type GateContext } from './context.js';

/**
 * A CloudWatch alarm the rollout gates on is in ALARM: what users feel (5xx, latency) that target
 * health cannot see. `ignored` holds the alarms that were already in ALARM when the rollout began
 * and that the user chose to ignore (ignore-alarms-at-start) until they leave ALARM once
 * (releaseIgnoredAlarms). The reason names the alarm, what it watches, and CloudWatch's own
 * StateReason, which gives the datapoints and the threshold.
 */
export function alarmGate(
  snapshot: Snapshot,
  ignored: ReadonlySet<string>,
  ctx: GateContext,
): RolloutFailure | undefined {
  const firing = (snapshot.alarms ?? []).find((a) => a.state === 'ALARM' && !ignored.has(a.name));
  if (!firing) return undefined;
  return {
    batch: ctx.batch,
    kind: 'alarm',
    message: `${batchLabel(ctx)}: CloudWatch alarm ${describeAlarm(firing)} is in ALARM${ctx.during ? ` ${ctx.during}` : ''}${
      firing.stateReason ? `: ${firing.stateReason}` : ''
    }`,
    alarmName: firing.name,
    serviceEvents: eventsSince(snapshot.service, ctx.rolloutStartedAt),
  };
}

/** `"web-5xx" (AWS/ApplicationELB HTTPCode_Target_5XX_Count, TargetGroup=targetgroup/web/0123…)`. */
export function describeAlarm(alarm: AlarmView): string {
  const name = JSON.stringify(alarm.name);
  if (alarm.metric) {
    const dims = alarm.metric.dimensions.map((d) => `${d.name}=${d.value}`).join(', ');
    return `${name} (${alarm.metric.namespace} ${alarm.metric.name}${dims ? `, ${dims}` : ''})`;
  }
  if (alarm.rule) return `${name} (composite: ${alarm.rule})`;
  return name;
}

/**
 * The alarms still ignored after one more look: an ignored alarm seen out of ALARM (OK or
 * INSUFFICIENT_DATA) has recovered, and gates the rollout from then on. Pure: returns the same set
 * when nothing changed.
 */
export function releaseIgnoredAlarms(
  ignored: ReadonlySet<string>,
  alarms: readonly AlarmView[] | undefined,
): ReadonlySet<string> {
  if (ignored.size === 0 || !alarms) return ignored;
  const recovered = alarms.filter((a) => ignored.has(a.name) && a.state !== 'ALARM').map((a) => a.name);
  if (recovered.length === 0) return ignored;
  const next = new Set(ignored);
  for (const name of recovered) next.delete(name);
  return next;
}
