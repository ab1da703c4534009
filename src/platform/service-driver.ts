// The engine's one window on the world: everything any mode (deploy, rollback, plan, post) needs
// from ECS and ELBv2, in the engine's own plain types. ecs-service.ts implements it with the AWS SDK
// for a service that uses the ECS deployment controller; a second driver (EXTERNAL controller with
// task sets) would be a new file implementing the same interface.
import type { DeploymentSettings, ServiceView, Snapshot } from '../rollout/types.js';

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

export interface ServiceDriver {
  readonly cluster: string;
  readonly service: string;
  /** Read-only. Throws a clear error when the cluster or service does not exist. */
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
  /** One snapshot: DescribeServices, ListTasks + DescribeTasks (pages of 100), DescribeTargetHealth per group. */
  observe(): Promise<Snapshot>;
  readServiceTags(): Promise<Record<string, string>>;
  tagService(tags: Record<string, string>): Promise<void>;
}
