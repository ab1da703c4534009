// Before the first change: may the rollout start under these alarms? Pure: the alarm names asked
// for (the `alarms` input, the service's own deployment alarms) and what DescribeAlarms found, in;
// a refusal, or warnings, the alarms to gate on and those ignored until they leave ALARM, out.
import type { AlarmView } from './snapshot.js';
import { describeAlarm } from './gates/alarms.js';

export interface AlarmStart {
  /** Why the rollout must not start (nothing was changed); undefined when it may. */
  refusal?: string;
  warnings: string[];
  /** The alarms that exist and gate the rollout. */
  names: string[];
  /** In ALARM already and let through by ignore-alarms-at-start: ignored until they leave ALARM. */
  ignoredAtStart: string[];
}

/**
 * - A name of the `alarms` input that CloudWatch does not have refuses: a typo must not switch
 *   the gate off. A name only the service gives is a warning: the service's configuration is not
 *   this input's to fix.
 * - An alarm already in ALARM refuses (a rollout started into an alarm would be failed by it at
 *   once, or blamed for it); with ignoreAtStart it is a warning, and ignored until it has left
 *   ALARM once (releaseIgnoredAlarms).
 */
export function alarmsAtStart(
  asked: { given: readonly string[]; fromService: readonly string[] },
  found: readonly AlarmView[],
  ignoreAtStart: boolean,
): AlarmStart {
  const known = new Set(found.map((a) => a.name));
  const quote = (names: readonly string[]): string => names.map((n) => JSON.stringify(n)).join(', ');
  const missingGiven = asked.given.filter((n) => !known.has(n));
  if (missingGiven.length > 0) {
    return {
      refusal:
        `The alarms input names ${quote(missingGiven)}, which CloudWatch does not have in this region. ` +
        'Nothing was changed. Check the names (they are exact and case-sensitive) and the region, or create the alarms first.',
      warnings: [],
      names: [],
      ignoredAtStart: [],
    };
  }
  const warnings: string[] = [];
  const missingOwn = asked.fromService.filter((n) => !known.has(n) && !asked.given.includes(n));
  if (missingOwn.length > 0) {
    warnings.push(
      `The service names deployment alarms that CloudWatch does not have: ${quote(missingOwn)}; they cannot gate this rollout.`,
    );
  }
  const firing = found.filter((a) => a.state === 'ALARM');
  const words = firing
    .map((a) => `${describeAlarm(a)}${a.stateReason ? `: ${a.stateReason}` : ''}`)
    .join('; ');
  const names = found.map((a) => a.name);
  if (firing.length > 0 && !ignoreAtStart) {
    return {
      refusal:
        `${firing.length === 1 ? 'An alarm the rollout gates on is' : 'Alarms the rollout gates on are'} already in ALARM before any change: ${words}. ` +
        'Nothing was changed. Deploy once the alarm is OK again, or set ignore-alarms-at-start: true to start anyway (the alarm then gates the rollout once it has left ALARM).',
      warnings,
      names,
      ignoredAtStart: [],
    };
  }
  if (firing.length > 0)
    warnings.push(
      `Already in ALARM before the rollout, ignored until it leaves ALARM (ignore-alarms-at-start): ${words}`,
    );
  return { warnings, names, ignoredAtStart: firing.map((a) => a.name) };
}
