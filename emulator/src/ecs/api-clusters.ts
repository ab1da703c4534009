// Clusters and tagging. Pages: ECS API reference CreateCluster / DescribeClusters / ListClusters,
// TagResource / UntagResource / ListTagsForResource, and "Tagging your Amazon ECS resources".
import { AwsError } from '../contracts.js';
import type { RequestContext } from '../contracts.js';
import { clusterArn, nameOf, regionOfArn } from './arns.js';
import { describeEach, findCluster } from './api-context.js';
import type { ApiContext, Handler } from './api-context.js';
import {
  invalid,
  optInt,
  optObjectList,
  optString,
  optStringList,
  reqString,
  RESOURCE_NAME,
  tagsOf,
  wantsTags,
} from './input.js';
import { keyedPage } from './pagination.js';
import { clusterShape } from './shapes.js';
import type { ClusterRecord, Tag } from './store.js';

export function clusterHandlers(api: ApiContext): Record<string, Handler> {
  const { store } = api;
  return {
    CreateCluster(input, ctx) {
      const name = optString(input, 'clusterName') ?? 'default';
      if (!RESOURCE_NAME.test(name)) {
        throw invalid(
          'Cluster name must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
        );
      }
      const arn = clusterArn(ctx.region, name);
      const existing = store.clusters.get(arn);
      // CreateCluster is idempotent: an ACTIVE cluster of that name is returned as it is.
      if (existing && existing.status === 'ACTIVE') return { cluster: clusterShape(existing, store, true) };
      const settings = (optObjectList(input, 'settings') ?? []).map((s) => ({
        name: String(s['name'] ?? ''),
        value: String(s['value'] ?? ''),
      }));
      const cluster: ClusterRecord = {
        arn,
        name,
        region: ctx.region,
        status: 'ACTIVE',
        tags: tagsOf(input) ?? [],
        settings: settings.length > 0 ? settings : [{ name: 'containerInsights', value: 'disabled' }],
      };
      store.clusters.set(arn, cluster);
      return { cluster: clusterShape(cluster, store, true) };
    },

    DescribeClusters(input, ctx) {
      const names = optStringList(input, 'clusters') ?? ['default'];
      if (names.length > 100) throw invalid('clusters can have at most 100 items.');
      const withTags = wantsTags(input);
      const arnOf = (given: string): string => clusterArn(regionOfArn(given) ?? ctx.region, nameOf(given));
      const { found, failures } = describeEach(
        names,
        (given) => store.clusters.get(arnOf(given)),
        (cluster) => clusterShape(cluster, store, withTags),
        arnOf,
      );
      return { clusters: found, failures };
    },

    ListClusters(input, ctx) {
      const { items, nextToken } = keyedPage({
        operation: 'ListClusters',
        items: [...store.clusters.values()].filter((c) => c.region === ctx.region && c.status === 'ACTIVE'),
        key: (c) => [c.arn],
        maxResults: optInt(input, 'maxResults'),
        defaultMaxResults: 100,
        nextToken: optString(input, 'nextToken'),
      });
      return { clusterArns: items.map((c) => c.arn), nextToken };
    },

    TagResource(input, ctx) {
      const resource = taggable(api, reqString(input, 'resourceArn'), ctx);
      const tags = tagsOf(input) ?? [];
      if (tags.length === 0) throw invalid('tags can not be empty.');
      for (const tag of tags) {
        const existing = resource.tags.find((t) => t.key === tag.key);
        if (existing) existing.value = tag.value;
        else resource.tags.push({ ...tag });
      }
      if (resource.tags.length > 50) throw invalid('The number of tags for the resource exceeds 50.');
      return {};
    },

    UntagResource(input, ctx) {
      const resource = taggable(api, reqString(input, 'resourceArn'), ctx);
      const keys = optStringList(input, 'tagKeys');
      if (!keys || keys.length === 0) throw invalid('tagKeys can not be empty.');
      resource.tags = resource.tags.filter((t) => !keys.includes(t.key));
      return {};
    },

    ListTagsForResource(input, ctx) {
      const resource = taggable(api, reqString(input, 'resourceArn'), ctx);
      return { tags: resource.tags.map((t) => ({ ...t })) };
    },
  };
}

/** The tag list of the resource an ARN names; ECS tags clusters, services, tasks and task definitions. */
function taggable(api: ApiContext, arn: string, ctx: RequestContext): { tags: Tag[] } {
  const match = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):([a-z-]+)\/(.+)$/.exec(arn);
  if (!match) throw invalid('The ARN provided is invalid.');
  const kind = match[3]!;
  const notFound = (): AwsError =>
    new AwsError('ResourceNotFoundException', 'The specified resource could not be found.');
  const { store } = api;
  if (kind === 'cluster') {
    const cluster = store.clusters.get(arn);
    if (!cluster || cluster.status !== 'ACTIVE')
      throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    return cluster;
  }
  if (kind === 'service') {
    const cluster = findCluster(api, { cluster: arn.replace(/:service\/([^/]+)\/.*$/, ':cluster/$1') }, ctx);
    const service = store.services.get(arn);
    if (!service || service.clusterArn !== cluster.arn)
      throw new AwsError('ServiceNotFoundException', 'Service not found.');
    return service;
  }
  if (kind === 'task') {
    const task = store.tasks.get(arn);
    if (!task) throw notFound();
    return task;
  }
  if (kind === 'task-definition') {
    const definition = store.taskDefinitions.get(arn);
    if (!definition) throw notFound();
    return definition;
  }
  throw invalid('The ARN provided is invalid.');
}
