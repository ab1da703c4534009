// The ServiceDriver for a service with the ECS deployment controller, over the AWS SDK v3.
// It reads and changes; it never decides (that is src/rollout). Every AWS error leaves here as a
// classified DriverError with what was being done and, where there is one, the fix.
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeTaskDefinitionCommand,
  ListServiceDeploymentsCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type ServiceDeployment,
  type Tag,
  type TaskDefinition,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  ServiceDeploymentView,
  ServiceDriver,
  TargetGroupFacts,
  TaskDefinitionRecord,
} from '../rollout/port.js';
import type { DeploymentSettings, ServiceView } from '../rollout/types.js';
import { driverError, refusal } from './errors.js';
import { ServiceObserver } from './observe.js';
import { allPages } from './pages.js';
import { assertDeployableService, describeServiceRaw, toServiceView } from './shapes.js';

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
  const where = `service "${service}" in cluster "${cluster}"`;
  const observer = new ServiceObserver({ ecs, elbv2 }, ref, options.now ?? Date.now);
  let serviceArn: string | undefined;

  const describeService = async (): Promise<ServiceView> => {
    const raw = await describeServiceRaw(ecs, ref);
    assertDeployableService(raw, ref);
    serviceArn = raw.serviceArn;
    return toServiceView(raw);
  };

  const arnOfService = async (): Promise<string> => {
    if (!serviceArn) serviceArn = (await describeServiceRaw(ecs, ref)).serviceArn;
    if (!serviceArn) throw refusal(`ECS returned no ARN for ${where}`);
    return serviceArn;
  };

  /** The task definition of each service revision, read once: a revision never changes. */
  const revisionTaskDefinitions = new Map<string, string>();
  const taskDefinitionOfRevisions = async (arns: readonly string[]): Promise<void> => {
    const unknown = [...new Set(arns)].filter((arn) => !revisionTaskDefinitions.has(arn));
    for (let i = 0; i < unknown.length; i += 20) {
      const answer = await ecs.send(
        new DescribeServiceRevisionsCommand({ serviceRevisionArns: unknown.slice(i, i + 20) }),
      );
      for (const revision of answer.serviceRevisions ?? []) {
        if (revision.serviceRevisionArn && revision.taskDefinition)
          revisionTaskDefinitions.set(revision.serviceRevisionArn, revision.taskDefinition);
      }
    }
  };

  const toDeploymentView = (d: ServiceDeployment): ServiceDeploymentView => {
    const target = d.targetServiceRevision?.arn;
    const taskDefinition = target ? revisionTaskDefinitions.get(target) : undefined;
    const view: ServiceDeploymentView = { arn: d.serviceDeploymentArn ?? '', status: d.status ?? '' };
    if (d.statusReason) view.statusReason = d.statusReason;
    if (taskDefinition) view.targetTaskDefinitionArn = taskDefinition;
    if (d.createdAt) view.createdAt = d.createdAt.getTime();
    if (d.rollback) {
      view.rollback = {
        ...(d.rollback.reason ? { reason: d.rollback.reason } : {}),
        ...(d.rollback.startedAt ? { startedAt: d.rollback.startedAt.getTime() } : {}),
      };
    }
    if (d.deploymentCircuitBreaker) {
      const cb = d.deploymentCircuitBreaker;
      view.circuitBreaker = {
        ...(cb.status ? { status: cb.status } : {}),
        ...(cb.failureCount !== undefined ? { failureCount: cb.failureCount } : {}),
        ...(cb.threshold !== undefined ? { threshold: cb.threshold } : {}),
      };
    }
    return view;
  };

  const describeDeployments = async (arns: readonly string[]): Promise<ServiceDeploymentView[]> => {
    if (arns.length === 0) return [];
    const answer = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [...arns] }),
    );
    const deployments = answer.serviceDeployments ?? [];
    await taskDefinitionOfRevisions(
      deployments.map((d) => d.targetServiceRevision?.arn).filter((a): a is string => !!a),
    );
    return deployments.map(toDeploymentView);
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
          throw refusal(`ECS returned no task definition for "${taskDefinitionRef}"`);
        return toRecord(answer.taskDefinition, answer.tags);
      } catch (error) {
        throw driverError(
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
        throw driverError(error, `Listing the revisions of task definition family "${family}" failed`);
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
          throw refusal('ECS returned no task definition from RegisterTaskDefinition');
        return toRecord(answer.taskDefinition, answer.tags);
      } catch (error) {
        throw driverError(
          error,
          `Registering task definition "${String(body['family'] ?? '?')}" failed`,
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
        throw driverError(error, `UpdateService for ${where} failed`);
      }
    },

    observe: () => observer.observe(),

    async readServiceTags(): Promise<Record<string, string>> {
      try {
        const answer = await ecs.send(new ListTagsForResourceCommand({ resourceArn: await arnOfService() }));
        return tagsToRecord(answer.tags);
      } catch (error) {
        throw driverError(error, `Reading the tags of ${where} failed`);
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
        throw driverError(
          error,
          `Tagging ${where} failed`,
          'The action records its lease, the service’s own deployment settings and its releases as service tags: it needs ecs:TagResource and ecs:ListTagsForResource on the service (and the account must use the long ARN format)',
        );
      }
    },

    async untagService(keys: readonly string[]): Promise<void> {
      if (keys.length === 0) return;
      try {
        await ecs.send(new UntagResourceCommand({ resourceArn: await arnOfService(), tagKeys: [...keys] }));
      } catch (error) {
        throw driverError(
          error,
          `Removing tags from ${where} failed`,
          'The action needs ecs:UntagResource on the service',
        );
      }
    },

    async findServiceDeployment(
      taskDefinitionArn: string,
      since: number,
    ): Promise<ServiceDeploymentView | undefined> {
      try {
        // ListServiceDeployments' createdAt filter; a minute of slack for clocks that disagree.
        const briefs = await allPages(async (nextToken) => {
          const page = await ecs.send(
            new ListServiceDeploymentsCommand({
              cluster,
              service,
              createdAt: { after: new Date(since - 60_000) },
              ...(nextToken ? { nextToken } : {}),
            }),
          );
          return { items: page.serviceDeployments, nextToken: page.nextToken };
        });
        const arns = briefs
          .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
          .map((b) => b.serviceDeploymentArn)
          .filter((a): a is string => !!a)
          .slice(0, 20);
        // DescribeServiceDeployments does not promise to answer in the order asked: newest first
        // is the listing's order, so the newest match wins whatever order ECS answers in.
        const views = new Map((await describeDeployments(arns)).map((v) => [v.arn, v]));
        return arns
          .map((arn) => views.get(arn))
          .find((v) => v !== undefined && v.targetTaskDefinitionArn === taskDefinitionArn);
      } catch (error) {
        throw driverError(error, `Listing the service deployments of ${where} failed`);
      }
    },

    async describeServiceDeployment(arn: string): Promise<ServiceDeploymentView | undefined> {
      try {
        return (await describeDeployments([arn]))[0];
      } catch (error) {
        throw driverError(error, `Describing service deployment ${arn} failed`);
      }
    },

    async rollBackServiceDeployment(arn: string): Promise<void> {
      try {
        await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));
      } catch (error) {
        throw driverError(error, `StopServiceDeployment (ROLLBACK) of ${arn} failed`);
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
    if (!group) throw refusal(`Target group ${arn} not found`, 'TargetGroupNotFound');
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
      throw driverError(
        error,
        `Target group ${arn} of ${where} does not exist`,
        'The service points at a deleted target group: recreate it or update the service’s loadBalancers',
      );
    }
    throw driverError(error, `Describing target group ${arn} failed`);
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
