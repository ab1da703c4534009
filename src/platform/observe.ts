// One snapshot of a service, read in as few calls as AWS allows. The observer remembers what it saw
// so each snapshot reads only what can have changed:
//   1 DescribeServices;
//   ListTasks (desiredStatus RUNNING), pages of 100;
//   DescribeTasks, chunks of 100, for the listed tasks, the ones seen stopping (desiredStatus
//     STOPPED, not yet STOPPED) and the ones that left the listing since the last snapshot;
//   1 DescribeTargetHealth per target group (it has no paging: one call answers every target).
//   DescribeContainerInstances, chunks of 100, only for container instances not seen before (EC2
//     launch type): an instance's EC2 id never changes, so each is read once per observer.
//   with alarms to gate on, 1 DescribeAlarms per 100 alarm names (none without);
//   1 more DescribeServices when a task is first seen stopped for failed ELB health checks.
// A task seen STOPPED never changes again, so it is described once and kept. STOPPED tasks are
// listed only when a deployment's failedTasks count grew (a task may have started and stopped
// between two snapshots): ECS keeps stopped tasks about an hour, and re-reading them every poll
// would spend the account's ListTasks/DescribeTasks budget on nothing.
import type { DesiredStatus, ECSClient, Service, Task } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ObserveOptions } from '../rollout/port.js';
import { describeAlarms } from './alarms.js';
import { driverError } from './errors.js';
import {
  assertDeployableService,
  describeServiceRaw,
  serviceAlarmNames,
  toServiceView,
  toTaskView,
  type ServiceRef,
  type TargetAddressing,
} from './shapes.js';
import type { AlarmView, Snapshot, TaskView } from '../rollout/snapshot.js';
import {
  describeContainerInstancesChunked,
  describeTargets,
  describeTasksChunked,
  listServiceTaskArns,
} from './task-reads.js';

/** ECS's stoppedReason for a task it stopped because a target failed ELB health checks. */
const ELB_STOP = /^Task failed ELB health checks/;

export interface ObserverClients {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
}

/**
 * The alarm gate's alarms: the names given, and with `useServiceAlarms` the ones the service names
 * for its own deployments (read from the same DescribeServices answer, so a change is followed).
 * With no name at all, no DescribeAlarms call is made.
 */
export interface ObservedAlarms {
  cloudwatch: CloudWatchClient;
  names: readonly string[];
  useServiceAlarms: boolean;
}

export class ServiceObserver {
  /** Tasks seen STOPPED since this observer started: final, never described again. */
  private readonly stopped = new Map<string, TaskView>();
  /** Tasks seen with desiredStatus STOPPED but not yet STOPPED: described every snapshot. */
  private readonly stopping = new Set<string>();
  /** Tasks listed RUNNING by the last snapshot. */
  private listed = new Set<string>();
  /** STOPPED tasks that were there before this observer started: not ours to explain. */
  private readonly earlierStopped = new Set<string>();
  private failedTasksSeen = new Map<string, number>();
  private first = true;
  /** Container instance ARN -> EC2 instance id: fixed for the instance's life, read once. */
  private readonly ec2Ids = new Map<string, string>();
  /** Target type per target group, as the driver read it (DescribeTargetGroups). */
  private readonly targetTypes = new Map<string, string>();

  constructor(
    private readonly clients: ObserverClients,
    private readonly ref: ServiceRef,
    private readonly now: () => number = Date.now,
    private readonly alarms?: ObservedAlarms,
    /** Told every service DescribeServices returns (the driver keeps its deploymentConfiguration). */
    private readonly onService: (raw: Service) => void = () => undefined,
  ) {}

  /** What the driver learnt of the groups' target types: how a task's targets are found. */
  noteTargetTypes(groups: readonly { arn: string; targetType: string }[]): void {
    for (const g of groups) if (g.targetType) this.targetTypes.set(g.arn, g.targetType);
  }

  async observe(options: ObserveOptions = {}): Promise<Snapshot> {
    const { ecs, elbv2 } = this.clients;
    const raw = await describeServiceRaw(ecs, this.ref);
    assertDeployableService(raw, this.ref);
    this.onService(raw);
    let service = toServiceView(raw);

    const grew = service.deployments.some((d) => d.failedTasks > (this.failedTasksSeen.get(d.id) ?? 0));
    const listStopped = this.first || grew;
    const alarmNames =
      this.alarms && options.alarms
        ? [
            ...new Set([
              ...this.alarms.names,
              ...(this.alarms.useServiceAlarms ? serviceAlarmNames(raw) : []),
            ]),
          ]
        : [];
    const [running, stoppedList, targets, alarms] = await Promise.all([
      this.list('RUNNING'),
      listStopped ? this.list('STOPPED') : Promise.resolve([] as string[]),
      describeTargets(elbv2, service.targetGroupArns),
      this.alarms && alarmNames.length > 0
        ? describeAlarms(this.alarms.cloudwatch, alarmNames)
        : Promise.resolve(undefined as AlarmView[] | undefined),
    ]);
    if (this.first) for (const arn of stoppedList) this.earlierStopped.add(arn);

    const runningSet = new Set(running);
    const toDescribe = new Set<string>(running);
    for (const arn of this.stopping) toDescribe.add(arn);
    // Left the RUNNING listing since the last look: ECS set it to stop; find out why, once.
    for (const arn of this.listed) if (!runningSet.has(arn) && !this.stopped.has(arn)) toDescribe.add(arn);
    for (const arn of stoppedList) {
      if (!this.earlierStopped.has(arn) && !this.stopped.has(arn)) toDescribe.add(arn);
    }

    const described = await this.describe([...toDescribe], service.loadBalancers ?? []);
    // ECS writes "(task …) is unhealthy in (target-group …) due to (reason …)" when it stops a task
    // for failed ELB health checks, and the target, now draining, has lost that reason. A task
    // stopped between this look's DescribeServices and its DescribeTasks would lack the event, and
    // the failure would not say why ELB failed it: read the events once more (rare: once per look
    // that first sees such a stop), before anything is remembered, so a failed read changes nothing.
    if (!this.first && described.some((t) => this.newlyStoppedByElb(t))) {
      service = { ...service, events: toServiceView(await describeServiceRaw(ecs, this.ref)).events };
    }
    const live: TaskView[] = [];
    for (const task of described) {
      if (task.lastStatus === 'STOPPED') {
        this.stopped.set(task.arn, task);
        this.stopping.delete(task.arn);
      } else {
        if (task.desiredStatus === 'STOPPED') this.stopping.add(task.arn);
        live.push(task);
      }
    }
    // A task ECS no longer describes (MISSING) has long stopped: stop asking about it.
    const seen = new Set(described.map((t) => t.arn));
    for (const arn of this.stopping) if (!seen.has(arn)) this.stopping.delete(arn);

    this.listed = runningSet;
    this.first = false;
    this.failedTasksSeen = new Map(service.deployments.map((d) => [d.id, d.failedTasks]));
    const snapshot: Snapshot = {
      at: this.now(),
      service,
      tasks: [...live, ...this.stopped.values()],
      targets,
    };
    if (alarms) snapshot.alarms = alarms;
    return snapshot;
  }

  private newlyStoppedByElb(task: TaskView): boolean {
    return (
      task.desiredStatus === 'STOPPED' &&
      !this.stopping.has(task.arn) &&
      !this.stopped.has(task.arn) &&
      ELB_STOP.test(task.stoppedReason ?? '')
    );
  }

  private async list(desiredStatus: DesiredStatus): Promise<string[]> {
    try {
      return await listServiceTaskArns(this.clients.ecs, this.ref, desiredStatus);
    } catch (error) {
      throw driverError(
        error,
        `Listing the tasks of service "${this.ref.service}" in cluster "${this.ref.cluster}" failed`,
      );
    }
  }

  private async describe(
    arns: readonly string[],
    loadBalancers: TargetAddressing['loadBalancers'],
  ): Promise<TaskView[]> {
    let tasks: Task[];
    try {
      tasks = await describeTasksChunked(this.clients.ecs, this.ref.cluster, arns);
    } catch (error) {
      throw driverError(
        error,
        `Describing the tasks of service "${this.ref.service}" in cluster "${this.ref.cluster}" failed`,
      );
    }
    await this.learnInstances(tasks);
    const addressing: TargetAddressing = {
      loadBalancers,
      targetTypes: this.targetTypes,
      ec2InstanceIdOf: (arn) => this.ec2Ids.get(arn),
    };
    return tasks.map((t) => toTaskView(t, addressing));
  }

  /** The EC2 ids of container instances these tasks run on that this observer has not seen yet. */
  private async learnInstances(tasks: readonly Task[]): Promise<void> {
    const unknown = new Set<string>();
    for (const t of tasks) {
      const arn = t.containerInstanceArn;
      if (arn && !this.ec2Ids.has(arn)) unknown.add(arn);
    }
    if (unknown.size === 0) return;
    try {
      const found = await describeContainerInstancesChunked(this.clients.ecs, this.ref.cluster, [...unknown]);
      for (const [arn, id] of found) this.ec2Ids.set(arn, id);
    } catch (error) {
      throw driverError(
        error,
        `Describing the container instances of service "${this.ref.service}" in cluster "${this.ref.cluster}" failed`,
      );
    }
  }
}
