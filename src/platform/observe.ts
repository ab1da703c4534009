// One snapshot of a service, read in as few calls as AWS allows. The observer remembers what it saw
// so each snapshot reads only what can have changed:
//   1 DescribeServices;
//   ListTasks (desiredStatus RUNNING), pages of 100;
//   DescribeTasks, chunks of 100, for the listed tasks, the ones seen stopping (desiredStatus
//     STOPPED, not yet STOPPED) and the ones that left the listing since the last snapshot;
//   1 DescribeTargetHealth per target group (it has no paging: one call answers every target).
// A task seen STOPPED never changes again, so it is described once and kept. STOPPED tasks are
// listed only when a deployment's failedTasks count grew (a task may have started and stopped
// between two snapshots): ECS keeps stopped tasks about an hour, and re-reading them every poll
// would spend the account's ListTasks/DescribeTasks budget on nothing.
import {
  DescribeTasksCommand,
  ListTasksCommand,
  type DesiredStatus,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Snapshot, TargetView, TaskView } from '../rollout/types.js';
import { driverError } from './errors.js';
import { allPages } from './pages.js';
import {
  assertDeployableService,
  describeServiceRaw,
  toServiceView,
  toTargetView,
  toTaskView,
  type ServiceRef,
} from './shapes.js';

/** ListTasks and DescribeTasks take at most 100 per call (ECS API reference). */
export const TASK_PAGE_SIZE = 100;
/** Parallel DescribeTasks calls: enough for latency, well under ECS's burst for cluster reads. */
const DESCRIBE_TASKS_CONCURRENCY = 4;

export interface ObserverClients {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
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

  constructor(
    private readonly clients: ObserverClients,
    private readonly ref: ServiceRef,
    private readonly now: () => number = Date.now,
  ) {}

  async observe(): Promise<Snapshot> {
    const { ecs, elbv2 } = this.clients;
    const raw = await describeServiceRaw(ecs, this.ref);
    assertDeployableService(raw, this.ref);
    const service = toServiceView(raw);

    const grew = service.deployments.some((d) => d.failedTasks > (this.failedTasksSeen.get(d.id) ?? 0));
    const listStopped = this.first || grew;
    const [running, stoppedList, targets] = await Promise.all([
      this.list('RUNNING'),
      listStopped ? this.list('STOPPED') : Promise.resolve([] as string[]),
      describeTargets(elbv2, service.targetGroupArns),
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

    const described = await this.describe([...toDescribe]);
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
    return { at: this.now(), service, tasks: [...live, ...this.stopped.values()], targets };
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

  private async describe(arns: readonly string[]): Promise<TaskView[]> {
    try {
      return (await describeTasksChunked(this.clients.ecs, this.ref.cluster, arns)).map(toTaskView);
    } catch (error) {
      throw driverError(
        error,
        `Describing the tasks of service "${this.ref.service}" in cluster "${this.ref.cluster}" failed`,
      );
    }
  }
}

/** Every task ARN of the service with this desired status, page by page. */
export async function listServiceTaskArns(
  ecs: ECSClient,
  ref: ServiceRef,
  desiredStatus: DesiredStatus,
): Promise<string[]> {
  return allPages(async (nextToken) => {
    const page = await ecs.send(
      new ListTasksCommand({
        cluster: ref.cluster,
        serviceName: ref.service,
        desiredStatus,
        maxResults: TASK_PAGE_SIZE,
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    return { items: page.taskArns, nextToken: page.nextToken };
  });
}

/**
 * DescribeTasks in chunks of 100, a few chunks at a time. Tasks that vanished between ListTasks and
 * DescribeTasks come back as `failures` (reason MISSING) and are simply not in the result.
 */
export async function describeTasksChunked(
  ecs: ECSClient,
  cluster: string,
  arns: readonly string[],
): Promise<Task[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < arns.length; i += TASK_PAGE_SIZE) chunks.push(arns.slice(i, i + TASK_PAGE_SIZE));
  const results = new Array<Task[]>(chunks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const index = next++;
      const answer = await ecs.send(new DescribeTasksCommand({ cluster, tasks: chunks[index] }));
      results[index] = answer.tasks ?? [];
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBE_TASKS_CONCURRENCY, chunks.length) }, worker));
  return results.flat();
}

/** One DescribeTargetHealth per group (all its registered targets), the groups in parallel. */
export async function describeTargets(
  elbv2: ElasticLoadBalancingV2Client,
  targetGroupArns: readonly string[],
): Promise<TargetView[]> {
  const perGroup = await Promise.all(
    targetGroupArns.map(async (arn) => {
      try {
        const answer = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
        return (answer.TargetHealthDescriptions ?? []).map((d) => toTargetView(arn, d));
      } catch (error) {
        throw driverError(error, `DescribeTargetHealth for target group ${arn} failed`);
      }
    }),
  );
  return perGroup.flat();
}
