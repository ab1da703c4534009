// Task definitions over the AWS SDK: read one (with its tags), list a family's ACTIVE revisions,
// register a new one.
import {
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
  type Tag,
} from '@aws-sdk/client-ecs';
import type { ServiceDriver, TaskDefinitionRecord } from '../rollout/port.js';
import { driverError, refusal } from './errors.js';
import { allPages } from './pages.js';
import { tagsToRecord } from './tags.js';

export type TaskDefinitionCalls = Pick<
  ServiceDriver,
  'describeTaskDefinition' | 'listTaskDefinitionArns' | 'registerTaskDefinition'
>;

export function taskDefinitionCalls(ecs: ECSClient): TaskDefinitionCalls {
  return {
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
  };
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

/** `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>` → family. */
export function familyOfArn(arn: string): string {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}
