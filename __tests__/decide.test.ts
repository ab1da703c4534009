import { describe, it, expect } from '@jest/globals';
import { decide, type DecideContext } from '../src/rollout/decide.js';
import { EMPTY_LEDGER, trackDrains, type DrainLedger } from '../src/rollout/drains.js';
import { planBatches } from '../src/rollout/plan.js';
import type { BatchPlan, HttpCheckStreak } from '../src/rollout/types.js';
import { fresh, NEW, old, snapshot, T0, TG1, TG2, type SnapshotSpec } from './helpers/fake-service.js';
import { START, type Position } from '../src/rollout/progress.js';

const plan = (n: number, b: number, u = 0): BatchPlan =>
  planBatches({
    desired: n,
    batchSize: { kind: 'count', value: b },
    maxUnavailable: { kind: 'count', value: u },
  });

const at = (batch: number, stage: Position['stage'], extra: Partial<Position> = {}): Position => ({
  batch,
  stage,
  releasedAt: T0 + 1_000,
  ...extra,
});

const ctx = (over: Partial<DecideContext> & { plan: BatchPlan }): DecideContext => ({
  newTaskDefinitionArn: NEW,
  position: at(1, 'held', { launchedAt: T0 + 2_000 }),
  rolloutStartedAt: T0,
  batchTimeoutMs: 600_000,
  rolloutTimeoutMs: 3_600_000,
  bakeMs: 0,
  overlap: true,
  drains: EMPTY_LEDGER,
  ...over,
});

/** Old tasks ECS is stopping: deregistered (draining) and desiredStatus STOPPED. */
const draining = (count: number, from: number): SnapshotSpec['tasks'] =>
  old(count, { lastStatus: 'DEACTIVATING', desiredStatus: 'STOPPED', target: 'draining' }, from);
/** Old tasks that are gone: STOPPED, their targets deregistered. */
const stopped = (count: number, from: number): SnapshotSpec['tasks'] =>
  old(
    count,
    { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', target: undefined, stoppedAt: T0 + 30_000 },
    from,
  );

/** A drain ledger that has seen these snapshots, batch sizes released so far as given. */
function ledger(released: number[], ...snaps: SnapshotSpec[]): DrainLedger {
  let l = EMPTY_LEDGER;
  for (const spec of snaps)
    l = trackDrains(l, snapshot(spec), { newTaskDefinitionArn: NEW, released, since: T0 });
  return l;
}

describe('decide: one batch, released -> held -> passed (N=6, batches of 2)', () => {
  const p = plan(6, 2);

  it('before the first release: release batch 1 with its settings', () => {
    const d = decide(
      snapshot({ at: T0, tasks: old(6) }),
      ctx({ plan: p, position: { ...START, releasedAt: T0 } }),
    );
    expect(d).toMatchObject({
      kind: 'release',
      batch: 1,
      settings: { maximumPercent: 134, minimumHealthyPercent: 100 },
    });
    expect(d.progress.waitingFor).toBe('about to be released (2 new tasks)');
  });

  it('released, nothing launched yet: wait, looking again soon', () => {
    const d = decide(
      snapshot({ at: T0 + 1_100, tasks: old(6) }),
      ctx({ plan: p, position: at(1, 'released') }),
    );
    expect(d).toMatchObject({ kind: 'wait', urgent: true });
    expect(d.progress.waitingFor).toBe('batch 1/3: ECS to start 2 new tasks (0/2 launched)');
  });

  it.each([
    ['PROVISIONING', 'PROVISIONING'],
    ['PENDING', 'PENDING'],
    ['RUNNING', 'RUNNING'],
  ])('released, the batch launched (%s): hold the service', (_name, lastStatus) => {
    const s = snapshot({
      at: T0 + 1_500,
      tasks: [...old(6), ...fresh(2, { lastStatus, target: undefined })],
    });
    const d = decide(s, ctx({ plan: p, position: at(1, 'released') }));
    expect(d).toMatchObject({ kind: 'hold', settings: { maximumPercent: 100, minimumHealthyPercent: 100 } });
    expect(d.progress.newLaunched).toBe(2);
  });

  it('released, one of two launched: not held yet', () => {
    const s = snapshot({
      at: T0 + 1_500,
      tasks: [...old(6), ...fresh(1, { lastStatus: 'PENDING', target: undefined })],
    });
    expect(decide(s, ctx({ plan: p, position: at(1, 'released') }))).toMatchObject({
      kind: 'wait',
      progress: { waitingFor: 'batch 1/3: ECS to start 2 new tasks (1/2 launched)' },
    });
  });

  it.each<[string, SnapshotSpec['tasks'], string]>([
    ['targets initial', [...old(6), ...fresh(2, { target: 'initial' })], 'batch 1/3: 0/2 new tasks healthy'],
    [
      'one healthy',
      [...old(6), ...fresh(1), ...fresh(1, { target: 'initial' }, 2)],
      'batch 1/3: 1/2 new tasks healthy',
    ],
  ])('held, %s: wait', (_name, tasks, words) => {
    const d = decide(snapshot({ at: T0 + 3_000, tasks }), ctx({ plan: p }));
    expect(d).toMatchObject({ kind: 'wait', progress: { waitingFor: words } });
  });

  it.each<[string, SnapshotSpec['tasks'], boolean]>([
    ['starting (PENDING)', [...old(6), ...fresh(2, { lastStatus: 'PENDING', target: undefined })], false],
    [
      'one RUNNING, one starting',
      [
        ...old(6),
        ...fresh(1, { target: 'initial' }),
        ...fresh(1, { lastStatus: 'PENDING', target: undefined }, 2),
      ],
      false,
    ],
    ['every new task RUNNING, targets initial', [...old(6), ...fresh(2, { target: 'initial' })], true],
    ['one healthy, one initial', [...old(6), ...fresh(1), ...fresh(1, { target: 'initial' }, 2)], true],
  ])(
    'held, %s: the verdict is due with the next health check only once every new task runs (urgent: %s)',
    (_name, tasks, urgent) => {
      const d = decide(snapshot({ at: T0 + 3_000, tasks }), ctx({ plan: p }));
      expect(d.kind).toBe('wait');
      expect(d.kind === 'wait' && d.urgent === true).toBe(urgent);
    },
  );

  it('held, every new task healthy, no bake time: the batch passes', () => {
    const d = decide(snapshot({ at: T0 + 5_000, tasks: [...old(6), ...fresh(2)] }), ctx({ plan: p }));
    expect(d.kind).toBe('pass');
  });

  it('healthy in every target group of the service, not just one', () => {
    const s = snapshot({
      at: T0 + 5_000,
      groups: [TG1, TG2],
      tasks: [...old(6), ...fresh(2, { target: { [TG1]: 'healthy', [TG2]: 'initial' } })],
    });
    expect(decide(s, ctx({ plan: p })).kind).toBe('wait');
  });

  it('a new task being stopped by ECS is not healthy (and fails the rollout)', () => {
    const s = snapshot({
      at: T0 + 5_000,
      tasks: [
        ...old(6),
        ...fresh(1),
        ...fresh(1, { desiredStatus: 'STOPPED', stoppedReason: 'Scaling activity' }, 2),
      ],
    });
    expect(decide(s, ctx({ plan: p })).kind).toBe('fail');
  });
});

describe('decide: bake time', () => {
  const p = plan(6, 2);
  const bakeMs = 30_000;

  it('held and healthy with a bake time: the batch turns healthy (the bake starts), not passed', () => {
    const d = decide(snapshot({ at: T0 + 5_000, tasks: [...old(6), ...fresh(2)] }), ctx({ plan: p, bakeMs }));
    expect(d.kind).toBe('healthy');
  });

  it('baking: wait until the bake time is over, waking then', () => {
    const position = at(1, 'healthy', { launchedAt: T0 + 2_000, healthyAt: T0 + 5_000 });
    const d = decide(
      snapshot({ at: T0 + 20_000, tasks: [...old(4), ...draining(2, 5), ...fresh(2)] }),
      ctx({ plan: p, bakeMs, position }),
    );
    expect(d).toMatchObject({ kind: 'wait', wakeAt: T0 + 35_000 });
    expect(d.progress.waitingFor).toBe(
      'batch 1/3: all 2 new tasks healthy; baking 30s (15s left), 2 old tasks draining',
    );
  });

  it('baked with every gate still passing: the batch passes', () => {
    const position = at(1, 'healthy', { launchedAt: T0 + 2_000, healthyAt: T0 + 5_000 });
    expect(
      decide(
        snapshot({ at: T0 + 35_000, tasks: [...old(6), ...fresh(2)] }),
        ctx({ plan: p, bakeMs, position }),
      ).kind,
    ).toBe('pass');
  });

  it('a target that turns unhealthy during the bake time fails the rollout, saying so', () => {
    const position = at(1, 'healthy', { launchedAt: T0 + 2_000, healthyAt: T0 + 5_000 });
    const s = snapshot({
      at: T0 + 20_000,
      tasks: [...old(6), ...fresh(1), ...fresh(1, { target: 'unhealthy' }, 2)],
      targetReason: {
        reason: 'Target.ResponseCodeMismatch',
        description: 'Health checks failed with these codes: [500]',
      },
    });
    const d = decide(s, ctx({ plan: p, bakeMs, position }));
    expect(d).toMatchObject({ kind: 'fail', failure: { kind: 'target-unhealthy', batch: 1 } });
    if (d.kind === 'fail') expect(d.failure.message).toContain('during the bake time');
  });

  it('a new task that stops being healthy any other way during the bake time fails the batch', () => {
    const position = at(1, 'healthy', { launchedAt: T0 + 2_000, healthyAt: T0 + 5_000 });
    const s = snapshot({
      at: T0 + 20_000,
      tasks: [...old(6), ...fresh(1), ...fresh(1, { target: 'unavailable' }, 2)],
    });
    expect(decide(s, ctx({ plan: p, bakeMs, position }))).toMatchObject({
      kind: 'fail',
      failure: { kind: 'bake', batch: 1 },
    });
  });

  it('an HTTP check that fails once during the bake time holds the verdict; at its threshold it fails', () => {
    const position = at(1, 'healthy', { launchedAt: T0 + 2_000, healthyAt: T0 + 5_000 });
    const s = snapshot({ at: T0 + 40_000, tasks: [...old(6), ...fresh(2)] });
    const failing = (n: number): HttpCheckStreak[] => [
      {
        url: 'http://lb/health',
        shown: 'http://lb/health',
        consecutiveFailures: n,
        passed: false,
        checkedAt: T0 + 39_000,
        last: 'status 503',
      },
    ];
    expect(
      decide(s, ctx({ plan: p, bakeMs, position, httpChecks: { streaks: failing(1), threshold: 3 } })).kind,
    ).toBe('wait');
    expect(
      decide(s, ctx({ plan: p, bakeMs, position, httpChecks: { streaks: failing(3), threshold: 3 } })),
    ).toMatchObject({
      kind: 'fail',
      failure: { kind: 'http-check' },
    });
  });
});

describe('decide: between batches (overlap, drains)', () => {
  const p = plan(6, 2);

  it('batch 1 passed, its old tasks draining, overlap on: release batch 2 at once', () => {
    const spec = { at: T0 + 6_000, tasks: [...old(4), ...draining(2, 5), ...fresh(2)] };
    const d = decide(snapshot(spec), ctx({ plan: p, position: at(1, 'passed'), drains: ledger([2], spec) }));
    expect(d).toMatchObject({ kind: 'release', batch: 2, settings: p.releases[1] });
  });

  it('the same with overlap off: wait until they are drained and stopped, then release', () => {
    const draining1 = { at: T0 + 6_000, tasks: [...old(4), ...draining(2, 5), ...fresh(2)] };
    const waiting = decide(
      snapshot(draining1),
      ctx({ plan: p, overlap: false, position: at(1, 'passed'), drains: ledger([2], draining1) }),
    );
    expect(waiting).toMatchObject({
      kind: 'wait',
      progress: { waitingFor: 'batch 1/3 passed; 2 old tasks to drain before batch 2' },
    });
    const gone = { at: T0 + 20_000, tasks: [...old(4), ...stopped(2, 5), ...fresh(2)] };
    const d = decide(
      snapshot(gone),
      ctx({ plan: p, overlap: false, position: at(1, 'passed'), drains: ledger([2], draining1, gone) }),
    );
    expect(d).toMatchObject({ kind: 'release', batch: 2 });
  });

  it('overlap off: a target of a task already gone keeps the next batch waiting until it leaves its group', () => {
    const spec = {
      at: T0 + 20_000,
      tasks: [...old(4), ...stopped(2, 5), ...fresh(2)],
      extraTargets: [{ targetGroupArn: TG1, id: '10.9.9.9', port: 8080, state: 'draining' }],
    };
    expect(
      decide(
        snapshot(spec),
        ctx({ plan: p, overlap: false, position: at(1, 'passed'), drains: ledger([2], spec) }),
      ).kind,
    ).toBe('wait');
  });

  it('the last batch passed: complete only when no old task is left, no target lingers, and the PRIMARY deployment is ours', () => {
    const position = at(3, 'passed');
    const drainingSpec = { at: T0 + 30_000, tasks: [...draining(2, 5), ...stopped(4, 1), ...fresh(6)] };
    expect(
      decide(snapshot(drainingSpec), ctx({ plan: p, position, drains: ledger([2, 2, 2], drainingSpec) })),
    ).toMatchObject({
      kind: 'wait',
      progress: { waitingFor: 'batch 3/3 passed; waiting for the last 2 old tasks to drain and stop' },
    });
    const doneSpec = { at: T0 + 45_000, tasks: [...stopped(6, 1), ...fresh(6)] };
    const drains = ledger([2, 2, 2], drainingSpec, doneSpec);
    expect(decide(snapshot(doneSpec), ctx({ plan: p, position, drains })).kind).toBe('complete');
    const notOurs = snapshot({
      ...doneSpec,
      deployments: [
        {
          id: 'ecs-svc/other',
          status: 'PRIMARY',
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:9',
        },
      ],
    });
    expect(decide(notOurs, ctx({ plan: p, position, drains })).kind).not.toBe('complete');
  });

  it('a short last batch is released with its own settings (N=5, batches of 2)', () => {
    const p5 = plan(5, 2);
    const spec = { at: T0 + 9_000, tasks: [...old(1), ...fresh(4)] };
    expect(decide(snapshot(spec), ctx({ plan: p5, position: at(2, 'passed') }))).toMatchObject({
      kind: 'release',
      batch: 3,
      settings: { maximumPercent: 120, minimumHealthyPercent: 100 },
    });
  });

  it('N = 0: nothing to replace, complete once the new deployment is PRIMARY', () => {
    const p0 = plan(0, 1);
    expect(
      decide(snapshot({ at: T0, tasks: [] }), ctx({ plan: p0, position: { ...START, releasedAt: T0 } })).kind,
    ).toBe('complete');
  });
});

describe('decide: progress counts tasks, not targets summed over groups', () => {
  it('two target groups, two draining old tasks: 2 draining, not 4', () => {
    const s = snapshot({
      at: T0 + 5_000,
      groups: [TG1, TG2],
      tasks: [...old(4), ...draining(2, 5), ...fresh(2, { target: 'initial' })],
    });
    const d = decide(s, ctx({ plan: plan(6, 2) }));
    expect(d.progress).toMatchObject({
      newWanted: 2,
      newLaunched: 2,
      newRunning: 2,
      newHealthy: 0,
      oldRemaining: 4,
      oldDraining: 2,
    });
    expect(d.progress.waitingFor).toBe('batch 1/3: 0/2 new tasks healthy, 2 old tasks draining');
  });
});

describe('decide: HTTP checks', () => {
  const p = plan(6, 2);
  const healthy = snapshot({ at: T0 + 5_000, tasks: [...old(6), ...fresh(2)] });
  const streak = (over: Partial<HttpCheckStreak>): HttpCheckStreak[] => [
    { url: 'http://lb/health', shown: 'http://lb/health', consecutiveFailures: 0, ...over },
  ];

  it('targets healthy but no check passed since the launch: wait for it', () => {
    const d = decide(
      healthy,
      ctx({
        plan: p,
        httpChecks: { streaks: streak({ passed: true, checkedAt: T0 + 1_500 }), threshold: 3 },
      }),
    );
    expect(d).toMatchObject({
      kind: 'wait',
      progress: { waitingFor: 'batch 1/3: 2/2 new tasks healthy, the health-check-url checks to pass' },
    });
  });

  it('a check that passed after the launch: the batch passes', () => {
    expect(
      decide(
        healthy,
        ctx({
          plan: p,
          httpChecks: { streaks: streak({ passed: true, checkedAt: T0 + 4_000 }), threshold: 3 },
        }),
      ).kind,
    ).toBe('pass');
  });

  it('checks judge a batch only once it is launched: failures while released do not fail it', () => {
    const s = snapshot({ at: T0 + 1_500, tasks: old(6) });
    const failing = streak({
      consecutiveFailures: 5,
      passed: false,
      checkedAt: T0 + 1_400,
      last: 'status 500',
    });
    expect(
      decide(s, ctx({ plan: p, position: at(1, 'released'), httpChecks: { streaks: failing, threshold: 3 } }))
        .kind,
    ).toBe('wait');
    expect(decide(healthy, ctx({ plan: p, httpChecks: { streaks: failing, threshold: 3 } }))).toMatchObject({
      kind: 'fail',
      failure: { kind: 'http-check' },
    });
  });
});

describe('decide: failures', () => {
  const p = plan(6, 2);

  it('a batch that does not pass within batch-timeout of its release, naming what it waited for', () => {
    const s = snapshot({ at: T0 + 1_000 + 600_000, tasks: [...old(6), ...fresh(2, { target: 'initial' })] });
    const d = decide(s, ctx({ plan: p }));
    expect(d).toMatchObject({ kind: 'fail', failure: { kind: 'batch-timeout', batch: 1 } });
    if (d.kind === 'fail')
      expect(d.failure.message).toBe(
        'batch 1/3 timed out after 10m, waiting for batch 1/3: 0/2 new tasks healthy',
      );
  });

  it('a passed batch has no batch timeout; the rollout timeout counts from the rollout start', () => {
    const s = snapshot({ at: T0 + 700_000, tasks: [...old(4), ...draining(2, 5), ...fresh(2)] });
    expect(decide(s, ctx({ plan: p, overlap: false, position: at(1, 'passed') })).kind).toBe('wait');
    const late = snapshot({ at: T0 + 3_600_000, tasks: [...old(6), ...fresh(2, { target: 'initial' })] });
    expect(decide(late, ctx({ plan: p }))).toMatchObject({
      kind: 'fail',
      failure: { kind: 'rollout-timeout' },
    });
  });

  it('old tasks that do not drain and stop within batch-timeout fail the rollout', () => {
    const spec = { at: T0 + 6_000, tasks: [...old(4), ...draining(2, 5), ...fresh(2)] };
    const drains = ledger([2], spec);
    const s = snapshot({ ...spec, at: T0 + 6_000 + 600_000 });
    const d = decide(s, ctx({ plan: p, overlap: false, position: at(1, 'passed'), drains }));
    expect(d).toMatchObject({ kind: 'fail', failure: { kind: 'batch-timeout' } });
    if (d.kind === 'fail')
      expect(d.failure.message).toMatch(/^2 old tasks did not drain and stop within batch-timeout \(10m\)/);
  });

  it('a real cause beats a timeout', () => {
    const s = snapshot({
      at: T0 + 1_000 + 600_000,
      tasks: [...old(6), ...fresh(1, { target: 'unhealthy' })],
      targetReason: { reason: 'Target.Timeout', description: 'Request timed out' },
    });
    expect(decide(s, ctx({ plan: p }))).toMatchObject({
      kind: 'fail',
      failure: { kind: 'target-unhealthy' },
    });
  });

  it("ECS's circuit breaker failed our deployment", () => {
    const s = snapshot({
      at: T0 + 9_000,
      tasks: [...old(6)],
      deployments: [
        {
          id: 'ecs-svc/old',
          status: 'PRIMARY',
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1',
          rolloutState: 'IN_PROGRESS',
        },
        {
          id: 'ecs-svc/new',
          status: 'ACTIVE',
          taskDefinitionArn: NEW,
          rolloutState: 'FAILED',
          rolloutStateReason: 'tasks failed to start',
        },
      ],
    });
    expect(decide(s, ctx({ plan: p, deploymentId: 'ecs-svc/new' }))).toMatchObject({
      kind: 'fail',
      failure: { kind: 'ecs-rollback' },
    });
  });

  it('another deployment superseded ours', () => {
    const s = snapshot({
      at: T0 + 9_000,
      tasks: [...old(6)],
      deployments: [
        {
          id: 'ecs-svc/theirs',
          status: 'PRIMARY',
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:7',
        },
        { id: 'ecs-svc/new', status: 'ACTIVE', taskDefinitionArn: NEW, rolloutState: 'IN_PROGRESS' },
      ],
    });
    expect(decide(s, ctx({ plan: p, deploymentId: 'ecs-svc/new' }))).toMatchObject({
      kind: 'fail',
      failure: { kind: 'superseded' },
    });
  });
});
