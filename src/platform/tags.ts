// The service's tags (the lease, its own deployment settings, its releases), over the AWS SDK.
import {
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type ECSClient,
  type Tag,
} from '@aws-sdk/client-ecs';
import type { ServiceDriver } from '../rollout/port.js';
import { driverError } from './errors.js';

export type ServiceTagCalls = Pick<ServiceDriver, 'readServiceTags' | 'tagService' | 'untagService'>;

/** `arnOfService` reads the service's ARN (tags are set by ARN); `where` names it in messages. */
export function serviceTagCalls(
  ecs: ECSClient,
  arnOfService: () => Promise<string>,
  where: string,
): ServiceTagCalls {
  return {
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
  };
}

export function tagsToRecord(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.key !== undefined) out[tag.key] = tag.value ?? '';
  return out;
}
