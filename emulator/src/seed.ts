// The demo scenario `npm run demo` deploys to: cluster `demo`; internet-facing ALB `demo-alb` with
// a listener; ip target group `web` checked on `/health`; service `web` with 6 tasks of `web:1`,
// rolling with minimumHealthyPercent 100 / maximumPercent 200. The task definition is the one in
// examples/task-definitions/web.json (family, container, port, environment, stop timeout), so
// `npm run demo` deploys that file onto this service changing nothing but the image.
import { createScenario } from './scenario.js';
import type { ScenarioInfo } from './scenario.js';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';

export type DemoInfo = ScenarioInfo;

/**
 * Health check every 5 s (ALB's minimum), healthy again after 2 (a new target: after its first
 * passing check), unhealthy after 3, and a 20 s deregistration delay instead of AWS's 300 s
 * default: with the default time scale (0.1) a batch takes a few real seconds, yet draining is long
 * enough to watch.
 */
export const DEMO_TARGET_GROUP = {
  healthCheck: {
    path: '/health',
    intervalSeconds: 5,
    timeoutSeconds: 4,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
    matcher: '200',
  },
  deregistrationDelaySeconds: 20,
} as const;

/** The demo's `web:1`: examples/task-definitions/web.json with a full image name. */
export const DEMO_TASK_DEFINITION: RegisterTaskDefinitionCommandInput = {
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'web',
      image: 'public.ecr.aws/demo/web:1',
      essential: true,
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
      environment: [{ name: 'GREETING', value: 'hello' }],
      stopTimeout: 30,
    },
  ],
};

export function seedDemo(endpoint: string, options: SeedOptions = {}): Promise<DemoInfo> {
  return seedScene(endpoint, options, { taskDefinition: DEMO_TASK_DEFINITION });
}

interface SeedOptions {
  region?: string;
  waitTimeoutMs?: number;
}

/** The demo scene (cluster `demo`, service `web` of 6 tasks behind `demo-alb`), on a launch type of its own. */
function seedScene(
  endpoint: string,
  options: SeedOptions,
  scene: { taskDefinition: RegisterTaskDefinitionCommandInput; ec2?: { instances: number } },
): Promise<DemoInfo> {
  return createScenario(endpoint, {
    ...(options.region ? { region: options.region } : {}),
    cluster: 'demo',
    service: 'web',
    desiredCount: 6,
    ...(scene.ec2 ? { ec2: scene.ec2 } : {}),
    loadBalancerName: 'demo-alb',
    targetGroupName: 'web',
    healthCheck: { ...DEMO_TARGET_GROUP.healthCheck },
    deregistrationDelaySeconds: DEMO_TARGET_GROUP.deregistrationDelaySeconds,
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
    taskDefinition: scene.taskDefinition,
    waitForSteadyState: true,
    waitTimeoutMs: options.waitTimeoutMs ?? 60_000,
  });
}

/**
 * The bridge scene's `web:1`: the same app on the EC2 launch type, networkMode bridge, host port 0
 * (each task gets a dynamic host port of its container instance's ephemeral range).
 */
export const BRIDGE_DEMO_TASK_DEFINITION: RegisterTaskDefinitionCommandInput = {
  family: 'web',
  networkMode: 'bridge',
  requiresCompatibilities: ['EC2'],
  containerDefinitions: [
    {
      name: 'web',
      image: 'public.ecr.aws/demo/web:1',
      essential: true,
      memory: 256,
      portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }],
      environment: [{ name: 'GREETING', value: 'hello' }],
      stopTimeout: 30,
    },
  ],
};

/**
 * The demo scenario on the EC2 launch type: cluster `demo` with 3 container instances, an
 * `instance` target group `web`, service `web` with 6 bridge tasks (two per instance, each on its
 * own host port), otherwise as seedDemo.
 */
export function seedBridgeDemo(endpoint: string, options: SeedOptions = {}): Promise<DemoInfo> {
  return seedScene(endpoint, options, { taskDefinition: BRIDGE_DEMO_TASK_DEFINITION, ec2: { instances: 3 } });
}
