// ServiceObserver (src/platform/observe.ts) with the SDK stubbed at the command level: what each
// snapshot reads (and does not read again), and the engine shapes it returns (src/platform/shapes.ts).
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ClusterNotFoundException,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  ListTasksCommand,
  ServerException,
  type Deployment,
  type Failure,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  TargetGroupNotFoundException,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ServiceObserver } from '../src/platform/observe.js';
import { taskIp, toServiceView, toTaskView } from '../src/platform/shapes.js';
import { DriverError } from '../src/rollout/port.js';
import type { Snapshot } from '../src/rollout/snapshot.js';
import { TASK_PAGE_SIZE } from '../src/platform/task-reads.js';

const ecsMock = mockClient(ECSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);
const clients = {
  ecs: new ECSClient({ region: 'us-east-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
};
const ref = { cluster: 'prod', service: 'web' };

const TD = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:4';
const TG1 = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';
const TG2 = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-admin/2';
const taskArn = (i: number): string =>
  `arn:aws:ecs:us-east-1:000000000000:task/prod/${i.toString(16).padStart(32, '0')}`;
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, k) => from + k);

function deployment(overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: 'ecs-svc/1234567890123456789',
    status: 'PRIMARY',
    taskDefinition: TD,
    desiredCount: 3,
    pendingCount: 0,
    runningCount: 3,
    failedTasks: 0,
    rolloutState: 'COMPLETED',
    rolloutStateReason: 'ECS deployment ecs-svc/1234567890123456789 completed.',
    createdAt: new Date(1_700_000_000_000),
    updatedAt: new Date(1_700_000_100_000),
    ...overrides,
  };
}

function service(overrides: Partial<Service> = {}): Service {
  return {
    serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/prod/web',
    serviceName: 'web',
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/prod',
    status: 'ACTIVE',
    desiredCount: 3,
    runningCount: 3,
    pendingCount: 0,
    taskDefinition: TD,
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
    deployments: [deployment()],
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
    taskDefinitionArn: TD,
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

const stoppedTask = (i: number, reason: string): Task =>
  task(i, {
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stoppedAt: new Date(1_700_000_009_000),
    stoppedReason: reason,
    stopCode: 'EssentialContainerExited',
    containers: [{ name: 'web', exitCode: 1, lastStatus: 'STOPPED' }],
  });

/**
 * What ECS and ELBv2 hold, changed by each test between snapshots. ListTasks pages at 100 with a
 * nextToken; DescribeTasks answers a task it does not know with a MISSING failure, as ECS does.
 */
interface World {
  service: Service;
  /** Every task ECS can describe, by ARN. */
  tasks: Map<string, Task>;
  /** ListTasks desiredStatus RUNNING. */
  running: string[];
  /** ListTasks desiredStatus STOPPED. */
  stopped: string[];
  targets: Record<string, TargetHealthDescription[]>;
  /** Thrown by the next DescribeTasks, once. */
  describeFailure?: Error;
}

let world: World;

function put(...tasks: Task[]): void {
  for (const t of tasks) world.tasks.set(t.taskArn ?? '', t);
}

function stubWorld(): void {
  ecsMock.on(DescribeServicesCommand).callsFake(() => Promise.resolve({ services: [world.service] }));
  ecsMock.on(ListTasksCommand).callsFake((input: { desiredStatus?: string; nextToken?: string }) => {
    const all = input.desiredStatus === 'STOPPED' ? world.stopped : world.running;
    const start = input.nextToken ? Number(input.nextToken) : 0;
    const end = start + TASK_PAGE_SIZE;
    return Promise.resolve({
      taskArns: all.slice(start, end),
      ...(end < all.length ? { nextToken: String(end) } : {}),
    });
  });
  ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => {
    const failure = world.describeFailure;
    if (failure) {
      delete world.describeFailure;
      return Promise.reject(failure);
    }
    const tasks: Task[] = [];
    const failures: Failure[] = [];
    for (const arn of input.tasks) {
      const found = world.tasks.get(arn);
      if (found) tasks.push(found);
      else failures.push({ arn, reason: 'MISSING' });
    }
    return Promise.resolve({ tasks, failures });
  });
  elbMock
    .on(DescribeTargetHealthCommand)
    .callsFake((input: { TargetGroupArn: string }) =>
      Promise.resolve({ TargetHealthDescriptions: world.targets[input.TargetGroupArn] ?? [] }),
    );
}

/** Runs tasks `ids` (all RUNNING and listed). */
function runTasks(ids: number[]): void {
  put(...ids.map((i) => task(i)));
  world.running = ids.map(taskArn);
}

interface Reads {
  describeServices: number;
  listRunning: number;
  listStopped: number;
  /** Sizes of the DescribeTasks calls, largest first. */
  describeChunks: number[];
  described: string[];
  targetHealth: string[];
}

/** What the last snapshot read; the history is cleared for the next one. */
function reads(): Reads {
  const lists = ecsMock.commandCalls(ListTasksCommand).map((c) => c.args[0].input);
  const describes = ecsMock.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks ?? []);
  const result: Reads = {
    describeServices: ecsMock.commandCalls(DescribeServicesCommand).length,
    listRunning: lists.filter((l) => l.desiredStatus === 'RUNNING').length,
    listStopped: lists.filter((l) => l.desiredStatus === 'STOPPED').length,
    describeChunks: describes.map((d) => d.length).sort((a, b) => b - a),
    described: describes.flat(),
    targetHealth: elbMock
      .commandCalls(DescribeTargetHealthCommand)
      .map((c) => c.args[0].input.TargetGroupArn ?? ''),
  };
  ecsMock.resetHistory();
  elbMock.resetHistory();
  return result;
}

const arnsOf = (snapshot: Snapshot): string[] => snapshot.tasks.map((t) => t.arn).sort();

beforeEach(() => {
  ecsMock.reset();
  elbMock.reset();
  world = { service: service(), tasks: new Map(), running: [], stopped: [], targets: {} };
  stubWorld();
});

describe('ServiceObserver: what one snapshot reads', () => {
  it('first snapshot: 1 DescribeServices, ListTasks RUNNING in pages of 100, STOPPED listed once, DescribeTasks in chunks of 100, 1 DescribeTargetHealth per group', async () => {
    runTasks(range(0, 230));
    world.stopped = range(1000, 20).map(taskArn);
    put(...range(1000, 20).map((i) => stoppedTask(i, 'an earlier deployment')));
    world.targets = {
      [TG1]: [{ Target: { Id: '127.0.1.1', Port: 8080 }, TargetHealth: { State: 'healthy' } }],
      [TG2]: [
        {
          Target: { Id: '127.0.1.2', Port: 8080 },
          TargetHealth: {
            State: 'draining',
            Reason: 'Target.DeregistrationInProgress',
            Description: 'Target deregistration is in progress',
          },
        },
      ],
    };
    const observer = new ServiceObserver(clients, ref, () => 42);

    const snapshot = await observer.observe();

    const first = reads();
    expect(first).toMatchObject({
      describeServices: 1,
      listRunning: 3,
      listStopped: 1,
      describeChunks: [100, 100, 30],
    });
    expect(new Set(first.described)).toEqual(new Set(range(0, 230).map(taskArn)));
    expect(first.targetHealth.sort()).toEqual([TG1, TG2].sort());
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(0); // history cleared by reads()
    expect(snapshot.at).toBe(42);
    expect(snapshot.tasks).toHaveLength(230);
    expect(snapshot.targets).toEqual([
      { targetGroupArn: TG1, id: '127.0.1.1', port: 8080, state: 'healthy' },
      {
        targetGroupArn: TG2,
        id: '127.0.1.2',
        port: 8080,
        state: 'draining',
        reason: 'Target.DeregistrationInProgress',
        description: 'Target deregistration is in progress',
      },
    ]);
  });

  it('sends the cluster, service, desired status and page size ECS takes; pages follow nextToken', async () => {
    runTasks(range(0, 150));
    await new ServiceObserver(clients, ref).observe();
    expect(ecsMock.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
      cluster: 'prod',
      services: ['web'],
    });
    const lists = ecsMock.commandCalls(ListTasksCommand).map((c) => c.args[0].input);
    expect(lists.filter((l) => l.desiredStatus === 'RUNNING')).toEqual([
      { cluster: 'prod', serviceName: 'web', desiredStatus: 'RUNNING', maxResults: 100 },
      { cluster: 'prod', serviceName: 'web', desiredStatus: 'RUNNING', maxResults: 100, nextToken: '100' },
    ]);
    expect(ecsMock.commandCalls(DescribeTasksCommand).every((c) => c.args[0].input.cluster === 'prod')).toBe(
      true,
    );
  });

  it('later snapshots: RUNNING listed and described again, STOPPED not listed, nothing else', async () => {
    runTasks(range(0, 230));
    world.stopped = range(1000, 20).map(taskArn);
    const observer = new ServiceObserver(clients, ref);
    await observer.observe();
    reads();

    for (let n = 0; n < 3; n++) {
      const snapshot = await observer.observe();
      expect(reads()).toMatchObject({
        describeServices: 1,
        listRunning: 3,
        listStopped: 0,
        describeChunks: [100, 100, 30],
        targetHealth: [TG1, TG2],
      });
      expect(snapshot.tasks).toHaveLength(230);
    }
  });

  it('no task: no DescribeTasks call at all', async () => {
    const snapshot = await new ServiceObserver(clients, ref).observe();
    expect(reads()).toMatchObject({
      describeServices: 1,
      listRunning: 1,
      listStopped: 1,
      describeChunks: [],
    });
    expect(snapshot.tasks).toEqual([]);
  });

  it('describes at most 4 chunks at a time', async () => {
    runTasks(range(0, 1000));
    let inFlight = 0;
    let most = 0;
    ecsMock.on(DescribeTasksCommand).callsFake(async (input: { tasks: string[] }) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Let every other worker start its call before this one answers.
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return { tasks: input.tasks.map((arn) => world.tasks.get(arn)) };
    });
    const snapshot = await new ServiceObserver(clients, ref).observe();
    expect(reads().describeChunks).toEqual(Array(10).fill(100));
    expect(most).toBe(4);
    expect(snapshot.tasks).toHaveLength(1000);
  });
});

describe('ServiceObserver: tasks that stop', () => {
  it('a task that left the RUNNING listing is described once, kept with its stoppedReason, never described again', async () => {
    runTasks([1, 2, 3]);
    const observer = new ServiceObserver(clients, ref);
    await observer.observe();
    reads();

    // ECS stopped task 3: it leaves the RUNNING listing; DescribeTasks says why.
    world.running = [1, 2].map(taskArn);
    put(stoppedTask(3, 'Task failed ELB health checks in (target-group web)'));
    const second = await observer.observe();
    const secondReads = reads();
    expect(secondReads.described.sort()).toEqual([1, 2, 3].map(taskArn).sort());
    expect(secondReads.listStopped).toBe(0);
    expect(second.tasks.find((t) => t.arn === taskArn(3))).toMatchObject({
      lastStatus: 'STOPPED',
      stoppedReason: 'Task failed ELB health checks in (target-group web)',
      stopCode: 'EssentialContainerExited',
    });

    for (let n = 0; n < 2; n++) {
      const later = await observer.observe();
      expect(reads().described.sort()).toEqual([1, 2].map(taskArn).sort());
      expect(arnsOf(later)).toEqual([1, 2, 3].map(taskArn).sort());
      expect(later.tasks.find((t) => t.arn === taskArn(3))?.stoppedReason).toBe(
        'Task failed ELB health checks in (target-group web)',
      );
    }
  });

  it('a task first seen stopped for failed ELB health checks: the events are read once more, so ECS’s reason is in the same snapshot', async () => {
    runTasks([1, 2, 3]);
    const observer = new ServiceObserver(clients, ref);
    await observer.observe();
    reads();

    // ECS stops task 3 just after this look's DescribeServices: its event is written with the stop.
    const unhealthy = {
      id: 'e2',
      createdAt: new Date(1_700_000_300_000),
      message: `(service web) (task ${'3'.padStart(32, '0')}) (port 8080) is unhealthy in (target-group ${TG1}) due to (reason Health checks failed with these codes: [500]).`,
    };
    const before = world.service;
    let stopped = false;
    ecsMock.on(DescribeServicesCommand).callsFake(() => {
      const answer = world.service;
      if (!stopped) {
        stopped = true;
        world.running = [1, 2].map(taskArn);
        put(stoppedTask(3, `Task failed ELB health checks in (target-group ${TG1})`));
        world.service = { ...before, events: [unhealthy, ...(before.events ?? [])] };
      }
      return Promise.resolve({ services: [answer] });
    });
    const second = await observer.observe();
    expect(reads().describeServices).toBe(2);
    expect(second.service.events.map((e) => e.message)).toContain(unhealthy.message);

    // Seen once: later looks read the service once again, whatever stopped before.
    await observer.observe();
    expect(reads().describeServices).toBe(1);
  });

  it('a task stopped for another reason costs no second DescribeServices', async () => {
    runTasks([1, 2]);
    const observer = new ServiceObserver(clients, ref);
    await observer.observe();
    reads();
    world.running = [taskArn(1)];
    put(stoppedTask(2, 'Essential container in task exited'));
    await observer.observe();
    expect(reads().describeServices).toBe(1);
  });

  it('a task being stopped is described every snapshot until it is STOPPED, then kept and not described again', async () => {
    runTasks([1, 2]);
    const observer = new ServiceObserver(clients, ref);
    await observer.observe();
    reads();

    world.running = [taskArn(1)];
    put(
      task(2, {
        desiredStatus: 'STOPPED',
        lastStatus: 'DEACTIVATING',
        stoppedReason: 'Scaling activity initiated by deployment',
      }),
    );
    const draining = await observer.observe();
    expect(reads().described.sort()).toEqual([1, 2].map(taskArn).sort());
    expect(draining.tasks.find((t) => t.arn === taskArn(2))).toMatchObject({
      desiredStatus: 'STOPPED',
      lastStatus: 'DEACTIVATING',
    });

    put(task(2, { desiredStatus: 'STOPPED', lastStatus: 'STOPPING' }));
    await observer.observe();
    expect(reads().described.sort()).toEqual([1, 2].map(taskArn).sort());

    put(stoppedTask(2, 'Scaling activity initiated by deployment'));
    const stopped = await observer.observe();
    expect(reads().described.sort()).toEqual([1, 2].map(taskArn).sort());
    expect(stopped.tasks.find((t) => t.arn === taskArn(2))?.lastStatus).toBe('STOPPED');

    const after = await observer.observe();
    expect(reads().described).toEqual([taskArn(1)]);
    expect(arnsOf(after)).toEqual([1, 2].map(taskArn).sort());
  });

  it('a task seen STOPPED in the RUNNING listing is kept and not described again once it leaves it', async () => {
    runTasks([1]);
    put(stoppedTask(1, 'Essential container in task exited'));
    const observer = new ServiceObserver(clients, ref);
    const first = await observer.observe();
    expect(first.tasks[0]?.lastStatus).toBe('STOPPED');
    reads();
    world.running = [];
    const second = await observer.observe();
    expect(reads().described).toEqual([]);
    expect(arnsOf(second)).toEqual([taskArn(1)]);
  });

  it('STOPPED tasks are listed again only when a deployment’s failedTasks grew; new ones are described once', async () => {
    runTasks([1, 2]);
    world.stopped = range(1000, 5).map(taskArn);
    put(...range(1000, 5).map((i) => stoppedTask(i, 'an earlier deployment')));
    const observer = new ServiceObserver(clients, ref);
    await observer.observe();
    expect(reads()).toMatchObject({ listStopped: 1 });

    // A new task started and stopped between two snapshots: never listed RUNNING, failedTasks 1.
    put(stoppedTask(7, 'Essential container in task exited'));
    world.stopped = [taskArn(7), ...world.stopped];
    world.service = service({ deployments: [deployment({ failedTasks: 1 })] });
    const grew = await observer.observe();
    const grewReads = reads();
    expect(grewReads.listStopped).toBe(1);
    expect(grewReads.described.sort()).toEqual([1, 2, 7].map(taskArn).sort());
    expect(grew.tasks.find((t) => t.arn === taskArn(7))?.stoppedReason).toBe(
      'Essential container in task exited',
    );

    // failedTasks unchanged: no listing; the stopped task is kept without a read.
    const same = await observer.observe();
    const sameReads = reads();
    expect(sameReads.listStopped).toBe(0);
    expect(sameReads.described.sort()).toEqual([1, 2].map(taskArn).sort());
    expect(arnsOf(same)).toEqual([1, 2, 7].map(taskArn).sort());
  });

  it('a new deployment that already counts failed tasks at first sight lists STOPPED too', async () => {
    runTasks([1]);
    const observer = new ServiceObserver(clients, ref);
    await observer.observe();
    reads();
    world.service = service({
      deployments: [deployment({ id: 'ecs-svc/2', failedTasks: 2 }), deployment({ status: 'ACTIVE' })],
    });
    await observer.observe();
    expect(reads().listStopped).toBe(1);
  });

  it('tasks that were STOPPED before the first snapshot are never described, even when STOPPED is listed again', async () => {
    runTasks([1]);
    const earlier = range(1000, 120).map(taskArn);
    world.stopped = earlier;
    put(...range(1000, 120).map((i) => stoppedTask(i, 'an earlier deployment')));
    const observer = new ServiceObserver(clients, ref);
    const first = await observer.observe();
    expect(reads()).toMatchObject({ listStopped: 2, described: [taskArn(1)] });
    expect(arnsOf(first)).toEqual([taskArn(1)]);

    world.service = service({ deployments: [deployment({ failedTasks: 1 })] });
    put(stoppedTask(9, 'Essential container in task exited'));
    world.stopped = [taskArn(9), ...earlier];
    const later = await observer.observe();
    const laterReads = reads();
    expect(laterReads.listStopped).toBe(2);
    expect(laterReads.described.sort()).toEqual([1, 9].map(taskArn).sort());
    expect(arnsOf(later)).toEqual([1, 9].map(taskArn).sort());
  });

  it('a listed task that vanished before DescribeTasks (MISSING) is left out without an error', async () => {
    runTasks([1, 2]);
    world.tasks.delete(taskArn(2));
    const snapshot = await new ServiceObserver(clients, ref).observe();
    expect(arnsOf(snapshot)).toEqual([taskArn(1)]);
  });

  it('a task being stopped that ECS no longer describes (MISSING) is not asked about again', async () => {
    runTasks([1, 2]);
    const observer = new ServiceObserver(clients, ref);
    await observer.observe();
    world.running = [taskArn(1)];
    put(task(2, { desiredStatus: 'STOPPED', lastStatus: 'DEACTIVATING' }));
    await observer.observe();
    reads();

    world.tasks.delete(taskArn(2));
    const gone = await observer.observe();
    expect(reads().described.sort()).toEqual([1, 2].map(taskArn).sort());
    expect(arnsOf(gone)).toEqual([taskArn(1)]);

    await observer.observe();
    expect(reads().described).toEqual([taskArn(1)]);
  });
});

describe('ServiceObserver: errors leave as classified DriverErrors', () => {
  const rejection = async (observer: ServiceObserver): Promise<DriverError> => {
    const error = await observer.observe().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DriverError);
    return error as DriverError;
  };

  it('a throttled ListTasks: throttled, AWS’s code kept, naming the service and cluster', async () => {
    ecsMock.on(ListTasksCommand).rejects(
      new ECSServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    const error = await rejection(new ServiceObserver(clients, ref));
    expect(error).toMatchObject({ kind: 'throttled', code: 'ThrottlingException', httpStatus: 400 });
    expect(error.message).toBe(
      'Listing the tasks of service "web" in cluster "prod" failed: ThrottlingException: Rate exceeded',
    );
  });

  it('a DescribeTasks answered 500: transient, the status kept', async () => {
    runTasks([1]);
    ecsMock
      .on(DescribeTasksCommand)
      .rejects(new ServerException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }));
    const error = await rejection(new ServiceObserver(clients, ref));
    expect(error).toMatchObject({ kind: 'transient', code: 'ServerException', httpStatus: 500 });
    expect(error.message).toMatch(
      /^Describing the tasks of service "web" in cluster "prod" failed: ServerException \(HTTP 500\)/,
    );
  });

  it('a DescribeTargetHealth that lost its connection: transient, the network code kept, naming the group', async () => {
    elbMock
      .on(DescribeTargetHealthCommand, { TargetGroupArn: TG2 })
      .rejects(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    const error = await rejection(new ServiceObserver(clients, ref));
    expect(error).toMatchObject({ kind: 'transient', networkCode: 'ECONNRESET' });
    expect(error.message).toContain(`DescribeTargetHealth for target group ${TG2} failed: ECONNRESET`);
  });

  it('a deleted target group: fatal', async () => {
    elbMock.on(DescribeTargetHealthCommand).rejects(
      new TargetGroupNotFoundException({
        message: 'One or more target groups not found',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const error = await rejection(new ServiceObserver(clients, ref));
    expect(error).toMatchObject({ kind: 'fatal', code: 'TargetGroupNotFoundException' });
  });

  it('an unknown cluster: fatal, with the fix', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .rejects(
        new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: { httpStatusCode: 400 } }),
      );
    const error = await rejection(new ServiceObserver(clients, ref));
    expect(error).toMatchObject({ kind: 'fatal', code: 'ClusterNotFoundException' });
    expect(error.message).toMatch(
      /^Cluster "prod" not found: ClusterNotFoundException: Cluster not found\..*`cluster` input/,
    );
  });

  it('a service deleted meanwhile: a fatal refusal, and no task is read', async () => {
    world.service = service({ status: 'INACTIVE' });
    const error = await rejection(new ServiceObserver(clients, ref));
    expect(error).toMatchObject({ kind: 'fatal', code: 'ServiceNotActiveException' });
    expect(reads()).toMatchObject({ listRunning: 0, describeChunks: [] });
  });

  it('a failed snapshot changes nothing: the next one reads as if it had not happened', async () => {
    runTasks([1]);
    world.stopped = [taskArn(1000)];
    const observer = new ServiceObserver(clients, ref);
    world.describeFailure = new ServerException({
      message: 'Internal error',
      $metadata: { httpStatusCode: 500 },
    });
    await rejection(observer);
    reads();
    const snapshot = await observer.observe();
    // Still the first successful snapshot: STOPPED is listed to learn the earlier ones.
    expect(reads()).toMatchObject({ listStopped: 1, described: [taskArn(1)] });
    expect(arnsOf(snapshot)).toEqual([taskArn(1)]);
  });
});

describe('translation into the engine shapes', () => {
  it('translates a service: settings, deployments, events, target groups', () => {
    const view = toServiceView(service({ deployments: [deployment({ failedTasks: 1 })] }));
    expect(view.settings).toEqual({
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: false },
    });
    expect(view.targetGroupArns).toEqual([TG1, TG2]);
    expect(view.deployments[0]).toEqual({
      id: 'ecs-svc/1234567890123456789',
      status: 'PRIMARY',
      taskDefinitionArn: TD,
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

  it('names each target group once, however many containers use it', () => {
    const view = toServiceView(
      service({
        loadBalancers: [
          { targetGroupArn: TG1, containerName: 'web', containerPort: 8080 },
          { targetGroupArn: TG1, containerName: 'web', containerPort: 9090 },
        ],
      }),
    );
    expect(view.targetGroupArns).toEqual([TG1]);
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
      taskDefinitionArn: TD,
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
