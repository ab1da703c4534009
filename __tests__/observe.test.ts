import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { observeService, taskIp, toServiceView, toTaskView } from '../src/platform/observe.js';

const ecsMock = mockClient(ECSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);
const ecs = new ECSClient({ region: 'us-east-1' });
const elbv2 = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
const ref = { cluster: 'prod', service: 'web' };

const TG1 = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';
const TG2 = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-admin/2';
const taskArn = (i: number): string =>
  `arn:aws:ecs:us-east-1:000000000000:task/prod/${i.toString(16).padStart(32, '0')}`;

function service(overrides: Partial<Service> = {}): Service {
  return {
    serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/prod/web',
    serviceName: 'web',
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/prod',
    status: 'ACTIVE',
    desiredCount: 3,
    runningCount: 3,
    pendingCount: 0,
    taskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:4',
    deploymentConfiguration: {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: false },
    },
    deploymentController: { type: 'ECS' },
    loadBalancers: [
      { targetGroupArn: TG1, containerName: 'web', containerPort: 8080 },
      { targetGroupArn: TG2, containerName: 'web', containerPort: 8080 },
    ],
    deployments: [
      {
        id: 'ecs-svc/1234567890123456789',
        status: 'PRIMARY',
        taskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:4',
        desiredCount: 3,
        pendingCount: 0,
        runningCount: 3,
        failedTasks: 1,
        rolloutState: 'COMPLETED',
        rolloutStateReason: 'ECS deployment ecs-svc/1234567890123456789 completed.',
        createdAt: new Date(1_700_000_000_000),
        updatedAt: new Date(1_700_000_100_000),
      },
    ],
    events: [
      {
        id: 'e1',
        createdAt: new Date(1_700_000_200_000),
        message: '(service web) has reached a steady state.',
      },
    ],
    ...overrides,
  };
}

function task(i: number, overrides: Partial<Task> = {}): Task {
  return {
    taskArn: taskArn(i),
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:4',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    startedBy: 'ecs-svc/1234567890123456789',
    createdAt: new Date(1_700_000_000_000),
    startedAt: new Date(1_700_000_005_000),
    attachments: [
      {
        type: 'ElasticNetworkInterface',
        details: [
          { name: 'subnetId', value: 'subnet-1' },
          { name: 'privateIPv4Address', value: `127.0.1.${(i % 250) + 1}` },
        ],
      },
    ],
    containers: [{ name: 'web', lastStatus: 'RUNNING' }],
    ...overrides,
  };
}

beforeEach(() => {
  ecsMock.reset();
  elbMock.reset();
});

describe('observeService: one snapshot', () => {
  it('makes exactly one DescribeServices, pages ListTasks for RUNNING and STOPPED, chunks DescribeTasks at 100 and one DescribeTargetHealth per group', async () => {
    const running = Array.from({ length: 230 }, (_, i) => taskArn(i));
    const stopped = Array.from({ length: 20 }, (_, i) => taskArn(1000 + i));
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    ecsMock.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).callsFake((input: { nextToken?: string }) => {
      const start = input.nextToken ? Number(input.nextToken) : 0;
      const page = running.slice(start, start + 100);
      const next = start + 100 < running.length ? String(start + 100) : undefined;
      return Promise.resolve({ taskArns: page, ...(next ? { nextToken: next } : {}) });
    });
    ecsMock.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: stopped });
    ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) =>
      Promise.resolve({
        tasks: input.tasks.map((arn) => task(Number.parseInt(arn.slice(arn.lastIndexOf('/') + 1), 16))),
      }),
    );
    elbMock.on(DescribeTargetHealthCommand).callsFake((input: { TargetGroupArn: string }) =>
      Promise.resolve({
        TargetHealthDescriptions: [
          { Target: { Id: '127.0.1.1', Port: 8080 }, TargetHealth: { State: 'healthy' } },
          {
            Target: { Id: '127.0.1.2', Port: 8080 },
            TargetHealth:
              input.TargetGroupArn === TG2
                ? {
                    State: 'draining',
                    Reason: 'Target.DeregistrationInProgress',
                    Description: 'Target deregistration is in progress',
                  }
                : { State: 'healthy' },
          },
        ],
      }),
    );

    const snapshot = await observeService({ ecs, elbv2 }, ref, () => 42);

    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeServicesCommand)[0]!.args[0].input).toEqual({
      cluster: 'prod',
      services: ['web'],
    });
    const lists = ecsMock.commandCalls(ListTasksCommand).map((c) => c.args[0].input);
    expect(lists.filter((l) => l.desiredStatus === 'RUNNING')).toHaveLength(3);
    expect(lists.filter((l) => l.desiredStatus === 'STOPPED')).toHaveLength(1);
    expect(lists.every((l) => l.maxResults === 100 && l.serviceName === 'web' && l.cluster === 'prod')).toBe(
      true,
    );
    const describes = ecsMock.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks ?? []);
    expect(describes.map((d) => d.length).sort((a, b) => b - a)).toEqual([100, 100, 50]);
    expect(new Set(describes.flat()).size).toBe(250);
    const health = elbMock
      .commandCalls(DescribeTargetHealthCommand)
      .map((c) => c.args[0].input.TargetGroupArn);
    expect(health.sort()).toEqual([TG1, TG2].sort());

    expect(snapshot.at).toBe(42);
    expect(snapshot.tasks).toHaveLength(250);
    expect(snapshot.targets).toHaveLength(4);
    expect(snapshot.targets.find((t) => t.targetGroupArn === TG2 && t.id === '127.0.1.2')).toEqual({
      targetGroupArn: TG2,
      id: '127.0.1.2',
      port: 8080,
      state: 'draining',
      reason: 'Target.DeregistrationInProgress',
      description: 'Target deregistration is in progress',
    });
  });

  it('lists a task that is in both lists only once', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1)] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [task(1)] });
    elbMock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    await observeService({ ecs, elbv2 }, ref);
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeTasksCommand)[0]!.args[0].input.tasks).toEqual([taskArn(1)]);
  });

  it('makes no DescribeTasks call when the service has no task', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    elbMock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    const snapshot = await observeService({ ecs, elbv2 }, ref);
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0);
    expect(snapshot.tasks).toEqual([]);
  });

  it('keeps the throttling code of a failed read so the rollout can back off', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $retryable: { throttling: true },
    });
    ecsMock.on(ListTasksCommand).rejects(throttled);
    elbMock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    const error = await observeService({ ecs, elbv2 }, ref).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ThrottlingException');
    expect((error as Error).message).toContain('Rate exceeded');
    expect((error as Error).message).toContain('"web"');
  });
});

describe('translation into the engine shapes', () => {
  it('translates a service: settings, deployments, events, target groups', () => {
    const view = toServiceView(service());
    expect(view.settings).toEqual({
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: false },
    });
    expect(view.targetGroupArns).toEqual([TG1, TG2]);
    expect(view.deployments[0]).toEqual({
      id: 'ecs-svc/1234567890123456789',
      status: 'PRIMARY',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:4',
      desiredCount: 3,
      pendingCount: 0,
      runningCount: 3,
      failedTasks: 1,
      rolloutState: 'COMPLETED',
      rolloutStateReason: 'ECS deployment ecs-svc/1234567890123456789 completed.',
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_100_000,
    });
    expect(view.events).toEqual([
      { id: 'e1', createdAt: 1_700_000_200_000, message: '(service web) has reached a steady state.' },
    ]);
    expect(view.deploymentController).toBe('ECS');
  });

  it('uses ECS defaults (200/100) and omits the circuit breaker when the service has none', () => {
    const view = toServiceView(service({ deploymentConfiguration: undefined }));
    expect(view.settings).toEqual({ maximumPercent: 200, minimumHealthyPercent: 100 });
    expect('circuitBreaker' in view.settings).toBe(false);
  });

  it('translates a stopped task with its reason, stop code and exit codes', () => {
    const view = toTaskView(
      task(7, {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stoppedAt: new Date(1_700_000_009_000),
        stoppedReason: 'Essential container in task exited',
        stopCode: 'EssentialContainerExited',
        containers: [
          { name: 'web', exitCode: 1, reason: 'Essential container exited', lastStatus: 'STOPPED' },
        ],
      }),
    );
    expect(view).toEqual({
      arn: taskArn(7),
      id: taskArn(7).slice(taskArn(7).lastIndexOf('/') + 1),
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:4',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      startedBy: 'ecs-svc/1234567890123456789',
      ip: '127.0.1.8',
      createdAt: 1_700_000_000_000,
      startedAt: 1_700_000_005_000,
      stoppedAt: 1_700_000_009_000,
      stoppedReason: 'Essential container in task exited',
      stopCode: 'EssentialContainerExited',
      containers: [{ name: 'web', exitCode: 1, reason: 'Essential container exited', lastStatus: 'STOPPED' }],
    });
  });

  it('takes the IP from the ENI attachment, else from the container network interface, else none', () => {
    expect(taskIp(task(3))).toBe('127.0.1.4');
    expect(taskIp({ containers: [{ networkInterfaces: [{ privateIpv4Address: '10.0.0.9' }] }] })).toBe(
      '10.0.0.9',
    );
    expect(
      taskIp({ attachments: [{ type: 'ElasticNetworkInterface', status: 'PRECREATED', details: [] }] }),
    ).toBeUndefined();
  });
});
