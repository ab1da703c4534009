// The ServiceDriver for a service with the ECS deployment controller, over the AWS SDK v3.
// It reads and changes; it never decides (that is src/rollout). Every AWS error is wrapped with
// what was being done and, where there is one, the fix.
import {
  DescribeTaskDefinitionCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateServiceCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
  type TaskDefinition,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DeploymentSettings, ServiceView, Snapshot } from '../rollout/types.js';
import type { ServiceDriver, TargetGroupFacts, TaskDefinitionRecord } from './service-driver.js';
import { PlatformError, wrapAwsError } from './errors.js';
import { allPages } from './pages.js';
import { assertDeployableService, describeServiceRaw, observeService, toServiceView } from './observe.js';

export interface EcsServiceDriverOptions {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  cluster: string;
  service: string;
  /** Clock for snapshot times; Date.now by default. */
  now?: () => number;
}

/** ELBv2's default deregistration delay when the attribute is absent (300 s). */
const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300;

export function createEcsServiceDriver(options: EcsServiceDriverOptions): ServiceDriver {
  const { ecs, elbv2, cluster, service } = options;
  const ref = { cluster, service };
  const now = options.now ?? Date.now;
  const where = `service "${service}" in cluster "${cluster}"`;
  let serviceArn: string | undefined;

  const describeService = async (): Promise<ServiceView> => {
    const raw = await describeServiceRaw(ecs, ref);
    assertDeployableService(raw, ref);
    serviceArn = raw.serviceArn;
    return toServiceView(raw);
  };

  const arnOfService = async (): Promise<string> => {
    if (!serviceArn) serviceArn = (await describeServiceRaw(ecs, ref)).serviceArn;
    if (!serviceArn) throw new PlatformError(`ECS returned no ARN for ${where}`);
    return serviceArn;
  };

  return {
    cluster,
    service,
    describeService,

    async describeTargetGroups(arns: readonly string[]): Promise<TargetGroupFacts[]> {
      // One call per group (a service has at most 5), so a missing group is named: a
      // DescribeTargetGroups with several ARNs fails as a whole with TargetGroupNotFound.
      return Promise.all(arns.map((arn) => describeTargetGroup(elbv2, arn, where)));
    },

    async describeTaskDefinition(taskDefinitionRef: string): Promise<TaskDefinitionRecord> {
      try {
        const answer = await ecs.send(
          new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionRef, include: ['TAGS'] }),
        );
        if (!answer.taskDefinition)
          throw new PlatformError(`ECS returned no task definition for "${taskDefinitionRef}"`);
        return toRecord(answer.taskDefinition, answer.tags);
      } catch (error) {
        throw wrapAwsError(
          error,
          `Task definition "${taskDefinitionRef}" could not be read`,
          'Check that the family, revision or ARN exists in this region and account',
        );
      }
    },

    async listTaskDefinitionArns(family: string): Promise<string[]> {
      let arns: string[];
      try {
        arns = await allPages(async (nextToken) => {
          const page = await ecs.send(
            new ListTaskDefinitionsCommand({
              familyPrefix: family,
              status: 'ACTIVE',
              sort: 'DESC',
              maxResults: 100,
              ...(nextToken ? { nextToken } : {}),
            }),
          );
          return { items: page.taskDefinitionArns, nextToken: page.nextToken };
        });
      } catch (error) {
        throw wrapAwsError(error, `Listing the revisions of task definition family "${family}" failed`);
      }
      // familyPrefix matches by prefix ("web" also lists "web-worker"): keep the family itself.
      return arns.filter((arn) => familyOfArn(arn) === family);
    },

    async registerTaskDefinition(body: Record<string, unknown>): Promise<TaskDefinitionRecord> {
      try {
        const answer = await ecs.send(
          new RegisterTaskDefinitionCommand(body as unknown as RegisterTaskDefinitionCommandInput),
        );
        if (!answer.taskDefinition)
          throw new PlatformError('ECS returned no task definition from RegisterTaskDefinition');
        return toRecord(answer.taskDefinition, answer.tags);
      } catch (error) {
        throw wrapAwsError(
          error,
          `Registering task definition "${String(body.family ?? '?')}" failed`,
          'Check the task definition file against the RegisterTaskDefinition API (and the ecs:RegisterTaskDefinition and iam:PassRole permissions)',
        );
      }
    },

    async updateService(change: {
      taskDefinitionArn?: string;
      settings?: DeploymentSettings;
    }): Promise<void> {
      const input: UpdateServiceCommandInput = { cluster, service };
      if (change.taskDefinitionArn) input.taskDefinition = change.taskDefinitionArn;
      if (change.settings) {
        input.deploymentConfiguration = {
          maximumPercent: change.settings.maximumPercent,
          minimumHealthyPercent: change.settings.minimumHealthyPercent,
          // Sent only when known, so the service's own circuit breaker is never switched off by omission.
          ...(change.settings.circuitBreaker
            ? { deploymentCircuitBreaker: change.settings.circuitBreaker }
            : {}),
        };
      }
      try {
        await ecs.send(new UpdateServiceCommand(input));
      } catch (error) {
        throw wrapAwsError(error, `UpdateService for ${where} failed`);
      }
    },

    observe(): Promise<Snapshot> {
      return observeService({ ecs, elbv2 }, ref, now);
    },

    async readServiceTags(): Promise<Record<string, string>> {
      try {
        const answer = await ecs.send(new ListTagsForResourceCommand({ resourceArn: await arnOfService() }));
        return tagsToRecord(answer.tags);
      } catch (error) {
        throw wrapAwsError(error, `Reading the tags of ${where} failed`);
      }
    },

    async tagService(tags: Record<string, string>): Promise<void> {
      try {
        await ecs.send(
          new TagResourceCommand({
            resourceArn: await arnOfService(),
            tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
          }),
        );
      } catch (error) {
        throw wrapAwsError(
          error,
          `Tagging ${where} failed`,
          'The ecs:TagResource permission is needed to record releases for manual rollbacks (and the account must use the long ARN format)',
        );
      }
    },
  };
}

async function describeTargetGroup(
  elbv2: ElasticLoadBalancingV2Client,
  arn: string,
  where: string,
): Promise<TargetGroupFacts> {
  try {
    const [groups, attributes] = await Promise.all([
      elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] })),
      elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn })),
    ]);
    const group = groups.TargetGroups?.[0];
    if (!group) throw new PlatformError(`Target group ${arn} not found`, { code: 'TargetGroupNotFound' });
    const delay = attributes.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
    return {
      arn,
      name: group.TargetGroupName ?? '',
      targetType: group.TargetType ?? '',
      healthCheck: {
        protocol: group.HealthCheckProtocol ?? 'HTTP',
        port: group.HealthCheckPort ?? 'traffic-port',
        path: group.HealthCheckPath ?? '/',
        intervalSeconds: group.HealthCheckIntervalSeconds ?? 30,
        timeoutSeconds: group.HealthCheckTimeoutSeconds ?? 5,
        healthyThreshold: group.HealthyThresholdCount ?? 5,
        unhealthyThreshold: group.UnhealthyThresholdCount ?? 2,
        matcher: group.Matcher?.HttpCode ?? group.Matcher?.GrpcCode ?? '200',
      },
      deregistrationDelaySeconds: delay !== undefined ? Number(delay) : DEFAULT_DEREGISTRATION_DELAY_SECONDS,
    };
  } catch (error) {
    const code = (error as Error).name;
    if (code === 'TargetGroupNotFoundException' || code === 'TargetGroupNotFound') {
      throw wrapAwsError(
        error,
        `Target group ${arn} of ${where} does not exist`,
        'The service points at a deleted target group: recreate it or update the service’s loadBalancers',
      );
    }
    throw wrapAwsError(error, `Describing target group ${arn} failed`);
  }
}

function toRecord(taskDefinition: TaskDefinition, tags: Tag[] | undefined): TaskDefinitionRecord {
  return {
    arn: taskDefinition.taskDefinitionArn ?? '',
    family: taskDefinition.family ?? '',
    revision: taskDefinition.revision ?? 0,
    status: taskDefinition.status ?? '',
    body: taskDefinition as unknown as Record<string, unknown>,
    tags: tagsToRecord(tags),
  };
}

function tagsToRecord(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.key !== undefined) out[tag.key] = tag.value ?? '';
  return out;
}

/** `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>` → family. */
export function familyOfArn(arn: string): string {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}
