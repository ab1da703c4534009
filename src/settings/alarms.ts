// alarms, use-service-alarms and ignore-alarms-at-start: the CloudWatch alarms a rollout gates on.
import { parseBoolean } from '../parse/choice.js';
import type { Parsed } from '../parse/result.js';
import type { Inputs } from './context.js';
import { INPUT } from './inputs.js';

export interface AlarmInputs {
  alarms: string[];
  useServiceAlarms: boolean;
  ignoreAlarmsAtStart: boolean;
}

export function readAlarms({ raw, given, complain, take }: Inputs): AlarmInputs {
  const alarms = given(INPUT.alarms) ? take(INPUT.alarms, parseAlarmNames(raw(INPUT.alarms)), []) : [];
  const useServiceAlarms = take(INPUT.useServiceAlarms, parseBoolean(raw(INPUT.useServiceAlarms)), true);
  const ignoreAlarmsAtStart = take(
    INPUT.ignoreAlarmsAtStart,
    parseBoolean(raw(INPUT.ignoreAlarmsAtStart)),
    false,
  );
  if (given(INPUT.ignoreAlarmsAtStart) && alarms.length === 0 && !useServiceAlarms) {
    complain(
      INPUT.ignoreAlarmsAtStart,
      'is only used with alarms or use-service-alarms: true; name the alarms to gate on, or remove it',
    );
  }
  return { alarms, useServiceAlarms, ignoreAlarmsAtStart };
}

/**
 * CloudWatch alarm names, one a line (blank lines skipped). An alarm name is 1 to 255 characters
 * with no ASCII control character (PutMetricAlarm's AlarmName); DescribeAlarms matches it exactly.
 */
export function parseAlarmNames(text: string): Parsed<string[]> {
  const names: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const name = line.trim();
    if (name === '') continue;
    const where = `line ${i + 1}`;
    // eslint-disable-next-line no-control-regex
    if (name.length > 255 || /[\u0000-\u001f\u007f]/.test(name)) {
      return {
        ok: false,
        problem: `${where} is not a CloudWatch alarm name (1 to 255 characters, no control characters)`,
        fix: 'write one alarm name a line, exactly as CloudWatch shows it (e.g. web-5xx)',
      };
    }
    if (names.includes(name)) {
      return {
        ok: false,
        problem: `${where} names alarm ${JSON.stringify(name)} a second time`,
        fix: 'name each alarm once',
      };
    }
    names.push(name);
  }
  if (names.length === 0) {
    return {
      ok: false,
      problem: 'names no alarm',
      fix: 'write one alarm name a line (e.g. web-5xx), or remove it',
    };
  }
  return { ok: true, value: names };
}
