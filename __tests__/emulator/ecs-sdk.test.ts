// The real ECSClient against startEmulator: every ECS operation's answer as the SDK parses it
// (typed exceptions included), and a scheduler-driven rolling update over real task processes,
// real health checks and real target groups.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ClientException,
  ClusterNotFoundException,
  ConflictException,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ListServiceDeploymentsCommand,
  ServiceDeploymentNotFoundException,
  StopServiceDeploymentCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListTagsForResourceCommand,
  ListTasksCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotActiveException,
  ServiceNotFoundException,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  paginateListTaskDefinitions,
} from '@aws-sdk/client-ecs';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { countsTowardMaximum } from '../../emulator/src/ecs/rolling.js';
import { startEmulator } from '../../emulator/src/index.js';
import type { Emulator } from '../../emulator/src/index.js';
import { createScenario } from '../../emulator/src/scenario.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const network = {
  awsvpcConfiguration: { subnets: ['subnet-0a0a0a0a0a0a0a0a1'], securityGroups: ['sg-0b0b0b0b0b0b0b0b1'] },
};

const taskDefinition = (tag: string): RegisterTaskDefinitionCommandInput => ({
  family: 'app',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'app',
      image: `demo/app:${tag}`,
      essential: true,
      portMappings: [{ containerPort: 8080 }],
      stopTimeout: 2,
    },
  ],
});

async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ECS through the real SDK (in-process tasks)', () => {
  let emulator: Emulator;
  let ecs: ECSClient;
  let elbv2: ElasticLoadBalancingV2Client;
  let targetGroupArn: string;

  beforeAll(async () => {
    emulator = await startEmulator({ timeScale: 0.05, taskRuntime: 'in-process' });
    const config = { endpoint: emulator.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
    ecs = new ECSClient(config);
    elbv2 = new ElasticLoadBalancingV2Client(config);
    const tg = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: 'app',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: 'vpc-0e0e0e0e0e0e0e0e0',
        TargetType: 'ip',
        HealthCheckPath: '/health',
      }),
    );
    targetGroupArn = tg.TargetGroups![0]!.TargetGroupArn!;
  });
  afterAll(async () => {
    ecs?.destroy();
    elbv2?.destroy();
    await emulator?.stop();
  });

  it('answers every operation in the shapes the SDK parses', async () => {
    const { cluster } = await ecs.send(
      new CreateClusterCommand({ clusterName: 'sdk', tags: [{ key: 'env', value: 'test' }] }),
    );
    expect(cluster).toMatchObject({
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/sdk',
      clusterName: 'sdk',
      status: 'ACTIVE',
    });
    const clusters = await ecs.send(
      new DescribeClustersCommand({ clusters: ['sdk', 'ghost'], include: ['TAGS'] }),
    );
    expect(clusters.clusters?.[0]?.tags).toEqual([{ key: 'env', value: 'test' }]);
    expect(clusters.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/ghost', reason: 'MISSING' },
    ]);

    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({ ...taskDefinition('1'), tags: [{ key: 'v', value: '1' }] }),
    );
    expect(registered.taskDefinition?.revision).toBe(1);
    expect(registered.taskDefinition?.registeredAt).toBeInstanceOf(Date);
    await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('2')));
    const described = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'app', include: ['TAGS'] }),
    );
    expect(described.taskDefinition?.taskDefinitionArn).toBe(
      'arn:aws:ecs:us-east-1:000000000000:task-definition/app:2',
    );
    expect(described.tags).toEqual([]);
    const arns: string[] = [];
    for await (const page of paginateListTaskDefinitions(
      { client: ecs, pageSize: 1 },
      { familyPrefix: 'app' },
    ))
      arns.push(...(page.taskDefinitionArns ?? []));
    expect(arns.map((a) => a.split('/')[1])).toEqual(['app:1', 'app:2']);

    const created = await ecs.send(
      new CreateServiceCommand({
        cluster: 'sdk',
        serviceName: 'app',
        taskDefinition: 'app:1',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: network,
        loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8080 }],
        deploymentConfiguration: {
          maximumPercent: 200,
          minimumHealthyPercent: 50,
          deploymentCircuitBreaker: { enable: true, rollback: true },
        },
      }),
    );
    expect(created.service?.deployments?.[0]?.createdAt).toBeInstanceOf(Date);
    expect(created.service?.deploymentController).toEqual({ type: 'ECS' });

    const taskArns = await until(
      async () => {
        const { taskArns = [] } = await ecs.send(
          new ListTasksCommand({ cluster: 'sdk', serviceName: 'app' }),
        );
        if (taskArns.length !== 2) return undefined;
        const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: 'sdk', tasks: taskArns }));
        return tasks.every((t) => t.lastStatus === 'RUNNING') ? taskArns : undefined;
      },
      20_000,
      'two RUNNING tasks',
    );
    const { tasks = [], failures } = await ecs.send(
      new DescribeTasksCommand({ cluster: 'sdk', tasks: [...taskArns, 'ffffffffffffffffffffffffffffffff'] }),
    );
    expect(failures).toHaveLength(1);
    const task = tasks[0]!;
    expect(task.startedAt).toBeInstanceOf(Date);
    expect(task.group).toBe('service:app');
    expect(task.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value).toMatch(
      /^127\./,
    );

    const ip = task.attachments![0]!.details!.find((d) => d.name === 'privateIPv4Address')!.value!;
    // ECS itself registered the task in the service's target group.
    const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    expect(health.TargetHealthDescriptions?.map((d) => d.Target?.Id)).toContain(ip);

    const stopped = await ecs.send(
      new StopTaskCommand({ cluster: 'sdk', task: task.taskArn!, reason: 'sdk test' }),
    );
    expect(stopped.task?.desiredStatus).toBe('STOPPED');
    expect(stopped.task?.stoppedReason).toBe('sdk test');

    const updated = await ecs.send(
      new UpdateServiceCommand({ cluster: 'sdk', service: 'app', taskDefinition: 'app:2' }),
    );
    expect(updated.service?.deployments?.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);

    const serviceArn = updated.service!.serviceArn!;
    await ecs.send(
      new TagResourceCommand({
        resourceArn: serviceArn,
        tags: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ],
      }),
    );
    await ecs.send(new UntagResourceCommand({ resourceArn: serviceArn, tagKeys: ['a'] }));
    expect((await ecs.send(new ListTagsForResourceCommand({ resourceArn: serviceArn }))).tags).toEqual([
      { key: 'b', value: '2' },
    ]);

    const deleted = await ecs.send(new DeleteServiceCommand({ cluster: 'sdk', service: 'app', force: true }));
    expect(deleted.service?.status).toBe('DRAINING');
    const deregistered = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'app:1' }));
    expect(deregistered.taskDefinition?.status).toBe('INACTIVE');
    expect(
      (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'app', status: 'INACTIVE' })))
        .taskDefinitionArns,
    ).toHaveLength(1);
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'sdk', services: ['app', 'ghost'] }),
    );
    expect(services?.[0]?.status).toMatch(/^(DRAINING|INACTIVE)$/);
  });

  it("service deployments: list, describe, revisions and a ROLLBACK stop, in the SDK's shapes and exceptions", async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'deploys' }));
    const family = (tag: string): RegisterTaskDefinitionCommandInput => ({
      ...taskDefinition(tag),
      family: 'deploy',
    });
    await ecs.send(new RegisterTaskDefinitionCommand(family('1')));
    await ecs.send(new RegisterTaskDefinitionCommand(family('slow-start-1000')));
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'deploys',
        serviceName: 'svc',
        taskDefinition: 'deploy:1',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: network,
      }),
    );
    const list = (status?: 'SUCCESSFUL' | 'IN_PROGRESS', after?: Date) =>
      ecs.send(
        new ListServiceDeploymentsCommand({
          cluster: 'deploys',
          service: 'svc',
          ...(status ? { status: [status] } : {}),
          ...(after ? { createdAt: { after } } : {}),
        }),
      );
    const [first] = await until(
      async () => {
        const { serviceDeployments = [] } = await list('SUCCESSFUL');
        return serviceDeployments.length === 1 ? serviceDeployments : undefined;
      },
      20_000,
      'the first service deployment SUCCESSFUL',
    );
    expect(first!.createdAt).toBeInstanceOf(Date);
    expect(first!.finishedAt).toBeInstanceOf(Date);

    await ecs.send(
      new UpdateServiceCommand({ cluster: 'deploys', service: 'svc', taskDefinition: 'deploy:2' }),
    );
    const { serviceDeployments: newer = [] } = await list(undefined, first!.createdAt);
    expect(newer).toHaveLength(1);
    const arn = newer[0]!.serviceDeploymentArn!;
    const { serviceDeployments: [described] = [] } = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
    );
    expect(described!.sourceServiceRevisions?.[0]?.arn).toBe(first!.targetServiceRevisionArn);
    expect(described!.targetServiceRevision?.requestedTaskCount).toBe(2);
    const { serviceRevisions = [] } = await ecs.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: [newer[0]!.targetServiceRevisionArn!] }),
    );
    expect(serviceRevisions[0]!.taskDefinition).toBe(
      'arn:aws:ecs:us-east-1:000000000000:task-definition/deploy:2',
    );
    expect(serviceRevisions[0]!.createdAt).toBeInstanceOf(Date);

    expect(
      (await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' })))
        .serviceDeploymentArn,
    ).toBe(arn);
    const rolledBack = await until(
      async () => {
        const { serviceDeployments = [] } = await ecs.send(
          new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
        );
        return serviceDeployments[0]?.status === 'ROLLBACK_SUCCESSFUL' ? serviceDeployments[0] : undefined;
      },
      20_000,
      'ROLLBACK_SUCCESSFUL',
    );
    expect(rolledBack.rollback?.startedAt).toBeInstanceOf(Date);
    expect(rolledBack.rollback?.serviceRevisionArn).toBe(first!.targetServiceRevisionArn);
    await expect(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn })),
    ).rejects.toBeInstanceOf(ConflictException);
    await expect(
      ecs.send(
        new StopServiceDeploymentCommand({ serviceDeploymentArn: arn.replace(/[^/]+$/, 'x'.repeat(21)) }),
      ),
    ).rejects.toBeInstanceOf(ServiceDeploymentNotFoundException);
  });

  it('raises the typed exceptions the SDK raises against AWS', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'errors' }));
    const attempt = async (send: () => Promise<unknown>): Promise<unknown> =>
      send().then(
        () => undefined,
        (error: unknown) => error,
      );

    const noCluster = await attempt(() =>
      ecs.send(new DescribeServicesCommand({ cluster: 'ghost', services: ['x'] })),
    );
    expect(noCluster).toBeInstanceOf(ClusterNotFoundException);
    expect((noCluster as ClusterNotFoundException).message).toBe('Cluster not found.');
    expect((noCluster as ClusterNotFoundException).$metadata.httpStatusCode).toBe(400);
    expect((noCluster as ClusterNotFoundException).$metadata.requestId).toBeTruthy();

    expect(
      await attempt(() =>
        ecs.send(new UpdateServiceCommand({ cluster: 'errors', service: 'ghost', desiredCount: 1 })),
      ),
    ).toBeInstanceOf(ServiceNotFoundException);
    expect(
      await attempt(() => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'ghost:1' }))),
    ).toBeInstanceOf(ClientException);
    expect(
      await attempt(() => ecs.send(new DescribeTasksCommand({ cluster: 'errors', tasks: [] }))),
    ).toBeInstanceOf(InvalidParameterException);

    await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('1')));
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'errors',
        serviceName: 'gone',
        taskDefinition: 'app',
        desiredCount: 0,
        networkConfiguration: network,
      }),
    );
    await ecs.send(new DeleteServiceCommand({ cluster: 'errors', service: 'gone' }));
    const inactive = await attempt(() =>
      ecs.send(new UpdateServiceCommand({ cluster: 'errors', service: 'gone', desiredCount: 1 })),
    );
    expect(inactive).toBeInstanceOf(ServiceNotActiveException);
    expect((inactive as ServiceNotActiveException).message).toBe('Service was not ACTIVE.');
  });
});

describe('a rolling update over real task processes and health checks', () => {
  it('keeps min/max at every sampled moment and ends on the new revision', async () => {
    const emulator = await startEmulator({ timeScale: 0.05, taskRuntime: 'process' });
    const ecs = new ECSClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    const elbv2 = new ElasticLoadBalancingV2Client({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    try {
      const info = await createScenario(emulator.endpoint, {
        cluster: 'roll',
        service: 'web',
        desiredCount: 3,
        taskDefinition: taskDefinition('1'),
        healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2 },
        deregistrationDelaySeconds: 5,
        deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 150 },
        waitForSteadyState: true,
        waitTimeoutMs: 30_000,
      });
      await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('2')));
      await ecs.send(new UpdateServiceCommand({ cluster: 'roll', service: 'web', taskDefinition: 'app:2' }));

      const samples: { live: number; healthy: number }[] = [];
      await until(
        async () => {
          const ecsState = emulator.state().ecs as { tasks: { lastStatus: string }[] };
          const { TargetHealthDescriptions = [] } = await elbv2.send(
            new DescribeTargetHealthCommand({ TargetGroupArn: info.targetGroupArns[0]! }),
          );
          samples.push({
            // The default reading of maximumPercent: RUNNING and PENDING tasks, not draining ones.
            live: ecsState.tasks.filter((t) => countsTowardMaximum(t.lastStatus, false)).length,
            healthy: TargetHealthDescriptions.filter((d) => d.TargetHealth?.State === 'healthy').length,
          });
          const { services = [] } = await ecs.send(
            new DescribeServicesCommand({ cluster: 'roll', services: ['web'] }),
          );
          const d = services[0]?.deployments ?? [];
          return d.length === 1 &&
            d[0]!.rolloutState === 'COMPLETED' &&
            d[0]!.taskDefinition!.endsWith('app:2')
            ? true
            : undefined;
        },
        60_000,
        'the rollout to app:2 to complete',
      );
      expect(samples.length).toBeGreaterThan(5);
      // max 150% of 3 = 4 tasks; min 100% of 3 = 3 healthy targets.
      for (const s of samples) {
        expect(s.live).toBeLessThanOrEqual(4);
        expect(s.healthy).toBeGreaterThanOrEqual(3);
      }
      const { services = [] } = await ecs.send(
        new DescribeServicesCommand({ cluster: 'roll', services: ['web'] }),
      );
      expect(services[0]!.events!.map((e) => e.message)).toContain(
        '(service web) has reached a steady state.',
      );
    } finally {
      ecs.destroy();
      elbv2.destroy();
      await emulator.stop();
    }
  });
});
