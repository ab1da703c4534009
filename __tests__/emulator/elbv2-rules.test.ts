// The pure rules under the ELBv2 part: health transitions, the HttpCode matcher, routing with
// fail-open, Query decoding and the weighted choice of target groups. No network, no timers.
import { describe, it, expect } from '@jest/globals';
import {
  applyProbe,
  checkingStarted,
  parseHttpCodeMatcher,
  registered,
} from '../../emulator/src/elbv2/target-health.js';
import type { HealthRecord, ProbeOutcome } from '../../emulator/src/elbv2/target-health.js';
import { routableTargets, routingThresholds } from '../../emulator/src/elbv2/routing.js';
import { decodeQuery } from '../../emulator/src/elbv2/query.js';
import { createBalancer } from '../../emulator/src/elbv2/balancer.js';
import { createStore, DEFAULT_TARGET_GROUP_ATTRIBUTES } from '../../emulator/src/elbv2/store.js';
import type { TargetGroup } from '../../emulator/src/elbv2/store.js';
import type { TargetEntry, Targets } from '../../emulator/src/elbv2/targets.js';
import { AwsError } from '../../emulator/src/contracts.js';
import type { TargetState } from '../../emulator/src/contracts.js';
import { expectWith } from '../helpers/expect-with.js';

const thresholds = { healthy: 3, unhealthy: 2 };
const ok: ProbeOutcome = { ok: true, status: 200 };
const code = (status: number): ProbeOutcome => ({ ok: false, kind: 'code', status });
const run = (record: HealthRecord, outcomes: ProbeOutcome[]): HealthRecord[] => {
  const out: HealthRecord[] = [];
  for (const outcome of outcomes) out.push((record = applyProbe(record, outcome, thresholds)));
  return out;
};

describe('target health rules', () => {
  it('a new target is healthy after one passed check, whatever HealthyThresholdCount is', () => {
    const [first] = run(checkingStarted(registered()), [ok]);
    expect(first?.view).toEqual({ state: 'healthy' });
  });

  it('a new target that failed fewer than UnhealthyThresholdCount checks is healthy on its first pass', () => {
    const states = run(checkingStarted(registered()), [code(500), ok]).map((r) => r.view.state);
    expect(states).toEqual(['initial', 'healthy']);
  });

  it('UnhealthyThresholdCount consecutive failures make it unhealthy; a success in between resets the count', () => {
    const states = run(checkingStarted(registered()), [ok, code(500), ok, code(500), code(503)]).map(
      (r) => r.view.state,
    );
    expect(states).toEqual(['healthy', 'healthy', 'healthy', 'healthy', 'unhealthy']);
  });

  it('lists every failing code of the run in the ResponseCodeMismatch description', () => {
    const last = run(checkingStarted(registered()), [ok, code(500), code(503)]).at(-1);
    expect(last?.view).toEqual({
      state: 'unhealthy',
      reason: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [500,503]',
    });
  });

  it('an unhealthy target needs HealthyThresholdCount consecutive successes', () => {
    const unhealthy = run(checkingStarted(registered()), [code(500), code(500)]).at(-1);
    if (!unhealthy) throw new Error('no record');
    expect(unhealthy.view.state).toBe('unhealthy');
    const states = run(unhealthy, [ok, ok, { ok: false, kind: 'timeout' }, ok, ok, ok]).map(
      (r) => `${r.view.state}:${r.view.reason ?? ''}`,
    );
    expect(states).toEqual([
      'unhealthy:Target.ResponseCodeMismatch',
      'unhealthy:Target.ResponseCodeMismatch',
      'unhealthy:Target.Timeout',
      'unhealthy:Target.Timeout',
      'unhealthy:Target.Timeout',
      'healthy:',
    ]);
  });

  it('connection errors are Target.FailedHealthChecks', () => {
    const last = run(checkingStarted(registered()), [
      { ok: false, kind: 'connection', detail: 'ECONNREFUSED' },
      { ok: false, kind: 'connection', detail: 'ECONNREFUSED' },
    ]).at(-1);
    expect(last?.view).toEqual({
      state: 'unhealthy',
      reason: 'Target.FailedHealthChecks',
      description: 'Health checks failed',
    });
  });

  it('parses Matcher.HttpCode values, lists and ranges within 200-499', () => {
    const m = parseHttpCodeMatcher('200,302-304, 404');
    expect([200, 201, 302, 303, 304, 305, 404].map((s) => m?.(s))).toEqual([
      true,
      false,
      true,
      true,
      true,
      false,
      true,
    ]);
    for (const bad of ['', '199', '500', '300-200', '2xx', '200-'])
      expectWith(parseHttpCodeMatcher(bad), bad).toBeUndefined();
  });
});

describe('routing', () => {
  const c = (id: string, state: TargetState): { ref: { id: string; port: number }; state: TargetState } => ({
    ref: { id, port: 80 },
    state,
  });
  const defaults = routingThresholds(new Map(DEFAULT_TARGET_GROUP_ATTRIBUTES));

  it('routes to healthy targets only while at least one is healthy', () => {
    expect(
      routableTargets(
        [c('a', 'healthy'), c('b', 'unhealthy'), c('c', 'initial'), c('d', 'draining')],
        defaults,
      ).map((r) => r.id),
    ).toEqual(['a']);
  });

  it('fails open to every non-draining target when none is healthy', () => {
    expect(
      routableTargets([c('b', 'unhealthy'), c('c', 'initial'), c('d', 'draining')], defaults).map(
        (r) => r.id,
      ),
    ).toEqual(['b', 'c']);
    expect(routableTargets([c('d', 'draining')], defaults)).toEqual([]);
  });

  it('fails open below the minimum healthy percentage when one is set', () => {
    const attrs = new Map(DEFAULT_TARGET_GROUP_ATTRIBUTES);
    attrs.set('target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage', '50');
    const targets = [c('a', 'healthy'), c('b', 'unhealthy'), c('e', 'unhealthy')];
    expect(routableTargets(targets, routingThresholds(attrs)).map((r) => r.id)).toEqual(['a', 'b', 'e']);
    expect(routableTargets(targets.slice(0, 2), routingThresholds(attrs)).map((r) => r.id)).toEqual(['a']);
  });
});

describe('Query decoding', () => {
  it('turns member.N keys into ordered lists of values and structures', () => {
    const tree = decodeQuery(
      'Action=RegisterTargets&Targets.member.2.Id=b&Targets.member.1.Id=a&Targets.member.1.Port=80&Names.member.10=z&Names.member.2=y&Matcher.HttpCode=200',
    );
    expect(tree).toEqual({
      Action: 'RegisterTargets',
      Targets: [{ Id: 'a', Port: '80' }, { Id: 'b' }],
      Names: ['y', 'z'],
      Matcher: { HttpCode: '200' },
    });
  });

  it('rejects prototype-polluting keys with ValidationError', () => {
    expect(() => decodeQuery('__proto__.x=1')).toThrow(AwsError);
  });
});

describe('weighted forward', () => {
  it('splits requests between target groups by weight and skips weight 0', () => {
    const store = createStore();
    const entries = new Map<string, TargetEntry[]>();
    for (const name of ['blue', 'green', 'off']) {
      const arn = `arn:${name}`;
      store.targetGroups.set(arn, {
        arn,
        attributes: new Map(DEFAULT_TARGET_GROUP_ATTRIBUTES),
      } as TargetGroup);
      entries.set(arn, [
        {
          ref: { id: name, port: 80 },
          availabilityZone: 'a',
          record: { view: { state: 'healthy' }, successes: 1, failures: 0, failedCodes: [] },
        },
      ]);
    }
    const targets = { list: (arn: string) => entries.get(arn) ?? [] } as unknown as Targets;
    const choose = createBalancer(
      [
        { targetGroupArn: 'arn:blue', weight: 3 },
        { targetGroupArn: 'arn:green', weight: 1 },
        { targetGroupArn: 'arn:off', weight: 0 },
      ],
      { store, targets },
    );
    const picks = Array.from({ length: 8 }, () => choose()?.id);
    expect(picks.filter((p) => p === 'blue').length).toBe(6);
    expect(picks.filter((p) => p === 'green').length).toBe(2);
  });
});
