// Builds a whole rolling-deployment scenario through the real SDK clients, exactly as a user would
// in AWS: cluster, ALB, ip target group(s), listener(s), task definition, service behind them.
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
  /** How many target groups the service sits behind (1..5, ECS's limit). Default 1. */
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
}

export interface ScenarioInfo {
  endpoint: string;
  region: string;
  cluster: string;
  clusterArn: string;
  service: string;
  serviceArn: string;
  taskDefinitionArn: string;
  containerName: string;
  containerPort: number;
  loadBalancerName: string;
  loadBalancerArn: string;
  targetGroupArns: string[];
  listenerArns: string[];
  /** Where each listener really serves, in the order of targetGroupArns. */
  listenerUrls: string[];
  /** The first listener's URL. */
  listenerUrl: string;
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
  if (!Number.isInteger(groups) || groups < 1 || groups > 5) {
    throw new RangeError(`targetGroups must be 1..5 (ECS allows 5 per service), got ${groups}`);
  }
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
  const { ecs, elbv2 } = emulatorClients(endpoint, region);
  try {
    const cluster = await ecs.send(new CreateClusterCommand({ clusterName: spec.cluster }));
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
          TargetType: 'ip',
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

    const taskDefinition = await ecs.send(new RegisterTaskDefinitionCommand(spec.taskDefinition));
    const taskDefinitionArn = required(
      taskDefinition.taskDefinition?.taskDefinitionArn,
      'RegisterTaskDefinition taskDefinitionArn',
    );
    const service = await ecs.send(
      new CreateServiceCommand({
        cluster: spec.cluster,
        serviceName: spec.service,
        taskDefinition: taskDefinitionArn,
        desiredCount: spec.desiredCount,
        launchType: 'FARGATE',
        deploymentController: { type: 'ECS' },
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: network.subnets,
            securityGroups: network.securityGroups,
            assignPublicIp: 'DISABLED',
          },
        },
        loadBalancers: targetGroupArns.map((targetGroupArn) => ({
          targetGroupArn,
          containerName: container.name,
          containerPort,
        })),
        ...(spec.deploymentConfiguration ? { deploymentConfiguration: spec.deploymentConfiguration } : {}),
        ...(spec.healthCheckGracePeriodSeconds !== undefined
          ? { healthCheckGracePeriodSeconds: spec.healthCheckGracePeriodSeconds }
          : {}),
      }),
    );

    const listenerUrls = await listenerUrlsOf(endpoint, listenerArns);
    const info: ScenarioInfo = {
      endpoint,
      region,
      cluster: spec.cluster,
      clusterArn: required(cluster.cluster?.clusterArn, 'CreateCluster clusterArn'),
      service: spec.service,
      serviceArn: required(service.service?.serviceArn, 'CreateService serviceArn'),
      taskDefinitionArn,
      containerName: container.name,
      containerPort,
      loadBalancerName,
      loadBalancerArn,
      targetGroupArns,
      listenerArns,
      listenerUrls,
      listenerUrl: required(listenerUrls[0], 'listener URL'),
    };
    if (spec.waitForSteadyState)
      await waitForSteadyState(ecs, elbv2, info, spec.desiredCount, spec.waitTimeoutMs ?? 60_000);
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
 * healthy targets in every group: what "steady state" means for a service behind a load balancer.
 */
async function waitForSteadyState(
  ecs: ECSClient,
  elbv2: ElasticLoadBalancingV2Client,
  info: ScenarioInfo,
  desiredCount: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing observed yet';
  while (Date.now() < deadline) {
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: info.cluster, services: [info.service] }),
    );
    const service = services?.[0];
    const running = (await describeServiceTasks(ecs, info.cluster, info.service, ['RUNNING'])).filter(
      (t) => t.lastStatus === 'RUNNING',
    ).length;
    const healthy: number[] = [];
    for (const arn of info.targetGroupArns) {
      const { TargetHealthDescriptions = [] } = await elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: arn }),
      );
      healthy.push(TargetHealthDescriptions.filter((d) => d.TargetHealth?.State === 'healthy').length);
    }
    last = `deployments ${service?.deployments?.length ?? 0}, RUNNING tasks ${running}, healthy targets per group [${healthy.join(', ')}]`;
    if (
      service?.deployments?.length === 1 &&
      running === desiredCount &&
      healthy.every((n) => n === desiredCount)
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
