// The ECS part's state: clusters, task definitions, services with their deployments and events, and
// tasks. Plain records; api.ts shapes them into AWS's output, scheduler.ts and tasks.ts change them.
import type { TaskHandle } from '../contracts.js';
import type { ServiceDeploymentRecord, ServiceRevisionRecord } from './service-deployments.js';

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

export interface DeploymentConfiguration {
  maximumPercent: number;
  minimumHealthyPercent: number;
  deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
}

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

export type TaskStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'ACTIVATING'
  | 'RUNNING'
  | 'DEACTIVATING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED';

export interface ContainerRecord {
  name: string;
  image: string;
  essential: boolean;
  port?: number;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  exitCode?: number;
  reason?: string;
  runtimeId: string;
  /** From the container definition, as DescribeTasks reports them (strings there). */
  cpu: string;
  memory?: string;
  memoryReservation?: string;
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
  ip: string;
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
  containers: ContainerRecord[];
  attachmentId: string;
  /** Targets this task is registered in (awsvpc: its IP at the container port). */
  targets: { targetGroupArn: string; port: number }[];
  tags: Tag[];
  handle?: TaskHandle;
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
  };
}
