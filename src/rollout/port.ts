// The engine's one window on the world, owned by the engine: everything any mode (deploy, rollback,
// plan, post) needs from ECS and ELBv2, in the engine's own plain types. platform/ecs-service.ts
// implements it with the AWS SDK for a service that uses the ECS deployment controller; a second
// driver (an EXTERNAL controller with task sets) would be a new file implementing the same port.
//
// Errors cross this boundary already classified (DriverError.kind), so the engine decides whether
// to retry without knowing a single SDK field.
import type { DeploymentSettings } from './types.js';
import type { AlarmView, ServiceView, Snapshot } from './snapshot.js';

/**
 * - throttled: AWS said slow down (ThrottlingException, HTTP 429): retry, backing off.
 * - transient: a 5xx, a timeout, a dropped or refused connection: retry within the phase's bound.
 * - fatal: anything a retry cannot fix (access denied, not found, a validation error).
 */
export type ErrorKind = 'throttled' | 'transient' | 'fatal';

export interface DriverErrorDetails {
  kind: ErrorKind;
  /** AWS's error code (`ThrottlingException`, `ServiceNotFoundException`), when AWS answered. */
  code?: string;
  /** The HTTP status AWS answered with, when it answered. */
  httpStatus?: number;
  /** The network error code (`ECONNRESET`, `ETIMEDOUT`), when there was no answer. */
  networkCode?: string;
  cause?: unknown;
}

/** An error from the platform: a sentence a user can act on, and how the engine should treat it. */
export class DriverError extends Error {
  readonly kind: ErrorKind;
  readonly code: string | undefined;
  readonly httpStatus: number | undefined;
  readonly networkCode: string | undefined;

  constructor(message: string, details: DriverErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DriverError';
    this.kind = details.kind;
    this.code = details.code;
    this.httpStatus = details.httpStatus;
    this.networkCode = details.networkCode;
  }
}

/** Anything that is not a DriverError is a bug or a refusal: not worth retrying. */
export function errorKind(error: unknown): ErrorKind {
  return error instanceof DriverError ? error.kind : 'fatal';
}

/** The AWS error code of a DriverError, if AWS answered with one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof DriverError ? error.code : undefined;
}

export interface TaskDefinitionRecord {
  arn: string;
  family: string;
  revision: number;
  status: string;
  /** The registered definition as DescribeTaskDefinition returns it (read-only fields included). */
  body: Record<string, unknown>;
  tags: Record<string, string>;
}

export interface TargetGroupFacts {
  arn: string;
  name: string;
  targetType: string;
  healthCheck: {
    protocol: string;
    port: string;
    path: string;
    intervalSeconds: number;
    timeoutSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
    matcher: string;
  };
  deregistrationDelaySeconds: number;
}

/**
 * An ECS service deployment (ListServiceDeployments / DescribeServiceDeployments, since 2024): the
 * record of one move of the service to a service revision, which StopServiceDeployment can roll back.
 */
export interface ServiceDeploymentView {
  arn: string;
  /** PENDING, IN_PROGRESS, SUCCESSFUL, STOPPED, STOP_REQUESTED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED. */
  status: string;
  statusReason?: string;
  /** The task definition of the target service revision, when the driver could read it. */
  targetTaskDefinitionArn?: string;
  createdAt?: number;
  rollback?: { reason?: string; startedAt?: number };
  circuitBreaker?: { status?: string; failureCount?: number; threshold?: number };
}

export interface ObserveOptions {
  /**
   * Also read the CloudWatch alarms the driver was built to gate on (`Snapshot.alarms`). Only the
   * rollout's watch asks: a restore, a plan or a verification must not depend on CloudWatch.
   */
  alarms?: boolean;
}

export interface ServiceDriver {
  readonly cluster: string;
  readonly service: string;
  /** Read-only. Throws a clear (fatal) error when the cluster or service does not exist. */
  describeService(): Promise<ServiceView>;
  /** Read-only. Throws naming the target group that does not exist. */
  describeTargetGroups(arns: readonly string[]): Promise<TargetGroupFacts[]>;
  /** `family`, `family:revision` or ARN. Read-only. */
  describeTaskDefinition(ref: string): Promise<TaskDefinitionRecord>;
  /** ACTIVE revisions of a family, newest first. Read-only. */
  listTaskDefinitionArns(family: string): Promise<string[]>;
  registerTaskDefinition(body: Record<string, unknown>): Promise<TaskDefinitionRecord>;
  /** UpdateService with a task definition and/or deployment settings. */
  updateService(change: { taskDefinitionArn?: string; settings?: DeploymentSettings }): Promise<void>;
  /**
   * One snapshot: the service, its live tasks (and the ones seen stopping or stopped since this
   * driver started watching), and every target of its target groups.
   */
  observe(options?: ObserveOptions): Promise<Snapshot>;
  /**
   * CloudWatch alarms by name, metric and composite; a name with no alarm is absent from the
   * answer. Only a driver built with alarms to gate on has it. Read-only.
   */
  describeAlarms?(names: readonly string[]): Promise<AlarmView[]>;
  readServiceTags(): Promise<Record<string, string>>;
  tagService(tags: Record<string, string>): Promise<void>;
  untagService(keys: readonly string[]): Promise<void>;
  /**
   * The newest service deployment created at or after `since` whose target revision runs
   * `taskDefinitionArn`; undefined when ECS lists none (or the account cannot list them).
   */
  findServiceDeployment(taskDefinitionArn: string, since: number): Promise<ServiceDeploymentView | undefined>;
  describeServiceDeployment(arn: string): Promise<ServiceDeploymentView | undefined>;
  /** StopServiceDeployment with stopType ROLLBACK. */
  rollBackServiceDeployment(arn: string): Promise<void>;
}
