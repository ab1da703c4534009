import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { estimateDuration, measuredTaskStartSeconds, renderEstimateGantt, seconds } from '../src/estimate.js';
import { runPlan, type PlanSettings } from '../src/modes/plan.js';
import type {
  ServiceDriver,
  TargetGroupFacts,
  TaskDefinitionRecord,
} from '../src/platform/service-driver.js';
import type { ServiceView, Snapshot } from '../src/rollout/types.js';

const TD11 = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:11';
const TD9 = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:9';
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

function readOnlyDriver(desired = 6) {
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
    [TD9]: {
      arn: TD9,
      family: 'web',
      revision: 9,
      status: 'ACTIVE',
      body: { ...body11, containerDefinitions: [{ name: 'web', image: 'acme/web:0.9' }] },
      tags: {},
    },
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
  const mutation = (name: string) => async () => {
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
  };
  return { driver, calls };
}

const settings = (over: Partial<PlanSettings> = {}): PlanSettings => ({
  cluster: 'prod',
  service: 'web',
  taskDefinition: { kind: 'registered', ref: 'web:9' },
  images: new Map(),
  batchSize: { kind: 'count', value: 2 },
  maxUnavailable: { kind: 'count', value: 0 },
  ...over,
});

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('runPlan', () => {
  it('makes no mutating call and describes the diff, the batches, the settings and the estimate', async () => {
    dir = mkdtempSync(join(tmpdir(), 'plan-'));
    const file = join(dir, 'task-definition.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...body11,
        memory: '1024',
        containerDefinitions: [
          {
            ...body11.containerDefinitions[0],
            environment: [{ name: 'DB_URL', value: 'postgres://u:rotated@db/app' }],
            stopTimeout: 10,
          },
        ],
      }),
    );
    const { driver, calls } = readOnlyDriver(6);
    const result = await runPlan({
      driver,
      settings: settings({
        taskDefinition: { kind: 'file', path: file },
        images: new Map([['web', 'acme/web:2']]),
      }),
    });

    expect(calls.filter((c) => /register|update|tag/i.test(c))).toEqual([]);
    expect(result.plan.batches).toEqual([2, 2, 2]);
    expect(result.plan.settings).toMatchObject({ maximumPercent: 134, minimumHealthyPercent: 100 });
    expect(result.reusesTaskDefinitionArn).toBeUndefined();

    const md = result.markdown;
    expect(md).toContain('Nothing was changed (mode: plan)');
    expect(md).toContain('Image of `web`: `acme/web:1` → `acme/web:2`');
    expect(md).toContain('task memory: `512` → `1024`');
    expect(md).toContain('Environment of `web`: changed `DB_URL` (values not shown)');
    expect(md).not.toContain('topsecret');
    expect(md).not.toContain('rotated');
    expect(md).toContain('| 6 | 2 | 0 | 3 | 2, 2, 2 |');
    expect(md).toContain(
      'maximumPercent 134 and minimumHealthyPercent 100; its own (200 / 100) are put back',
    );
    // Per batch: 14 s start (median of 12, 14, 20) + 60 s (web-b: 2 × 30 s) + 60 s drain + 10 s stopTimeout.
    expect(result.estimate.perBatch).toEqual({
      startSeconds: 14,
      healthSeconds: 60,
      drainSeconds: 60,
      stopSeconds: 10,
      totalSeconds: 144,
    });
    expect(result.estimate.totalSeconds).toBe(432);
    expect(md).toContain('About **7 min 12 s**: 3 batches × 2 min 24 s');
    expect(md).toContain('```mermaid\ngantt');
  });

  it('deploying an already registered revision says which one, and that it registers nothing', async () => {
    const { driver, calls } = readOnlyDriver(4);
    const result = await runPlan({ driver, settings: settings() });
    expect(result.reusesTaskDefinitionArn).toBe(TD9);
    expect(result.markdown).toContain('moves the service from `web:11` to `web:9`');
    expect(calls.filter((c) => /register|update|tag/i.test(c))).toEqual([]);
  });

  it('an unchanged task definition is said to be unchanged', async () => {
    const { driver } = readOnlyDriver(4);
    const result = await runPlan({ driver, settings: settings(), newTaskDefinition: body11 });
    expect(result.diff.unchanged).toBe(true);
    expect(result.reusesTaskDefinitionArn).toBe(TD11);
    expect(result.markdown).toContain('equals the running `web:11`');
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

describe('estimateDuration', () => {
  it('adds start, the slowest group’s health checks, the longest drain and the stop time per batch', () => {
    const e = estimateDuration({
      batches: [1, 1],
      targetGroups: [group('fast', 2, 5, 300), group('slow', 5, 30, 10)],
      taskStartSeconds: 20,
      taskStartSource: 'measured',
    });
    expect(e.perBatch).toEqual({
      startSeconds: 20,
      healthSeconds: 150,
      drainSeconds: 300,
      stopSeconds: 30,
      totalSeconds: 500,
    });
    expect(e.totalSeconds).toBe(1000);
    expect(e.assumptions.join('\n')).toMatch(/slow: 5 checks × 30 s/);
    expect(e.assumptions.join('\n')).toMatch(/fast: deregistration delay 300 s/);
    expect(e.assumptions.join('\n')).toMatch(/ECS's default stopTimeout/);
  });

  it('with no batches estimates nothing', () => {
    const e = estimateDuration({ batches: [], targetGroups: [] });
    expect(e.totalSeconds).toBe(0);
    expect(renderEstimateGantt(e, 'web')).toBe('');
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
    expect(chart).toContain(`same again :90, ${50 * 30}`);
  });

  it('measures the median start time and words durations', () => {
    expect(
      measuredTaskStartSeconds([{ createdAt: 0, startedAt: 4000 }, { createdAt: 0, startedAt: 6000 }, {}]),
    ).toBe(5);
    expect(measuredTaskStartSeconds([])).toBeUndefined();
    expect([seconds(45), seconds(120), seconds(200), seconds(3900)]).toEqual([
      '45 s',
      '2 min',
      '3 min 20 s',
      '1 h 5 min',
    ]);
  });
});
