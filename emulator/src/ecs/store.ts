// The ECS part's state: clusters, task definitions, services with their deployments and events, and
// tasks. Plain records; api.ts shapes them into AWS's output, scheduler.ts and tasks.ts change them.
import type { TaskHandle } from '../contracts.js';
import type { HealthCheckSpec, HealthStatus } from './container-health.js';
import type { ServiceDeploymentRecord, ServiceRevisionRecord } from './service-deployments.js';
import type { TaskStatus } from './task-lifecycle.js';

export interface Tag {
  key: string;
  value: string;
}

export interface ClusterRecord {
  arn: string;
  name: string;
  region: string;
  status: 'ACTIVE' | 'INACTIVE';
  tags: Tag[];
  settings: { name: string; value: string }[];
}

export interface TaskDefinitionRecord {
  arn: string;
  region: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  registeredAt: number;
  deregisteredAt?: number;
  /** The TaskDefinition shape as DescribeTaskDefinition returns it (defaults filled in). */
  body: Record<string, unknown>;
  tags: Tag[];
}

export interface LoadBalancerRef {
  targetGroupArn: string;
  containerName: string;
  containerPort: number;
}

/** Every member of the service's deploymentConfiguration (deployment-configuration.ts). */
export type { DeploymentConfiguration } from './deployment-configuration.js';
import type { DeploymentConfiguration } from './deployment-configuration.js';

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface DeploymentRecord {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinitionArn: string;
  /** The service revision this deployment runs (a rollback runs an earlier one: no new revision). */
  serviceRevisionArn: string;
  desiredCount: number;
  failedTasks: number;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  createdAt: number;
  updatedAt: number;
}

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface ServiceRecord {
  arn: string;
  name: string;
  region: string;
  clusterArn: string;
  clusterName: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  taskDefinitionArn: string;
  launchType: string;
  platformVersion?: string;
  loadBalancers: LoadBalancerRef[];
  networkConfiguration?: Record<string, unknown>;
  deploymentConfiguration: DeploymentConfiguration;
  healthCheckGracePeriodSeconds?: number;
  createdAt: number;
  deployments: DeploymentRecord[];
  /** Newest first, as DescribeServices returns them. */
  events: ServiceEvent[];
  tags: Tag[];
  propagateTags: string;
  enableECSManagedTags: boolean;
  enableExecuteCommand: boolean;
  /** The last deployment that reached COMPLETED: what a rollback (circuit breaker or StopServiceDeployment) goes back to. */
  lastCompleted?: { id: string; taskDefinitionArn: string; serviceRevisionArn: string };
  /** Whether the last "steady state" event still describes the service (so it is said once). */
  steady: boolean;
}

export type { TaskStatus };

export interface ContainerRecord {
  name: string;
  image: string;
  essential: boolean;
  port?: number;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  exitCode?: number;
  reason?: string;
  runtimeId: string;
  /** The container definition's health check, ECS's defaults filled in (container-health.ts). */
  healthCheck?: HealthCheckSpec;
  /** DescribeTasks' container healthStatus; absent = UNKNOWN. */
  healthStatus?: HealthStatus;
  /** From the container definition, as DescribeTasks reports them (strings there). */
  cpu: string;
  memory?: string;
  memoryReservation?: string;
  /** Bridge and host network modes: the host port bound to each container port, once placed. */
  networkBindings?: { containerPort: number; hostPort: number }[];
  /** RunTask's containerOverrides command, as DescribeTasks shows it in `overrides`. */
  command?: string[];
}

export interface TaskRecord {
  arn: string;
  id: string;
  region: string;
  clusterArn: string;
  clusterName: string;
  serviceArn?: string;
  serviceName?: string;
  deploymentId?: string;
  /** The service revision of the deployment that started it. */
  serviceRevisionArn?: string;
  taskDefinitionArn: string;
  family: string;
  revision: number;
  /**
   * Where the task's apps listen: its own awsvpc address, or (bridge and host network modes) the
   * address of the container instance it runs on, shared with the other tasks there.
   */
  ip: string;
  /** The task definition's network mode: `awsvpc`, `bridge` or `host`. */
  networkMode: string;
  /** EC2 launch type with bridge or host networking: the container instance it was placed on. */
  containerInstanceArn?: string;
  launchType: string;
  cpu?: string;
  memory?: string;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  startedBy?: string;
  group: string;
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
  /** DescribeTasks' task healthStatus (container-health.ts, taskHealthStatus); absent = UNKNOWN. */
  healthStatus?: HealthStatus;
  containers: ContainerRecord[];
  attachmentId: string;
  /**
   * Targets this task is registered in: awsvpc, its IP at the container port (`ip` groups); bridge
   * and host, its container instance's EC2 id at the host port (`instance` groups).
   */
  targets: { targetGroupArn: string; id: string; port: number }[];
  tags: Tag[];
  handle?: TaskHandle;
}

/**
 * A container instance (EC2 launch type): an EC2 instance whose agent registered it in a cluster
 * (RegisterContainerInstance). Its apps listen on its own loopback address.
 */
export interface ContainerInstanceRecord {
  arn: string;
  id: string;
  ec2InstanceId: string;
  region: string;
  clusterArn: string;
  clusterName: string;
  /** The instance's address: where bridge and host tasks on it listen, at their host ports. */
  ip: string;
  status: 'ACTIVE' | 'DRAINING';
  registeredAt: number;
  /** Host ports taken by tasks placed on it: port -> task ARN. */
  ports: Map<number, string>;
  attributes: { name: string; value?: string }[];
  tags: Tag[];
}

export interface EcsStore {
  clusters: Map<string, ClusterRecord>;
  /** Keyed by ARN. */
  taskDefinitions: Map<string, TaskDefinitionRecord>;
  /** Latest revision number per `${region}/${family}`, kept after deregistration (revisions never repeat). */
  revisions: Map<string, number>;
  /** Keyed by ARN; a deleted service stays INACTIVE. */
  services: Map<string, ServiceRecord>;
  /** Keyed by ARN, in start order. */
  tasks: Map<string, TaskRecord>;
  /** Service deployments (ListServiceDeployments), keyed by ARN, in creation order. */
  serviceDeployments: Map<string, ServiceDeploymentRecord>;
  /** Service revisions (DescribeServiceRevisions), keyed by ARN. */
  serviceRevisions: Map<string, ServiceRevisionRecord>;
  /** Container instances, keyed by ARN, in registration order. */
  containerInstances: Map<string, ContainerInstanceRecord>;
  /**
   * Services with a service deployment PENDING or ROLLBACK_REQUESTED, which the scheduler's next
   * reconcile of the service starts (service-deployments.ts, beginServiceDeployments).
   */
  serviceDeploymentsDue: Set<string>;
}

export function createStore(): EcsStore {
  return {
    clusters: new Map(),
    taskDefinitions: new Map(),
    revisions: new Map(),
    services: new Map(),
    tasks: new Map(),
    serviceDeployments: new Map(),
    serviceRevisions: new Map(),
    containerInstances: new Map(),
    serviceDeploymentsDue: new Set(),
  };
}
