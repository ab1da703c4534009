// Plan mode (src/modes/plan.ts) over a read-only fake driver: what a deploy would do, said without
// doing any of it; the target it names is the one a deploy acts on (src/modes/target.ts); and the
// duration estimate (src/estimate.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  estimateDuration,
  measuredTaskStartSeconds,
  renderEstimate,
  renderEstimateGantt,
} from '../src/estimate.js';
import { runPlan, type PlanSettings } from '../src/modes/plan.js';
import type { ServiceDriver, TargetGroupFacts, TaskDefinitionRecord } from '../src/rollout/port.js';
import type { ServiceView, Snapshot } from '../src/rollout/snapshot.js';
import { resolveTarget } from '../src/modes/target.js';

const TD11 = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:11';
const TD9 = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:9';
const TD8 = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:8';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef';

const group = (
  name: string,
  healthyThreshold: number,
  intervalSeconds: number,
  deregistrationDelaySeconds: number,
): TargetGroupFacts => ({
  arn: `${TG}-${name}`,
  name,
  targetType: 'ip',
  healthCheck: {
    protocol: 'HTTP',
    port: 'traffic-port',
    path: '/health',
    intervalSeconds,
    timeoutSeconds: 5,
    healthyThreshold,
    unhealthyThreshold: 2,
    matcher: '200',
  },
  deregistrationDelaySeconds,
});

const body11 = {
  family: 'web',
  cpu: '256',
  memory: '512',
  networkMode: 'awsvpc',
  containerDefinitions: [
    {
      name: 'web',
      image: 'acme/web:1',
      portMappings: [{ containerPort: 8080 }],
      environment: [{ name: 'DB_URL', value: 'postgres://u:topsecret@db/app' }],
    },
  ],
};
const body9 = { ...body11, containerDefinitions: [{ name: 'web', image: 'acme/web:0.9' }] };

const MUTATIONS = /register|update|tag|rollBack/i;

/** A driver that answers reads and fails (and records) every call that would change something. */
function readOnlyDriver(desired = 6): { driver: ServiceDriver; calls: string[] } {
  const calls: string[] = [];
  const service: ServiceView = {
    arn: 'arn:aws:ecs:us-east-1:000000000000:service/prod/web',
    name: 'web',
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/prod',
    status: 'ACTIVE',
    desiredCount: desired,
    runningCount: desired,
    pendingCount: 0,
    taskDefinitionArn: TD11,
    settings: {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: true },
    },
    deployments: [],
    events: [],
    targetGroupArns: [TG],
    deploymentController: 'ECS',
  };
  const records: Record<string, TaskDefinitionRecord> = {
    [TD11]: {
      arn: TD11,
      family: 'web',
      revision: 11,
      status: 'ACTIVE',
      body: { ...body11, taskDefinitionArn: TD11, revision: 11, status: 'ACTIVE' },
      tags: {},
    },
    [TD9]: { arn: TD9, family: 'web', revision: 9, status: 'ACTIVE', body: body9, tags: { team: 'web' } },
    [TD8]: { arn: TD8, family: 'web', revision: 8, status: 'INACTIVE', body: body9, tags: {} },
  };
  const snapshot: Snapshot = {
    at: 0,
    service,
    tasks: [12, 20, 14].map((s, i) => ({
      arn: `task/${i}`,
      id: String(i),
      taskDefinitionArn: TD11,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      createdAt: 1_000_000,
      startedAt: 1_000_000 + s * 1000,
      containers: [],
    })),
    targets: [],
  };
  const mutation = (name: string) => async (): Promise<never> => {
    calls.push(name);
    throw new Error(`plan mode called ${name}`);
  };
  const driver: ServiceDriver = {
    cluster: 'prod',
    service: 'web',
    describeService: async () => (calls.push('describeService'), service),
    describeTargetGroups: async (arns) => (
      calls.push(`describeTargetGroups ${arns.length}`),
      [group('web-a', 3, 10, 30), group('web-b', 2, 30, 60)]
    ),
    describeTaskDefinition: async (ref) => {
      calls.push(`describeTaskDefinition ${ref}`);
      const found = records[ref] ?? Object.values(records).find((r) => ref === `web:${r.revision}`);
      if (!found) throw new Error(`Unable to describe task definition ${ref}`);
      return found;
    },
    listTaskDefinitionArns: async () => (calls.push('listTaskDefinitionArns'), [TD11, TD9]),
    registerTaskDefinition: mutation('registerTaskDefinition'),
    updateService: mutation('updateService'),
    observe: async () => (calls.push('observe'), snapshot),
    readServiceTags: async () => (calls.push('readServiceTags'), {}),
    tagService: mutation('tagService'),
    untagService: mutation('untagService'),
    findServiceDeployment: async () => (calls.push('findServiceDeployment'), undefined),
    describeServiceDeployment: async () => (calls.push('describeServiceDeployment'), undefined),
    rollBackServiceDeployment: mutation('rollBackServiceDeployment'),
  };
  return { driver, calls };
}

const settings = (over: Partial<PlanSettings> = {}): PlanSettings => ({
  mode: 'plan',
  cluster: 'prod',
  service: 'web',
  taskDefinition: { kind: 'registered', ref: 'web:9' },
  images: new Map(),
  rollbackTo: { kind: 'previous' },
  batchSize: { kind: 'count', value: 2 },
  maxUnavailable: { kind: 'count', value: 0 },
  bakeTimeMs: 0,
  drainOverlap: true,
  ...over,
});

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function fileOf(body: unknown): string {
  dir ??= mkdtempSync(join(tmpdir(), 'plan-'));
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(body));
  return path;
}

describe('runPlan', () => {
  it('makes no mutating call and describes the diff, the batches, the settings and the estimate', async () => {
    const file = fileOf({
      ...body11,
      memory: '1024',
      containerDefinitions: [
        {
          ...body11.containerDefinitions[0],
          environment: [{ name: 'DB_URL', value: 'postgres://u:rotated@db/app' }],
          stopTimeout: 10,
        },
      ],
    });
    const { driver, calls } = readOnlyDriver(6);
    const result = await runPlan({
      driver,
      settings: settings({
        taskDefinition: { kind: 'file', path: file },
        images: new Map([['web', 'acme/web:2']]),
      }),
    });

    expect(calls.filter((c) => MUTATIONS.test(c))).toEqual([]);
    expect(result.plan.batches).toEqual([2, 2, 2]);
    expect(result.plan.hold).toMatchObject({ maximumPercent: 100, minimumHealthyPercent: 100 });
    expect(result.plan.releases[0]).toMatchObject({ maximumPercent: 134, minimumHealthyPercent: 100 });
    expect(result.reusesTaskDefinitionArn).toBeUndefined();
    expect(result.currentTaskDefinitionArn).toBe(TD11);

    const md = result.markdown;
    expect(md).toContain('Nothing was changed (mode: plan)');
    expect(md).toContain(
      'A deploy registers a new revision of `web` and moves the service from `web:11` to it.',
    );
    expect(md).toContain('Image of `web`: `acme/web:1` → `acme/web:2`');
    expect(md).toContain('task memory: `512` → `1024`');
    expect(md).toContain('Environment of `web`: changed `DB_URL` (values not shown)');
    expect(md).not.toContain('topsecret');
    expect(md).not.toContain('rotated');
    expect(md).toContain('| 6 | 2 | 0 | 3 | 2, 2, 2 |');
    expect(md).toContain(
      'Between batches the service is held (maximumPercent 100, minimumHealthyPercent 100); ' +
        'each batch is released with maximumPercent 134 and minimumHealthyPercent 100; its own (200 / 100) are put back at the end.',
    );
    // A new target is healthy after one passing check (ALB); the threshold counts after being unhealthy.
    expect(md).toContain(
      '| web-a | HTTP /health every 10 s | 1 passing check (3 after being unhealthy) | 30 s |',
    );
    // Per batch: 14 s start (median of 12, 14, 20) + 30 s (web-b: one check every 30 s); the drain
    // (web-b's 60 s) and the 10 s stopTimeout paid once with drain-overlap.
    expect(result.estimate.perBatch).toEqual({
      startSeconds: 14,
      healthSeconds: 30,
      bakeSeconds: 0,
      drainSeconds: 60,
      stopSeconds: 10,
      gateSeconds: 44,
    });
    expect(result.estimate.totalSeconds).toBe(3 * 44 + 70);
    expect(md).toContain(
      'About **3m22s**: 3 batches × 44s (start 14s + health checks 30s), plus drain 1m + stop 10s once.',
    );
    expect(md).toContain('```mermaid\ngantt');
  });

  it('a schedule: shows the steps, each batch with its own release, and the estimate for its batches', async () => {
    const { driver, calls } = readOnlyDriver(6);
    const result = await runPlan({
      driver,
      settings: settings({
        batchSize: { kind: 'count', value: 1 },
        batchSchedule: [
          { kind: 'count', value: 1 },
          { kind: 'percent', value: 50 },
        ],
      }),
    });
    expect(calls.filter((c) => MUTATIONS.test(c))).toEqual([]);
    expect(result.plan.batches).toEqual([1, 3, 2]);
    const md = result.markdown;
    expect(md).toContain('| 6 | 1, 50% (schedule: the last step repeats) | 0 | 3 | 1, 3, 2 |');
    expect(md).toContain(
      'each batch is released with its own maximumPercent / minimumHealthyPercent, in order: 117 / 100, 150 / 100, 134 / 100;',
    );
    // Three gate times (14 s start + 30 s checks) and one drain (60 s) + stop (ECS's default 30 s).
    expect(result.estimate.totalSeconds).toBe(3 * 44 + 90);
    expect(md).toContain('About **3m42s**: 3 batches × 44s');
  });

  it('with bake-time and without drain-overlap: the bake per batch, the drain per batch', async () => {
    const { driver } = readOnlyDriver(6);
    const result = await runPlan({ driver, settings: settings({ bakeTimeMs: 60_000, drainOverlap: false }) });
    expect(result.estimate.perBatch).toMatchObject({ bakeSeconds: 60, gateSeconds: 14 + 30 + 60 });
    expect(result.estimate.overlap).toBe(false);
    // stopTimeout not set in web:9: ECS's default 30 s.
    expect(result.estimate.totalSeconds).toBe(3 * 104 + 3 * (60 + 30));
    expect(result.markdown).toContain(
      '(start 14s + health checks 30s + bake 1m), plus drain 1m + stop 30s 3 times.',
    );
  });

  it('a worker (no target group): gated on container health checks, estimated with their interval', async () => {
    const { driver } = readOnlyDriver(4);
    const view = await driver.describeService();
    const worker: ServiceDriver = {
      ...driver,
      describeService: async () => ({ ...view, targetGroupArns: [] }),
    };
    const checked = fileOf({
      ...body11,
      containerDefinitions: [
        {
          ...body11.containerDefinitions[0],
          image: 'acme/web:2',
          healthCheck: {
            command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
            interval: 15,
          },
        },
      ],
    });
    const result = await runPlan({
      driver: worker,
      settings: settings({ taskDefinition: { kind: 'file', path: checked } }),
    });
    expect(result.markdown).toContain(
      'The service has no target group (a worker): each batch is gated on its tasks being RUNNING and their container health checks (web) reporting HEALTHY.',
    );
    expect(result.estimate.perBatch).toMatchObject({ healthSeconds: 15, drainSeconds: 0 });

    const bare = fileOf({
      ...body11,
      containerDefinitions: [{ ...body11.containerDefinitions[0], image: 'acme/web:2' }],
    });
    const unchecked = await runPlan({
      driver: worker,
      settings: settings({ taskDefinition: { kind: 'file', path: bare } }),
    });
    expect(unchecked.markdown).toContain('Add a container healthCheck for a real gate.');
  });

  it('deploying an already registered revision says which one, and that it registers nothing', async () => {
    const { driver, calls } = readOnlyDriver(4);
    const result = await runPlan({ driver, settings: settings() });
    expect(result.reusesTaskDefinitionArn).toBe(TD9);
    expect(result.markdown).toContain('moves the service from `web:11` to `web:9`');
    expect(calls.filter((c) => MUTATIONS.test(c))).toEqual([]);
  });

  it('a CANARY service: the plan says a deploy would refuse it, and reads nothing more', async () => {
    const { driver, calls } = readOnlyDriver(4);
    const base = driver.describeService;
    driver.describeService = async () => ({ ...(await base()), deploymentStrategy: 'CANARY' });
    await expect(runPlan({ driver, settings: settings() })).rejects.toThrow(
      /uses the CANARY deployment strategy.*switch the service to the ROLLING strategy/,
    );
    expect(calls).toEqual(['describeService']);
  });

  it('an unchanged task definition is said to be unchanged', async () => {
    const { driver } = readOnlyDriver(4);
    const result = await runPlan({
      driver,
      settings: settings({ taskDefinition: { kind: 'file', path: fileOf(body11) } }),
    });
    expect(result.diff.unchanged).toBe(true);
    expect(result.reusesTaskDefinitionArn).toBe(TD11);
    expect(result.markdown).toContain(
      'equals the running `web:11`: a deploy registers nothing, rolls nothing',
    );
  });

  it('says a deploy would refuse a target group that routes to no task, and not an instance one', async () => {
    const { driver } = readOnlyDriver(6);
    const lambda = { ...group('fn', 2, 30, 60), targetType: 'lambda' };
    const instance = { ...group('bridge', 2, 30, 60), targetType: 'instance' };
    driver.describeTargetGroups = () => Promise.resolve([instance, lambda]);
    const result = await runPlan({
      driver,
      settings: settings({ taskDefinition: { kind: 'file', path: fileOf(body11) } }),
    });
    expect(result.markdown).toContain('**A deploy would refuse target group fn**: its target type lambda');
    expect(result.markdown).not.toContain('refuse target group bridge');
  });

  it('a failed task measurement falls back to an assumed start time, with a warning', async () => {
    const { driver } = readOnlyDriver(4);
    driver.observe = async () => {
      throw new Error('ThrottlingException: Rate exceeded');
    };
    const warnings: string[] = [];
    const result = await runPlan({
      driver,
      settings: settings(),
      log: { info: () => undefined, warning: (m) => warnings.push(m) },
    });
    expect(result.estimate.perBatch.startSeconds).toBe(30);
    expect(result.estimate.assumptions[0]).toMatch(/assumed/);
    expect(warnings.join()).toMatch(/Rate exceeded/);
  });
});

describe('plan mode and deploy agree on the target (both resolve it with resolveTarget)', () => {
  /** What plan mode says a deploy would use, and what a deploy resolves, for the same inputs. */
  async function both(over: Partial<PlanSettings>): Promise<{
    plan: { reuses?: string; registers: boolean; error?: string };
    deploy: { reuses?: string; registers: boolean; error?: string };
  }> {
    const s = settings(over);
    const plan = await runPlan({ driver: readOnlyDriver(4).driver, settings: s }).then(
      (r) => ({
        ...(r.reusesTaskDefinitionArn ? { reuses: r.reusesTaskDefinitionArn } : {}),
        registers: !r.reusesTaskDefinitionArn,
      }),
      (e: unknown) => ({ registers: false, error: (e as Error).message }),
    );
    const { driver } = readOnlyDriver(4);
    const current = await driver.describeTaskDefinition(TD11);
    const deploy = await resolveTarget({ ...s, mode: 'deploy' }, driver, current).then(
      (t) => ({ ...(t.arn ? { reuses: t.arn } : {}), registers: t.body !== undefined }),
      (e: unknown) => ({ registers: false, error: (e as Error).message }),
    );
    return { plan, deploy };
  }

  it('a deregistered revision is refused by plan mode too, with the same words', async () => {
    const { plan, deploy } = await both({ taskDefinition: { kind: 'registered', ref: 'web:8' } });
    expect(plan.error).toBe(
      'Task definition web:8 is INACTIVE; ECS does not let a service move to it. Register it again, or give another revision.',
    );
    expect(deploy).toEqual(plan);
  });

  it('a registered revision with image overrides equal to its own images is reused, not registered again', async () => {
    const { plan, deploy } = await both({ images: new Map([['web', 'acme/web:0.9']]) });
    expect(plan).toEqual({ reuses: TD9, registers: false });
    expect(deploy).toEqual(plan);
    const { driver, calls } = readOnlyDriver(4);
    const result = await runPlan({
      driver,
      settings: settings({ images: new Map([['web', 'acme/web:0.9']]) }),
    });
    expect(result.markdown).toContain('moves the service from `web:11` to `web:9`');
    expect(result.markdown).not.toContain('registers a new revision');
    expect(calls.filter((c) => MUTATIONS.test(c))).toEqual([]);
  });

  it.each<[string, Partial<PlanSettings>, { reuses?: string; registers: boolean }]>([
    ['a registered revision as it is', {}, { reuses: TD9, registers: false }],
    [
      'a registered revision with other images',
      { images: new Map([['web', 'acme/web:3']]) },
      { registers: true },
    ],
    [
      'a registered revision with the running revision’s images',
      { images: new Map([['web', 'acme/web:1']]) },
      { registers: true },
    ],
    [
      'the running revision by name',
      { taskDefinition: { kind: 'registered', ref: 'web:11' } },
      { reuses: TD11, registers: false },
    ],
  ])('%s', async (_what, over, expected) => {
    const { plan, deploy } = await both(over);
    expect(plan).toEqual(expected);
    expect(deploy).toEqual(plan);
  });

  it('a file: equal to the running revision is reused, different is registered, in both', async () => {
    const same = await both({ taskDefinition: { kind: 'file', path: fileOf(body11) } });
    expect(same.plan).toEqual({ reuses: TD11, registers: false });
    expect(same.deploy).toEqual(same.plan);
    const other = await both({ taskDefinition: { kind: 'file', path: fileOf(body9) } });
    expect(other.plan).toEqual({ registers: true });
    expect(other.deploy).toEqual(other.plan);
  });

  it('a file with a container without an image is refused by both, before any AWS call', async () => {
    const { plan, deploy } = await both({
      taskDefinition: {
        kind: 'file',
        path: fileOf({ family: 'web', containerDefinitions: [{ name: 'web' }] }),
      },
    });
    expect(plan.error).toMatch(/container "web" has no image/);
    expect(deploy).toEqual(plan);
  });

  it('plan mode reads the file before it calls AWS: a file ECS would refuse costs no call', async () => {
    const { driver, calls } = readOnlyDriver(4);
    const path = fileOf({
      family: 'web',
      containerDefinitions: [{ name: 'web', essential: false, image: 'a' }],
    });
    await expect(
      runPlan({ driver, settings: settings({ taskDefinition: { kind: 'file', path } }) }),
    ).rejects.toThrow(/has no essential container/);
    expect(calls).toEqual([]);
  });
});

describe('estimateDuration', () => {
  it('per batch: start, one passing check of the slowest group, bake; the longest drain and the stop once with overlap', () => {
    const e = estimateDuration({
      batches: [1, 1],
      targetGroups: [group('fast', 2, 5, 300), group('slow', 5, 30, 10)],
      taskStartSeconds: 20,
      taskStartSource: 'measured',
    });
    expect(e.perBatch).toEqual({
      startSeconds: 20,
      healthSeconds: 30,
      bakeSeconds: 0,
      drainSeconds: 300,
      stopSeconds: 30,
      gateSeconds: 50,
    });
    expect(e.overlap).toBe(true);
    expect(e.totalSeconds).toBe(2 * 50 + 330);
    const words = e.assumptions.join('\n');
    expect(words).toMatch(/slow: one passing check, every 30 s/);
    expect(words).toMatch(/fast: deregistration delay 300 s/);
    expect(words).toMatch(/ECS's default stopTimeout/);
    expect(words).toMatch(/drain is paid about once/);
  });

  it('without overlap the drain and the stop are paid per batch', () => {
    const e = estimateDuration({
      batches: [1, 1, 1],
      targetGroups: [group('g', 5, 30, 60)],
      taskStartSeconds: 10,
      stopTimeoutSeconds: 5,
      overlap: false,
    });
    expect(e.totalSeconds).toBe(3 * (10 + 30) + 3 * (60 + 5));
    expect(e.assumptions.join('\n')).toMatch(/drain-overlap false/);
  });

  it('the healthy threshold does not slow a new target down: only the interval counts', () => {
    const slowThreshold = estimateDuration({ batches: [1], targetGroups: [group('g', 10, 30, 0)] });
    const fastThreshold = estimateDuration({ batches: [1], targetGroups: [group('g', 2, 30, 0)] });
    expect(slowThreshold.perBatch.healthSeconds).toBe(30);
    expect(slowThreshold.totalSeconds).toBe(fastThreshold.totalSeconds);
  });

  it('adds the bake time to every batch and says so', () => {
    const e = estimateDuration({ batches: [2, 2], targetGroups: [], taskStartSeconds: 10, bakeSeconds: 120 });
    expect(e.perBatch.gateSeconds).toBe(130);
    expect(e.assumptions.join('\n')).toMatch(/bake time 2m per batch/);
    expect(renderEstimate(e)).toContain('(start 10s + health checks 0s + bake 2m)');
  });

  it('with no batches estimates nothing', () => {
    const e = estimateDuration({ batches: [], targetGroups: [] });
    expect(e.totalSeconds).toBe(0);
    expect(renderEstimateGantt(e, 'web')).toBe('');
    expect(renderEstimate(e)).toMatch(/^No batches/);
  });

  it('draws at most maxBatches batches in the gantt and sums up the rest', () => {
    const e = estimateDuration({
      batches: Array(50).fill(1) as number[],
      targetGroups: [group('g', 2, 10, 0)],
      taskStartSeconds: 10,
      stopTimeoutSeconds: 0,
    });
    const chart = renderEstimateGantt(e, 'web', 3);
    expect(chart.match(/section Batch/g)).toHaveLength(3);
    expect(chart).toContain('section 47 more batches');
    expect(chart).toContain(`same again :60, ${50 * 20}`);
  });

  it('in the gantt, overlap starts the next batch beside the drain; without it, after', () => {
    const input = {
      batches: [1, 1],
      targetGroups: [group('g', 2, 10, 20)],
      taskStartSeconds: 10,
      stopTimeoutSeconds: 5,
    };
    const overlap = renderEstimateGantt(estimateDuration(input), 'web');
    expect(overlap).toContain('section Batch 2\n    start tasks :20, 30');
    const serial = renderEstimateGantt(estimateDuration({ ...input, overlap: false }), 'web');
    expect(serial).toContain('section Batch 2\n    start tasks :45, 55');
  });

  it('measures the median start time', () => {
    expect(
      measuredTaskStartSeconds([{ createdAt: 0, startedAt: 4000 }, { createdAt: 0, startedAt: 6000 }, {}]),
    ).toBe(5);
    expect(measuredTaskStartSeconds([{ createdAt: 0, startedAt: 3000 }])).toBe(3);
    expect(measuredTaskStartSeconds([{ createdAt: 5000, startedAt: 1000 }])).toBeUndefined();
    expect(measuredTaskStartSeconds([])).toBeUndefined();
  });
});
