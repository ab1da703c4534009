// One observation of the service: what platform/observe.ts returns, what decide.ts and the gates
// read. Plain shapes, no AWS SDK type: the platform driver translates AWS's answers into them.
import type { DeploymentSettings } from './types.js';

export type TaskLastStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'ACTIVATING'
  | 'RUNNING'
  | 'DEACTIVATING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED';

export interface TaskView {
  arn: string;
  /** Last part of the ARN, what people see in the console. */
  id: string;
  taskDefinitionArn: string;
  lastStatus: TaskLastStatus | string;
  desiredStatus: 'RUNNING' | 'STOPPED' | string;
  /** `ecs-svc/<deployment id>` for service tasks. */
  startedBy?: string;
  /** Private IPv4 address from the task's awsvpc attachment: the target id in `ip` target groups. */
  ip?: string;
  /**
   * Where each target group of the service reaches this task, as the platform worked it out from
   * the group's target type: `ip` groups by the awsvpc address alone; `instance` groups (EC2 launch
   * type, bridge or host network mode) by the EC2 instance id of the task's container instance and
   * the host port bound to the container port the service's load balancer names. Several tasks can
   * share an instance in bridge mode, so an instance address always has its port. When absent, the
   * task is reached by `ip` in every group (the awsvpc case).
   */
  targets?: TargetAddress[];
  createdAt?: number;
  startedAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
  containers: {
    name: string;
    exitCode?: number;
    reason?: string;
    lastStatus?: string;
    /** ECS's container health: HEALTHY, UNHEALTHY, or UNKNOWN (being evaluated, or no health check). */
    healthStatus?: ContainerHealth;
  }[];
  /** ECS's task health: the worst of its essential containers that have a health check. */
  healthStatus?: ContainerHealth;
}

export type ContainerHealth = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN' | string;
/** One task's target in one target group: `port` only where the id alone is not the task's (`instance`). */
export interface TargetAddress {
  targetGroupArn: string;
  id: string;
  port?: number;
}

export type TargetState =
  'initial' | 'healthy' | 'unhealthy' | 'unhealthy.draining' | 'unused' | 'draining' | 'unavailable';

export interface TargetView {
  targetGroupArn: string;
  /** For `ip` target groups, the task's IPv4 address; for `instance` ones, the EC2 instance id. */
  id: string;
  port: number;
  state: TargetState | string;
  reason?: string;
  description?: string;
}

export interface DeploymentView {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE' | string;
  taskDefinitionArn: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  failedTasks: number;
  rolloutState?: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | string;
  rolloutStateReason?: string;
  createdAt?: number;
  updatedAt?: number;
}

export interface ServiceEventView {
  id: string;
  createdAt: number;
  message: string;
}

export interface ServiceView {
  arn: string;
  name: string;
  clusterArn: string;
  status: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  taskDefinitionArn: string;
  settings: DeploymentSettings;
  deployments: DeploymentView[];
  /** Newest first, as ECS returns them. */
  events: ServiceEventView[];
  targetGroupArns: string[];
  deploymentController: string;
  /** deploymentConfiguration.strategy (ROLLING, BLUE_GREEN, LINEAR, CANARY); absent means ROLLING. */
  deploymentStrategy?: string;
  /** The service's loadBalancers: which container and port each target group routes to (additive). */
  loadBalancers?: { targetGroupArn: string; containerName?: string; containerPort?: number }[];
  /**
   * The CloudWatch alarms the service itself names for its deployments
   * (deploymentConfiguration.alarms.alarmNames), when it has them enabled.
   */
  alarmNames?: string[];
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** One CloudWatch alarm as DescribeAlarms reports it: its state, why, and what it watches. */
export interface AlarmView {
  name: string;
  kind: 'metric' | 'composite';
  state: AlarmState | string;
  /** CloudWatch's own words for the last state change (`Threshold Crossed: 1 datapoint [...]`). */
  stateReason?: string;
  stateUpdatedAt?: number;
  /** A metric alarm's metric (absent for a metric-math alarm). */
  metric?: { namespace: string; name: string; dimensions: { name: string; value: string }[] };
  /** A composite alarm's rule (`ALARM(a) OR ALARM(b)`). */
  rule?: string;
}

export interface Snapshot {
  /** When the observation finished (ms since the epoch, from the injected clock). */
  at: number;
  service: ServiceView;
  /** Every task of the service that ECS still reports: RUNNING ones and recently STOPPED ones. */
  tasks: TaskView[];
  /** Every target of every target group of the service. */
  targets: TargetView[];
  /** The CloudWatch alarms the rollout gates on, when it gates on any (read with every snapshot). */
  alarms?: AlarmView[];
}
