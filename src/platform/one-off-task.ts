// The one-off (pre-deploy) task over the AWS SDK: RunTask shaped like the service's own tasks
// (its awsvpc configuration, launch type or capacity provider strategy, platform version), then
// DescribeTasks and StopTask. It reads and changes; src/pre-deploy.ts decides.
import {
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type RunTaskCommandInput,
  type Service,
} from '@aws-sdk/client-ecs';
import type { OneOffTaskDriver } from '../pre-deploy-plan.js';
import { driverError, refusal } from './errors.js';
import { describeServiceRaw, toTaskView, type ServiceRef } from './shapes.js';
import type { TaskView } from '../rollout/snapshot.js';

/**
 * The parts of the service RunTask must repeat so the task lands where the service's tasks do
 * (the same subnets and security groups, so it reaches the same database). Pure.
 */
export function runTaskPlacement(
  service: Service,
): Pick<
  RunTaskCommandInput,
  'networkConfiguration' | 'launchType' | 'capacityProviderStrategy' | 'platformVersion'
> {
  const out: ReturnType<typeof runTaskPlacement> = {};
  if (service.networkConfiguration?.awsvpcConfiguration)
    out.networkConfiguration = { awsvpcConfiguration: service.networkConfiguration.awsvpcConfiguration };
  // RunTask takes one or the other: "If a capacityProviderStrategy is specified, the launchType
  // parameter must be omitted" (RunTask API reference).
  if (service.capacityProviderStrategy && service.capacityProviderStrategy.length > 0)
    out.capacityProviderStrategy = service.capacityProviderStrategy;
  else if (service.launchType) out.launchType = service.launchType;
  if (service.platformVersion) out.platformVersion = service.platformVersion;
  return out;
}

export function createOneOffTaskDriver(ecs: ECSClient, ref: ServiceRef): OneOffTaskDriver {
  const { cluster } = ref;
  let placement: ReturnType<typeof runTaskPlacement> | undefined;
  return {
    async runTask(request) {
      // Read when first needed: the service as it is just before the task starts.
      placement ??= runTaskPlacement(await describeServiceRaw(ecs, ref));
      try {
        const answer = await ecs.send(
          new RunTaskCommand({
            cluster,
            taskDefinition: request.taskDefinitionArn,
            count: 1,
            startedBy: request.startedBy,
            clientToken: request.clientToken,
            ...placement,
            overrides: {
              containerOverrides: [{ name: request.container, command: [...request.command] }],
            },
          }),
        );
        const task = answer.tasks?.[0];
        return {
          ...(task ? { task: toTaskView(task) } : {}),
          failures: (answer.failures ?? []).map((f) => ({
            ...(f.arn ? { arn: f.arn } : {}),
            ...(f.reason ? { reason: f.reason } : {}),
            ...(f.detail ? { detail: f.detail } : {}),
          })),
        };
      } catch (error) {
        throw driverError(
          error,
          `RunTask of the pre-deploy task in cluster "${cluster}" failed`,
          'The action needs ecs:RunTask on the task definition and iam:PassRole for its task and execution roles',
        );
      }
    },

    async describeTask(taskArn: string): Promise<TaskView | undefined> {
      try {
        const answer = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
        const task = answer.tasks?.[0];
        return task ? toTaskView(task) : undefined;
      } catch (error) {
        throw driverError(error, `DescribeTasks of the pre-deploy task ${taskArn} failed`);
      }
    },

    async stopTask(taskArn: string, reason: string): Promise<void> {
      try {
        // StopTask's reason is at most 255 characters (API reference).
        await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason: reason.slice(0, 255) }));
      } catch (error) {
        if ((error as Error).name === 'InvalidParameterException')
          throw refusal(`StopTask of ${taskArn}: ECS no longer knows the task`);
        throw driverError(
          error,
          `StopTask of the pre-deploy task ${taskArn} failed`,
          'The action needs ecs:StopTask',
        );
      }
    },
  };
}
