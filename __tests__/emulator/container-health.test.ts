// ECS container health checks in the emulator: the pure rules (container-health.ts) as tables, then
// the whole emulator: a worker service (no load balancer) whose tasks turn HEALTHY, and one whose
// check fails, which ECS stops ("Task failed container health checks") and replaces.
import { describe, it, expect, afterAll } from '@jest/globals';
import {
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { RegisterTaskDefinitionCommandInput, Task } from '@aws-sdk/client-ecs';
import { startEmulator, type Emulator } from '../../emulator/src/index.js';
import {
  healthCheckOf,
  healthCheckProblem,
  INITIAL_CHECK,
  nextCheckState,
  probeOf,
  taskHealthStatus,
  type CheckState,
  type HealthStatus,
} from '../../emulator/src/ecs/container-health.js';
import { createScenario, describeServiceTasks, emulatorClients } from '../../emulator/src/scenario.js';
import { waitFor } from './elbv2-harness.js';

describe('healthCheckOf and healthCheckProblem: ECS defaults and ranges', () => {
  it('fills in interval 30, timeout 5, retries 3, startPeriod 0', () => {
    expect(healthCheckOf({ healthCheck: { command: ['CMD-SHELL', 'exit 0'] } })).toEqual({
      command: ['CMD-SHELL', 'exit 0'],
      intervalSeconds: 30,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 0,
    });
    expect(healthCheckOf({})).toBeUndefined();
    expect(healthCheckOf({ healthCheck: { command: [] } })).toBeUndefined();
  });

  it.each([
    [{ command: ['CMD', 'true'] }, undefined],
    [{ command: ['CMD', 'true'], interval: 5, timeout: 2, retries: 1, startPeriod: 0 }, undefined],
    [{ command: ['CMD', 'true'], interval: 300, timeout: 60, retries: 10, startPeriod: 300 }, undefined],
    [{ command: [] }, "Container 'app': healthCheck.command must not be empty."],
    [
      { command: ['CMD', 'true'], interval: 4 },
      "Container 'app': healthCheck.interval must be between 5 and 300, got 4.",
    ],
    [
      { command: ['CMD', 'true'], timeout: 61 },
      "Container 'app': healthCheck.timeout must be between 2 and 60, got 61.",
    ],
    [
      { command: ['CMD', 'true'], retries: 0 },
      "Container 'app': healthCheck.retries must be between 1 and 10, got 0.",
    ],
    [
      { command: ['CMD', 'true'], startPeriod: 301 },
      "Container 'app': healthCheck.startPeriod must be between 0 and 300, got 301.",
    ],
  ])('%j -> %s', (healthCheck, problem) => {
    expect(healthCheckProblem({ name: 'app', healthCheck })).toBe(problem);
  });
});

describe('nextCheckState: UNKNOWN -> HEALTHY / UNHEALTHY, retries and the start period', () => {
  const spec = { retries: 3, startPeriodSeconds: 10 };
  const run = (checks: [boolean, number][]): CheckState =>
    checks.reduce((s, [passed, at]) => nextCheckState(s, passed, at, spec), INITIAL_CHECK);
  it.each<[string, [boolean, number][], HealthStatus, number]>([
    ['no check yet', [], 'UNKNOWN', 0],
    ['one pass', [[true, 1]], 'HEALTHY', 0],
    [
      'failures inside the start period do not count',
      [
        [false, 2],
        [false, 5],
        [false, 9],
      ],
      'UNKNOWN',
      0,
    ],
    [
      'after the start period they count; retries of them is UNHEALTHY',
      [
        [false, 12],
        [false, 14],
        [false, 16],
      ],
      'UNHEALTHY',
      3,
    ],
    [
      'fewer than retries: still UNKNOWN',
      [
        [false, 12],
        [false, 14],
      ],
      'UNKNOWN',
      2,
    ],
    [
      'once passed, failures count inside the start period too',
      [
        [true, 1],
        [false, 2],
        [false, 3],
        [false, 4],
      ],
      'UNHEALTHY',
      3,
    ],
    [
      'a pass resets the count',
      [
        [true, 1],
        [false, 2],
        [false, 3],
        [true, 4],
        [false, 5],
      ],
      'HEALTHY',
      1,
    ],
    [
      'UNHEALTHY then a pass: HEALTHY again (Docker)',
      [
        [false, 11],
        [false, 12],
        [false, 13],
        [true, 14],
      ],
      'HEALTHY',
      0,
    ],
  ])('%s', (_name, checks, status, failures) => {
    expect(run(checks)).toMatchObject({ status, failures });
  });
});

describe('taskHealthStatus: the worst of the considered containers', () => {
  const c = (essential: boolean, checked: boolean, healthStatus: HealthStatus) => ({
    essential,
    checked,
    healthStatus,
  });
  it.each<[string, ReturnType<typeof c>[], HealthStatus]>([
    ['no container has a check', [c(true, false, 'UNKNOWN')], 'UNKNOWN'],
    ['all essential checked HEALTHY', [c(true, true, 'HEALTHY'), c(true, false, 'UNKNOWN')], 'HEALTHY'],
    ['UNHEALTHY beats UNKNOWN', [c(true, true, 'UNKNOWN'), c(true, true, 'UNHEALTHY')], 'UNHEALTHY'],
    ['UNKNOWN beats HEALTHY', [c(true, true, 'HEALTHY'), c(true, true, 'UNKNOWN')], 'UNKNOWN'],
    [
      'a nonessential UNHEALTHY does not count beside an essential check',
      [c(true, true, 'HEALTHY'), c(false, true, 'UNHEALTHY')],
      'HEALTHY',
    ],
    [
      'nonessential checks decide when no essential container has one',
      [c(true, false, 'UNKNOWN'), c(false, true, 'UNHEALTHY')],
      'UNHEALTHY',
    ],
  ])('%s', (_name, containers, status) => {
    expect(taskHealthStatus(containers)).toBe(status);
  });
});

describe('probeOf: how the emulator runs a health check command', () => {
  it.each([
    [
      ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
      { kind: 'http', port: 8080, path: '/health' },
    ],
    [
      ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1:9000/ready'],
      { kind: 'http', port: 9000, path: '/ready' },
    ],
    [['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], { kind: 'http', port: 80, path: '/' }],
    [['CMD-SHELL', 'exit 0'], { kind: 'exit', passes: true }],
    [['CMD', 'true'], { kind: 'exit', passes: true }],
    [['CMD-SHELL', 'exit 1'], { kind: 'exit', passes: false }],
    [['CMD-SHELL', 'pgrep -f worker || exit 1'], { kind: 'behavior' }],
  ])('%j', (command, probe) => {
    expect(probeOf(command)).toEqual(probe);
  });
});

const worker = (tag: string, healthCheck?: Record<string, unknown>): RegisterTaskDefinitionCommandInput => ({
  family: 'jobs',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'app',
      image: `public.ecr.aws/demo/worker:${tag}`,
      essential: true,
      portMappings: [{ containerPort: 8080 }],
      ...(healthCheck ? { healthCheck: healthCheck as { command: string[] } } : {}),
    },
  ],
});
const CURL = {
  command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
  interval: 5,
  retries: 2,
};

describe('container health checks in the running emulator (a worker, no load balancer)', () => {
  let emulator: Emulator | undefined;
  afterAll(async () => {
    await emulator?.stop();
  });

  it('tasks turn HEALTHY in DescribeTasks; a failing version is stopped and replaced', async () => {
    // 1 AWS s = 20 ms: checks every 100 ms.
    emulator = await startEmulator({ timeScale: 0.02 });
    const info = await createScenario(emulator.endpoint, {
      cluster: 'jobs',
      service: 'worker',
      desiredCount: 2,
      targetGroups: 0,
      taskDefinition: worker('1', CURL),
      waitForSteadyState: true,
      waitTimeoutMs: 30_000,
    });
    expect(info.targetGroupArns).toEqual([]);
    const { ecs } = emulatorClients(emulator.endpoint, 'us-east-1');
    try {
      const tasks = await describeServiceTasks(ecs, 'jobs', 'worker', ['RUNNING']);
      expect(tasks.map((t) => [t.healthStatus, t.containers?.[0]?.healthStatus])).toEqual([
        ['HEALTHY', 'HEALTHY'],
        ['HEALTHY', 'HEALTHY'],
      ]);
      const { services } = await ecs.send(
        new DescribeServicesCommand({ cluster: 'jobs', services: ['worker'] }),
      );
      expect(services?.[0]?.loadBalancers).toEqual([]);
      expect(services?.[0]?.deployments?.[0]?.rolloutState).toBe('COMPLETED');

      // A version whose health path answers 500: UNHEALTHY after `retries` failures, then stopped.
      await expect(
        ecs.send(new RegisterTaskDefinitionCommand(worker('2', { ...CURL, interval: 4 }))),
      ).rejects.toThrow(/healthCheck.interval must be between 5 and 300/);
      const bad = await ecs.send(new RegisterTaskDefinitionCommand(worker('unhealthy', CURL)));
      await ecs.send(
        new UpdateServiceCommand({
          cluster: 'jobs',
          service: 'worker',
          taskDefinition: bad.taskDefinition?.taskDefinitionArn,
          deploymentConfiguration: {
            maximumPercent: 200,
            minimumHealthyPercent: 100,
            deploymentCircuitBreaker: { enable: false, rollback: false },
          },
        }),
      );
      const stopped: Task = await waitFor(
        'a task stopped for failing container health checks',
        async () =>
          (await describeServiceTasks(ecs, 'jobs', 'worker')).find(
            (t) => t.stoppedReason === 'Task failed container health checks',
          ),
        20_000,
      );
      expect(stopped.taskDefinitionArn).toBe(bad.taskDefinition?.taskDefinitionArn);
      expect(stopped.healthStatus).toBe('UNHEALTHY');
      expect(stopped.containers?.[0]?.healthStatus).toBe('UNHEALTHY');
      expect(stopped.stopCode).toBe('ServiceSchedulerInitiated');
      // The old revision's tasks stay: never healthy, the new ones never count toward the floor.
      const running = await describeServiceTasks(ecs, 'jobs', 'worker', ['RUNNING']);
      expect(
        running.filter((t) => t.taskDefinitionArn === info.taskDefinitionArn && t.lastStatus === 'RUNNING'),
      ).toHaveLength(2);
    } finally {
      ecs.destroy();
    }
  });
});
