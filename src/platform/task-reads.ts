// The paged and chunked reads one snapshot is made of: ListTasks in pages of 100, DescribeTasks
// and DescribeContainerInstances in chunks of 100, DescribeTargetHealth per target group.
import {
  DescribeContainerInstancesCommand,
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
import { driverError } from './errors.js';
import { allPages } from './pages.js';
import { toTargetView, type ServiceRef } from './shapes.js';
import type { TargetView } from '../rollout/snapshot.js';

/** ListTasks and DescribeTasks take at most 100 per call (ECS API reference). */
export const TASK_PAGE_SIZE = 100;
/** DescribeContainerInstances takes at most 100 container instances per call (ECS API reference). */
export const CONTAINER_INSTANCE_PAGE_SIZE = 100;
/** Parallel DescribeTasks calls: enough for latency, well under ECS's burst for cluster reads. */
const DESCRIBE_TASKS_CONCURRENCY = 4;

/**
 * Container instance ARN -> EC2 instance id, by DescribeContainerInstances in chunks of 100, one
 * chunk at a time (the tasks of a service rarely span more than a few hundred instances). An
 * instance ECS no longer knows (deregistered: a `failures` entry, reason MISSING) is left out.
 */
export async function describeContainerInstancesChunked(
  ecs: ECSClient,
  cluster: string,
  arns: readonly string[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let i = 0; i < arns.length; i += CONTAINER_INSTANCE_PAGE_SIZE) {
    const answer = await ecs.send(
      new DescribeContainerInstancesCommand({
        cluster,
        containerInstances: arns.slice(i, i + CONTAINER_INSTANCE_PAGE_SIZE),
      }),
    );
    for (const ci of answer.containerInstances ?? []) {
      if (ci.containerInstanceArn && ci.ec2InstanceId) ids.set(ci.containerInstanceArn, ci.ec2InstanceId);
    }
  }
  return ids;
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
