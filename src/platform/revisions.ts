// keep-revisions over the AWS SDK: the family's ACTIVE revisions, the task definitions the
// cluster's services run (ListServices, then DescribeServices 10 at a time, its limit), and
// DeregisterTaskDefinition.
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  ListServicesCommand,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import type { RevisionDriver } from '../keep-revisions.js';
import type { ServiceDriver } from '../rollout/port.js';
import { driverError } from './errors.js';
import { allPages } from './pages.js';

/** DescribeServices takes at most 10 services a call (API reference). */
const DESCRIBE_SERVICES_MAX = 10;

/** Every task definition a service runs: its own and each deployment's (PRIMARY, ACTIVE). */
export function taskDefinitionsOf(services: readonly Service[]): Set<string> {
  const arns = new Set<string>();
  for (const service of services) {
    if (service.taskDefinition) arns.add(service.taskDefinition);
    for (const deployment of service.deployments ?? [])
      if (deployment.taskDefinition) arns.add(deployment.taskDefinition);
  }
  return arns;
}

export function createRevisionDriver(
  ecs: ECSClient,
  cluster: string,
  service: ServiceDriver,
): RevisionDriver {
  return {
    listActiveRevisions: (family) => service.listTaskDefinitionArns(family),

    async taskDefinitionsInUse(): Promise<Set<string>> {
      try {
        const arns = await allPages(async (nextToken) => {
          const page = await ecs.send(
            new ListServicesCommand({ cluster, maxResults: 100, ...(nextToken ? { nextToken } : {}) }),
          );
          return { items: page.serviceArns, nextToken: page.nextToken };
        });
        const services: Service[] = [];
        for (let i = 0; i < arns.length; i += DESCRIBE_SERVICES_MAX) {
          const answer = await ecs.send(
            new DescribeServicesCommand({ cluster, services: arns.slice(i, i + DESCRIBE_SERVICES_MAX) }),
          );
          services.push(...(answer.services ?? []));
        }
        return taskDefinitionsOf(services);
      } catch (error) {
        throw driverError(
          error,
          `Listing the services of cluster "${cluster}" failed`,
          'keep-revisions needs ecs:ListServices and ecs:DescribeServices on the cluster',
        );
      }
    },

    async deregister(taskDefinitionArn: string): Promise<void> {
      try {
        await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }));
      } catch (error) {
        throw driverError(
          error,
          `DeregisterTaskDefinition of ${taskDefinitionArn} failed`,
          'keep-revisions needs ecs:DeregisterTaskDefinition',
        );
      }
    },
  };
}
