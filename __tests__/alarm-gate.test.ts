// The alarm gate, as a table of alarm states -> verdicts, and its one call in decide.
import { describe, it, expect } from '@jest/globals';
import { alarmsAtStart } from '../src/rollout/alarm-start.js';
import { decide, type DecideContext } from '../src/rollout/decide.js';
import { EMPTY_LEDGER } from '../src/rollout/drains.js';
import { planBatches } from '../src/rollout/plan.js';
import { fresh, NEW, old, snapshot, T0 } from './helpers/fake-service.js';
import type { AlarmView } from '../src/rollout/snapshot.js';
import type { GateContext } from '../src/rollout/gates/context.js';
import { alarmGate, describeAlarm, releaseIgnoredAlarms } from '../src/rollout/gates/alarms.js';

const ctx: GateContext = { batch: 2, batches: 3, newTaskDefinitionArn: NEW, rolloutStartedAt: T0 };
const REASON =
  'Threshold Crossed: 1 datapoint [5.0 (05/12/26 08:01:00)] was greater than the threshold (1.0).';

const fiveXx = (state: string, extra: Partial<AlarmView> = {}): AlarmView => ({
  name: 'web-5xx',
  kind: 'metric',
  state,
  stateReason: REASON,
  metric: {
    namespace: 'AWS/ApplicationELB',
    name: 'HTTPCode_Target_5XX_Count',
    dimensions: [
      { name: 'TargetGroup', value: 'targetgroup/web/0123456789abcdef' },
      { name: 'LoadBalancer', value: 'app/web/fedcba9876543210' },
    ],
  },
  ...extra,
});
const latency = (state: string): AlarmView => ({
  name: 'web-latency',
  kind: 'metric',
  state,
  metric: { namespace: 'AWS/ApplicationELB', name: 'TargetResponseTime', dimensions: [] },
});
const composite = (state: string): AlarmView => ({
  name: 'web-any',
  kind: 'composite',
  state,
  rule: 'ALARM("web-5xx") OR ALARM("web-latency")',
});

describe('alarmGate', () => {
  const rows: {
    name: string;
    alarms: AlarmView[] | undefined;
    ignored?: string[];
    fails?: string;
  }[] = [
    { name: 'no alarms read (no gate)', alarms: undefined },
    { name: 'every alarm OK', alarms: [fiveXx('OK'), latency('OK')] },
    { name: 'INSUFFICIENT_DATA is not ALARM', alarms: [fiveXx('INSUFFICIENT_DATA')] },
    { name: 'one alarm in ALARM', alarms: [latency('OK'), fiveXx('ALARM')], fails: 'web-5xx' },
    {
      name: 'the first in ALARM is named',
      alarms: [latency('ALARM'), fiveXx('ALARM')],
      fails: 'web-latency',
    },
    { name: 'a composite alarm in ALARM', alarms: [composite('ALARM')], fails: 'web-any' },
    { name: 'ignored while in ALARM since the start', alarms: [fiveXx('ALARM')], ignored: ['web-5xx'] },
    {
      name: 'an ignored alarm does not hide another',
      alarms: [fiveXx('ALARM'), latency('ALARM')],
      ignored: ['web-5xx'],
      fails: 'web-latency',
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const s = snapshot({ tasks: fresh(2) });
      if (row.alarms) s.alarms = row.alarms;
      const failure = alarmGate(s, new Set(row.ignored ?? []), ctx);
      expect(failure?.alarmName).toBe(row.fails);
      if (row.fails) expect(failure?.kind).toBe('alarm');
    });
  }

  it('names the batch, the alarm, its metric and dimensions, and CloudWatch’s StateReason', () => {
    const s = snapshot({ tasks: fresh(2) });
    s.alarms = [fiveXx('ALARM')];
    const failure = alarmGate(s, new Set(), { ...ctx, during: 'during the bake time' });
    expect(failure?.message).toBe(
      'batch 2/3: CloudWatch alarm "web-5xx" (AWS/ApplicationELB HTTPCode_Target_5XX_Count, ' +
        'TargetGroup=targetgroup/web/0123456789abcdef, LoadBalancer=app/web/fedcba9876543210) is in ALARM ' +
        `during the bake time: ${REASON}`,
    );
  });

  it('describeAlarm: a composite alarm by its rule, a metric-math alarm by its name', () => {
    expect(describeAlarm(composite('ALARM'))).toBe(
      '"web-any" (composite: ALARM("web-5xx") OR ALARM("web-latency"))',
    );
    expect(describeAlarm({ name: 'math', kind: 'metric', state: 'OK' })).toBe('"math"');
  });
});

describe('releaseIgnoredAlarms: ignored until it leaves ALARM once', () => {
  const rows: { name: string; ignored: string[]; seen: AlarmView[] | undefined; left: string[] }[] = [
    {
      name: 'still in ALARM: still ignored',
      ignored: ['web-5xx'],
      seen: [fiveXx('ALARM')],
      left: ['web-5xx'],
    },
    { name: 'seen OK: gates from now on', ignored: ['web-5xx'], seen: [fiveXx('OK')], left: [] },
    {
      name: 'seen INSUFFICIENT_DATA: gates too',
      ignored: ['web-5xx'],
      seen: [fiveXx('INSUFFICIENT_DATA')],
      left: [],
    },
    { name: 'not read this time: unchanged', ignored: ['web-5xx'], seen: undefined, left: ['web-5xx'] },
    {
      name: 'only the one that recovered is released',
      ignored: ['web-5xx', 'web-latency'],
      seen: [fiveXx('OK'), latency('ALARM')],
      left: ['web-latency'],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect([...releaseIgnoredAlarms(new Set(row.ignored), row.seen)]).toEqual(row.left);
    });
  }

  it('returns the same set when nothing changed', () => {
    const ignored = new Set(['web-5xx']);
    expect(releaseIgnoredAlarms(ignored, [fiveXx('ALARM')])).toBe(ignored);
  });

  it('an alarm that recovered and fires again fails the batch', () => {
    const s = snapshot({ tasks: fresh(2) });
    let ignored: ReadonlySet<string> = new Set(['web-5xx']);
    for (const state of ['ALARM', 'OK', 'ALARM']) {
      s.alarms = [fiveXx(state)];
      ignored = releaseIgnoredAlarms(ignored, s.alarms);
    }
    expect(alarmGate(s, ignored, ctx)?.alarmName).toBe('web-5xx');
  });
});

describe('decide with the alarm gate', () => {
  const plan = planBatches({
    desired: 6,
    batchSize: { kind: 'count', value: 2 },
    maxUnavailable: { kind: 'count', value: 0 },
  });
  const base = (over: Partial<DecideContext> = {}): DecideContext => ({
    plan,
    newTaskDefinitionArn: NEW,
    position: {
      batch: 2,
      stage: 'healthy',
      releasedAt: T0 + 1_000,
      launchedAt: T0 + 2_000,
      healthyAt: T0 + 3_000,
    },
    rolloutStartedAt: T0,
    batchTimeoutMs: 600_000,
    rolloutTimeoutMs: 3_600_000,
    bakeMs: 60_000,
    overlap: true,
    drains: EMPTY_LEDGER,
    ...over,
  });
  // Batch 2 baking: four new tasks healthy, two old ones left.
  const baking = (state: string) => {
    const s = snapshot({ at: T0 + 10_000, tasks: [...fresh(4), ...old(2, {}, 4)] });
    s.alarms = [fiveXx(state)];
    return s;
  };

  it('an alarm in ALARM during the bake time fails the batch, naming the alarm', () => {
    const d = decide(baking('ALARM'), base({ alarms: { ignored: new Set() } }));
    expect(d.kind).toBe('fail');
    if (d.kind !== 'fail') return;
    expect(d.failure.kind).toBe('alarm');
    expect(d.failure.batch).toBe(2);
    expect(d.failure.message).toMatch(
      /^batch 2\/3: CloudWatch alarm "web-5xx" .* is in ALARM during the bake time: Threshold Crossed/,
    );
  });

  it('the same snapshot bakes on while the alarm is OK, or when the alarm is ignored', () => {
    expect(decide(baking('OK'), base({ alarms: { ignored: new Set() } })).kind).toBe('wait');
    expect(decide(baking('ALARM'), base({ alarms: { ignored: new Set(['web-5xx']) } })).kind).toBe('wait');
  });

  it('without the gate, an alarm in the snapshot decides nothing', () => {
    expect(decide(baking('ALARM'), base()).kind).toBe('wait');
  });

  it('fails while the batch settles (held) too', () => {
    const d = decide(
      baking('ALARM'),
      base({
        position: { batch: 2, stage: 'held', releasedAt: T0 + 1_000, launchedAt: T0 + 2_000 },
        alarms: { ignored: new Set() },
      }),
    );
    expect(d.kind).toBe('fail');
  });
});

describe('alarmsAtStart: may the rollout start under these alarms?', () => {
  const rows: {
    name: string;
    given: string[];
    fromService?: string[];
    found: AlarmView[];
    ignore?: boolean;
    refusal?: RegExp;
    warnings?: RegExp[];
    names?: string[];
    ignored?: string[];
  }[] = [
    {
      name: 'all OK: gate on them',
      given: ['web-5xx'],
      found: [fiveXx('OK')],
      names: ['web-5xx'],
      ignored: [],
    },
    {
      name: 'INSUFFICIENT_DATA is no reason to refuse',
      given: ['web-5xx'],
      found: [fiveXx('INSUFFICIENT_DATA')],
      names: ['web-5xx'],
      ignored: [],
    },
    {
      name: 'in ALARM: refused, naming the alarm, its metric and the reason',
      given: ['web-5xx'],
      found: [fiveXx('ALARM')],
      refusal:
        /^An alarm the rollout gates on is already in ALARM before any change: "web-5xx" \(AWS\/ApplicationELB HTTPCode_Target_5XX_Count, TargetGroup=.*\): Threshold Crossed: .*Nothing was changed\..*ignore-alarms-at-start: true/,
    },
    {
      name: 'in ALARM with ignore-alarms-at-start: a warning, and ignored',
      given: ['web-5xx', 'web-latency'],
      found: [fiveXx('ALARM'), latency('OK')],
      ignore: true,
      warnings: [
        /^Already in ALARM before the rollout, ignored until it leaves ALARM \(ignore-alarms-at-start\): "web-5xx"/,
      ],
      names: ['web-5xx', 'web-latency'],
      ignored: ['web-5xx'],
    },
    {
      name: 'a name of the input CloudWatch does not have: refused (a typo must not switch the gate off)',
      given: ['web-5xx', 'web-5xxx'],
      found: [fiveXx('OK')],
      refusal:
        /^The alarms input names "web-5xxx", which CloudWatch does not have in this region\. Nothing was changed\./,
    },
    {
      name: 'a name only the service gives that CloudWatch does not have: a warning',
      given: [],
      fromService: ['web-5xx', 'gone'],
      found: [fiveXx('OK')],
      warnings: [/^The service names deployment alarms that CloudWatch does not have: "gone"/],
      names: ['web-5xx'],
      ignored: [],
    },
    {
      name: 'the service’s own alarm in ALARM refuses too',
      given: [],
      fromService: ['web-any'],
      found: [composite('ALARM')],
      refusal:
        /already in ALARM before any change: "web-any" \(composite: ALARM\("web-5xx"\) OR ALARM\("web-latency"\)\)/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const v = alarmsAtStart(
        { given: row.given, fromService: row.fromService ?? [] },
        row.found,
        row.ignore ?? false,
      );
      if (row.refusal) expect(v.refusal).toMatch(row.refusal);
      else {
        expect(v.refusal).toBeUndefined();
        expect(v.names).toEqual(row.names);
        expect(v.ignoredAtStart).toEqual(row.ignored);
      }
      expect(v.warnings).toHaveLength(row.warnings?.length ?? 0);
      (row.warnings ?? []).forEach((w, i) => expect(v.warnings[i]).toMatch(w));
    });
  }
});
