import { describe, it, expect } from '@jest/globals';
import { decide, type DecideContext } from '../src/rollout/decide.js';
import { planBatches } from '../src/rollout/plan.js';
import type { BatchPlan } from '../src/rollout/types.js';
import { fresh, NEW, old, OLD, snapshot, T0, TG1, TG2, type SnapshotSpec } from './helpers/fake-service.js';

const plan = (n: number, b: number): BatchPlan =>
  planBatches({
    desired: n,
    batchSize: { kind: 'count', value: b },
    maxUnavailable: { kind: 'count', value: 0 },
  });

const ctx = (over: Partial<DecideContext> & { plan: BatchPlan }): DecideContext => ({
  newTaskDefinitionArn: NEW,
  previousTaskDefinitionArn: OLD,
  batch: 1,
  batchStartedAt: T0,
  rolloutStartedAt: T0,
  batchTimeoutMs: 600_000,
  rolloutTimeoutMs: 3_600_000,
  ...over,
});

/** Old tasks ECS is stopping: deregistered (draining) but still RUNNING, as ECS shows them. */
const draining = (count: number, from: number): SnapshotSpec['tasks'] =>
  old(count, { desiredStatus: 'STOPPED', target: 'draining' }, from);
/** Old tasks that are gone: STOPPED, their targets deregistered. */
const stopped = (count: number, from: number): SnapshotSpec['tasks'] =>
  old(
    count,
    { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', target: undefined, stoppedAt: T0 + 30_000 },
    from,
  );

describe('decide: N=6, batches of 2', () => {
  const p = plan(6, 2);

  it.each<[string, SnapshotSpec['tasks'], string, string]>([
    [
      'fresh start: nothing launched yet',
      old(6),
      'wait',
      'batch 1/3: 0/2 new targets healthy, 2 new tasks to start, 2 old tasks to stop',
    ],
    [
      'new tasks PENDING',
      [...old(6), ...fresh(2, { lastStatus: 'PENDING', target: undefined })],
      'wait',
      'batch 1/3: 0/2 new targets healthy, 2 new tasks to start, 2 old tasks to stop',
    ],
    [
      'new tasks RUNNING, targets initial',
      [...old(6), ...fresh(2, { target: 'initial' })],
      'wait',
      'batch 1/3: 0/2 new targets healthy, 2 old tasks to stop',
    ],
    [
      'one new target healthy',
      [...old(6), ...fresh(1), ...fresh(1, { target: 'initial' }, 2)],
      'wait',
      'batch 1/3: 1/2 new targets healthy, 2 old tasks to stop',
    ],
    [
      'new healthy, old not yet stopping',
      [...old(6), ...fresh(2)],
      'wait',
      'batch 1/3: 2/2 new targets healthy, 2 old tasks to stop',
    ],
    [
      'old targets draining',
      [...old(4), ...draining(2, 5), ...fresh(2)],
      'wait',
      'batch 1/3: 2/2 new targets healthy, 2 old targets draining',
    ],
    [
      'drained, old tasks STOPPING',
      [
        ...old(4),
        ...old(2, { lastStatus: 'STOPPING', desiredStatus: 'STOPPED', target: undefined }, 5),
        ...fresh(2),
      ],
      'wait',
      'batch 1/3: 2/2 new targets healthy, 2 old tasks to stop',
    ],
    [
      'old tasks STOPPED: batch done',
      [...old(4), ...stopped(2, 5), ...fresh(2)],
      'batch-complete',
      'batch 1/3: 2/2 new targets healthy',
    ],
    [
      'ECS ran ahead: more new tasks than this batch counts',
      [...old(2), ...stopped(4, 3), ...fresh(4)],
      'batch-complete',
      'batch 1/3: 2/2 new targets healthy',
    ],
  ])('%s -> %s', (_name, tasks, kind, words) => {
    const d = decide(snapshot({ desired: 6, tasks }), ctx({ plan: p }));
    expect(d.kind).toBe(kind);
    expect(d.progress.waitingFor).toBe(words);
  });

  it('counts progress: running, healthy, old remaining and draining', () => {
    const d = decide(
      snapshot({
        desired: 6,
        tasks: [
          ...old(2),
          ...draining(2, 3),
          ...stopped(2, 5),
          ...fresh(3),
          ...fresh(1, { target: 'initial' }, 4),
        ],
      }),
      ctx({ plan: p, batch: 2 }),
    );
    expect(d.progress).toMatchObject({
      batch: 2,
      batches: 3,
      newWanted: 4,
      newRunning: 4,
      newHealthy: 3,
      oldRemaining: 4,
      oldDraining: 2,
    });
    expect(d.progress.waitingFor).toBe('batch 2/3: 1/2 new targets healthy, 2 old targets draining');
  });

  it('a target of a task already gone keeps the batch open until it leaves its group', () => {
    const spec: SnapshotSpec = {
      desired: 6,
      tasks: [...old(4), ...stopped(2, 5), ...fresh(2)],
      extraTargets: [{ targetGroupArn: TG1, id: '10.9.9.9', port: 8080, state: 'draining' }],
    };
    const d = decide(snapshot(spec), ctx({ plan: p }));
    expect(d.kind).toBe('wait');
    expect(d.progress.waitingFor).toBe('batch 1/3: 2/2 new targets healthy, 1 old target to leave');
    // `unused` is ELB's word for "not registered any more".
    spec.extraTargets = [{ targetGroupArn: TG1, id: '10.9.9.9', port: 8080, state: 'unused' }];
    expect(decide(snapshot(spec), ctx({ plan: p })).kind).toBe('batch-complete');
  });

  it('healthy means healthy in every target group of the service', () => {
    const tasks = [
      ...old(4),
      ...stopped(2, 5),
      ...fresh(2, { target: { [TG1]: 'healthy', [TG2]: 'initial' } }),
    ];
    const d = decide(snapshot({ desired: 6, groups: [TG1, TG2], tasks }), ctx({ plan: p }));
    expect(d.kind).toBe('wait');
    expect(d.progress.newHealthy).toBe(0);
    const done = [...old(4), ...stopped(2, 5), ...fresh(2)];
    expect(decide(snapshot({ desired: 6, groups: [TG1, TG2], tasks: done }), ctx({ plan: p })).kind).toBe(
      'batch-complete',
    );
  });

  it('a new task being stopped by ECS does not count as running', () => {
    const tasks = [
      ...old(4),
      ...stopped(2, 5),
      ...fresh(1),
      ...fresh(1, { desiredStatus: 'STOPPED', stoppedReason: 'Scaling activity' }, 2),
    ];
    const d = decide(snapshot({ desired: 6, tasks }), ctx({ plan: p, rolloutStartedAt: T0 + 10 ** 9 }));
    // The stopped-task gate fires (a new task stopping is a failure) ...
    expect(d.kind).toBe('fail');
    expect(d.progress.newRunning).toBe(1);
  });

  it('the last batch completes the rollout only when no old task is left and the PRIMARY deployment is ours', () => {
    const last = ctx({ plan: p, batch: 3 });
    expect(decide(snapshot({ desired: 6, tasks: [...stopped(6, 1), ...fresh(6)] }), last).kind).toBe(
      'rollout-complete',
    );
    const oldLeft = decide(
      snapshot({ desired: 6, tasks: [...draining(1, 1), ...stopped(5, 2), ...fresh(6)] }),
      last,
    );
    expect(oldLeft.kind).toBe('wait');
    expect(oldLeft.progress.waitingFor).toBe('batch 3/3: 2/2 new targets healthy, 1 old target draining');
    const notPrimary = decide(
      snapshot({
        desired: 6,
        tasks: [...stopped(6, 1), ...fresh(6)],
        deployments: [
          { id: 'ecs-svc/old', status: 'PRIMARY', taskDefinitionArn: OLD },
          { id: 'ecs-svc/new', status: 'ACTIVE', taskDefinitionArn: NEW },
        ],
      }),
      last,
    );
    expect(notPrimary.kind).toBe('wait');
    expect(notPrimary.progress.waitingFor).toContain('ECS to make the new deployment PRIMARY');
  });
});

describe('decide: N=5, batches of 2 (a short last batch)', () => {
  const p = plan(5, 2);
  it('batch 3 wants 1 task: all 5 new and healthy completes the rollout', () => {
    const d = decide(
      snapshot({ desired: 5, tasks: [...stopped(5, 1), ...fresh(5)] }),
      ctx({ plan: p, batch: 3 }),
    );
    expect(d.kind).toBe('rollout-complete');
    expect(d.progress).toMatchObject({ batch: 3, batches: 3, newWanted: 5, newHealthy: 5 });
    expect(d.progress.waitingFor).toBe('batch 3/3: 1/1 new targets healthy');
  });
  it('batch 3 waiting for its one task', () => {
    const d = decide(
      snapshot({
        desired: 5,
        tasks: [...old(1), ...stopped(4, 2), ...fresh(4), ...fresh(1, { target: 'initial' }, 5)],
      }),
      ctx({ plan: p, batch: 3 }),
    );
    expect(d.kind).toBe('wait');
    expect(d.progress.waitingFor).toBe('batch 3/3: 0/1 new targets healthy, 1 old task to stop');
  });
});

describe('decide: N = 0', () => {
  const p = plan(0, 1);
  it('no batches: complete once the new deployment is PRIMARY with no old task', () => {
    expect(decide(snapshot({ desired: 0, tasks: [] }), ctx({ plan: p })).kind).toBe('rollout-complete');
    const d = decide(
      snapshot({
        desired: 0,
        tasks: [],
        deployments: [{ id: 'ecs-svc/old', status: 'PRIMARY', taskDefinitionArn: OLD }],
      }),
      ctx({ plan: p }),
    );
    expect(d.kind).toBe('wait');
    expect(d.progress.waitingFor).toBe('no tasks to replace: ECS to make the new deployment PRIMARY');
  });
});

describe('decide: failures', () => {
  const p = plan(6, 2);

  it('a new task stopped', () => {
    const d = decide(
      snapshot({
        desired: 6,
        tasks: [
          ...old(6),
          ...fresh(1, {
            lastStatus: 'STOPPED',
            desiredStatus: 'STOPPED',
            target: undefined,
            stoppedAt: T0 + 5_000,
            stoppedReason: 'Essential container in task exited',
            stopCode: 'EssentialContainerExited',
            containers: [{ name: 'web', exitCode: 1 }],
          }),
        ],
      }),
      ctx({ plan: p }),
    );
    expect(d).toMatchObject({
      kind: 'fail',
      failure: { kind: 'task-stopped', batch: 1, reasonCode: 'EssentialContainerExited' },
    });
    if (d.kind === 'fail')
      expect(d.failure.message).toBe(
        'batch 1/3: task n1 stopped: Essential container in task exited (web exit 1)',
      );
  });

  it('a new target unhealthy', () => {
    const d = decide(
      snapshot({
        desired: 6,
        tasks: [...old(6), ...fresh(1, { target: 'unhealthy' })],
        targetReason: {
          reason: 'Target.ResponseCodeMismatch',
          description: 'Health checks failed with these codes: [500]',
        },
      }),
      ctx({ plan: p }),
    );
    expect(d).toMatchObject({
      kind: 'fail',
      failure: { kind: 'target-unhealthy', reasonCode: 'Target.ResponseCodeMismatch' },
    });
  });

  it('an HTTP check over its threshold', () => {
    const d = decide(
      snapshot({ desired: 6, tasks: [...old(6), ...fresh(2)] }),
      ctx({
        plan: p,
        httpChecks: {
          threshold: 3,
          streaks: [{ url: 'http://x/health', consecutiveFailures: 3, last: 'status 503' }],
        },
      }),
    );
    expect(d).toMatchObject({ kind: 'fail', failure: { kind: 'http-check' } });
    const below = decide(
      snapshot({ desired: 6, tasks: [...old(6), ...fresh(2)] }),
      ctx({
        plan: p,
        httpChecks: { threshold: 3, streaks: [{ url: 'http://x/health', consecutiveFailures: 2 }] },
      }),
    );
    expect(below.kind).toBe('wait');
  });

  it('batch timeout names what it waited for', () => {
    const d = decide(
      snapshot({ at: T0 + 120_000, desired: 6, tasks: [...old(6), ...fresh(2, { target: 'initial' })] }),
      ctx({ plan: p, batchTimeoutMs: 120_000 }),
    );
    expect(d).toMatchObject({ kind: 'fail', failure: { kind: 'batch-timeout', batch: 1 } });
    if (d.kind === 'fail') {
      expect(d.failure.message).toBe(
        'batch 1/3 timed out after 2m, waiting for batch 1/3: 0/2 new targets healthy, 2 old tasks to stop',
      );
    }
    expect(
      decide(
        snapshot({ at: T0 + 119_999, desired: 6, tasks: old(6) }),
        ctx({ plan: p, batchTimeoutMs: 120_000 }),
      ).kind,
    ).toBe('wait');
  });

  it('the batch timeout counts from the batch start, the rollout timeout from the rollout start', () => {
    const s = snapshot({
      at: T0 + 500_000,
      desired: 6,
      tasks: [...old(4), ...stopped(2, 5), ...fresh(2), ...fresh(2, { target: 'initial' }, 3)],
    });
    expect(
      decide(s, ctx({ plan: p, batch: 2, batchStartedAt: T0 + 400_000, batchTimeoutMs: 120_000 })).kind,
    ).toBe('wait');
    const late = decide(
      s,
      ctx({
        plan: p,
        batch: 2,
        batchStartedAt: T0 + 400_000,
        batchTimeoutMs: 120_000,
        rolloutTimeoutMs: 500_000,
      }),
    );
    expect(late).toMatchObject({ kind: 'fail', failure: { kind: 'rollout-timeout', batch: 2 } });
  });

  it('a real cause beats a timeout; a finished batch beats its timeout', () => {
    const crashed = snapshot({
      at: T0 + 999_999,
      desired: 6,
      tasks: [
        ...old(6),
        ...fresh(1, {
          lastStatus: 'STOPPED',
          desiredStatus: 'STOPPED',
          stoppedAt: T0 + 1,
          stoppedReason: 'OOM',
        }),
      ],
    });
    expect(decide(crashed, ctx({ plan: p, batchTimeoutMs: 1_000 }))).toMatchObject({
      failure: { kind: 'task-stopped' },
    });
    const done = snapshot({
      at: T0 + 999_999,
      desired: 6,
      tasks: [...old(4), ...stopped(2, 5), ...fresh(2)],
    });
    expect(decide(done, ctx({ plan: p, batchTimeoutMs: 1_000 })).kind).toBe('batch-complete');
  });

  it("ECS's circuit breaker failed our deployment and rolled back", () => {
    const d = decide(
      snapshot({
        desired: 6,
        tasks: old(6),
        deployments: [
          { id: 'ecs-svc/back', status: 'PRIMARY', taskDefinitionArn: OLD, rolloutState: 'IN_PROGRESS' },
          {
            id: 'ecs-svc/new',
            status: 'ACTIVE',
            taskDefinitionArn: NEW,
            rolloutState: 'FAILED',
            rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
          },
        ],
      }),
      ctx({ plan: p, deploymentId: 'ecs-svc/new' }),
    );
    expect(d).toMatchObject({ kind: 'fail', failure: { kind: 'ecs-rollback' } });
  });

  it('another deployment superseded ours', () => {
    const d = decide(
      snapshot({
        desired: 6,
        tasks: old(6),
        deployments: [
          {
            id: 'ecs-svc/other',
            status: 'PRIMARY',
            taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:9',
          },
          { id: 'ecs-svc/new', status: 'ACTIVE', taskDefinitionArn: NEW, rolloutState: 'IN_PROGRESS' },
        ],
      }),
      ctx({ plan: p, deploymentId: 'ecs-svc/new' }),
    );
    expect(d).toMatchObject({ kind: 'fail', failure: { kind: 'superseded' } });
  });
});
