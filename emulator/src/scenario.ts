// Builds a whole rolling-deployment scenario through the real SDK clients, exactly as a user would
// in AWS: cluster, ALB, ip target group(s), listener(s), task definition, service behind them; or,
// with `targetGroups: 0`, a service with no load balancer at all (a queue worker); or, with `ec2`,
// container instances, `instance` target groups and a service of the EC2 launch type whose task
// definition uses bridge (or host) networking.
// Demos, benchmarks and end-to-end tests stand on it, and it doubles as a check that the emulator
// answers the SDK the way AWS does.
import {
  ECSClient,
  CreateClusterCommand,
  RegisterTaskDefinitionCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ListTasksCommand,
  DescribeTasksCommand,
  RegisterContainerInstanceCommand,
} from '@aws-sdk/client-ecs';
import type { DeploymentConfiguration, RegisterTaskDefinitionCommandInput, Task } from '@aws-sdk/client-ecs';
import {
  ElasticLoadBalancingV2Client,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ModifyTargetGroupAttributesCommand,
  CreateListenerCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { randomBytes } from 'node:crypto';
import type { ListenerEndpoint } from './contracts.js';

export interface HealthCheckSpec {
  /** Default `/health`. */
  path?: string;
  /** Default 5 (ALB's minimum). */
  intervalSeconds?: number;
  /** Default 4 (must stay below the interval). */
  timeoutSeconds?: number;
  /** Default 2. */
  healthyThreshold?: number;
  /** Default 3. */
  unhealthyThreshold?: number;
  /** HTTP codes, e.g. `200` or `200-299`. Default `200`. */
  matcher?: string;
}

export interface ScenarioSpec {
  region?: string;
  cluster: string;
  service: string;
  desiredCount: number;
  /** RegisterTaskDefinition input; its first container with a port mapping sits behind the groups. */
  taskDefinition: RegisterTaskDefinitionCommandInput;
  /**
   * How many target groups the service sits behind (0..5, ECS's limit). Default 1. 0: no load
   * balancer, target group or listener (a queue worker); the task definition then needs no port.
   */
  targetGroups?: number;
  healthCheck?: HealthCheckSpec;
  /** Target group attribute `deregistration_delay.timeout_seconds`. Default 300, as in AWS. */
  deregistrationDelaySeconds?: number;
  /** Default `<service>-alb`. */
  loadBalancerName?: string;
  /** Default `<service>`; further groups get `-2`, `-3`, ... */
  targetGroupName?: string;
  deploymentConfiguration?: DeploymentConfiguration;
  healthCheckGracePeriodSeconds?: number;
  /** Wait until every task is RUNNING and healthy in every target group. */
  waitForSteadyState?: boolean;
  /** Bound on that wait, in real milliseconds. Default 60 000. */
  waitTimeoutMs?: number;
  /** IDs for awsvpc and the ALB; the emulator accepts any well-formed ones. */
  network?: { vpcId: string; subnets: string[]; securityGroups: string[] };
  /**
   * The EC2 launch type: this many container instances are registered in the cluster
   * (RegisterContainerInstance, as each instance's agent does), the target groups are of type
   * `instance`, and the service runs on EC2 without a network configuration. The task definition
   * must use networkMode bridge (hostPort 0 or none: dynamic ports) or host. Default: Fargate.
   */
  ec2?: { instances: number };
}

export interface ScenarioInfo {
  endpoint: string;
  region: string;
  cluster: string;
  clusterArn: string;
  service: string;
  serviceArn: string;
  taskDefinitionArn: string;
  /** The container behind the target groups (a worker: its first essential container). */
  containerName: string;
  /** Its first container port; 0 when it has none (a worker). */
  containerPort: number;
  /** '' for a service with no load balancer, as the ARN, listener URL and lists below are empty. */
  loadBalancerName: string;
  loadBalancerArn: string;
  targetGroupArns: string[];
  listenerArns: string[];
  /** Where each listener really serves, in the order of targetGroupArns. */
  listenerUrls: string[];
  /** The first listener's URL. */
  listenerUrl: string;
  /** With `ec2`: the container instances, and their EC2 instance ids (the targets' ids), in order. */
  containerInstanceArns?: string[];
  ec2InstanceIds?: string[];
}

const DEFAULT_NETWORK = {
  vpcId: 'vpc-0e0e0e0e0e0e0e0e0',
  subnets: ['subnet-0a0a0a0a0a0a0a0a1', 'subnet-0a0a0a0a0a0a0a0a2'],
  securityGroups: ['sg-0b0b0b0b0b0b0b0b1'],
};

/** Clients for the emulator: dummy credentials, the endpoint, and no retry hiding a wrong answer. */
export function emulatorClients(
  endpoint: string,
  region: string,
): { ecs: ECSClient; elbv2: ElasticLoadBalancingV2Client } {
  const config = {
    endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
  };
  return { ecs: new ECSClient(config), elbv2: new ElasticLoadBalancingV2Client(config) };
}

/**
 * Every task of a service with the given desired statuses, described: ListTasks pages of 100 and
 * DescribeTasks chunks of 100, as AWS allows. For tests, demos and benchmarks that look at a service.
 */
export async function describeServiceTasks(
  ecs: ECSClient,
  cluster: string,
  service: string,
  desiredStatuses: readonly ('RUNNING' | 'STOPPED')[] = ['RUNNING', 'STOPPED'],
): Promise<Task[]> {
  const arns: string[] = [];
  for (const desiredStatus of desiredStatuses) {
    let nextToken: string | undefined;
    do {
      const page = await ecs.send(
        new ListTasksCommand({
          cluster,
          serviceName: service,
          desiredStatus,
          maxResults: 100,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const { tasks: described = [] } = await ecs.send(
      new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }),
    );
    tasks.push(...described);
  }
  return tasks;
}

export async function createScenario(endpoint: string, spec: ScenarioSpec): Promise<ScenarioInfo> {
  const region = spec.region ?? 'us-east-1';
  const groups = spec.targetGroups ?? 1;
  if (!Number.isInteger(groups) || groups < 0 || groups > 5) {
    throw new RangeError(`targetGroups must be 0..5 (ECS allows 5 per service), got ${groups}`);
  }
  if (groups === 0) return createWorkerScenario(endpoint, spec, region);
  const container = spec.taskDefinition.containerDefinitions?.find(
    (c) => c.portMappings?.[0]?.containerPort !== undefined,
  );
  const containerPort = container?.portMappings?.[0]?.containerPort;
  if (!container?.name || containerPort === undefined) {
    throw new TypeError(
      'the task definition needs a named container with a port mapping to sit behind a target group',
    );
  }
  const network = spec.network ?? DEFAULT_NETWORK;
  const hc = spec.healthCheck ?? {};
  const ec2 = spec.ec2;
  if (ec2 && (!Number.isInteger(ec2.instances) || ec2.instances < 1))
    throw new RangeError(`ec2.instances must be a whole number >= 1, got ${ec2.instances}`);
  const { ecs, elbv2 } = emulatorClients(endpoint, region);
  try {
    const cluster = await ecs.send(new CreateClusterCommand({ clusterName: spec.cluster }));
    const containerInstanceArns: string[] = [];
    const ec2InstanceIds: string[] = [];
    for (let i = 0; i < (ec2?.instances ?? 0); i++) {
      // EC2 instance ids are unique across clusters (the emulator finds an instance's address by it).
      const instanceId = `i-${randomBytes(9).toString('hex').slice(0, 17)}`;
      const registered = await ecs.send(
        new RegisterContainerInstanceCommand({
          cluster: spec.cluster,
          instanceIdentityDocument: JSON.stringify({ instanceId, region, instanceType: 'm5.large' }),
        }),
      );
      containerInstanceArns.push(
        required(
          registered.containerInstance?.containerInstanceArn,
          'RegisterContainerInstance containerInstanceArn',
        ),
      );
      ec2InstanceIds.push(instanceId);
    }
    const loadBalancerName = spec.loadBalancerName ?? `${spec.service}-alb`;
    const lb = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: loadBalancerName,
        Type: 'application',
        Scheme: 'internet-facing',
        IpAddressType: 'ipv4',
        Subnets: network.subnets,
        SecurityGroups: network.securityGroups,
      }),
    );
    const loadBalancerArn = required(
      lb.LoadBalancers?.[0]?.LoadBalancerArn,
      'CreateLoadBalancer LoadBalancerArn',
    );

    const targetGroupArns: string[] = [];
    const listenerArns: string[] = [];
    for (let i = 0; i < groups; i++) {
      const base = spec.targetGroupName ?? spec.service;
      const tg = await elbv2.send(
        new CreateTargetGroupCommand({
          Name: i === 0 ? base : `${base}-${i + 1}`,
          Protocol: 'HTTP',
          Port: containerPort,
          VpcId: network.vpcId,
          TargetType: ec2 ? 'instance' : 'ip',
          HealthCheckProtocol: 'HTTP',
          HealthCheckPath: hc.path ?? '/health',
          HealthCheckIntervalSeconds: hc.intervalSeconds ?? 5,
          HealthCheckTimeoutSeconds: hc.timeoutSeconds ?? 4,
          HealthyThresholdCount: hc.healthyThreshold ?? 2,
          UnhealthyThresholdCount: hc.unhealthyThreshold ?? 3,
          Matcher: { HttpCode: hc.matcher ?? '200' },
        }),
      );
      const targetGroupArn = required(
        tg.TargetGroups?.[0]?.TargetGroupArn,
        'CreateTargetGroup TargetGroupArn',
      );
      targetGroupArns.push(targetGroupArn);
      if (spec.deregistrationDelaySeconds !== undefined) {
        await elbv2.send(
          new ModifyTargetGroupAttributesCommand({
            TargetGroupArn: targetGroupArn,
            Attributes: [
              { Key: 'deregistration_delay.timeout_seconds', Value: String(spec.deregistrationDelaySeconds) },
            ],
          }),
        );
      }
      // One listener per group (80, 81, ...), as a service behind several groups usually has.
      const listener = await elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn: loadBalancerArn,
          Protocol: 'HTTP',
          Port: 80 + i,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
        }),
      );
      listenerArns.push(required(listener.Listeners?.[0]?.ListenerArn, 'CreateListener ListenerArn'));
    }

    const started = await startService(
      ecs,
      spec,
      targetGroupArns.map((targetGroupArn) => ({
        targetGroupArn,
        containerName: container.name,
        containerPort,
      })),
    );

    const listenerUrls = await listenerUrlsOf(endpoint, listenerArns);
    const info: ScenarioInfo = {
      endpoint,
      region,
      ...started,
      clusterArn: required(cluster.cluster?.clusterArn, 'CreateCluster clusterArn'),
      containerName: container.name,
      containerPort,
      loadBalancerName,
      loadBalancerArn,
      targetGroupArns,
      listenerArns,
      listenerUrls,
      listenerUrl: required(listenerUrls[0], 'listener URL'),
      ...(ec2 ? { containerInstanceArns, ec2InstanceIds } : {}),
    };
    if (spec.waitForSteadyState)
      await waitForSteadyState(ecs, elbv2, info, spec.desiredCount, spec.waitTimeoutMs ?? 60_000, spec);
    return info;
  } finally {
    ecs.destroy();
    elbv2.destroy();
  }
}

/** Registers the scenario's task definition and creates its service on it. */
async function startService(
  ecs: ECSClient,
  spec: ScenarioSpec,
  loadBalancers: Parameters<typeof createServiceCommand>[2],
): Promise<Pick<ScenarioInfo, 'cluster' | 'service' | 'serviceArn' | 'taskDefinitionArn'>> {
  const taskDefinition = await ecs.send(new RegisterTaskDefinitionCommand(spec.taskDefinition));
  const taskDefinitionArn = required(
    taskDefinition.taskDefinition?.taskDefinitionArn,
    'RegisterTaskDefinition taskDefinitionArn',
  );
  const service = await ecs.send(createServiceCommand(spec, taskDefinitionArn, loadBalancers));
  return {
    cluster: spec.cluster,
    service: spec.service,
    serviceArn: required(service.service?.serviceArn, 'CreateService serviceArn'),
    taskDefinitionArn,
  };
}

function createServiceCommand(
  spec: ScenarioSpec,
  taskDefinitionArn: string,
  loadBalancers: { targetGroupArn: string; containerName: string | undefined; containerPort: number }[],
): CreateServiceCommand {
  const network = spec.network ?? DEFAULT_NETWORK;
  return new CreateServiceCommand({
    cluster: spec.cluster,
    serviceName: spec.service,
    taskDefinition: taskDefinitionArn,
    desiredCount: spec.desiredCount,
    launchType: spec.ec2 ? 'EC2' : 'FARGATE',
    deploymentController: { type: 'ECS' },
    // Bridge and host networking take no awsvpc configuration (ECS refuses one).
    ...(spec.ec2
      ? {}
      : {
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: network.subnets,
              securityGroups: network.securityGroups,
              assignPublicIp: 'DISABLED',
            },
          },
        }),
    ...(loadBalancers.length > 0 ? { loadBalancers } : {}),
    ...(spec.deploymentConfiguration ? { deploymentConfiguration: spec.deploymentConfiguration } : {}),
    ...(spec.healthCheckGracePeriodSeconds !== undefined
      ? { healthCheckGracePeriodSeconds: spec.healthCheckGracePeriodSeconds }
      : {}),
  });
}

/** A service with no load balancer (a queue worker): cluster, task definition, service. */
async function createWorkerScenario(
  endpoint: string,
  spec: ScenarioSpec,
  region: string,
): Promise<ScenarioInfo> {
  const container =
    spec.taskDefinition.containerDefinitions?.find((c) => c.essential !== false) ??
    spec.taskDefinition.containerDefinitions?.[0];
  if (!container?.name) throw new TypeError('the task definition needs a named essential container');
  const { ecs, elbv2 } = emulatorClients(endpoint, region);
  try {
    const cluster = await ecs.send(new CreateClusterCommand({ clusterName: spec.cluster }));
    const started = await startService(ecs, spec, []);
    const info: ScenarioInfo = {
      endpoint,
      region,
      ...started,
      clusterArn: required(cluster.cluster?.clusterArn, 'CreateCluster clusterArn'),
      containerName: container.name,
      containerPort: container.portMappings?.[0]?.containerPort ?? 0,
      loadBalancerName: '',
      loadBalancerArn: '',
      targetGroupArns: [],
      listenerArns: [],
      listenerUrls: [],
      listenerUrl: '',
    };
    if (spec.waitForSteadyState)
      await waitForSteadyState(ecs, elbv2, info, spec.desiredCount, spec.waitTimeoutMs ?? 60_000, spec);
    return info;
  } finally {
    ecs.destroy();
    elbv2.destroy();
  }
}

/** The local URL behind each listener, from the emulator's own `/_emulator/listeners` view. */
async function listenerUrlsOf(endpoint: string, listenerArns: string[]): Promise<string[]> {
  const response = await fetch(new URL('/_emulator/listeners', endpoint), {
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok)
    throw new Error(`${endpoint}/_emulator/listeners answered ${response.status}: is this the emulator?`);
  const listeners = (await response.json()) as ListenerEndpoint[];
  return listenerArns.map((arn) =>
    required(listeners.find((l) => l.listenerArn === arn)?.url, `local URL of listener ${arn}`),
  );
}

/**
 * Waits (bounded) until the service has one deployment, `desiredCount` RUNNING tasks, and that many
 * healthy targets in every group (none for a worker) and, when the task definition has container
 * health checks, that many tasks HEALTHY: what "steady state" means for the service.
 */
async function waitForSteadyState(
  ecs: ECSClient,
  elbv2: ElasticLoadBalancingV2Client,
  info: ScenarioInfo,
  desiredCount: number,
  timeoutMs: number,
  spec: ScenarioSpec,
): Promise<void> {
  const checked = (spec.taskDefinition.containerDefinitions ?? []).some(
    (c) => c.healthCheck?.command?.length,
  );
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing observed yet';
  while (Date.now() < deadline) {
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: info.cluster, services: [info.service] }),
    );
    const service = services?.[0];
    const up = (await describeServiceTasks(ecs, info.cluster, info.service, ['RUNNING'])).filter(
      (t) => t.lastStatus === 'RUNNING',
    );
    const running = up.length;
    const healthyTasks = up.filter((t) => t.healthStatus === 'HEALTHY').length;
    const healthy: number[] = [];
    for (const arn of info.targetGroupArns) {
      const { TargetHealthDescriptions = [] } = await elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: arn }),
      );
      healthy.push(TargetHealthDescriptions.filter((d) => d.TargetHealth?.State === 'healthy').length);
    }
    last = `deployments ${service?.deployments?.length ?? 0}, RUNNING tasks ${running}, healthy targets per group [${healthy.join(', ')}]${checked ? `, HEALTHY tasks ${healthyTasks}` : ''}`;
    if (
      service?.deployments?.length === 1 &&
      running === desiredCount &&
      healthy.every((n) => n === desiredCount) &&
      (!checked || healthyTasks === desiredCount)
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `service ${info.service} did not reach steady state (${desiredCount} tasks healthy) within ${timeoutMs} ms; last seen: ${last}`,
  );
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the emulator's answer lacks ${what}`);
  return value;
}
