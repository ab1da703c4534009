// Services. Pages: ECS API reference CreateService / UpdateService / DescribeServices /
// DeleteService / ListServices, "Use load balancing to distribute Amazon ECS service traffic",
// "Deploy Amazon ECS services by replacing tasks" (deployment configuration defaults) and "How the
// Amazon ECS deployment circuit breaker detects failures".
import { AwsError } from '../contracts.js';
import type { RequestContext } from '../contracts.js';
import { serviceArn } from './arns.js';
import {
  describeEach,
  findCluster,
  findService,
  lookupTaskDefinition,
  requireService,
} from './api-context.js';
import type { ApiContext, Handler } from './api-context.js';
import {
  client,
  invalid,
  optBool,
  optInt,
  optObject,
  optObjectList,
  optString,
  optStringList,
  reqString,
  RESOURCE_NAME,
  tagsOf,
  wantsTags,
} from './input.js';
import type { Input } from './input.js';
import { deploymentConfigurationOf } from './deployment-configuration.js';
import { newDeployment } from './deployments.js';
import { keyedPage } from './pagination.js';
import { createRevision, startServiceDeployment } from './service-deployments.js';
import { serviceShape } from './shapes.js';
import type { LoadBalancerRef, ServiceRecord, TaskDefinitionRecord } from './store.js';

/** awsvpc (Fargate or EC2); bridge and host on the EC2 launch type, placed on container instances. */
const RUNNABLE_NETWORK_MODES = ['awsvpc', 'bridge', 'host'];

/** Page "Service load balancing": a service can have at most 5 target groups. */
const MAX_TARGET_GROUPS = 5;
const MAX_GRACE_SECONDS = 2147483647;

export function serviceHandlers(api: ApiContext): Record<string, Handler> {
  const { store, clock } = api;
  return {
    CreateService(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const name = reqString(input, 'serviceName');
      if (!RESOURCE_NAME.test(name)) {
        throw invalid(
          'Service name must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
        );
      }
      const controller = optObject(input, 'deploymentController');
      const controllerType = controller?.['type'] ?? 'ECS';
      if (controllerType !== 'ECS')
        throw invalid(
          `This emulator models only the ECS (rolling update) deployment controller, not ${String(controllerType)}.`,
        );
      if ((optString(input, 'schedulingStrategy') ?? 'REPLICA') !== 'REPLICA')
        throw invalid('This emulator models only the REPLICA scheduling strategy.');
      const definition = activeDefinition(api, reqString(input, 'taskDefinition'), ctx);
      const desiredCount = optInt(input, 'desiredCount');
      if (desiredCount === undefined)
        throw invalid('desiredCount can not be null for services with schedulingStrategy REPLICA.');
      if (desiredCount < 0) throw invalid('desiredCount can not be negative.');

      const arn = serviceArn(cluster.region, cluster.name, name);
      const existing = store.services.get(arn);
      if (existing && existing.status !== 'INACTIVE')
        throw invalid('Creation of service was not idempotent.');

      const networkConfiguration = networkConfigurationOf(input, definition);
      const loadBalancers = loadBalancersOf(api, input, definition);
      const grace = optInt(input, 'healthCheckGracePeriodSeconds');
      checkGrace(grace, loadBalancers.length > 0);
      const launchType = optString(input, 'launchType') ?? 'EC2';
      if (launchType !== 'EC2' && launchType !== 'FARGATE')
        throw invalid('launchType should be one of [EC2, FARGATE, EXTERNAL].');
      // "Use Docker's virtual network for Amazon ECS Linux tasks": bridge (and host) run only on EC2.
      if (launchType === 'FARGATE' && definition.body['networkMode'] !== 'awsvpc')
        throw invalid('Task definition does not support launch_type FARGATE.');
      const propagateTags = optString(input, 'propagateTags') ?? 'NONE';
      if (!['NONE', 'SERVICE', 'TASK_DEFINITION'].includes(propagateTags))
        throw invalid('propagateTags should be one of [TASK_DEFINITION, SERVICE, NONE].');

      const now = clock.now();
      const service: ServiceRecord = {
        arn,
        name,
        region: cluster.region,
        clusterArn: cluster.arn,
        clusterName: cluster.name,
        status: 'ACTIVE',
        desiredCount,
        taskDefinitionArn: definition.arn,
        launchType,
        loadBalancers,
        deploymentConfiguration: deploymentConfigurationOf(
          optObject(input, 'deploymentConfiguration'),
          undefined,
        ),
        createdAt: now,
        deployments: [],
        events: [],
        tags: tagsOf(input) ?? [],
        propagateTags,
        enableECSManagedTags: optBool(input, 'enableECSManagedTags') ?? false,
        enableExecuteCommand: optBool(input, 'enableExecuteCommand') ?? false,
        steady: false,
      };
      if (launchType === 'FARGATE') service.platformVersion = optString(input, 'platformVersion') ?? 'LATEST';
      if (networkConfiguration) service.networkConfiguration = networkConfiguration;
      if (grace !== undefined) service.healthCheckGracePeriodSeconds = grace;
      // Its first deployment, service revision and service deployment (page "View service history
      // using Amazon ECS service deployments": creating a service starts a service deployment).
      const revision = createRevision(store, service, definition, now);
      const first = newDeployment(definition.arn, revision.arn, desiredCount, now);
      service.deployments = [first];
      startServiceDeployment(store, service, first, now);
      // A deleted (INACTIVE) service of the same name is replaced by the new one.
      store.services.delete(arn);
      store.services.set(arn, service);
      api.poke();
      return { service: serviceShape(service, store, true) };
    },

    UpdateService(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const service = requireService(api, cluster, reqString(input, 'service'));
      if (service.status !== 'ACTIVE')
        throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
      const now = clock.now();

      const ref = optString(input, 'taskDefinition');
      const definition = ref === undefined ? undefined : activeDefinition(api, ref, ctx);
      if (definition && service.loadBalancers.length > 0) checkContainers(service.loadBalancers, definition);
      if (definition) checkTargetTypes(api, service.loadBalancers, definition);
      if (definition && service.launchType === 'FARGATE' && definition.body['networkMode'] !== 'awsvpc')
        throw invalid('Task definition does not support launch_type FARGATE.');
      if (definition)
        networkConfigurationOf(
          { networkConfiguration: service.networkConfiguration ?? null, ...input },
          definition,
        );
      const desiredCount = optInt(input, 'desiredCount');
      if (desiredCount !== undefined && desiredCount < 0) throw invalid('desiredCount can not be negative.');
      const grace = optInt(input, 'healthCheckGracePeriodSeconds');
      checkGrace(grace, service.loadBalancers.length > 0);
      if (optObjectList(input, 'loadBalancers') !== undefined) {
        throw invalid("This emulator does not model changing a service's loadBalancers with UpdateService.");
      }
      const given = optObject(input, 'deploymentConfiguration');
      const deploymentConfiguration = given
        ? deploymentConfigurationOf(given, service.deploymentConfiguration)
        : undefined;

      // Everything is checked; now change the service.
      if (deploymentConfiguration) service.deploymentConfiguration = deploymentConfiguration;
      if (grace !== undefined) service.healthCheckGracePeriodSeconds = grace;
      const network = optObject(input, 'networkConfiguration');
      if (network) service.networkConfiguration = network;
      if (desiredCount !== undefined && desiredCount !== service.desiredCount) {
        service.desiredCount = desiredCount;
        service.steady = false;
      }
      const primary = service.deployments[0];
      const force = optBool(input, 'forceNewDeployment') ?? false;
      // API reference, UpdateService: changing the task definition (or forceNewDeployment) triggers
      // a new deployment; the previous PRIMARY becomes ACTIVE and is replaced by the rolling update.
      // Naming the task definition an older, still ACTIVE deployment runs does not revive that
      // deployment: ECS starts a fresh copy and replaces the old tasks too (as reported by users in
      // aws/containers-roadmap#117: a second copy of the old task definition is deployed).
      // Settings alone (desiredCount, deploymentConfiguration, grace period) start no deployment and
      // create no service revision: they apply to the deployment in progress, which the scheduler
      // reads them from on every reconcile.
      if (force || (definition && definition.arn !== primary?.taskDefinitionArn)) {
        const deployed = definition ?? store.taskDefinitions.get(service.taskDefinitionArn);
        if (!deployed) throw client('TaskDefinition not found.');
        // Page "Amazon ECS service revisions": a new revision whenever an update starts a deployment.
        const revision = createRevision(store, service, deployed, now);
        const next = newDeployment(deployed.arn, revision.arn, service.desiredCount, now);
        for (const d of service.deployments) {
          if (d.status === 'PRIMARY') {
            d.status = 'ACTIVE';
            d.updatedAt = now;
          }
        }
        service.deployments.unshift(next);
        service.taskDefinitionArn = next.taskDefinitionArn;
        service.steady = false;
        startServiceDeployment(store, service, next, now);
      }
      api.poke();
      return { service: serviceShape(service, store, true) };
    },

    DescribeServices(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const names = optStringList(input, 'services');
      if (!names || names.length === 0) throw invalid('Services cannot be empty.');
      if (names.length > 10) throw invalid('Services cannot have more than 10 items.');
      const withTags = wantsTags(input);
      const { found, failures } = describeEach(
        names,
        (given) => findService(api, cluster, given),
        (service) => serviceShape(service, store, withTags),
        (given) => (given.startsWith('arn:') ? given : serviceArn(cluster.region, cluster.name, given)),
      );
      return { services: found, failures };
    },

    DeleteService(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const service = requireService(api, cluster, reqString(input, 'service'));
      if (service.status !== 'ACTIVE')
        throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
      // API reference, DeleteService: without force the service must first be scaled to 0; then
      // it is DRAINING until its tasks have stopped, and INACTIVE after.
      if (service.desiredCount > 0 && !(optBool(input, 'force') ?? false)) {
        throw invalid('The service cannot be stopped while it is scaled above 0.');
      }
      service.desiredCount = 0;
      service.status = 'DRAINING';
      service.steady = false;
      api.poke();
      return { service: serviceShape(service, store, true) };
    },

    ListServices(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const { items, nextToken } = keyedPage({
        operation: 'ListServices',
        items: [...store.services.values()].filter(
          (s) => s.clusterArn === cluster.arn && s.status !== 'INACTIVE',
        ),
        key: (s) => [s.createdAt, s.arn],
        maxResults: optInt(input, 'maxResults'),
        // API reference, ListServices maxResults: "ListServices returns up to 10 results" without it.
        defaultMaxResults: 10,
        nextToken: optString(input, 'nextToken'),
      });
      return { serviceArns: items.map((s) => s.arn), nextToken };
    },
  };
}

export function activeDefinition(api: ApiContext, ref: string, ctx: RequestContext): TaskDefinitionRecord {
  const definition = lookupTaskDefinition(api, ref, ctx);
  if (!definition) throw client('TaskDefinition not found.');
  if (definition.status !== 'ACTIVE') throw client('TaskDefinition is inactive');
  const mode = String(definition.body['networkMode'] ?? 'bridge');
  if (!RUNNABLE_NETWORK_MODES.includes(mode)) {
    throw invalid(
      `This emulator runs only task definitions with networkMode awsvpc, bridge or host (${definition.family}:${definition.revision} has ${mode}).`,
    );
  }
  return definition;
}

export function networkConfigurationOf(
  input: Input,
  definition: TaskDefinitionRecord,
): Record<string, unknown> | undefined {
  const network = optObject(input, 'networkConfiguration');
  if (definition.body['networkMode'] !== 'awsvpc') return network;
  const awsvpc = network ? optObject(network, 'awsvpcConfiguration') : undefined;
  if (!awsvpc)
    throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  const subnets = optStringList(awsvpc, 'subnets') ?? [];
  if (subnets.length === 0) throw invalid('subnets can not be empty.');
  if (subnets.length > 16) throw invalid('subnets can have at most 16 items.');
  return { awsvpcConfiguration: { assignPublicIp: 'DISABLED', securityGroups: [], ...awsvpc } };
}

function loadBalancersOf(api: ApiContext, input: Input, definition: TaskDefinitionRecord): LoadBalancerRef[] {
  const list = optObjectList(input, 'loadBalancers') ?? [];
  if (list.length > MAX_TARGET_GROUPS)
    throw invalid(`loadBalancers can have at most ${MAX_TARGET_GROUPS} items.`);
  const refs = list.map((lb): LoadBalancerRef => {
    if (lb['loadBalancerName'] !== undefined && lb['targetGroupArn'] === undefined) {
      throw invalid(
        'This emulator models only Application/Network Load Balancer target groups (targetGroupArn), not Classic Load Balancers.',
      );
    }
    const targetGroupArn = reqString(lb, 'targetGroupArn');
    const containerName = reqString(lb, 'containerName');
    const containerPort = optInt(lb, 'containerPort');
    if (containerPort === undefined) throw invalid('containerPort can not be null.');
    const group = api.targets.targetGroup(targetGroupArn);
    if (!group) throw invalid(`Unable to find target group ${targetGroupArn}.`);
    return { targetGroupArn, containerName, containerPort };
  });
  checkContainers(refs, definition);
  checkTargetTypes(api, refs, definition);
  return refs;
}

/**
 * Page "Service load balancing": awsvpc tasks can only be registered in `ip` target groups ("associated
 * with an elastic network interface, not an Amazon EC2 instance"); bridge and host tasks are
 * registered by instance id and host port, in `instance` target groups.
 */
function checkTargetTypes(api: ApiContext, refs: LoadBalancerRef[], definition: TaskDefinitionRecord): void {
  const mode = String(definition.body['networkMode'] ?? 'bridge');
  const wanted = mode === 'awsvpc' ? 'ip' : 'instance';
  for (const ref of refs) {
    const type = api.targets.targetGroup(ref.targetGroupArn)?.targetType;
    if (type !== undefined && type !== wanted) {
      throw invalid(
        `The provided target group ${ref.targetGroupArn} has target type ${type}, which is incompatible with the ${mode} network mode specified in the task definition.`,
      );
    }
  }
}

/** Each load balancer names a container of the task definition and one of its container ports. */
function checkContainers(refs: LoadBalancerRef[], definition: TaskDefinitionRecord): void {
  const containers = (definition.body['containerDefinitions'] ?? []) as {
    name: string;
    portMappings?: { containerPort: number }[];
  }[];
  for (const ref of refs) {
    const container = containers.find((c) => c.name === ref.containerName);
    if (!container)
      throw invalid(`The container ${ref.containerName} does not exist in the task definition.`);
    if (!(container.portMappings ?? []).some((pm) => pm.containerPort === ref.containerPort)) {
      throw invalid(
        `The container ${ref.containerName} did not have a container port ${ref.containerPort} defined.`,
      );
    }
  }
}

function checkGrace(grace: number | undefined, hasLoadBalancers: boolean): void {
  if (grace === undefined) return;
  if (!hasLoadBalancers)
    throw invalid('Health check grace period is only valid for services configured to use load balancers');
  if (grace < 0 || grace > MAX_GRACE_SECONDS)
    throw invalid(`healthCheckGracePeriodSeconds must be between 0 and ${MAX_GRACE_SECONDS}.`);
}
