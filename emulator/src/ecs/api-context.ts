// What every ECS operation handler shares: the store, the clock, the ELBv2 view, the scheduler's
// hooks, and the lookups that turn a request's names or ARNs into records (with ECS's errors).
import { AwsError } from '../contracts.js';
import type { Clock, RequestContext, TargetRegistry } from '../contracts.js';
import {
  clusterArn,
  nameOf,
  parseEcsArn,
  regionOfArn,
  serviceArn,
  taskArn,
  taskDefinitionArn,
} from './arns.js';
import { client, invalid, optString, RESOURCE_NAME } from './input.js';
import type { Input } from './input.js';
import type { ClusterRecord, EcsStore, ServiceRecord, TaskDefinitionRecord, TaskRecord } from './store.js';
import type { TaskLifecycle } from './tasks.js';

export interface ApiContext {
  store: EcsStore;
  clock: Clock;
  targets: TargetRegistry;
  lifecycle: TaskLifecycle;
  /** A loopback address of this emulator's block, for a container instance that registers. */
  takeAddress(): string;
  /** Ask the scheduler to reconcile soon (after a change it should act on). */
  poke(): void;
}

export type Handler = (input: Input, ctx: RequestContext) => unknown;

/** Page "Amazon ECS clusters": a request without `cluster` means the cluster named `default`. */
export function findCluster(api: ApiContext, input: Input, ctx: RequestContext): ClusterRecord {
  const given = optString(input, 'cluster') ?? 'default';
  const region = regionOfArn(given) ?? ctx.region;
  const cluster = api.store.clusters.get(clusterArn(region, nameOf(given)));
  if (!cluster || cluster.status !== 'ACTIVE')
    throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
  return cluster;
}

/**
 * The name a service or task is known by in `cluster`, or undefined when `nameOrArn` is an ARN
 * that names another cluster or region. ECS resolves a service ARN only in the cluster the request
 * names (the `cluster` parameter, `default` when absent): a service ARN of another cluster is not
 * found there. Reported by users (aws-sdk-core-ruby#221): DescribeServices with the ARN of a
 * service of another cluster, and no `cluster`, answers a `MISSING` failure for that ARN. The old
 * ARN format without the cluster
 * (`service/<name>`) is looked up by name in the given cluster.
 */
function nameIn(cluster: ClusterRecord, nameOrArn: string, type: 'service' | 'task'): string | undefined {
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const parsed = parseEcsArn(nameOrArn, type);
  if (!parsed || parsed.region !== cluster.region) return undefined;
  if (parsed.cluster !== undefined && parsed.cluster !== cluster.name) return undefined;
  return parsed.name;
}

export function findService(
  api: ApiContext,
  cluster: ClusterRecord,
  nameOrArn: string,
): ServiceRecord | undefined {
  const name = nameIn(cluster, nameOrArn, 'service');
  return name === undefined
    ? undefined
    : api.store.services.get(serviceArn(cluster.region, cluster.name, name));
}

export function requireService(api: ApiContext, cluster: ClusterRecord, nameOrArn: string): ServiceRecord {
  const service = findService(api, cluster, nameOrArn);
  if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
  return service;
}

/**
 * The Describe* answer (DescribeClusters, DescribeServices, DescribeTasks): each name or ARN found
 * is described, and each one not found is a `failures` entry with its ARN and reason MISSING
 * rather than an error.
 */
export function describeEach<R>(
  given: readonly string[],
  find: (nameOrArn: string) => R | undefined,
  shape: (record: R) => unknown,
  arnOf: (nameOrArn: string) => string,
): { found: unknown[]; failures: { arn: string; reason: 'MISSING' }[] } {
  const found: unknown[] = [];
  const failures: { arn: string; reason: 'MISSING' }[] = [];
  for (const one of given) {
    const record = find(one);
    if (record !== undefined) found.push(shape(record));
    else failures.push({ arn: arnOf(one), reason: 'MISSING' });
  }
  return { found, failures };
}

/** A task id or ARN, resolved in `cluster` only (as services are, above). */
export function findTask(api: ApiContext, cluster: ClusterRecord, idOrArn: string): TaskRecord | undefined {
  const id = nameIn(cluster, idOrArn, 'task');
  return id === undefined ? undefined : api.store.tasks.get(taskArn(cluster.region, cluster.name, id));
}

/** `family` (latest ACTIVE revision), `family:revision`, or the task definition's ARN. */
export function parseTaskDefinitionRef(
  ref: string,
  ctx: RequestContext,
): { region: string; family: string; revision?: number } {
  let region = ctx.region;
  let body = ref;
  if (ref.startsWith('arn:')) {
    const match = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):\d{12}:task-definition\/(.+)$/.exec(ref);
    if (!match) throw client('Invalid task definition ARN.');
    region = match[1]!;
    body = match[2]!;
  }
  const colon = body.lastIndexOf(':');
  const family = colon < 0 ? body : body.slice(0, colon);
  if (!RESOURCE_NAME.test(family)) throw client('Unable to describe task definition.');
  if (colon < 0) return { region, family };
  const revision = Number(body.slice(colon + 1));
  if (!Number.isInteger(revision) || revision < 1)
    throw invalid(`Invalid revision number. Number: ${body.slice(colon + 1)}`);
  return { region, family, revision };
}

/** undefined when there is no such task definition (or, for a bare family, no ACTIVE revision). */
export function lookupTaskDefinition(
  api: ApiContext,
  ref: string,
  ctx: RequestContext,
): TaskDefinitionRecord | undefined {
  const { region, family, revision } = parseTaskDefinitionRef(ref, ctx);
  if (revision !== undefined)
    return api.store.taskDefinitions.get(taskDefinitionArn(region, family, revision));
  let latest: TaskDefinitionRecord | undefined;
  for (const definition of api.store.taskDefinitions.values()) {
    if (definition.region !== region || definition.family !== family || definition.status !== 'ACTIVE')
      continue;
    if (!latest || definition.revision > latest.revision) latest = definition;
  }
  return latest;
}
