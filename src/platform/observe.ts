// One snapshot of a service, read in as few calls as AWS allows, and translated into the engine's
// plain shapes (src/rollout/types.ts). No decision is taken here.
//   1 DescribeServices, ListTasks pages of 100 (RUNNING and STOPPED), DescribeTasks chunks of 100,
//   1 DescribeTargetHealth per target group of the service (in parallel).
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type DesiredStatus,
  type ECSClient,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ServiceView, Snapshot, TargetView, TaskView } from '../rollout/types.js';
import { PlatformError, wrapAwsError } from './errors.js';
import { allPages } from './pages.js';

/** ListTasks and DescribeTasks take at most 100 per call (ECS API reference). */
export const TASK_PAGE_SIZE = 100;
/** Parallel DescribeTasks calls: enough for latency, well under ECS's burst for cluster reads. */
const DESCRIBE_TASKS_CONCURRENCY = 4;

export interface ServiceRef {
  cluster: string;
  service: string;
}

const ms = (date: Date | undefined): number | undefined => (date ? date.getTime() : undefined);

/** Sets only the optional properties that have a value (exactOptionalPropertyTypes). */
function withDefined<T extends object>(base: T, optional: Record<string, unknown>): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) out[key] = value;
  return out as T;
}

// ---------------------------------------------------------------------------------------------
// DescribeServices, with the errors a user can act on.

/**
 * DescribeServices for one service. ECS answers an unknown cluster with ClusterNotFoundException,
 * and an unknown service not with an error but with a `failures` entry (reason MISSING); a deleted
 * service is still returned for a while with status INACTIVE, a service being deleted DRAINING.
 */
export async function describeServiceRaw(ecs: ECSClient, ref: ServiceRef): Promise<Service> {
  const where = `service "${ref.service}" in cluster "${ref.cluster}"`;
  let answer;
  try {
    answer = await ecs.send(new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] }));
  } catch (error) {
    if ((error as Error).name === 'ClusterNotFoundException') {
      throw wrapAwsError(
        error,
        `Cluster "${ref.cluster}" not found`,
        'Check the `cluster` input (name or ARN) and that AWS_REGION is the region the cluster is in',
      );
    }
    throw wrapAwsError(error, `DescribeServices for ${where} failed`);
  }
  const service = answer.services?.[0];
  if (!service) {
    const failure = answer.failures?.[0];
    throw new PlatformError(
      `Service "${ref.service}" not found in cluster "${ref.cluster}"` +
        (failure?.reason ? ` (ECS: ${failure.reason})` : '') +
        '. Check the `service` and `cluster` inputs and the region; create the service before deploying to it',
      { code: 'ServiceNotFoundException' },
    );
  }
  return service;
}

/**
 * The checks every mode needs before it reads or changes a service: ACTIVE, the ECS deployment
 * controller (the rolling update this action paces; CODE_DEPLOY and EXTERNAL services deploy through
 * task sets instead) and at least one load-balancer target group to gate on.
 */
export function assertDeployableService(service: Service, ref: ServiceRef): void {
  const where = `Service "${ref.service}" in cluster "${ref.cluster}"`;
  if (service.status && service.status !== 'ACTIVE') {
    throw new PlatformError(
      `${where} is ${service.status}` +
        (service.status === 'DRAINING' ? ' (being deleted)' : ' (deleted)') +
        '; only an ACTIVE service can be deployed. Recreate the service, or fix the `service` input',
      { code: 'ServiceNotActiveException' },
    );
  }
  const controller = service.deploymentController?.type ?? 'ECS';
  if (controller !== 'ECS') {
    throw new PlatformError(
      `${where} uses the ${controller} deployment controller; this action paces ECS rolling updates ` +
        'and needs deploymentController type ECS. Deploy it with CodeDeploy / its own controller, or recreate the service with the ECS controller',
      { code: 'UnsupportedDeploymentController' },
    );
  }
  if (targetGroupArnsOf(service).length === 0) {
    throw new PlatformError(
      `${where} has no load balancer target group; the rollout gates each batch on ELBv2 target health. ` +
        'Attach the service to a target group (loadBalancers in CreateService/UpdateService)',
      { code: 'NoTargetGroup' },
    );
  }
}

export function targetGroupArnsOf(service: Service): string[] {
  const arns = (service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((a): a is string => !!a);
  return [...new Set(arns)];
}

export function toServiceView(service: Service): ServiceView {
  const config = service.deploymentConfiguration;
  const breaker = config?.deploymentCircuitBreaker;
  return {
    arn: service.serviceArn ?? '',
    name: service.serviceName ?? '',
    clusterArn: service.clusterArn ?? '',
    status: service.status ?? '',
    desiredCount: service.desiredCount ?? 0,
    runningCount: service.runningCount ?? 0,
    pendingCount: service.pendingCount ?? 0,
    taskDefinitionArn: service.taskDefinition ?? '',
    // ECS's defaults for a service created without a deploymentConfiguration (rolling update:
    // minimumHealthyPercent 100, maximumPercent 200).
    settings: withDefined(
      {
        maximumPercent: config?.maximumPercent ?? 200,
        minimumHealthyPercent: config?.minimumHealthyPercent ?? 100,
      },
      { circuitBreaker: breaker ? { enable: breaker.enable, rollback: breaker.rollback } : undefined },
    ),
    deployments: (service.deployments ?? []).map((d) =>
      withDefined(
        {
          id: d.id ?? '',
          status: d.status ?? '',
          taskDefinitionArn: d.taskDefinition ?? '',
          desiredCount: d.desiredCount ?? 0,
          pendingCount: d.pendingCount ?? 0,
          runningCount: d.runningCount ?? 0,
          failedTasks: d.failedTasks ?? 0,
        },
        {
          rolloutState: d.rolloutState,
          rolloutStateReason: d.rolloutStateReason,
          createdAt: ms(d.createdAt),
          updatedAt: ms(d.updatedAt),
        },
      ),
    ),
    events: (service.events ?? []).map((e) => ({
      id: e.id ?? '',
      createdAt: ms(e.createdAt) ?? 0,
      message: e.message ?? '',
    })),
    targetGroupArns: targetGroupArnsOf(service),
    deploymentController: service.deploymentController?.type ?? 'ECS',
  };
}

// ---------------------------------------------------------------------------------------------
// Tasks.

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
  const results: Task[][] = new Array<Task[]>(chunks.length);
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

/** The awsvpc ENI attachment carries the task's private IPv4 address (the `ip` target id). */
export function taskIp(task: Task): string | undefined {
  for (const attachment of task.attachments ?? []) {
    if (attachment.type !== 'ElasticNetworkInterface' && attachment.type !== 'eni') continue;
    const ip = attachment.details?.find((d) => d.name === 'privateIPv4Address')?.value;
    if (ip) return ip;
  }
  return task.containers?.flatMap((c) => c.networkInterfaces ?? []).find((n) => n.privateIpv4Address)
    ?.privateIpv4Address;
}

export function toTaskView(task: Task): TaskView {
  const arn = task.taskArn ?? '';
  return withDefined(
    {
      arn,
      id: arn.slice(arn.lastIndexOf('/') + 1),
      taskDefinitionArn: task.taskDefinitionArn ?? '',
      lastStatus: task.lastStatus ?? '',
      desiredStatus: task.desiredStatus ?? '',
      containers: (task.containers ?? []).map((c) =>
        withDefined(
          { name: c.name ?? '' },
          { exitCode: c.exitCode ?? undefined, reason: c.reason, lastStatus: c.lastStatus },
        ),
      ),
    },
    {
      startedBy: task.startedBy,
      ip: taskIp(task),
      createdAt: ms(task.createdAt),
      startedAt: ms(task.startedAt),
      stoppedAt: ms(task.stoppedAt),
      stoppedReason: task.stoppedReason,
      stopCode: task.stopCode,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Target health.

export function toTargetView(targetGroupArn: string, d: TargetHealthDescription): TargetView {
  return withDefined(
    {
      targetGroupArn,
      id: d.Target?.Id ?? '',
      port: d.Target?.Port ?? 0,
      state: d.TargetHealth?.State ?? 'unavailable',
    },
    { reason: d.TargetHealth?.Reason, description: d.TargetHealth?.Description },
  );
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
        throw wrapAwsError(error, `DescribeTargetHealth for target group ${arn} failed`);
      }
    }),
  );
  return perGroup.flat();
}

// ---------------------------------------------------------------------------------------------

/**
 * One snapshot. The service is read first: its target groups name the DescribeTargetHealth calls.
 * Tasks and target health are then read together, so the snapshot spans as little time as possible.
 * STOPPED tasks are listed too, so the gate can say why a new task stopped (ECS keeps them
 * describable for about an hour).
 */
export async function observeService(
  clients: { ecs: ECSClient; elbv2: ElasticLoadBalancingV2Client },
  ref: ServiceRef,
  now: () => number = Date.now,
): Promise<Snapshot> {
  const raw = await describeServiceRaw(clients.ecs, ref);
  assertDeployableService(raw, ref);
  const service = toServiceView(raw);
  const readTasks = async (): Promise<TaskView[]> => {
    try {
      const [running, stopped] = await Promise.all([
        listServiceTaskArns(clients.ecs, ref, 'RUNNING'),
        listServiceTaskArns(clients.ecs, ref, 'STOPPED'),
      ]);
      const arns = [...new Set([...running, ...stopped])];
      return (await describeTasksChunked(clients.ecs, ref.cluster, arns)).map(toTaskView);
    } catch (error) {
      throw wrapAwsError(
        error,
        `Reading the tasks of service "${ref.service}" in cluster "${ref.cluster}" failed`,
      );
    }
  };
  const [tasks, targets] = await Promise.all([
    readTasks(),
    describeTargets(clients.elbv2, service.targetGroupArns),
  ]);
  return { at: now(), service, tasks, targets };
}
