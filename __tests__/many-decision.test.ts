// The decisions of a step with several services, as tables: whom to stop, whom to restore, each
// service's outcome and words, the step's outcome; and the post step's reading of the saved states.
import { describe, expect, it } from '@jest/globals';
import {
  overallOutcome,
  serviceVerdict,
  servicesToRestore,
  stopsOthers,
  type ServiceRun,
} from '../src/modes/many-decision.js';
import { manyStatesToFinish, parseManyStates } from '../src/modes/post-decision.js';
import type { RolloutState } from '../src/state.js';

const ARN = (name: string): string => `arn:aws:ecs:us-east-1:123456789012:task-definition/${name}`;

function run(service: string, outcome: ServiceRun['outcome'], extra: Partial<ServiceRun> = {}): ServiceRun {
  return {
    service,
    ...(outcome ? { outcome } : {}),
    changed: true,
    previousTaskDefinitionArn: ARN(`${service}:1`),
    newTaskDefinitionArn: ARN(`${service}:2`),
    ...extra,
  };
}

describe('servicesToRestore', () => {
  it.each<[string, ServiceRun[], 'rollback-all' | 'continue', boolean, string[]]>([
    ['all succeeded: nothing', [run('web', 'succeeded'), run('api', 'succeeded')], 'rollback-all', true, []],
    [
      'api failed: web goes back',
      [run('web', 'succeeded'), run('api', 'rolled-back')],
      'rollback-all',
      true,
      ['web'],
    ],
    ['continue: web stays', [run('web', 'succeeded'), run('api', 'rolled-back')], 'continue', true, []],
    [
      'rollback-on-failure false: nothing goes back',
      [run('web', 'succeeded'), run('api', 'failed')],
      'rollback-all',
      false,
      [],
    ],
    [
      'web unchanged (it already ran the definition): nothing to put back',
      [run('web', 'succeeded', { changed: false }), run('api', 'rolled-back')],
      'rollback-all',
      true,
      [],
    ],
    [
      'web stopped and rolled back on its own: not again',
      [
        run('web', 'cancelled', { stoppedForOther: 'api failed', rolledBack: true }),
        run('api', 'rolled-back'),
      ],
      'rollback-all',
      true,
      [],
    ],
    [
      'api refused in preflight (threw): web was never started',
      [
        run('web', undefined, { changed: false, notStarted: 'x' }),
        run('api', undefined, { error: 'no service' }),
      ],
      'rollback-all',
      true,
      [],
    ],
    [
      'three services, one failed: both others that succeeded go back',
      [run('web', 'succeeded'), run('api', 'failed'), run('worker', 'succeeded')],
      'rollback-all',
      true,
      ['web', 'worker'],
    ],
  ])('%s', (_what, runs, policy, rollbackOnFailure, expected) => {
    expect(servicesToRestore(runs, policy, rollbackOnFailure)).toEqual(expected);
  });

  it('stops the others at once only under rollback-all', () => {
    expect(stopsOthers('rollback-all')).toBe(true);
    expect(stopsOthers('continue')).toBe(false);
  });
});

describe('serviceVerdict', () => {
  it.each<[string, ServiceRun, boolean, { ok: boolean; message: string } | undefined, string, RegExp]>([
    ['succeeded', run('web', 'succeeded'), false, undefined, 'succeeded', /^web: succeeded on web:2$/],
    [
      'succeeded, then put back by the step',
      run('web', 'succeeded'),
      false,
      { ok: true, message: 'back' },
      'rolled-back',
      /^web: had succeeded on web:2; rolled back to web:1 because api failed \(on-partial-failure: rollback-all\)$/,
    ],
    [
      'succeeded, the step could not put it back',
      run('web', 'succeeded'),
      false,
      { ok: false, message: 'timed out' },
      'failed',
      /^web: had succeeded on web:2; rolling it back to web:1 because api failed failed: timed out$/,
    ],
    [
      'stopped through its signal and rolled back',
      run('web', 'cancelled', { stoppedForOther: 'api failed', rolledBack: true }),
      false,
      undefined,
      'rolled-back',
      /^web: stopped because api failed; rolled back to web:1$/,
    ],
    [
      'stopped, not rolled back (rollback-on-failure false)',
      run('web', 'cancelled', {
        stoppedForOther: 'api failed',
        failureMessage: 'the rollout was cancelled in batch 2/3',
      }),
      false,
      undefined,
      'cancelled',
      /^web: stopped because api failed; the rollout was cancelled in batch 2\/3$/,
    ],
    [
      'its own failure, rolled back',
      run('api', 'rolled-back', { failureMessage: 'batch 2: task x stopped' }),
      false,
      undefined,
      'rolled-back',
      /^api: rolled-back: batch 2: task x stopped$/,
    ],
    [
      'refused before any change',
      run('api', undefined, { error: 'ServiceNotFoundException: api' }),
      false,
      undefined,
      'failed',
      /^api: failed: ServiceNotFoundException: api$/,
    ],
    [
      'never started',
      run('web', undefined, { notStarted: 'api failed before any service was changed' }),
      false,
      undefined,
      'failed',
      /^web: not started, nothing changed: api failed before any service was changed$/,
    ],
    [
      'the job cancelled: cancelled, not "stopped because"',
      run('web', 'cancelled', { stoppedForOther: 'api failed', failureMessage: 'the rollout was cancelled' }),
      true,
      undefined,
      'cancelled',
      /^web: cancelled: the rollout was cancelled$/,
    ],
  ])('%s', (_what, r, jobCancelled, restore, outcome, words) => {
    const verdict = serviceVerdict(r, 'api', jobCancelled, restore);
    expect(verdict.outcome).toBe(outcome);
    expect(verdict.words).toMatch(words);
    if (outcome === 'succeeded') expect(verdict.failureReason).toBeUndefined();
    else expect(verdict.failureReason).toBeDefined();
  });
});

describe('overallOutcome', () => {
  it.each<[string[], boolean, string]>([
    [['succeeded', 'succeeded'], false, 'succeeded'],
    [['succeeded', 'rolled-back'], false, 'rolled-back'],
    [['rolled-back', 'rolled-back'], false, 'rolled-back'],
    [['rolled-back', 'failed'], false, 'failed'],
    [['cancelled', 'rolled-back'], true, 'cancelled'],
    [['cancelled', 'failed'], true, 'failed'],
  ])('%j (job cancelled %s) -> %s', (outcomes, cancelled, expected) => {
    expect(overallOutcome(outcomes as Parameters<typeof overallOutcome>[0], cancelled)).toBe(expected);
  });
});

describe('the post step over several services', () => {
  const state = (service: string, extra: Partial<RolloutState>): RolloutState => ({
    phase: 'finished',
    cluster: 'prod',
    service,
    previousTaskDefinitionArn: ARN(`${service}:1`),
    newTaskDefinitionArn: ARN(`${service}:2`),
    originalSettings: { maximumPercent: 200, minimumHealthyPercent: 100 },
    startedAt: 1,
    updatedAt: 2,
    ...extra,
  });

  it('rollback-all: a service main finished on its new revision goes back when another was left mid-rollout', () => {
    const states = [state('web', { outcome: 'succeeded' }), state('api', { phase: 'rolling-out' })];
    expect(manyStatesToFinish(states, 'rollback-all').map((s) => s.phase)).toEqual([
      'rolling-back',
      'rolling-out',
    ]);
    expect(manyStatesToFinish(states, 'continue').map((s) => s.phase)).toEqual(['finished', 'rolling-out']);
  });

  it('rollback-all: after a cancel main saw through (api cancelled and rolled back), web still goes back', () => {
    const states = [state('web', { outcome: 'succeeded' }), state('api', { outcome: 'cancelled' })];
    expect(manyStatesToFinish(states, 'rollback-all')[0]?.phase).toBe('rolling-back');
  });

  it('leaves alone what main finished itself: all succeeded, or a failure main already put right', () => {
    const done = [state('web', { outcome: 'succeeded' }), state('api', { outcome: 'succeeded' })];
    expect(manyStatesToFinish(done, 'rollback-all')).toEqual(done);
    const putRight = [state('web', { outcome: 'rolled-back' }), state('api', { outcome: 'rolled-back' })];
    expect(manyStatesToFinish(putRight, 'rollback-all')).toEqual(putRight);
    // rollback-on-failure false: main left api failed and web on its new revision on purpose.
    const left = [state('web', { outcome: 'succeeded' }), state('api', { outcome: 'failed' })];
    expect(manyStatesToFinish(left, 'rollback-all')).toEqual(left);
  });

  it('parses the saved array, skipping entries main never began', () => {
    const web = state('web', {});
    expect(parseManyStates(JSON.stringify([web, null]))).toEqual([web]);
    expect(parseManyStates('')).toBeUndefined();
    expect(parseManyStates('{"phase":"finished"}')).toBeUndefined();
  });
});
