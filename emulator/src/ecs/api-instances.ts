// Container instances (EC2 launch type). Pages: ECS API reference RegisterContainerInstance,
// ListContainerInstances, DescribeContainerInstances, ContainerInstance; "Amazon ECS container
// instances". The ECS agent on an EC2 instance registers it with its instance identity document
// (whose `instanceId` is the EC2 id); the emulator gives each instance a loopback address of its
// own block, where the bridge and host tasks placed on it listen at their host ports.
import { randomBytes } from 'node:crypto';
import { containerInstanceArn, newEc2InstanceId, parseEcsArn } from './arns.js';
import { describeEach, findCluster } from './api-context.js';
import type { ApiContext, Handler } from './api-context.js';
import { invalid, optInt, optObjectList, optString, optStringList, tagsOf, wantsTags } from './input.js';
import { keyedPage } from './pagination.js';
import { RESERVED_PORTS } from './placement.js';
import type { ClusterRecord, ContainerInstanceRecord } from './store.js';
import { isLive } from './task-lifecycle.js';

/** DescribeContainerInstances: "A list of up to 100 container instance IDs or full ARN entries." */
const MAX_DESCRIBE = 100;
/** ListContainerInstances answers 100 per page without maxResults (1..100). */
const DEFAULT_PAGE = 100;
/** What an emulated instance offers (an m5.large-like instance; never enforced). */
const CPU_UNITS = 2048;
const MEMORY_MIB = 7680;

export function instanceHandlers(api: ApiContext): Record<string, Handler> {
  const { store, clock } = api;
  return {
    RegisterContainerInstance(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const document = optString(input, 'instanceIdentityDocument');
      let ec2InstanceId: string | undefined;
      if (document !== undefined) {
        try {
          const parsed = JSON.parse(document) as { instanceId?: unknown };
          if (typeof parsed.instanceId === 'string') ec2InstanceId = parsed.instanceId;
        } catch {
          throw invalid('instanceIdentityDocument is not valid JSON.');
        }
        if (ec2InstanceId === undefined || !/^i-[0-9a-f]{8,17}$/.test(ec2InstanceId))
          throw invalid('instanceIdentityDocument has no valid instanceId.');
      }
      ec2InstanceId ??= newEc2InstanceId();
      // The same EC2 instance registering again (an agent restart) is the same container instance.
      const existing = [...store.containerInstances.values()].find(
        (ci) => ci.clusterArn === cluster.arn && ci.ec2InstanceId === ec2InstanceId,
      );
      if (existing) return { containerInstance: instanceShape(existing, true, api) };
      const id = randomBytes(16).toString('hex');
      const record: ContainerInstanceRecord = {
        arn: containerInstanceArn(cluster.region, cluster.name, id),
        id,
        ec2InstanceId,
        region: cluster.region,
        clusterArn: cluster.arn,
        clusterName: cluster.name,
        ip: api.takeAddress(),
        status: 'ACTIVE',
        registeredAt: clock.now(),
        ports: new Map(),
        attributes: (optObjectList(input, 'attributes') ?? []).map((a) => ({
          name: String(a['name'] ?? ''),
          ...(a['value'] !== undefined ? { value: String(a['value']) } : {}),
        })),
        tags: tagsOf(input) ?? [],
      };
      store.containerInstances.set(record.arn, record);
      api.poke();
      return { containerInstance: instanceShape(record, true, api) };
    },

    ListContainerInstances(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const status = optString(input, 'status');
      if (
        status !== undefined &&
        !['ACTIVE', 'DRAINING', 'REGISTERING', 'DEREGISTERING', 'REGISTRATION_FAILED'].includes(status)
      )
        throw invalid(
          `status must be one of [ACTIVE, DRAINING, REGISTERING, DEREGISTERING, REGISTRATION_FAILED].`,
        );
      if (optString(input, 'filter') !== undefined)
        throw invalid('This emulator does not model cluster query language filters.');
      const { items, nextToken } = keyedPage({
        operation: 'ListContainerInstances',
        items: instancesOf(api, cluster).filter((ci) => status === undefined || ci.status === status),
        key: (ci) => [ci.registeredAt, ci.arn],
        maxResults: optInt(input, 'maxResults'),
        defaultMaxResults: DEFAULT_PAGE,
        nextToken: optString(input, 'nextToken'),
      });
      return { containerInstanceArns: items.map((ci) => ci.arn), nextToken };
    },

    DescribeContainerInstances(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const given = optStringList(input, 'containerInstances');
      if (!given || given.length === 0) throw invalid('containerInstances can not be empty.');
      if (given.length > MAX_DESCRIBE)
        throw invalid(`containerInstances can have at most ${MAX_DESCRIBE} items.`);
      const withTags = wantsTags(input);
      const { found, failures } = describeEach(
        given,
        (one) => findInstance(api, cluster, one),
        (ci) => instanceShape(ci, withTags, api),
        (one) => (one.startsWith('arn:') ? one : containerInstanceArn(cluster.region, cluster.name, one)),
      );
      return { containerInstances: found, failures };
    },
  };
}

function instancesOf(api: ApiContext, cluster: ClusterRecord): ContainerInstanceRecord[] {
  return [...api.store.containerInstances.values()].filter((ci) => ci.clusterArn === cluster.arn);
}

/** An id or ARN, resolved in `cluster` only (as services and tasks are). */
function findInstance(
  api: ApiContext,
  cluster: ClusterRecord,
  idOrArn: string,
): ContainerInstanceRecord | undefined {
  let id = idOrArn;
  if (idOrArn.startsWith('arn:')) {
    const parsed = parseEcsArn(idOrArn, 'container-instance');
    if (!parsed || parsed.region !== cluster.region) return undefined;
    if (parsed.cluster !== undefined && parsed.cluster !== cluster.name) return undefined;
    id = parsed.name;
  }
  const found = api.store.containerInstances.get(containerInstanceArn(cluster.region, cluster.name, id));
  return found && found.clusterArn === cluster.arn ? found : undefined;
}

/** The ContainerInstance shape (API reference), with its running and pending task counts. */
export function instanceShape(
  ci: ContainerInstanceRecord,
  withTags: boolean,
  api: ApiContext,
): Record<string, unknown> {
  let running = 0;
  let pending = 0;
  for (const t of api.store.tasks.values()) {
    if (t.containerInstanceArn !== ci.arn || !isLive(t.lastStatus)) continue;
    if (t.lastStatus === 'RUNNING') running++;
    else pending++;
  }
  const used = [...ci.ports.keys()];
  const resources = (ports: number[]): Record<string, unknown>[] => [
    { name: 'CPU', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: CPU_UNITS },
    { name: 'MEMORY', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: MEMORY_MIB },
    {
      name: 'PORTS',
      type: 'STRINGSET',
      doubleValue: 0,
      longValue: 0,
      integerValue: 0,
      stringSetValue: ports.map(String),
    },
    {
      name: 'PORTS_UDP',
      type: 'STRINGSET',
      doubleValue: 0,
      longValue: 0,
      integerValue: 0,
      stringSetValue: [],
    },
  ];
  return {
    containerInstanceArn: ci.arn,
    ec2InstanceId: ci.ec2InstanceId,
    version: 1,
    versionInfo: { agentVersion: '1.89.0', agentHash: 'emulator', dockerVersion: 'DockerVersion: 25.0.8' },
    // registeredResources PORTS: what the agent reserves; remainingResources: those plus the host
    // ports tasks hold ("Amazon ECS container instance", ContainerInstance API reference).
    registeredResources: resources([...RESERVED_PORTS]),
    remainingResources: resources([...RESERVED_PORTS, ...used]),
    status: ci.status,
    agentConnected: true,
    runningTasksCount: running,
    pendingTasksCount: pending,
    attributes: [
      { name: 'ecs.availability-zone', value: `${ci.region}a` },
      { name: 'ecs.instance-type', value: 'm5.large' },
      { name: 'ecs.os-type', value: 'linux' },
      { name: 'ecs.capability.docker-plugin.local' },
      ...ci.attributes,
    ],
    registeredAt: ci.registeredAt / 1000,
    attachments: [],
    tags: withTags ? ci.tags : undefined,
  };
}
