// Service deployments and service revisions: the history ECS keeps of each deployment of a service
// (ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions, since October 2024;
// StopServiceDeployment, since April 2025). Pages: "View service history using Amazon ECS service
// deployments", "Amazon ECS service revisions", "Stopping Amazon ECS service deployments"; API
// reference ServiceDeployment, ServiceRevision, ServiceRevisionSummary. The scheduler and the API
// move the records through their states with the functions here and in
// service-deployment-events.ts, where the events happen; shapes are api-deployments.ts's.
import { circuitBreakerThreshold } from './rolling.js';
import {
  newServiceDeploymentId,
  newServiceRevisionId,
  serviceDeploymentArn,
  serviceRevisionArn,
} from './arns.js';
import type {
  DeploymentConfiguration,
  DeploymentRecord,
  EcsStore,
  LoadBalancerRef,
  ServiceRecord,
  TaskDefinitionRecord,
} from './store.js';
import { isStarting } from './task-lifecycle.js';

/** The ServiceDeploymentStatus enum of the ECS API model (botocore ecs 2014-11-13). */
export const SERVICE_DEPLOYMENT_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'SUCCESSFUL',
  'STOPPED',
  'STOP_REQUESTED',
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
] as const;
export type ServiceDeploymentStatus = (typeof SERVICE_DEPLOYMENT_STATUSES)[number];

/**
 * Page "View service history ...": the "Completed" stage (finished, successfully or not). The others
 * are Pending (PENDING) and Ongoing (IN_PROGRESS, STOP_REQUESTED, ROLLBACK_REQUESTED,
 * ROLLBACK_IN_PROGRESS).
 */
const FINISHED: ReadonlySet<ServiceDeploymentStatus> = new Set([
  'SUCCESSFUL',
  'STOPPED',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
]);
export const isFinished = (status: ServiceDeploymentStatus): boolean => FINISHED.has(status);
export const isRollingBack = (status: ServiceDeploymentStatus): boolean =>
  status === 'ROLLBACK_REQUESTED' || status === 'ROLLBACK_IN_PROGRESS';

export interface ServiceRevisionRecord {
  arn: string;
  serviceArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  launchType: string;
  platformVersion?: string;
  loadBalancers: LoadBalancerRef[];
  networkConfiguration?: Record<string, unknown>;
  /** Images as the task definition names them (never pulled here, so no digest). */
  containerImages: { containerName: string; image: string }[];
  createdAt: number;
}

/** API reference ServiceRevisionSummary. */
export interface RevisionCounts {
  arn: string;
  requestedTaskCount: number;
  runningTaskCount: number;
  pendingTaskCount: number;
}

export interface ServiceDeploymentRecord {
  arn: string;
  /** Creation order (two can be created within one millisecond). */
  sequence: number;
  serviceArn: string;
  clusterArn: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  stoppedAt?: number;
  updatedAt: number;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  targetRevisionArn: string;
  /** The revisions the service ran when this deployment was created. */
  sourceRevisionArns: string[];
  /** The ECS deployment (DescribeServices `deployments[].id`) that runs the target revision. */
  deploymentId: string;
  rollback?: { reason: string; startedAt?: number; serviceRevisionArn: string; deploymentId: string };
  /** Whether the deployment circuit breaker tripped on this deployment. */
  breakerTriggered: boolean;
  /** The deployment alarms that failed this deployment (ServiceDeploymentAlarms triggeredAlarmNames). */
  triggeredAlarmNames?: string[];
  /** Its ECS deployment's failedTasks, last seen (that deployment is dropped once its tasks are gone). */
  failureCount: number;
  /**
   * Taken when the deployment finishes. Page "View service history ...": the running task count of
   * a service revision "represents the number of running tasks when the deployment completed".
   */
  final?: {
    target: RevisionCounts;
    sources: RevisionCounts[];
    failureCount: number;
    threshold: number;
    deploymentConfiguration: DeploymentConfiguration;
  };
}

/** Requested, running and pending tasks of one revision of the service, now. */
export function revisionCounts(store: EcsStore, service: ServiceRecord, revisionArn: string): RevisionCounts {
  let running = 0;
  let pending = 0;
  for (const task of store.tasks.values()) {
    if (task.serviceArn !== service.arn || task.serviceRevisionArn !== revisionArn) continue;
    if (task.desiredStatus !== 'RUNNING') continue;
    if (task.lastStatus === 'RUNNING') running += 1;
    else if (isStarting(task.lastStatus)) pending += 1;
  }
  const requested = service.deployments
    .filter((d) => d.serviceRevisionArn === revisionArn)
    .reduce((sum, d) => sum + d.desiredCount, 0);
  return {
    arn: revisionArn,
    requestedTaskCount: requested,
    runningTaskCount: running,
    pendingTaskCount: pending,
  };
}

/**
 * The deployment's failed-task count as the circuit breaker reads it, and its threshold. The count
 * is also kept on the record (failureCounted), which outlives its ECS deployment (dropped once its
 * tasks are gone).
 */
function breakerCounts(
  service: ServiceRecord,
  record: ServiceDeploymentRecord,
): { failureCount: number; threshold: number } {
  const deployment = service.deployments.find((d) => d.id === record.deploymentId);
  if (deployment) record.failureCount = deployment.failedTasks;
  return {
    failureCount: record.failureCount,
    threshold: circuitBreakerThreshold(service.desiredCount),
  };
}

/**
 * Page "Amazon ECS service revisions": ECS "creates a new service revision when you create a
 * service, or update a service property that starts a deployment"; it records the task definition
 * and the environment (load balancers, network configuration, launch type, images).
 */
export function createRevision(
  store: EcsStore,
  service: ServiceRecord,
  definition: TaskDefinitionRecord,
  now: number,
): ServiceRevisionRecord {
  const containers = (definition.body['containerDefinitions'] ?? []) as { name?: unknown; image?: unknown }[];
  const revision: ServiceRevisionRecord = {
    arn: serviceRevisionArn(service.region, service.clusterName, service.name, newServiceRevisionId()),
    serviceArn: service.arn,
    clusterArn: service.clusterArn,
    taskDefinitionArn: definition.arn,
    launchType: service.launchType,
    loadBalancers: service.loadBalancers.map((lb) => ({ ...lb })),
    containerImages: containers.map((c) => ({ containerName: String(c.name), image: String(c.image) })),
    createdAt: now,
  };
  if (service.platformVersion !== undefined) revision.platformVersion = service.platformVersion;
  if (service.networkConfiguration)
    revision.networkConfiguration = structuredClone(service.networkConfiguration);
  store.serviceRevisions.set(revision.arn, revision);
  return revision;
}

/** The service's service deployments, newest first. */
export function serviceDeploymentsOf(store: EcsStore, service: ServiceRecord): ServiceDeploymentRecord[] {
  return [...store.serviceDeployments.values()]
    .filter((r) => r.serviceArn === service.arn)
    .sort((a, b) => b.sequence - a.sequence);
}

let lastSequence = 0;

/**
 * A new deployment of the service has started (CreateService, or UpdateService with a new task
 * definition or forceNewDeployment; page "View service history ...": "Amazon ECS automatically
 * creates a new service deployment" then). It starts PENDING, with the revisions the service runs
 * as its sources. A service deployment still under way is STOPPED: users see the earlier deployment
 * STOPPED, finished the moment the newer one started (kayac/ecspresso#899, #929: two deployments a
 * few seconds apart). Call after `deployment` is the service's PRIMARY.
 */
export function startServiceDeployment(
  store: EcsStore,
  service: ServiceRecord,
  deployment: DeploymentRecord,
  now: number,
): ServiceDeploymentRecord {
  const record: ServiceDeploymentRecord = {
    arn: serviceDeploymentArn(service.region, service.clusterName, service.name, newServiceDeploymentId()),
    sequence: ++lastSequence,
    serviceArn: service.arn,
    clusterArn: service.clusterArn,
    createdAt: now,
    updatedAt: now,
    status: 'PENDING',
    targetRevisionArn: deployment.serviceRevisionArn,
    sourceRevisionArns: [
      ...new Set(
        service.deployments
          .filter((d) => d !== deployment && d.status !== 'INACTIVE')
          .map((d) => d.serviceRevisionArn)
          .filter((arn) => arn !== deployment.serviceRevisionArn),
      ),
    ],
    deploymentId: deployment.id,
    breakerTriggered: false,
    failureCount: 0,
  };
  for (const earlier of serviceDeploymentsOf(store, service)) {
    if (!isFinished(earlier.status))
      finish(store, service, earlier, 'STOPPED', `Stopped: superseded by ${record.arn}.`, now);
  }
  store.serviceDeployments.set(record.arn, record);
  store.serviceDeploymentsDue.add(service.arn);
  return record;
}

/** End a service deployment: its status, reason and times, and the counts AWS reports after it. */
export function finish(
  store: EcsStore,
  service: ServiceRecord,
  record: ServiceDeploymentRecord,
  status: ServiceDeploymentStatus,
  reason: string | undefined,
  now: number,
): void {
  record.final = {
    target: revisionCounts(store, service, record.targetRevisionArn),
    sources: record.sourceRevisionArns.map((arn) => revisionCounts(store, service, arn)),
    ...breakerCounts(service, record),
    deploymentConfiguration: structuredClone(service.deploymentConfiguration),
  };
  record.status = status;
  if (reason !== undefined) record.statusReason = reason;
  record.startedAt ??= now;
  record.finishedAt = now;
  // API reference ServiceDeployment `stoppedAt`: a deployment stops when a user stops it (see
  // requestRollback), or when it fails with no rollback; a superseded one is STOPPED too.
  if (status === 'STOPPED') record.stoppedAt = now;
  record.updatedAt = now;
}

/**
 * A rollback of `record` to `revived` (the deployment running its source revision) has been asked
 * for, by StopServiceDeployment or by the circuit breaker: ROLLBACK_REQUESTED, then
 * ROLLBACK_IN_PROGRESS on the next reconcile (page "Stopping Amazon ECS service deployments":
 * "The service deployment moves to the ROLLBACK_REQUESTED state, and then the rollback operation
 * starts").
 */
export function requestRollback(
  store: EcsStore,
  record: ServiceDeploymentRecord,
  revived: DeploymentRecord,
  reason: string,
  now: number,
  byUser: boolean,
): void {
  record.startedAt ??= now;
  if (byUser) record.stoppedAt = now;
  record.status = 'ROLLBACK_REQUESTED';
  record.statusReason = reason;
  record.rollback = { reason, serviceRevisionArn: revived.serviceRevisionArn, deploymentId: revived.id };
  record.updatedAt = now;
  store.serviceDeploymentsDue.add(record.serviceArn);
}

/** The service deployment whose target `deployment` is, while it has not finished. */
export function ongoingFor(
  store: EcsStore,
  service: ServiceRecord,
  deployment: DeploymentRecord,
): ServiceDeploymentRecord | undefined {
  return serviceDeploymentsOf(store, service).find(
    (r) => r.deploymentId === deployment.id && !isFinished(r.status) && !isRollingBack(r.status),
  );
}

/** The ServiceDeployment's `deploymentCircuitBreaker` (API reference ServiceDeploymentCircuitBreaker). */
export function circuitBreakerView(
  service: ServiceRecord,
  record: ServiceDeploymentRecord,
): { status: string; failureCount: number; threshold: number } {
  const { failureCount, threshold } = record.final ?? breakerCounts(service, record);
  const config = record.final?.deploymentConfiguration ?? service.deploymentConfiguration;
  // ServiceDeploymentRollbackMonitorsStatus: TRIGGERED, MONITORING, MONITORING_COMPLETE, DISABLED.
  const status = record.breakerTriggered
    ? 'TRIGGERED'
    : !config.deploymentCircuitBreaker.enable
      ? 'DISABLED'
      : isFinished(record.status)
        ? 'MONITORING_COMPLETE'
        : 'MONITORING';
  return { status, failureCount, threshold };
}
