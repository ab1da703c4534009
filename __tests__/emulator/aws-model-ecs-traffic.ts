// ECS traffic for aws-model.test.ts: every ECS operation the emulator serves, through the real
// ECSClient, with inputs that use much of each operation's shape (a rich task definition, a service
// with every deployment option the emulator keeps), answers in many states (deployments PRIMARY /
// ACTIVE, rolloutState IN_PROGRESS / COMPLETED / FAILED, tasks RUNNING and STOPPED with their stop
// codes), and the documented errors. What is checked is the wire, afterwards.
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServiceDeploymentsCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { ECSClient, RegisterTaskDefinitionCommandInput, Service } from '@aws-sdk/client-ecs';
import type { Emulator } from '../../emulator/src/index.js';
import { createScenario } from '../../emulator/src/scenario.js';
import { waitFor } from './elbv2-harness.js';

/** Its own container port, so tasks of emulators in parallel test files never share an address. */
export const CONTAINER_PORT = 18_093;
const SUBNETS = ['subnet-0a0a0a0a0a0a0a0a1', 'subnet-0a0a0a0a0a0a0a0a2'];
const SECURITY_GROUPS = ['sg-0b0b0b0b0b0b0b0b1'];

/** A task definition that uses much of RegisterTaskDefinition's input shape. */
export function richTaskDefinition(family: string, tag: string): RegisterTaskDefinitionCommandInput {
  return {
    family,
    taskRoleArn: 'arn:aws:iam::000000000000:role/model-task',
    executionRoleArn: 'arn:aws:iam::000000000000:role/model-execution',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    ephemeralStorage: { sizeInGiB: 21 },
    volumes: [{ name: 'scratch' }],
    containerDefinitions: [
      {
        name: 'web',
        image: `public.ecr.aws/demo/web:${tag}`,
        essential: true,
        cpu: 128,
        memory: 256,
        memoryReservation: 128,
        portMappings: [{ containerPort: CONTAINER_PORT, protocol: 'tcp', name: 'http', appProtocol: 'http' }],
        environment: [{ name: 'GREETING', value: 'hello' }],
        secrets: [{ name: 'TOKEN', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/token' }],
        command: ['serve'],
        entryPoint: ['/bin/app'],
        workingDirectory: '/srv',
        mountPoints: [{ sourceVolume: 'scratch', containerPath: '/tmp/scratch', readOnly: false }],
        ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 4096 }],
        dockerLabels: { team: 'model' },
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/model',
            'awslogs-region': 'us-east-1',
            'awslogs-stream-prefix': 'web',
          },
        },
        healthCheck: {
          command: ['CMD-SHELL', 'true'],
          interval: 30,
          timeout: 5,
          retries: 3,
          startPeriod: 10,
        },
        readonlyRootFilesystem: false,
        stopTimeout: 2,
        startTimeout: 30,
      },
      {
        name: 'sidecar',
        image: 'public.ecr.aws/demo/sidecar:1',
        essential: false,
        dependsOn: [{ containerName: 'web', condition: 'START' }],
      },
    ],
    tags: [{ key: 'team', value: 'model' }],
  };
}

/**
 * `served`: the ECS operations the emulator serves (aws-model-served.ts). The service-deployment
 * operations are driven only where they are served, so this traffic fits an emulator with or
 * without them.
 */
export async function driveEcs(
  emulator: Emulator,
  ecs: ECSClient,
  served: ReadonlySet<string>,
): Promise<void> {
  const attempt = async (send: () => Promise<unknown>): Promise<void> => {
    // Errors are part of the traffic; what they look like on the wire is checked afterwards.
    await send().catch(() => undefined);
  };

  // Clusters.
  const cluster = await ecs.send(
    new CreateClusterCommand({
      clusterName: 'model',
      tags: [{ key: 'env', value: 'test' }],
      settings: [{ name: 'containerInsights', value: 'enabled' }],
    }),
  );
  const clusterArn = cluster.cluster?.clusterArn ?? '';
  await ecs.send(new CreateClusterCommand({ clusterName: 'model-2' }));
  const clusters = await ecs.send(new ListClustersCommand({ maxResults: 1 }));
  await ecs.send(new ListClustersCommand({ maxResults: 1, nextToken: clusters.nextToken }));
  await ecs.send(
    new DescribeClustersCommand({
      clusters: ['model', 'model-missing'],
      include: ['TAGS', 'SETTINGS', 'STATISTICS'],
    }),
  );

  // Task definitions: two revisions of a rich one.
  const rev1 = await ecs.send(new RegisterTaskDefinitionCommand(richTaskDefinition('model-rich', '1')));
  const rev1Arn = rev1.taskDefinition?.taskDefinitionArn ?? '';
  await ecs.send(new RegisterTaskDefinitionCommand(richTaskDefinition('model-rich', '2')));
  await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'model-rich:1', include: ['TAGS'] }));
  const definitions = await ecs.send(
    new ListTaskDefinitionsCommand({
      familyPrefix: 'model-rich',
      status: 'ACTIVE',
      sort: 'DESC',
      maxResults: 1,
    }),
  );
  await ecs.send(
    new ListTaskDefinitionsCommand({ familyPrefix: 'model-rich', nextToken: definitions.nextToken }),
  );

  // A service without a load balancer, with the options the emulator keeps.
  const rich = await ecs.send(
    new CreateServiceCommand({
      cluster: 'model',
      serviceName: 'rich',
      taskDefinition: rev1Arn,
      desiredCount: 1,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: 'ECS' },
      deploymentConfiguration: {
        minimumHealthyPercent: 50,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        // Every other member the model has, so its requests and answers are checked too.
        alarms: { alarmNames: ['rich-5xx'], enable: true, rollback: false },
        strategy: 'ROLLING',
        bakeTimeInMinutes: 3,
        lifecycleHooks: [
          {
            targetType: 'AWS_LAMBDA',
            hookTargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:smoke',
            roleArn: 'arn:aws:iam::000000000000:role/ecs-hooks',
            lifecycleStages: ['POST_SCALE_UP'],
            hookDetails: { suite: 'smoke' },
            timeoutConfiguration: { timeoutInMinutes: 30, action: 'ROLLBACK' },
          },
        ],
      },
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: SUBNETS,
          securityGroups: SECURITY_GROUPS,
          assignPublicIp: 'DISABLED',
        },
      },
      enableECSManagedTags: true,
      propagateTags: 'SERVICE',
      tags: [{ key: 'app', value: 'rich' }],
    }),
  );
  const richArn = rich.service?.serviceArn ?? '';

  // A service behind a target group, through a rolling update, then a failing one (circuit breaker).
  const scenario = await createScenario(emulator.endpoint, {
    cluster: 'model',
    service: 'web',
    desiredCount: 2,
    taskDefinition: richTaskDefinition('model-web', '1'),
    deregistrationDelaySeconds: 2,
    deploymentConfiguration: {
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    },
    healthCheckGracePeriodSeconds: 10,
    waitForSteadyState: true,
    waitTimeoutMs: 60_000,
  });
  const describeWeb = async (): Promise<Service | undefined> =>
    (await ecs.send(new DescribeServicesCommand({ cluster: 'model', services: ['web'], include: ['TAGS'] })))
      .services?.[0];
  const rev2 = await ecs.send(new RegisterTaskDefinitionCommand(richTaskDefinition('model-web', '2')));
  await ecs.send(
    new UpdateServiceCommand({
      cluster: 'model',
      service: 'web',
      taskDefinition: rev2.taskDefinition?.taskDefinitionArn,
      healthCheckGracePeriodSeconds: 5,
    }),
  );
  await waitFor(
    'two deployments at once',
    async () => ((await describeWeb())?.deployments?.length === 2 ? true : undefined),
    30_000,
  );
  await waitFor(
    'the update to complete',
    async () => {
      const web = await describeWeb();
      return web?.deployments?.length === 1 && web.deployments[0]?.rolloutState === 'COMPLETED'
        ? true
        : undefined;
    },
    60_000,
  );
  const crashing = await ecs.send(
    new RegisterTaskDefinitionCommand(richTaskDefinition('model-web', 'crash')),
  );
  await ecs.send(
    new UpdateServiceCommand({
      cluster: 'model',
      service: 'web',
      taskDefinition: crashing.taskDefinition?.taskDefinitionArn,
    }),
  );
  await waitFor(
    'the circuit breaker to fail the deployment',
    async () =>
      (await describeWeb())?.deployments?.some((d) => d.rolloutState === 'FAILED') ? true : undefined,
    60_000,
  );

  if (served.has('ListServiceDeployments')) await driveServiceDeployments(ecs);

  // Tasks, running and stopped.
  await ecs.send(new ListServicesCommand({ cluster: 'model', maxResults: 1 }));
  const running = await ecs.send(
    new ListTasksCommand({ cluster: 'model', serviceName: 'web', desiredStatus: 'RUNNING' }),
  );
  const stopped = await ecs.send(
    new ListTasksCommand({ cluster: 'model', desiredStatus: 'STOPPED', maxResults: 100 }),
  );
  await ecs.send(
    new DescribeTasksCommand({
      cluster: 'model',
      tasks: [
        ...(running.taskArns ?? []),
        ...(stopped.taskArns ?? []).slice(0, 20),
        'arn:aws:ecs:us-east-1:000000000000:task/model/0000',
      ],
      include: ['TAGS'],
    }),
  );
  const richTasks = await ecs.send(new ListTasksCommand({ cluster: 'model', serviceName: 'rich' }));
  const richTask = richTasks.taskArns?.[0];
  if (richTask)
    await ecs.send(new StopTaskCommand({ cluster: 'model', task: richTask, reason: 'model check' }));

  // A one-off task (RunTask) with a command override that exits 3, described once it has stopped,
  // and one stopped while it runs; the errors of a bad override and a reused clientToken.
  const oneOff = {
    cluster: 'model',
    taskDefinition: rev2.taskDefinition?.taskDefinitionArn,
    launchType: 'FARGATE' as const,
    startedBy: 'model/one-off',
    networkConfiguration: { awsvpcConfiguration: { subnets: SUBNETS, securityGroups: SECURITY_GROUPS } },
  };
  const ran = await ecs.send(
    new RunTaskCommand({
      ...oneOff,
      clientToken: 'model-token',
      overrides: {
        containerOverrides: [{ name: 'web', command: ['migrate', '--exit', '3', '--sleep', '1'] }],
      },
    }),
  );
  const ranArn = ran.tasks?.[0]?.taskArn ?? '';
  await waitFor(
    'the one-off task to stop',
    async () =>
      (await ecs.send(new DescribeTasksCommand({ cluster: 'model', tasks: [ranArn] }))).tasks?.[0]
        ?.lastStatus === 'STOPPED'
        ? true
        : undefined,
    30_000,
  );
  const longRun = await ecs.send(
    new RunTaskCommand({
      ...oneOff,
      overrides: { containerOverrides: [{ name: 'web', command: ['migrate', '--sleep', '600'] }] },
    }),
  );
  await ecs.send(
    new StopTaskCommand({ cluster: 'model', task: longRun.tasks?.[0]?.taskArn ?? '', reason: 'model check' }),
  );
  await attempt(() =>
    ecs.send(
      new RunTaskCommand({
        ...oneOff,
        overrides: { containerOverrides: [{ name: 'nope', command: ['x'] }] },
      }),
    ),
  );
  await attempt(() => ecs.send(new RunTaskCommand({ ...oneOff, clientToken: 'model-token', count: 2 })));

  // Tags on a cluster, a service and a task definition.
  for (const resourceArn of [clusterArn, richArn, rev1Arn]) {
    await ecs.send(
      new TagResourceCommand({
        resourceArn,
        tags: [
          { key: 'k', value: 'v' },
          { key: 'gone', value: 'x' },
        ],
      }),
    );
    await ecs.send(new UntagResourceCommand({ resourceArn, tagKeys: ['gone'] }));
    await ecs.send(new ListTagsForResourceCommand({ resourceArn }));
  }

  // Deregister, delete, and the errors.
  await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: rev1Arn }));
  await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: rev1Arn }));
  await ecs.send(new ListTaskDefinitionsCommand({ status: 'INACTIVE' }));
  await ecs.send(new DeleteServiceCommand({ cluster: 'model', service: richArn, force: true }));
  await ecs.send(new DescribeServicesCommand({ cluster: 'model', services: [richArn, 'missing'] }));
  await attempt(() =>
    ecs.send(new UpdateServiceCommand({ cluster: 'model', service: richArn, desiredCount: 2 })),
  );
  await attempt(() => ecs.send(new DescribeServicesCommand({ cluster: 'model-missing', services: ['web'] })));
  await attempt(() =>
    ecs.send(new UpdateServiceCommand({ cluster: 'model', service: 'missing', desiredCount: 1 })),
  );
  await attempt(() => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'model-missing:1' })));
  await attempt(() =>
    ecs.send(new UpdateServiceCommand({ cluster: 'model', service: 'web', desiredCount: -1 })),
  );
  await attempt(() =>
    ecs.send(
      new TagResourceCommand({ resourceArn: `${clusterArn}-missing`, tags: [{ key: 'k', value: 'v' }] }),
    ),
  );
  await attempt(() =>
    ecs.send(
      new StopTaskCommand({ cluster: 'model', task: 'arn:aws:ecs:us-east-1:000000000000:task/model/0000' }),
    ),
  );
  await attempt(() =>
    ecs.send(
      new CreateServiceCommand({
        cluster: 'model',
        serviceName: 'bad-lb',
        taskDefinition: rev2.taskDefinition?.taskDefinitionArn,
        desiredCount: 1,
        loadBalancers: [
          {
            targetGroupArn: `${scenario.targetGroupArns[0] ?? ''}0`,
            containerName: 'web',
            containerPort: CONTAINER_PORT,
          },
        ],
        networkConfiguration: { awsvpcConfiguration: { subnets: SUBNETS } },
      }),
    ),
  );
  if (served.has('DescribeContainerInstances')) await driveContainerInstances(emulator, ecs, attempt);

  // Throttled: one token, no refill to speak of.
  emulator.setThrottling({ 'ecs:DescribeClusters': { burst: 1, perSecond: 0.001 } });
  await attempt(() => ecs.send(new DescribeClustersCommand({ clusters: ['model'] })));
  await attempt(() => ecs.send(new DescribeClustersCommand({ clusters: ['model'] })));
  emulator.setThrottling(false);
}

/**
 * Container instances and the EC2 launch type (ECS API reference: RegisterContainerInstance,
 * ListContainerInstances, DescribeContainerInstances; DescribeTasks with networkBindings): a bridge
 * service on two instances, described, and the errors.
 */
async function driveContainerInstances(
  emulator: Emulator,
  ecs: ECSClient,
  attempt: (send: () => Promise<unknown>) => Promise<void>,
): Promise<void> {
  const scenario = await createScenario(emulator.endpoint, {
    cluster: 'model-ec2',
    service: 'bridge',
    desiredCount: 2,
    ec2: { instances: 2 },
    taskDefinition: {
      family: 'model-bridge',
      networkMode: 'bridge',
      requiresCompatibilities: ['EC2'],
      containerDefinitions: [
        {
          name: 'web',
          image: 'public.ecr.aws/demo/web:1',
          memory: 128,
          portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }],
        },
      ],
    },
    waitForSteadyState: true,
    waitTimeoutMs: 60_000,
  });
  await ecs.send(
    new RegisterContainerInstanceCommand({
      cluster: 'model-ec2',
      attributes: [{ name: 'stack', value: 'model' }],
    }),
  );
  const listed = await ecs.send(
    new ListContainerInstancesCommand({ cluster: 'model-ec2', status: 'ACTIVE', maxResults: 2 }),
  );
  await ecs.send(new ListContainerInstancesCommand({ cluster: 'model-ec2', nextToken: listed.nextToken }));
  await ecs.send(
    new DescribeContainerInstancesCommand({
      cluster: 'model-ec2',
      containerInstances: [
        ...(scenario.containerInstanceArns ?? []),
        'arn:aws:ecs:us-east-1:000000000000:container-instance/model-ec2/0000',
      ],
      include: ['TAGS'],
    }),
  );
  const tasks = await ecs.send(new ListTasksCommand({ cluster: 'model-ec2', serviceName: 'bridge' }));
  await ecs.send(new DescribeTasksCommand({ cluster: 'model-ec2', tasks: tasks.taskArns ?? [] }));
  await attempt(() =>
    ecs.send(new DescribeContainerInstancesCommand({ cluster: 'model-ec2', containerInstances: [] })),
  );
  await attempt(() => ecs.send(new ListContainerInstancesCommand({ cluster: 'model-missing' })));
  await attempt(() =>
    ecs.send(
      new RegisterContainerInstanceCommand({
        cluster: 'model-ec2',
        instanceIdentityDocument: '{"instanceId":"x"}',
      }),
    ),
  );
}

/**
 * Service deployments (ECS API reference: ListServiceDeployments, DescribeServiceDeployments,
 * DescribeServiceRevisions, StopServiceDeployment): a deployment stopped with ROLLBACK while its
 * tasks start slowly, described through its states, its revisions, and the errors.
 */
async function driveServiceDeployments(ecs: ECSClient): Promise<void> {
  const attempt = async (send: () => Promise<unknown>): Promise<void> => {
    await send().catch(() => undefined);
  };
  const slow = await ecs.send(
    new RegisterTaskDefinitionCommand(richTaskDefinition('model-web', 'slow-start-60')),
  );
  await ecs.send(
    new UpdateServiceCommand({
      cluster: 'model',
      service: 'web',
      taskDefinition: slow.taskDefinition?.taskDefinitionArn,
    }),
  );
  const listed = await ecs.send(
    new ListServiceDeploymentsCommand({ cluster: 'model', service: 'web', maxResults: 1 }),
  );
  await ecs.send(
    new ListServiceDeploymentsCommand({
      cluster: 'model',
      service: 'web',
      status: ['SUCCESSFUL', 'ROLLBACK_SUCCESSFUL'],
      nextToken: listed.nextToken,
    }),
  );
  const newest = listed.serviceDeployments?.[0]?.serviceDeploymentArn ?? '';
  await attempt(() =>
    ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: newest, stopType: 'ROLLBACK' })),
  );
  const all = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'model', service: 'web' }));
  const arns = (all.serviceDeployments ?? []).map((d) => d.serviceDeploymentArn ?? '').slice(0, 20);
  const described = await ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [...arns, `${newest}0`] }),
  );
  const revisions = new Set<string>();
  for (const d of described.serviceDeployments ?? []) {
    for (const r of [...(d.sourceServiceRevisions ?? []), d.targetServiceRevision])
      if (r?.arn) revisions.add(r.arn);
  }
  await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [...revisions].slice(0, 20) }));
  await waitFor(
    'the stopped deployment to roll back',
    async () => {
      const out = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [newest] }));
      const status = out.serviceDeployments?.[0]?.status;
      return status === 'ROLLBACK_SUCCESSFUL' || status === 'ROLLBACK_FAILED' ? true : undefined;
    },
    60_000,
  );
  await attempt(() => ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: newest })));
  await attempt(() =>
    ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: newest.replace(/[^/]+$/, 'missing') })),
  );
  await attempt(() => ecs.send(new ListServiceDeploymentsCommand({ cluster: 'model', service: 'missing' })));
}
