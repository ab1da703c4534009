// ServiceObserver on the EC2 launch type (bridge network mode, `instance` target groups): each
// task's targets are its container instance's EC2 id and the host port of the container port the
// service's loadBalancers name; container instances are read in chunks of 100, once each.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeContainerInstancesCommand,
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
import { ServiceObserver } from '../src/platform/observe.js';
import { taskTargets, toServiceView } from '../src/platform/shapes.js';
import { indexOf } from '../src/rollout/snapshot-index.js';
import { CONTAINER_INSTANCE_PAGE_SIZE } from '../src/platform/task-reads.js';

const ecsMock = mockClient(ECSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);
const clients = {
  ecs: new ECSClient({ region: 'us-east-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
};
const ref = { cluster: 'prod', service: 'web' };
const TD = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:4';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';
const TG_ADMIN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/admin/2';
const taskArn = (i: number): string =>
  `arn:aws:ecs:us-east-1:000000000000:task/prod/${i.toString(16).padStart(32, '0')}`;
const ciArn = (i: number): string => `arn:aws:ecs:us-east-1:000000000000:container-instance/prod/ci${i}`;
const ec2Id = (i: number): string => `i-${i.toString(16).padStart(17, '0')}`;

function service(overrides: Partial<Service> = {}): Service {
  return {
    serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/prod/web',
    serviceName: 'web',
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/prod',
    status: 'ACTIVE',
    desiredCount: 3,
    taskDefinition: TD,
    launchType: 'EC2',
    deploymentController: { type: 'ECS' },
    loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 8080 }],
    deployments: [],
    events: [],
    ...overrides,
  };
}

/** A bridge-mode task on container instance `ci`, its port 8080 bound to `hostPort` (and 9090 to hostPort + 1000). */
function bridgeTask(i: number, ci: number, hostPort: number): Task {
  return {
    taskArn: taskArn(i),
    taskDefinitionArn: TD,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    launchType: 'EC2',
    containerInstanceArn: ciArn(ci),
    attachments: [],
    containers: [
      {
        name: 'web',
        networkBindings: [
          { bindIP: '0.0.0.0', containerPort: 8080, hostPort, protocol: 'tcp' },
          { bindIP: '0.0.0.0', containerPort: 9090, hostPort: hostPort + 1000, protocol: 'tcp' },
        ],
      },
    ],
  };
}

function serve(tasks: Task[], instances: number): void {
  ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
  ecsMock.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn!) });
  ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
    tasks: tasks.filter((t) => input.tasks.includes(t.taskArn!)),
  }));
  ecsMock.on(DescribeContainerInstancesCommand).callsFake((input: { containerInstances: string[] }) => ({
    containerInstances: input.containerInstances
      .map((arn) => Number(arn.slice(arn.lastIndexOf('/ci') + 3)))
      .filter((i) => i < instances)
      .map((i) => ({ containerInstanceArn: ciArn(i), ec2InstanceId: ec2Id(i) })),
    failures: [],
  }));
  elbMock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
}

beforeEach(() => {
  ecsMock.reset();
  elbMock.reset();
});

describe('ServiceObserver: container instances', () => {
  it('reads the EC2 id of each container instance once, 100 per call, and gives each task id + host port', async () => {
    // 250 tasks on 250 instances (a task per instance keeps the chunking visible).
    const tasks = Array.from({ length: 250 }, (_, i) => bridgeTask(i, i, 32768 + (i % 7)));
    serve(tasks, 250);
    const observer = new ServiceObserver(clients, ref, () => 1);
    observer.noteTargetTypes([{ arn: TG, targetType: 'instance' }]);

    const first = await observer.observe();
    const calls = ecsMock.commandCalls(DescribeContainerInstancesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.containerInstances?.length)).toEqual([100, 100, 50]);
    expect(calls.every((c) => c.cluster === 'prod')).toBe(true);
    expect(CONTAINER_INSTANCE_PAGE_SIZE).toBe(100);
    const seven = first.tasks.find((t) => t.arn === taskArn(7));
    expect(seven?.targets).toEqual([{ targetGroupArn: TG, id: ec2Id(7), port: 32768 }]);
    expect(seven?.ip).toBeUndefined();

    // A second snapshot: the EC2 ids are known; no container instance is read again.
    await observer.observe();
    expect(ecsMock.commandCalls(DescribeContainerInstancesCommand)).toHaveLength(3);
  });

  it('only instances not seen before are read when new tasks land on new ones', async () => {
    const tasks = [bridgeTask(1, 1, 32768), bridgeTask(2, 1, 32769)];
    serve(tasks, 10);
    const observer = new ServiceObserver(clients, ref, () => 1);
    await observer.observe();
    tasks.push(bridgeTask(3, 2, 32768), bridgeTask(4, 1, 32770));
    serve(tasks, 10);
    await observer.observe();
    expect(
      ecsMock.commandCalls(DescribeContainerInstancesCommand).map((c) => c.args[0].input.containerInstances),
    ).toEqual([[ciArn(1)], [ciArn(2)]]);
  });

  it('awsvpc tasks read no container instance and keep their plain shape', async () => {
    const task: Task = {
      taskArn: taskArn(1),
      taskDefinitionArn: TD,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      attachments: [
        { type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: '10.0.0.9' }] },
      ],
      containers: [{ name: 'web' }],
    };
    serve([task], 0);
    const snap = await new ServiceObserver(clients, ref, () => 1).observe();
    expect(ecsMock.commandCalls(DescribeContainerInstancesCommand)).toHaveLength(0);
    expect(snap.tasks[0]?.targets).toBeUndefined();
    expect(snap.tasks[0]?.ip).toBe('10.0.0.9');
  });

  it('a snapshot of bridge tasks sharing an instance tells each task’s target apart', async () => {
    const tasks = [bridgeTask(1, 0, 32768), bridgeTask(2, 0, 32769)];
    serve(tasks, 1);
    elbMock.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: ec2Id(0), Port: 32768 }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: ec2Id(0), Port: 32769 }, TargetHealth: { State: 'initial' } },
      ],
    });
    const snap = await new ServiceObserver(clients, ref, () => 1).observe();
    const index = indexOf(snap);
    expect(snap.tasks.map((t) => [t.arn, index.healthy(t)])).toEqual([
      [taskArn(1), true],
      [taskArn(2), false],
    ]);
  });
});

describe('taskTargets', () => {
  const addressing = (types: Record<string, string>) => ({
    loadBalancers: toServiceView(
      service({
        loadBalancers: [
          { targetGroupArn: TG, containerName: 'web', containerPort: 8080 },
          { targetGroupArn: TG_ADMIN, containerName: 'web', containerPort: 9090 },
        ],
      }),
    ).loadBalancers!,
    targetTypes: new Map(Object.entries(types)),
    ec2InstanceIdOf: (arn: string) => (arn === ciArn(3) ? ec2Id(3) : undefined),
  });

  it('each instance group at the host port of the container port its loadBalancers entry names', () => {
    expect(
      taskTargets(bridgeTask(1, 3, 40000), addressing({ [TG]: 'instance', [TG_ADMIN]: 'instance' })),
    ).toEqual([
      { targetGroupArn: TG, id: ec2Id(3), port: 40000 },
      { targetGroupArn: TG_ADMIN, id: ec2Id(3), port: 41000 },
    ]);
  });

  it('no address while the container instance or the binding is unknown (not yet RUNNING)', () => {
    const pending = { ...bridgeTask(1, 3, 40000), containers: [{ name: 'web' }] };
    expect(taskTargets(pending, addressing({ [TG]: 'instance' }))).toEqual([]);
    expect(taskTargets(bridgeTask(1, 9, 40000), addressing({}))).toEqual([]);
  });

  it('toServiceView keeps each load balancer’s container name and port', () => {
    expect(toServiceView(service()).loadBalancers).toEqual([
      { targetGroupArn: TG, containerName: 'web', containerPort: 8080 },
    ]);
  });
});
