// ECS service deployments of one service: found by the task definition they deploy, described, and
// rolled back (StopServiceDeployment ROLLBACK). A deployment names its target service revision,
// whose task definition is read once (DescribeServiceRevisions, 20 at a time).
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  type ECSClient,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import type { ServiceDeploymentView, ServiceDriver } from '../rollout/port.js';
import { driverError } from './errors.js';
import { allPages } from './pages.js';
import type { ServiceRef } from './shapes.js';

export type ServiceDeploymentCalls = Pick<
  ServiceDriver,
  'findServiceDeployment' | 'describeServiceDeployment' | 'rollBackServiceDeployment'
>;

/** `where` names the service in messages. */
export function serviceDeploymentCalls(
  ecs: ECSClient,
  { cluster, service }: ServiceRef,
  where: string,
): ServiceDeploymentCalls {
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
