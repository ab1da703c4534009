// The alarm gate's inputs: alarms (one name a line), use-service-alarms, ignore-alarms-at-start.
import { describe, it, expect } from '@jest/globals';
import { readSettings, SettingsError, type Settings } from '../src/settings.js';
import { runnerInputs } from '../tools/run-action.js';
import { parseAlarmNames } from '../src/settings/alarms.js';

type Inputs = Record<string, string>;
const BASE: Inputs = { service: 'web', 'task-definition': 'task-definition.json' };

function settings(inputs: Inputs): Settings {
  return readSettings(
    (name) => ({ ...BASE, ...inputs })[name] ?? '',
    () => undefined,
    '/w',
  );
}

function problems(inputs: Inputs): string[] {
  try {
    settings(inputs);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems.map((p) => p.message);
    throw error;
  }
  throw new Error('no problem reported');
}

describe('alarms', () => {
  const rows: { text: string; names?: string[]; problem?: RegExp }[] = [
    { text: 'web-5xx', names: ['web-5xx'] },
    { text: 'web-5xx\nweb-latency', names: ['web-5xx', 'web-latency'] },
    {
      text: '  web-5xx  \r\n\n  TargetTracking-web Alarm/High : x  \n',
      names: ['web-5xx', 'TargetTracking-web Alarm/High : x'],
    },
    { text: 'a'.repeat(255), names: ['a'.repeat(255)] },
    { text: `web-5xx\n${'a'.repeat(256)}`, problem: /^line 2 is not a CloudWatch alarm name/ },
    { text: 'web\u0007bell', problem: /^line 1 is not a CloudWatch alarm name/ },
    { text: 'web-5xx\nweb-latency\nweb-5xx', problem: /^line 3 names alarm "web-5xx" a second time/ },
    { text: '\n \n', problem: /^names no alarm/ },
  ];
  for (const row of rows) {
    it(JSON.stringify(row.text.slice(0, 40)), () => {
      const parsed = parseAlarmNames(row.text);
      if (row.names) expect(parsed).toEqual({ ok: true, value: row.names });
      else {
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.problem).toMatch(row.problem ?? /never/);
      }
    });
  }

  it('reaches Settings in order; none by default', () => {
    expect(settings({ alarms: 'b\na' }).alarms).toEqual(['b', 'a']);
    expect(settings({}).alarms).toEqual([]);
  });

  it('a bad line is reported with the input’s name and the fix, without quoting the whole input', () => {
    const [message] = problems({ alarms: 'ok-one\nweb-5xx\nweb-5xx' });
    expect(message).toBe('alarms: line 3 names alarm "web-5xx" a second time; name each alarm once');
  });
});

describe('use-service-alarms and ignore-alarms-at-start', () => {
  it('default: the service’s own alarms are used, an alarm at the start refuses', () => {
    const s = settings({});
    expect(s.useServiceAlarms).toBe(true);
    expect(s.ignoreAlarmsAtStart).toBe(false);
  });

  it('take true and false', () => {
    const s = settings({ 'use-service-alarms': 'false', 'ignore-alarms-at-start': 'true', alarms: 'x' });
    expect(s.useServiceAlarms).toBe(false);
    expect(s.ignoreAlarmsAtStart).toBe(true);
  });

  it('refuse what is not a boolean, naming the input', () => {
    const messages = problems({ 'use-service-alarms': 'maybe', 'ignore-alarms-at-start': 'yes please' });
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^use-service-alarms: "maybe" /);
    expect(messages[1]).toMatch(/^ignore-alarms-at-start: "yes please" /);
  });

  it('ignore-alarms-at-start with nothing to gate on is refused', () => {
    expect(problems({ 'use-service-alarms': 'false', 'ignore-alarms-at-start': 'true' })).toEqual([
      'ignore-alarms-at-start: is only used with alarms or use-service-alarms: true; name the alarms to gate on, or remove it',
    ]);
  });

  it('a runner’s defaults alone are no choice (every defaulted input is set)', () => {
    const env = runnerInputs({ ...BASE, 'use-service-alarms': 'false' });
    const s = readSettings(
      (name) => env[`INPUT_${name.toUpperCase()}`] ?? '',
      () => undefined,
      '/w',
    );
    expect(s.ignoreAlarmsAtStart).toBe(false);
    expect(s.alarms).toEqual([]);
  });
});
