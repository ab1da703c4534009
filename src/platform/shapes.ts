// AWS's answers in the engine's plain shapes (src/rollout/types.ts), and the checks every mode needs
// before it reads or changes a service. No decision is taken here.
import { DescribeServicesCommand, type ECSClient, type Service, type Task } from '@aws-sdk/client-ecs';
import type { TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { driverError, refusal } from './errors.js';
import type { ServiceView, TargetAddress, TargetView, TaskView } from '../rollout/snapshot.js';

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
      throw driverError(
        error,
        `Cluster "${ref.cluster}" not found`,
        'Check the `cluster` input (name or ARN) and that AWS_REGION is the region the cluster is in',
      );
    }
    throw driverError(error, `DescribeServices for ${where} failed`);
  }
  const service = answer.services?.[0];
  if (!service) {
    const failure = answer.failures?.[0];
    throw refusal(
      `Service "${ref.service}" not found in cluster "${ref.cluster}"` +
        (failure?.reason ? ` (ECS: ${failure.reason})` : '') +
        '. Check the `service` and `cluster` inputs and the region; create the service before deploying to it',
      'ServiceNotFoundException',
    );
  }
  return service;
}

/**
 * The checks every mode needs before it reads or changes a service: ACTIVE, the ECS deployment
 * controller (the rolling update this action paces; CODE_DEPLOY and EXTERNAL services deploy through
 * task sets instead). Target groups are optional.
 */
export function assertDeployableService(service: Service, ref: ServiceRef): void {
  const where = `Service "${ref.service}" in cluster "${ref.cluster}"`;
  if (service.status && service.status !== 'ACTIVE') {
    throw refusal(
      `${where} is ${service.status}` +
        (service.status === 'DRAINING' ? ' (being deleted)' : ' (deleted)') +
        '; only an ACTIVE service can be deployed. Recreate the service, or fix the `service` input',
      'ServiceNotActiveException',
    );
  }
  const controller = service.deploymentController?.type ?? 'ECS';
  if (controller !== 'ECS') {
    throw refusal(
      `${where} uses the ${controller} deployment controller; this action paces ECS rolling updates ` +
        'and needs deploymentController type ECS. Deploy it with CodeDeploy / its own controller, or recreate the service with the ECS controller',
      'UnsupportedDeploymentController',
    );
  }
  // A service with no target group (a queue worker) is deployable: its batches are gated on the
  // tasks staying RUNNING and, where the task definition has them, on container health checks.
}

function targetGroupArnsOf(service: Service): string[] {
  const arns = (service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((a): a is string => !!a);
  return [...new Set(arns)];
}

export function toServiceView(service: Service): ServiceView {
  const config = service.deploymentConfiguration;
  const breaker = config?.deploymentCircuitBreaker;
  const view: ServiceView = {
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
    loadBalancers: (service.loadBalancers ?? [])
      .filter((lb) => !!lb.targetGroupArn)
      .map((lb) =>
        withDefined(
          { targetGroupArn: lb.targetGroupArn ?? '' },
          { containerName: lb.containerName, containerPort: lb.containerPort },
        ),
      ),
    ...(serviceAlarmNames(service).length > 0 ? { alarmNames: serviceAlarmNames(service) } : {}),
  };
  if (config?.strategy) view.deploymentStrategy = config.strategy;
  return view;
}

/**
 * The alarms the service names for its own deployments (deploymentConfiguration.alarms), taken
 * only when enabled: ECS itself watches them only then ("enable: Determines whether to use the
 * CloudWatch alarm option in the service deployment process").
 */
export function serviceAlarmNames(service: Service): string[] {
  const alarms = service.deploymentConfiguration?.alarms;
  return alarms?.enable ? [...new Set(alarms.alarmNames ?? [])] : [];
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

/** What it takes to find a task's targets besides the task itself (see taskTargets). */
export interface TargetAddressing {
  loadBalancers: NonNullable<ServiceView['loadBalancers']>;
  /** Each target group's target type, where the driver has read it (DescribeTargetGroups). */
  targetTypes: ReadonlyMap<string, string>;
  /** The EC2 instance id of a container instance (DescribeContainerInstances). */
  ec2InstanceIdOf(containerInstanceArn: string): string | undefined;
}

/**
 * Where each target group of the service reaches `task` ("Use load balancing to distribute Amazon
 * ECS service traffic"): an `ip` group by the task's awsvpc address; an `instance` group by the EC2
 * instance id of the task's container instance and the host port that the container named in the
 * service's loadBalancers binds for its container port (DescribeTasks `networkBindings`: "After a
 * task reaches the RUNNING status, manual and automatic host and container port assignments are
 * visible"). A group whose type is not known yet is taken by the task's network: awsvpc tasks can
 * only be `ip` targets, bridge and host tasks are `instance` ones. undefined when every group
 * reaches the task by its IP (the engine's default), so awsvpc tasks keep their plain shape.
 */
export function taskTargets(task: Task, addressing: TargetAddressing): TargetAddress[] | undefined {
  const ip = taskIp(task);
  const out: TargetAddress[] = [];
  let byInstance = false;
  for (const lb of addressing.loadBalancers) {
    const type = addressing.targetTypes.get(lb.targetGroupArn) ?? (ip !== undefined ? 'ip' : 'instance');
    if (type === 'ip') {
      if (ip !== undefined) out.push({ targetGroupArn: lb.targetGroupArn, id: ip });
      continue;
    }
    byInstance = true;
    const instance = task.containerInstanceArn
      ? addressing.ec2InstanceIdOf(task.containerInstanceArn)
      : undefined;
    const container = task.containers?.find((c) => c.name === lb.containerName);
    const binding = container?.networkBindings?.find(
      (b) => b.containerPort === lb.containerPort && (b.protocol ?? 'tcp') === 'tcp',
    );
    if (instance !== undefined && binding?.hostPort !== undefined)
      out.push({ targetGroupArn: lb.targetGroupArn, id: instance, port: binding.hostPort });
  }
  return byInstance ? out : undefined;
}

export function toTaskView(task: Task, addressing?: TargetAddressing): TaskView {
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
          {
            exitCode: c.exitCode ?? undefined,
            reason: c.reason,
            lastStatus: c.lastStatus,
            healthStatus: c.healthStatus,
          },
        ),
      ),
    },
    {
      startedBy: task.startedBy,
      ip: taskIp(task),
      targets: addressing ? taskTargets(task, addressing) : undefined,
      createdAt: ms(task.createdAt),
      startedAt: ms(task.startedAt),
      stoppedAt: ms(task.stoppedAt),
      stoppedReason: task.stoppedReason,
      stopCode: task.stopCode,
      healthStatus: task.healthStatus,
    },
  );
}

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
