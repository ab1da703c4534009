// A service without a load balancer (a queue worker), and container health checks: which containers
// carry one, when a task counts healthy, how the batch, the restore and the platform read them.
import { describe, it, expect } from '@jest/globals';
import type { Task } from '@aws-sdk/client-ecs';
import { healthCheckedContainers, healthCheckedNames } from '../src/container-checks.js';
import { workerGateWarning } from '../src/modes/deploy-words.js';
import { estimateDuration } from '../src/estimate.js';
import { toTaskView } from '../src/platform/shapes.js';
import { decide, type DecideContext } from '../src/rollout/decide.js';
import { EMPTY_LEDGER } from '../src/rollout/drains.js';
import { planBatches } from '../src/rollout/plan.js';
import { restoreStatus } from '../src/rollout/restore.js';
import { containersHealthy, indexOf } from '../src/rollout/snapshot-index.js';
import { fresh, NEW, old, OLD, snapshot, T0, type TaskSpec } from './helpers/fake-service.js';
import type { TaskView } from '../src/rollout/snapshot.js';

const container = (name: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  image: `${name}:1`,
  ...over,
});
const check = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
  ...over,
});

describe('healthCheckedContainers: the containers that decide the task healthStatus', () => {
  it.each([
    ['none has a check', [container('app')], []],
    [
      'the essential one with a check',
      [container('app', { healthCheck: check() }), container('log')],
      ['app'],
    ],
    [
      'essential ones decide; a nonessential check is left out',
      [
        container('app', { healthCheck: check() }),
        container('log', { essential: false, healthCheck: check() }),
      ],
      ['app'],
    ],
    [
      'nonessential checks count only when no essential container has one',
      [container('app'), container('log', { essential: false, healthCheck: check() })],
      ['log'],
    ],
    ['an empty command is no check', [container('app', { healthCheck: { command: [] } })], []],
  ])('%s', (_name, containerDefinitions, names) => {
    expect(healthCheckedNames({ containerDefinitions })).toEqual(names);
  });

  it('fills in ECS defaults: interval 30 s, retries 3, start period 0', () => {
    expect(
      healthCheckedContainers({ containerDefinitions: [container('app', { healthCheck: check() })] }),
    ).toEqual([{ name: 'app', essential: true, intervalSeconds: 30, retries: 3, startPeriodSeconds: 0 }]);
    expect(
      healthCheckedContainers({
        containerDefinitions: [
          container('app', { healthCheck: check({ interval: 5, retries: 1, startPeriod: 10 }) }),
        ],
      })[0],
    ).toMatchObject({ intervalSeconds: 5, retries: 1, startPeriodSeconds: 10 });
  });
});

describe('containersHealthy and index.healthy: RUNNING, target groups, and container health', () => {
  const task = (over: Partial<TaskView>): TaskView => ({
    arn: 'arn:aws:ecs:us-east-1:000000000000:task/prod/n1',
    id: 'n1',
    taskDefinitionArn: NEW,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    containers: [{ name: 'app' }],
    ...over,
  });
  it.each([
    ['no checks: nothing to wait for', undefined, {}, true],
    ['no checks (empty list)', [], { healthStatus: 'UNKNOWN' }, true],
    [
      'UNKNOWN: still being evaluated',
      ['app'],
      { healthStatus: 'UNKNOWN', containers: [{ name: 'app', healthStatus: 'UNKNOWN' }] },
      false,
    ],
    [
      'HEALTHY, task and container',
      ['app'],
      { healthStatus: 'HEALTHY', containers: [{ name: 'app', healthStatus: 'HEALTHY' }] },
      true,
    ],
    [
      'container HEALTHY, task not (another essential container)',
      ['app'],
      { healthStatus: 'UNKNOWN', containers: [{ name: 'app', healthStatus: 'HEALTHY' }] },
      false,
    ],
    [
      'a checked container missing from the task',
      ['app', 'side'],
      { healthStatus: 'HEALTHY', containers: [{ name: 'app', healthStatus: 'HEALTHY' }] },
      false,
    ],
    [
      'UNHEALTHY',
      ['app'],
      { healthStatus: 'UNHEALTHY', containers: [{ name: 'app', healthStatus: 'UNHEALTHY' }] },
      false,
    ],
  ] as [string, string[] | undefined, Partial<TaskView>, boolean][])(
    '%s',
    (_name, checked, over, healthy) => {
      expect(containersHealthy(task(over), checked)).toBe(healthy);
    },
  );

  it('a worker (no target group) is healthy when RUNNING and its checked containers are HEALTHY', () => {
    const s = snapshot({
      groups: [],
      tasks: [
        ...fresh(1, {
          target: undefined,
          healthStatus: 'HEALTHY',
          containers: [{ name: 'app', healthStatus: 'HEALTHY' }],
        }),
        ...fresh(
          1,
          {
            target: undefined,
            healthStatus: 'UNKNOWN',
            containers: [{ name: 'app', healthStatus: 'UNKNOWN' }],
          },
          2,
        ),
        ...fresh(1, { target: undefined, lastStatus: 'PENDING' }, 3),
      ],
    });
    const index = indexOf(s);
    expect(s.tasks.map((t) => index.healthy(t, ['app']))).toEqual([true, false, false]);
    expect(s.tasks.map((t) => index.healthy(t))).toEqual([true, true, false]);
  });
});

describe('decide for a worker: the batch waits for container health, and fails on UNHEALTHY', () => {
  const plan = planBatches({
    desired: 2,
    batchSize: { kind: 'count', value: 1 },
    maxUnavailable: { kind: 'count', value: 0 },
  });
  const ctx: DecideContext = {
    plan,
    newTaskDefinitionArn: NEW,
    position: { batch: 1, stage: 'held', releasedAt: T0 + 1_000, launchedAt: T0 + 2_000 },
    rolloutStartedAt: T0,
    batchTimeoutMs: 600_000,
    rolloutTimeoutMs: 3_600_000,
    bakeMs: 0,
    overlap: true,
    drains: EMPTY_LEDGER,
    containerChecks: ['app'],
  };
  const worker = (health: string): TaskSpec[] => [
    ...old(1, { target: undefined }),
    ...fresh(1, {
      target: undefined,
      healthStatus: health,
      containers: [{ name: 'app', healthStatus: health }],
    }),
  ];
  it.each([
    ['UNKNOWN: waits', 'UNKNOWN', 'wait'],
    ['HEALTHY: passes', 'HEALTHY', 'pass'],
    ['UNHEALTHY: fails naming the container', 'UNHEALTHY', 'fail'],
  ])('%s', (_name, health, kind) => {
    const d = decide(snapshot({ groups: [], desired: 2, tasks: worker(health) }), ctx);
    expect(d.kind).toBe(kind);
    if (d.kind === 'fail') expect(d.failure.message).toContain('container app of task n1 is UNHEALTHY');
  });

  it('without container checks, RUNNING is the gate', () => {
    const { containerChecks: _omit, ...noChecks } = ctx;
    const d = decide(snapshot({ groups: [], desired: 2, tasks: worker('UNKNOWN') }), noChecks);
    expect(d.kind).toBe('pass');
  });

  it('an essential container that exits fails the batch naming its exit code', () => {
    const d = decide(
      snapshot({
        groups: [],
        desired: 2,
        tasks: [
          ...old(1, { target: undefined }),
          ...fresh(1, {
            target: undefined,
            lastStatus: 'STOPPED',
            desiredStatus: 'STOPPED',
            stoppedAt: T0 + 5_000,
            stoppedReason: 'Essential container in task exited',
            containers: [{ name: 'app', exitCode: 3, reason: 'Essential container exited' }],
          }),
        ],
      }),
      ctx,
    );
    expect(d).toMatchObject({ kind: 'fail', failure: { kind: 'task-stopped' } });
    if (d.kind === 'fail')
      expect(d.failure.message).toBe(
        'batch 1/2: task n1 stopped: Essential container in task exited (app exit 3 Essential container exited)',
      );
  });
});

describe('restoreStatus for a worker: RUNNING plus the previous revision’s container health', () => {
  const back = (health: string): ReturnType<typeof snapshot> =>
    snapshot({
      groups: [],
      desired: 2,
      deployments: [{ id: 'ecs-svc/old', status: 'PRIMARY', taskDefinitionArn: OLD }],
      tasks: old(2, {
        target: undefined,
        healthStatus: health,
        containers: [{ name: 'app', healthStatus: health }],
      }),
    });
  it('waits while the previous revision’s containers are UNKNOWN, settles once HEALTHY', () => {
    expect(restoreStatus(back('UNKNOWN'), OLD, ['app'])).toMatchObject({ settled: false, healthy: 0 });
    expect(restoreStatus(back('HEALTHY'), OLD, ['app'])).toMatchObject({ settled: true, healthy: 2 });
    expect(restoreStatus(back('UNKNOWN'), OLD)).toMatchObject({ settled: true });
  });
});

describe('toTaskView maps ECS healthStatus of the task and its containers', () => {
  it('keeps both when ECS reports them, and leaves them out when it does not', () => {
    const task: Task = {
      taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/prod/abc',
      taskDefinitionArn: NEW,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNHEALTHY',
      containers: [
        { name: 'app', healthStatus: 'UNHEALTHY', lastStatus: 'RUNNING' },
        { name: 'log', lastStatus: 'RUNNING' },
      ],
    };
    const view = toTaskView(task);
    expect(view.healthStatus).toBe('UNHEALTHY');
    expect(view.containers).toEqual([
      { name: 'app', healthStatus: 'UNHEALTHY', lastStatus: 'RUNNING' },
      { name: 'log', lastStatus: 'RUNNING' },
    ]);
    expect('healthStatus' in toTaskView({ ...task, healthStatus: undefined })).toBe(false);
  });
});

describe('workerGateWarning: RUNNING plus the bake time is the only gate', () => {
  const settings = { bakeTimeMs: 30_000, healthCheckUrls: [] };
  it('warns for a worker without container health checks, suggesting one', () => {
    const w = workerGateWarning(0, [], settings);
    expect(w).toContain('no load balancer and the task definition has no container healthCheck');
    expect(w).toContain('bake-time (30s)');
    expect(w).toContain('Add a healthCheck to the essential container');
  });
  it('says nothing with a target group or a container health check', () => {
    expect(workerGateWarning(1, [], settings)).toBeUndefined();
    expect(workerGateWarning(0, ['app'], settings)).toBeUndefined();
  });
});

describe('estimate for a worker: a container health check takes about one interval', () => {
  it('counts the slowest container check as the health time', () => {
    const e = estimateDuration({
      batches: [1, 1],
      targetGroups: [],
      taskStartSeconds: 10,
      containerChecks: [{ name: 'app', intervalSeconds: 15 }],
    });
    expect(e.perBatch.healthSeconds).toBe(15);
    expect(e.assumptions.join('\n')).toContain(
      'container app: its first health check runs 15 s after it starts',
    );
  });
});
