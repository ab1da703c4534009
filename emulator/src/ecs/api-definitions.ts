// Task definitions. Pages: ECS API reference RegisterTaskDefinition / DescribeTaskDefinition /
// ListTaskDefinitions / DeregisterTaskDefinition, and "Amazon ECS task definition parameters"
// (defaults ECS fills in, Fargate's requirements, awsvpc port mapping rules).
import { healthCheckProblem } from './container-health.js';
import { taskDefinitionArn } from './arns.js';
import { lookupTaskDefinition, parseTaskDefinitionRef } from './api-context.js';
import type { ApiContext, Handler } from './api-context.js';
import {
  client,
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
import type { Input } from './input.js';
import { keyedPage } from './pagination.js';
import { taskDefinitionShape } from './shapes.js';
import type { TaskDefinitionRecord } from './store.js';

/**
 * A task definition is at most 64 KiB. awsdocs/amazon-ecs-developer-guide#149 (merged into the
 * service quotas page) gives ECS's answer to a larger one, with its CloudTrail record:
 * ClientException "Actual length: '66420'. Max allowed length is '65536' bytes." The emulator
 * measures the request's JSON without `tags` (how AWS counts is not published).
 */
const MAX_TASK_DEFINITION_BYTES = 65_536;

export function definitionHandlers(api: ApiContext): Record<string, Handler> {
  const { store, clock } = api;
  return {
    RegisterTaskDefinition(input, ctx) {
      const family = reqString(input, 'family');
      if (!RESOURCE_NAME.test(family)) {
        throw client(
          'Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.',
        );
      }
      const { tags: _tags, ...definitionInput } = input;
      const length = Buffer.byteLength(JSON.stringify(definitionInput));
      if (length > MAX_TASK_DEFINITION_BYTES)
        throw client(
          `Actual length: '${length}'. Max allowed length is '${MAX_TASK_DEFINITION_BYTES}' bytes.`,
        );
      const body = normalizeBody(input);
      const tags = tagsOf(input) ?? [];
      const key = `${ctx.region}/${family}`;
      // Revisions count up per family and never repeat, even after deregistration.
      const revision = (store.revisions.get(key) ?? 0) + 1;
      store.revisions.set(key, revision);
      const definition: TaskDefinitionRecord = {
        arn: taskDefinitionArn(ctx.region, family, revision),
        region: ctx.region,
        family,
        revision,
        status: 'ACTIVE',
        registeredAt: clock.now(),
        body,
        tags,
      };
      store.taskDefinitions.set(definition.arn, definition);
      return { taskDefinition: taskDefinitionShape(definition), tags: tags.map((t) => ({ ...t })) };
    },

    DescribeTaskDefinition(input, ctx) {
      const definition = lookupTaskDefinition(api, reqString(input, 'taskDefinition'), ctx);
      if (!definition) throw client('Unable to describe task definition.');
      const out: Record<string, unknown> = { taskDefinition: taskDefinitionShape(definition) };
      if (wantsTags(input)) out['tags'] = definition.tags.map((t) => ({ ...t }));
      return out;
    },

    ListTaskDefinitions(input, ctx) {
      // familyPrefix, despite its name, is the full family name (API reference).
      const family = optString(input, 'familyPrefix');
      const status = optString(input, 'status') ?? 'ACTIVE';
      if (!['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS'].includes(status))
        throw invalid(`status must be one of [ACTIVE, INACTIVE, DELETE_IN_PROGRESS].`);
      const sort = optString(input, 'sort') ?? 'ASC';
      if (sort !== 'ASC' && sort !== 'DESC') throw invalid('sort must be one of [ASC, DESC].');
      // By family, then revision (API reference, `sort`: ASC or DESC).
      const { items, nextToken } = keyedPage({
        operation: 'ListTaskDefinitions',
        items: [...store.taskDefinitions.values()].filter(
          (d) =>
            d.region === ctx.region && d.status === status && (family === undefined || d.family === family),
        ),
        key: (d) => [d.family, d.revision],
        descending: sort === 'DESC',
        maxResults: optInt(input, 'maxResults'),
        defaultMaxResults: 100,
        nextToken: optString(input, 'nextToken'),
      });
      return { taskDefinitionArns: items.map((d) => d.arn), nextToken };
    },

    DeregisterTaskDefinition(input, ctx) {
      const ref = reqString(input, 'taskDefinition');
      if (parseTaskDefinitionRef(ref, ctx).revision === undefined) throw client('Revision is missing.');
      const definition = lookupTaskDefinition(api, ref, ctx);
      if (!definition) throw client('The specified task definition does not exist.');
      // Tasks and services already using it keep running (page "Deregistering an ECS task definition revision").
      if (definition.status === 'ACTIVE') {
        definition.status = 'INACTIVE';
        definition.deregisteredAt = clock.now();
      }
      return { taskDefinition: taskDefinitionShape(definition) };
    },
  };
}

/** The TaskDefinition body ECS answers with: the request's parameters plus the defaults ECS adds. */
function normalizeBody(input: Input): Record<string, unknown> {
  const containers = optObjectList(input, 'containerDefinitions') ?? [];
  if (containers.length === 0) throw client('Container list cannot be empty.');
  const requires = optStringList(input, 'requiresCompatibilities') ?? [];
  const networkMode =
    optString(input, 'networkMode') ?? (requires.includes('FARGATE') ? undefined : 'bridge');
  const cpu = input['cpu'] === undefined ? undefined : String(input['cpu']);
  const memory = input['memory'] === undefined ? undefined : String(input['memory']);
  if (requires.includes('FARGATE')) {
    if (networkMode !== 'awsvpc') throw client('Fargate only supports network mode ‘awsvpc’.');
    if (cpu === undefined) throw client("Fargate requires that 'cpu' be defined at the task level.");
    if (memory === undefined) throw client("Fargate requires that 'memory' be defined at the task level.");
  }
  const names = new Set<string>();
  const containerDefinitions = containers.map((def) => {
    const name = def['name'];
    const image = def['image'];
    if (typeof name !== 'string' || name === '') throw client('Container.name should not be null or empty.');
    if (typeof image !== 'string' || image === '')
      throw client('Container.image should not be null or empty.');
    if (names.has(name)) throw client(`Duplicate container name: ${name}`);
    names.add(name);
    const badCheck = healthCheckProblem(def);
    if (badCheck) throw client(badCheck);
    if (memory === undefined && def['memory'] === undefined && def['memoryReservation'] === undefined) {
      throw client(
        `Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
      );
    }
    const portMappings = ((def['portMappings'] ?? []) as Input[]).map((pm) => {
      const containerPort = pm['containerPort'];
      if (
        typeof containerPort !== 'number' ||
        !Number.isInteger(containerPort) ||
        containerPort < 1 ||
        containerPort > 65535
      ) {
        throw client(`Invalid containerPort in container '${name}'.`);
      }
      // Page "Task definition parameters", portMappings: with awsvpc the hostPort is the containerPort.
      if (networkMode === 'awsvpc' && pm['hostPort'] !== undefined && pm['hostPort'] !== containerPort) {
        throw client(
          'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
        );
      }
      return {
        ...pm,
        containerPort,
        hostPort: networkMode === 'awsvpc' ? containerPort : (pm['hostPort'] ?? 0),
        protocol: pm['protocol'] ?? 'tcp',
      };
    });
    return {
      ...def,
      name,
      image,
      cpu: def['cpu'] ?? 0,
      portMappings,
      essential: def['essential'] ?? true,
      environment: def['environment'] ?? [],
      mountPoints: def['mountPoints'] ?? [],
      volumesFrom: def['volumesFrom'] ?? [],
      systemControls: def['systemControls'] ?? [],
    };
  });
  if (!containerDefinitions.some((c) => c.essential !== false))
    throw client('Task definition must have at least one essential container.');

  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key !== 'tags' && key !== 'family') body[key] = value;
  }
  body['containerDefinitions'] = containerDefinitions;
  if (networkMode !== undefined) body['networkMode'] = networkMode;
  if (cpu !== undefined) body['cpu'] = cpu;
  if (memory !== undefined) body['memory'] = memory;
  body['volumes'] = input['volumes'] ?? [];
  body['placementConstraints'] = input['placementConstraints'] ?? [];
  body['requiresAttributes'] = networkMode === 'awsvpc' ? [{ name: 'ecs.capability.task-eni' }] : [];
  body['compatibilities'] =
    networkMode === 'awsvpc' && cpu !== undefined && memory !== undefined ? ['EC2', 'FARGATE'] : ['EC2'];
  if (requires.length > 0) body['requiresCompatibilities'] = requires;
  return body;
}
