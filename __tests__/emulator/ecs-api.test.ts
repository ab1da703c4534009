// The ECS operations' shapes and errors, through the ECS part's protocol (parse -> invoke ->
// serialize, as the server runs it) with a fake task runtime and target registry.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { harness, serviceInput, TG_ARN, until, webTaskDefinition } from './ecs-fakes.js';
import type { Harness } from './ecs-fakes.js';

const ARN_PREFIX = 'arn:aws:ecs:us-east-1:000000000000';
let h: Harness;

beforeEach(async () => {
  h = harness();
  await h.ok('CreateCluster', { clusterName: 'demo' });
});
afterEach(async () => {
  await h.stop();
});

const expectError = async (
  operation: string,
  input: unknown,
  code: string,
  message?: string | RegExp,
): Promise<void> => {
  const answer = await h.call(operation, input);
  expect(answer.status).toBe(400);
  expect(answer.headers['content-type']).toBe('application/x-amz-json-1.1');
  expect(answer.body['__type']).toBe(code);
  if (message !== undefined) expect(answer.body['message']).toMatch(message);
};

describe('protocol', () => {
  it('claims only ECS targets it models, answers JSON 1.1 with a request id', async () => {
    const p = h.ecs.protocol;
    expect(
      p.operationOf({ 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.DescribeClusters' }, '{}'),
    ).toBe('DescribeClusters');
    expect(
      p.operationOf({ 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.CreateCapacityProvider' }, '{}'),
    ).toBeUndefined();
    expect(p.operationOf({ 'x-amz-target': 'DynamoDB_20120810.GetItem' }, '{}')).toBeUndefined();
    expect(p.operationOf({}, 'Action=DescribeLoadBalancers')).toBeUndefined();
    const answer = await h.call('DescribeClusters', { clusters: ['demo'] });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-amzn-requestid']).toMatch(/^req-/);
  });

  it('rejects a body that is not a JSON object with SerializationException', async () => {
    await expectError('DescribeClusters', '[1,2]', 'SerializationException');
    await expectError('DescribeClusters', '{nope', 'SerializationException');
    await expectError('DescribeServices', { cluster: 'demo', services: 'web' }, 'SerializationException');
  });

  it('keeps the key parameters for the call log', () => {
    expect(
      h.ecs.protocol.keyParams('UpdateService', {
        cluster: 'demo',
        service: 'web',
        taskDefinition: 'web:2',
        desiredCount: 3,
      }),
    ).toEqual({
      cluster: 'demo',
      service: 'web',
      taskDefinition: 'web:2',
      desiredCount: '3',
    });
  });
});

describe('clusters', () => {
  it('CreateCluster is idempotent and DescribeClusters reports MISSING ones as failures', async () => {
    const again = await h.ok<{ cluster: Record<string, unknown> }>('CreateCluster', { clusterName: 'demo' });
    expect(again.cluster).toMatchObject({
      clusterArn: `${ARN_PREFIX}:cluster/demo`,
      clusterName: 'demo',
      status: 'ACTIVE',
      activeServicesCount: 0,
    });
    const described = await h.ok<{ clusters: { clusterName: string }[]; failures: unknown[] }>(
      'DescribeClusters',
      {
        clusters: ['demo', `${ARN_PREFIX}:cluster/demo`, 'nope'],
      },
    );
    expect(described.clusters.map((c) => c.clusterName)).toEqual(['demo', 'demo']);
    expect(described.failures).toEqual([{ arn: `${ARN_PREFIX}:cluster/nope`, reason: 'MISSING' }]);
  });

  it('uses the request region in ARNs and keeps regions apart', async () => {
    const answer = await h.call('CreateCluster', { clusterName: 'demo' }, 'eu-west-1');
    expect((answer.body['cluster'] as { clusterArn: string }).clusterArn).toBe(
      'arn:aws:ecs:eu-west-1:000000000000:cluster/demo',
    );
    const list = await h.ok<{ clusterArns: string[] }>('ListClusters', {});
    expect(list.clusterArns).toEqual([`${ARN_PREFIX}:cluster/demo`]);
  });

  it('ListClusters pages by position: a cluster created behind the position appears on a later page', async () => {
    for (const name of ['b', 'd']) await h.ok('CreateCluster', { clusterName: name });
    const first = await h.ok<{ clusterArns: string[]; nextToken?: string }>('ListClusters', {
      maxResults: 2,
    });
    expect(first.clusterArns).toEqual([`${ARN_PREFIX}:cluster/b`, `${ARN_PREFIX}:cluster/d`]);
    await h.ok('CreateCluster', { clusterName: 'a' }); // before the position: not on the next page
    await h.ok('CreateCluster', { clusterName: 'e' }); // after it
    const second = await h.ok<{ clusterArns: string[]; nextToken?: string }>('ListClusters', {
      maxResults: 2,
      nextToken: first.nextToken,
    });
    expect(second.clusterArns).toEqual([`${ARN_PREFIX}:cluster/demo`, `${ARN_PREFIX}:cluster/e`]);
    expect(second.nextToken).toBeUndefined();
    await expectError(
      'ListClusters',
      { nextToken: 'nonsense' },
      'InvalidParameterException',
      /Invalid nextToken/,
    );
  });

  it('answers ClusterNotFoundException for an unknown cluster', async () => {
    await expectError(
      'DescribeServices',
      { cluster: 'nope', services: ['web'] },
      'ClusterNotFoundException',
      'Cluster not found.',
    );
    await expectError('ListTasks', {}, 'ClusterNotFoundException'); // `default` does not exist
  });
});

describe('task definitions', () => {
  it('registers revisions with ECS defaults filled in and returns tags', async () => {
    const first = await h.ok<{ taskDefinition: Record<string, unknown>; tags: unknown[] }>(
      'RegisterTaskDefinition',
      webTaskDefinition('1', { tags: [{ key: 'team', value: 'web' }] }),
    );
    expect(first.taskDefinition).toMatchObject({
      taskDefinitionArn: `${ARN_PREFIX}:task-definition/web:1`,
      family: 'web',
      revision: 1,
      status: 'ACTIVE',
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      compatibilities: ['EC2', 'FARGATE'],
      requiresCompatibilities: ['FARGATE'],
      volumes: [],
    });
    expect(typeof first.taskDefinition['registeredAt']).toBe('number');
    expect(first.taskDefinition['tags']).toBeUndefined();
    const container = (first.taskDefinition['containerDefinitions'] as Record<string, unknown>[])[0];
    expect(container).toMatchObject({
      name: 'web',
      essential: true,
      cpu: 0,
      environment: [],
      portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
    });
    expect(first.tags).toEqual([{ key: 'team', value: 'web' }]);
    const second = await h.ok<{ taskDefinition: { revision: number } }>(
      'RegisterTaskDefinition',
      webTaskDefinition('2'),
    );
    expect(second.taskDefinition.revision).toBe(2);
  });

  it('DescribeTaskDefinition resolves family, family:revision and ARN; tags only with include TAGS', async () => {
    await h.ok('RegisterTaskDefinition', webTaskDefinition('1', { tags: [{ key: 'a', value: 'b' }] }));
    await h.ok('RegisterTaskDefinition', webTaskDefinition('2'));
    const latest = await h.ok<{ taskDefinition: { revision: number }; tags?: unknown }>(
      'DescribeTaskDefinition',
      { taskDefinition: 'web' },
    );
    expect(latest.taskDefinition.revision).toBe(2);
    expect(latest.tags).toBeUndefined();
    const byRevision = await h.ok<{ tags: unknown }>('DescribeTaskDefinition', {
      taskDefinition: 'web:1',
      include: ['TAGS'],
    });
    expect(byRevision.tags).toEqual([{ key: 'a', value: 'b' }]);
    const byArn = await h.ok<{ taskDefinition: { revision: number } }>('DescribeTaskDefinition', {
      taskDefinition: `${ARN_PREFIX}:task-definition/web:1`,
    });
    expect(byArn.taskDefinition.revision).toBe(1);
    await expectError(
      'DescribeTaskDefinition',
      { taskDefinition: 'web:9' },
      'ClientException',
      'Unable to describe task definition.',
    );
    await expectError('DescribeTaskDefinition', { taskDefinition: 'other' }, 'ClientException');
  });

  it('validates what ECS validates', async () => {
    await expectError(
      'RegisterTaskDefinition',
      { family: 'web', containerDefinitions: [] },
      'ClientException',
      'Container list cannot be empty.',
    );
    await expectError(
      'RegisterTaskDefinition',
      { family: 'bad name', containerDefinitions: [{ name: 'a', image: 'b', memory: 1 }] },
      'ClientException',
    );
    await expectError(
      'RegisterTaskDefinition',
      webTaskDefinition('1', { networkMode: 'bridge' }),
      'ClientException',
      /awsvpc/,
    );
    await expectError(
      'RegisterTaskDefinition',
      webTaskDefinition('1', { cpu: undefined }),
      'ClientException',
      /'cpu'/,
    );
    await expectError(
      'RegisterTaskDefinition',
      webTaskDefinition('1', {
        containerDefinitions: [
          { name: 'web', image: 'x', portMappings: [{ containerPort: 80, hostPort: 81 }] },
        ],
      }),
      'ClientException',
      'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
    );
    await expectError(
      'RegisterTaskDefinition',
      { family: 'web', containerDefinitions: [{ name: 'web' }] },
      'ClientException',
      'Container.image should not be null or empty.',
    );
  });

  it('ListTaskDefinitions filters by family and status, sorts, and pages', async () => {
    for (let i = 0; i < 3; i++) await h.ok('RegisterTaskDefinition', webTaskDefinition(String(i)));
    await h.ok('RegisterTaskDefinition', { ...webTaskDefinition('1'), family: 'api' });
    const all = await h.ok<{ taskDefinitionArns: string[] }>('ListTaskDefinitions', {});
    expect(all.taskDefinitionArns.map((a) => a.split('/')[1])).toEqual(['api:1', 'web:1', 'web:2', 'web:3']);
    const desc = await h.ok<{ taskDefinitionArns: string[] }>('ListTaskDefinitions', {
      familyPrefix: 'web',
      sort: 'DESC',
    });
    expect(desc.taskDefinitionArns.map((a) => a.split('/')[1])).toEqual(['web:3', 'web:2', 'web:1']);
    const page1 = await h.ok<{ taskDefinitionArns: string[]; nextToken?: string }>('ListTaskDefinitions', {
      familyPrefix: 'web',
      maxResults: 2,
    });
    expect(page1.taskDefinitionArns).toHaveLength(2);
    expect(typeof page1.nextToken).toBe('string');
    const page2 = await h.ok<{ taskDefinitionArns: string[]; nextToken?: string }>('ListTaskDefinitions', {
      familyPrefix: 'web',
      maxResults: 2,
      nextToken: page1.nextToken,
    });
    expect(page2.taskDefinitionArns.map((a) => a.split('/')[1])).toEqual(['web:3']);
    expect(page2.nextToken).toBeUndefined();
    await expectError('ListTaskDefinitions', { maxResults: 101 }, 'InvalidParameterException');

    const gone = await h.ok<{ taskDefinition: { status: string; deregisteredAt: number } }>(
      'DeregisterTaskDefinition',
      { taskDefinition: 'web:2' },
    );
    expect(gone.taskDefinition.status).toBe('INACTIVE');
    expect(typeof gone.taskDefinition.deregisteredAt).toBe('number');
    const inactive = await h.ok<{ taskDefinitionArns: string[] }>('ListTaskDefinitions', {
      status: 'INACTIVE',
    });
    expect(inactive.taskDefinitionArns.map((a) => a.split('/')[1])).toEqual(['web:2']);
    await expectError(
      'DeregisterTaskDefinition',
      { taskDefinition: 'web' },
      'ClientException',
      'Revision is missing.',
    );
    // A new revision never reuses a deregistered one's number.
    const next = await h.ok<{ taskDefinition: { revision: number } }>(
      'RegisterTaskDefinition',
      webTaskDefinition('x'),
    );
    expect(next.taskDefinition.revision).toBe(4);
  });
});

describe('services', () => {
  beforeEach(async () => {
    await h.ok('RegisterTaskDefinition', webTaskDefinition('1'));
  });

  it('CreateService returns the Service shape with its first deployment', async () => {
    const { service } = await h.ok<{ service: Record<string, unknown> }>(
      'CreateService',
      serviceInput('web:1', { healthCheckGracePeriodSeconds: 10, tags: [{ key: 'k', value: 'v' }] }),
    );
    expect(service).toMatchObject({
      serviceArn: `${ARN_PREFIX}:service/demo/web`,
      serviceName: 'web',
      clusterArn: `${ARN_PREFIX}:cluster/demo`,
      status: 'ACTIVE',
      desiredCount: 4,
      runningCount: 0,
      pendingCount: 0,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      taskDefinition: `${ARN_PREFIX}:task-definition/web:1`,
      loadBalancers: [{ targetGroupArn: TG_ARN, containerName: 'web', containerPort: 8080 }],
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: false, rollback: false },
      },
      deploymentController: { type: 'ECS' },
      schedulingStrategy: 'REPLICA',
      healthCheckGracePeriodSeconds: 10,
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
      },
      events: [],
      tags: [{ key: 'k', value: 'v' }],
    });
    const deployments = service['deployments'] as Record<string, unknown>[];
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: `${ARN_PREFIX}:task-definition/web:1`,
      desiredCount: 4,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      rolloutState: 'IN_PROGRESS',
      launchType: 'FARGATE',
    });
    expect(deployments[0]!['id']).toMatch(/^ecs-svc\/\d{19}$/);
    expect(deployments[0]!['rolloutStateReason']).toBe(
      `ECS deployment ${String(deployments[0]!['id'])} in progress.`,
    );
    expect(typeof deployments[0]!['createdAt']).toBe('number');
  });

  it('CreateService errors are ECS errors', async () => {
    await h.ok('CreateService', serviceInput('web:1'));
    await expectError(
      'CreateService',
      serviceInput('web:1'),
      'InvalidParameterException',
      'Creation of service was not idempotent.',
    );
    await expectError(
      'CreateService',
      serviceInput('web:7', { serviceName: 'b' }),
      'ClientException',
      'TaskDefinition not found.',
    );
    await expectError(
      'CreateService',
      serviceInput('web:1', { serviceName: 'b', networkConfiguration: undefined }),
      'InvalidParameterException',
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
    await expectError(
      'CreateService',
      serviceInput('web:1', {
        serviceName: 'b',
        loadBalancers: [{ targetGroupArn: TG_ARN, containerName: 'api', containerPort: 8080 }],
      }),
      'InvalidParameterException',
      'The container api does not exist in the task definition.',
    );
    await expectError(
      'CreateService',
      serviceInput('web:1', {
        serviceName: 'b',
        loadBalancers: [{ targetGroupArn: TG_ARN, containerName: 'web', containerPort: 80 }],
      }),
      'InvalidParameterException',
      'The container web did not have a container port 80 defined.',
    );
    await expectError(
      'CreateService',
      serviceInput('web:1', { serviceName: 'b', loadBalancers: [], healthCheckGracePeriodSeconds: 5 }),
      'InvalidParameterException',
      'Health check grace period is only valid for services configured to use load balancers',
    );
    h.targets.addGroup(`${TG_ARN}-instance`, { targetType: 'instance' });
    await expectError(
      'CreateService',
      serviceInput('web:1', {
        serviceName: 'b',
        loadBalancers: [{ targetGroupArn: `${TG_ARN}-instance`, containerName: 'web', containerPort: 8080 }],
      }),
      'InvalidParameterException',
      /has target type instance, which is incompatible with the awsvpc network mode/,
    );
    await expectError(
      'CreateService',
      serviceInput('web:1', { serviceName: 'b', deploymentController: { type: 'CODE_DEPLOY' } }),
      'InvalidParameterException',
      /ECS \(rolling update\)/,
    );
    await expectError(
      'CreateService',
      serviceInput('web:1', { serviceName: 'b', deploymentConfiguration: { minimumHealthyPercent: 150 } }),
      'InvalidParameterException',
    );
  });

  it('DescribeServices takes at most 10 and reports unknown services as MISSING failures', async () => {
    await h.ok('CreateService', serviceInput('web:1'));
    const described = await h.ok<{
      services: { serviceName: string; tags?: unknown }[];
      failures: unknown[];
    }>('DescribeServices', {
      cluster: 'demo',
      services: ['web', 'ghost'],
    });
    expect(described.services.map((s) => s.serviceName)).toEqual(['web']);
    expect(described.services[0]!.tags).toBeUndefined();
    expect(described.failures).toEqual([{ arn: `${ARN_PREFIX}:service/demo/ghost`, reason: 'MISSING' }]);
    await expectError(
      'DescribeServices',
      { cluster: 'demo', services: Array.from({ length: 11 }, (_, i) => `s${i}`) },
      'InvalidParameterException',
    );
    await expectError('DescribeServices', { cluster: 'demo', services: [] }, 'InvalidParameterException');
  });

  it('a service ARN resolves only in the cluster the request names (long and old ARN formats)', async () => {
    await h.ok('CreateCluster', { clusterName: 'other' });
    await h.ok('CreateService', serviceInput('web:1', { cluster: 'other' }));
    const otherArn = `${ARN_PREFIX}:service/other/web`;
    // In its own cluster, by either ARN format or by name.
    for (const given of [otherArn, `${ARN_PREFIX}:service/web`, 'web']) {
      const ok = await h.ok<{ services: { serviceArn: string }[] }>('DescribeServices', {
        cluster: 'other',
        services: [given],
      });
      expect(ok.services.map((s) => s.serviceArn)).toEqual([otherArn]);
    }
    // Named with another cluster: not found there, even though the ARN names a service that exists.
    const described = await h.ok<{ services: unknown[]; failures: unknown[] }>('DescribeServices', {
      cluster: 'demo',
      services: [otherArn],
    });
    expect(described).toEqual({ services: [], failures: [{ arn: otherArn, reason: 'MISSING' }] });
    await expectError(
      'UpdateService',
      { cluster: 'demo', service: otherArn, desiredCount: 2 },
      'ServiceNotFoundException',
    );
    await expectError('ListTasks', { cluster: 'demo', serviceName: otherArn }, 'ServiceNotFoundException');
    await expectError(
      'ListServiceDeployments',
      { cluster: 'demo', service: otherArn },
      'ServiceNotFoundException',
    );
    // Nothing changed in the other cluster.
    const other = await h.ok<{ services: { desiredCount: number }[] }>('DescribeServices', {
      cluster: 'other',
      services: ['web'],
    });
    expect(other.services[0]!.desiredCount).toBe(4);
    // Another region's ARN is not found either.
    const elsewhere = otherArn.replace('us-east-1', 'eu-west-1');
    const again = await h.ok<{ failures: unknown[] }>('DescribeServices', {
      cluster: 'other',
      services: [elsewhere],
    });
    expect(again.failures).toEqual([{ arn: elsewhere, reason: 'MISSING' }]);
  });

  it('UpdateService makes a new PRIMARY deployment on a new task definition or forceNewDeployment, not otherwise', async () => {
    await h.ok('CreateService', serviceInput('web:1'));
    await h.ok('RegisterTaskDefinition', webTaskDefinition('2'));
    type Out = {
      service: {
        deployments: { status: string; taskDefinition: string; id: string }[];
        desiredCount: number;
        taskDefinition: string;
      };
    };
    const same = await h.ok<Out>('UpdateService', {
      cluster: 'demo',
      service: 'web',
      taskDefinition: 'web:1',
      desiredCount: 5,
    });
    expect(same.service.deployments).toHaveLength(1);
    expect(same.service.desiredCount).toBe(5);
    const updated = await h.ok<Out>('UpdateService', {
      cluster: 'demo',
      service: 'web',
      taskDefinition: 'web:2',
    });
    expect(updated.service.deployments.map((d) => [d.status, d.taskDefinition.split('/')[1]])).toEqual([
      ['PRIMARY', 'web:2'],
      ['ACTIVE', 'web:1'],
    ]);
    expect(updated.service.taskDefinition).toBe(`${ARN_PREFIX}:task-definition/web:2`);
    const forced = await h.ok<Out>('UpdateService', {
      cluster: 'demo',
      service: 'web',
      forceNewDeployment: true,
    });
    expect(forced.service.deployments[0]!.taskDefinition).toBe(`${ARN_PREFIX}:task-definition/web:2`);
    expect(forced.service.deployments[0]!.id).not.toBe(updated.service.deployments[0]!.id);
    expect(forced.service.deployments.filter((d) => d.status === 'PRIMARY')).toHaveLength(1);

    const configured = await h.ok<{ service: { deploymentConfiguration: unknown } }>('UpdateService', {
      cluster: 'demo',
      service: 'web',
      deploymentConfiguration: {
        maximumPercent: 150,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    });
    expect(configured.service.deploymentConfiguration).toEqual({
      maximumPercent: 150,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      strategy: 'ROLLING',
      bakeTimeInMinutes: 0,
    });
  });

  it('UpdateService / DeleteService errors', async () => {
    await expectError(
      'UpdateService',
      { cluster: 'demo', service: 'ghost', desiredCount: 1 },
      'ServiceNotFoundException',
      'Service not found.',
    );
    await h.ok('CreateService', serviceInput('web:1', { desiredCount: 0 }));
    await expectError(
      'UpdateService',
      { cluster: 'demo', service: 'web', taskDefinition: 'web:5' },
      'ClientException',
      'TaskDefinition not found.',
    );
    await h.ok('RegisterTaskDefinition', webTaskDefinition('2'));
    await h.ok('DeregisterTaskDefinition', { taskDefinition: 'web:2' });
    await expectError(
      'UpdateService',
      { cluster: 'demo', service: 'web', taskDefinition: 'web:2' },
      'ClientException',
      'TaskDefinition is inactive',
    );
    await expectError(
      'UpdateService',
      { cluster: 'demo', service: 'web', desiredCount: -1 },
      'InvalidParameterException',
    );
    const deleted = await h.ok<{ service: { status: string } }>('DeleteService', {
      cluster: 'demo',
      service: 'web',
    });
    expect(deleted.service.status).toBe('DRAINING');
    await expectError(
      'UpdateService',
      { cluster: 'demo', service: 'web', desiredCount: 1 },
      'ServiceNotActiveException',
      'Service was not ACTIVE.',
    );
    await expectError('DeleteService', { cluster: 'demo', service: 'web' }, 'ServiceNotActiveException');
  });

  it('DeleteService refuses a service scaled above 0 unless forced, then drains it to INACTIVE', async () => {
    await h.ok('CreateService', serviceInput('web:1', { desiredCount: 2 }));
    await expectError(
      'DeleteService',
      { cluster: 'demo', service: 'web' },
      'InvalidParameterException',
      'The service cannot be stopped while it is scaled above 0.',
    );
    await until(
      async () =>
        (await h.ok<{ taskArns: string[] }>('ListTasks', { cluster: 'demo' })).taskArns.length === 2
          ? true
          : undefined,
      5000,
      'two tasks',
    );
    await h.ok('DeleteService', { cluster: 'demo', service: 'web', force: true });
    const status = await until(
      async () => {
        const { services } = await h.ok<{ services: { status: string }[] }>('DescribeServices', {
          cluster: 'demo',
          services: ['web'],
        });
        return services[0]?.status === 'INACTIVE' ? 'INACTIVE' : undefined;
      },
      10_000,
      'service INACTIVE',
    );
    expect(status).toBe('INACTIVE');
    const { taskArns } = await h.ok<{ taskArns: string[] }>('ListTasks', {
      cluster: 'demo',
      desiredStatus: 'STOPPED',
    });
    expect(taskArns).toHaveLength(2);
    const list = await h.ok<{ serviceArns: string[] }>('ListServices', { cluster: 'demo' });
    expect(list.serviceArns).toEqual([]);
    // The name is free again.
    await h.ok('CreateService', serviceInput('web:1', { desiredCount: 0 }));
  });
});

describe('tasks', () => {
  beforeEach(async () => {
    await h.ok('RegisterTaskDefinition', webTaskDefinition('1'));
    await h.ok('CreateService', serviceInput('web:1', { desiredCount: 3 }));
  });

  const running = async (): Promise<string[]> =>
    until(
      async () => {
        const { taskArns } = await h.ok<{ taskArns: string[] }>('ListTasks', {
          cluster: 'demo',
          serviceName: 'web',
        });
        if (taskArns.length < 3) return undefined;
        const { tasks } = await h.ok<{ tasks: { lastStatus: string }[] }>('DescribeTasks', {
          cluster: 'demo',
          tasks: taskArns,
        });
        return tasks.every((t) => t.lastStatus === 'RUNNING') ? taskArns : undefined;
      },
      5000,
      'three RUNNING tasks',
    );

  it('a task ARN resolves only in the cluster the request names', async () => {
    const arns = await running();
    await h.ok('CreateCluster', { clusterName: 'other' });
    const described = await h.ok<{ tasks: unknown[]; failures: unknown[] }>('DescribeTasks', {
      cluster: 'other',
      tasks: [arns[0]],
    });
    expect(described).toEqual({ tasks: [], failures: [{ arn: arns[0], reason: 'MISSING' }] });
    await expectError('StopTask', { cluster: 'other', task: arns[0] }, 'InvalidParameterException');
    const still = await h.ok<{ tasks: { desiredStatus: string }[] }>('DescribeTasks', {
      cluster: 'demo',
      tasks: [arns[0]],
    });
    expect(still.tasks[0]!.desiredStatus).toBe('RUNNING');
  });

  it('DescribeTasks returns the Task shape with the awsvpc attachment', async () => {
    const arns = await running();
    const { tasks, failures } = await h.ok<{ tasks: Record<string, unknown>[]; failures: unknown[] }>(
      'DescribeTasks',
      {
        cluster: 'demo',
        tasks: [arns[0], 'ffffffffffffffffffffffffffffffff'],
        include: ['TAGS'],
      },
    );
    expect(failures).toEqual([
      { arn: `${ARN_PREFIX}:task/demo/ffffffffffffffffffffffffffffffff`, reason: 'MISSING' },
    ]);
    const task = tasks[0]!;
    const { services } = await h.ok<{ services: { deployments: { id: string }[] }[] }>('DescribeServices', {
      cluster: 'demo',
      services: ['web'],
    });
    expect(task).toMatchObject({
      taskArn: arns[0],
      clusterArn: `${ARN_PREFIX}:cluster/demo`,
      taskDefinitionArn: `${ARN_PREFIX}:task-definition/web:1`,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      group: 'service:web',
      startedBy: services[0]!.deployments[0]!.id,
      launchType: 'FARGATE',
      cpu: '256',
      memory: '512',
      tags: [],
    });
    expect(String(task['taskArn'])).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/demo\/[0-9a-f]{32}$/);
    for (const field of ['createdAt', 'startedAt', 'pullStartedAt'])
      expect(typeof task[field]).toBe('number');
    const attachment = (
      task['attachments'] as { type: string; status: string; details: { name: string; value: string }[] }[]
    )[0]!;
    expect(attachment.type).toBe('ElasticNetworkInterface');
    expect(attachment.status).toBe('ATTACHED');
    const ip = attachment.details.find((d) => d.name === 'privateIPv4Address')?.value;
    expect(ip).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(ip?.startsWith('127.0.0.')).toBe(false);
    expect((task['containers'] as Record<string, unknown>[])[0]).toMatchObject({
      name: 'web',
      image: 'demo/web:1',
      lastStatus: 'RUNNING',
    });
    // Every task has its own address.
    const all = await h.ok<{ tasks: { attachments: { details: { name: string; value: string }[] }[] }[] }>(
      'DescribeTasks',
      { cluster: 'demo', tasks: arns },
    );
    const ips = all.tasks.map(
      (t) => t.attachments[0]!.details.find((d) => d.name === 'privateIPv4Address')!.value,
    );
    expect(new Set(ips).size).toBe(3);
  });

  it('ListTasks filters and pages, DescribeTasks takes at most 100', async () => {
    const arns = await running();
    const byFamily = await h.ok<{ taskArns: string[] }>('ListTasks', { cluster: 'demo', family: 'web' });
    expect(byFamily.taskArns.sort()).toEqual([...arns].sort());
    const { services } = await h.ok<{ services: { deployments: { id: string }[] }[] }>('DescribeServices', {
      cluster: 'demo',
      services: ['web'],
    });
    const byStarter = await h.ok<{ taskArns: string[] }>('ListTasks', {
      cluster: 'demo',
      startedBy: services[0]!.deployments[0]!.id,
    });
    expect(byStarter.taskArns).toHaveLength(3);
    expect(
      (await h.ok<{ taskArns: string[] }>('ListTasks', { cluster: 'demo', family: 'api' })).taskArns,
    ).toEqual([]);
    expect(
      (await h.ok<{ taskArns: string[] }>('ListTasks', { cluster: 'demo', desiredStatus: 'STOPPED' }))
        .taskArns,
    ).toEqual([]);
    const p1 = await h.ok<{ taskArns: string[]; nextToken: string }>('ListTasks', {
      cluster: 'demo',
      maxResults: 2,
    });
    const p2 = await h.ok<{ taskArns: string[]; nextToken?: string }>('ListTasks', {
      cluster: 'demo',
      maxResults: 2,
      nextToken: p1.nextToken,
    });
    expect([...p1.taskArns, ...p2.taskArns].sort()).toEqual([...arns].sort());
    expect(p2.nextToken).toBeUndefined();
    await expectError('ListTasks', { cluster: 'demo', maxResults: 101 }, 'InvalidParameterException');
    await expectError('ListTasks', { cluster: 'demo', serviceName: 'ghost' }, 'ServiceNotFoundException');
    await expectError(
      'DescribeTasks',
      { cluster: 'demo', tasks: Array.from({ length: 101 }, () => arns[0]) },
      'InvalidParameterException',
    );
    await expectError(
      'DescribeTasks',
      { cluster: 'demo', tasks: [] },
      'InvalidParameterException',
      'Tasks cannot be empty.',
    );
  });

  it('StopTask stops a task with the given reason, and the service replaces it', async () => {
    const arns = await running();
    const { task } = await h.ok<{ task: { desiredStatus: string; stoppedReason: string; stopCode: string } }>(
      'StopTask',
      {
        cluster: 'demo',
        task: arns[0]!.split('/').pop(),
        reason: 'testing',
      },
    );
    expect(task).toMatchObject({
      desiredStatus: 'STOPPED',
      stoppedReason: 'testing',
      stopCode: 'UserInitiated',
    });
    await until(
      async () => {
        const { taskArns } = await h.ok<{ taskArns: string[] }>('ListTasks', {
          cluster: 'demo',
          serviceName: 'web',
        });
        return taskArns.length === 3 && !taskArns.includes(arns[0]!) ? true : undefined;
      },
      5000,
      'a replacement task',
    );
    // A user's stop is not a failure the circuit breaker counts.
    const { services } = await h.ok<{ services: { deployments: { failedTasks: number }[] }[] }>(
      'DescribeServices',
      { cluster: 'demo', services: ['web'] },
    );
    expect(services[0]!.deployments[0]!.failedTasks).toBe(0);
    await expectError(
      'StopTask',
      { cluster: 'demo', task: 'ffffffffffffffffffffffffffffffff' },
      'InvalidParameterException',
      'The referenced task was not found.',
    );
  });
});

describe('tags', () => {
  it('TagResource / UntagResource / ListTagsForResource on clusters, services, tasks and task definitions', async () => {
    await h.ok('RegisterTaskDefinition', webTaskDefinition('1'));
    const { service } = await h.ok<{ service: { serviceArn: string } }>(
      'CreateService',
      serviceInput('web:1', { desiredCount: 0 }),
    );
    const arns = [`${ARN_PREFIX}:cluster/demo`, service.serviceArn, `${ARN_PREFIX}:task-definition/web:1`];
    for (const resourceArn of arns) {
      await h.ok('TagResource', {
        resourceArn,
        tags: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ],
      });
      await h.ok('TagResource', { resourceArn, tags: [{ key: 'a', value: '3' }] });
      await h.ok('UntagResource', { resourceArn, tagKeys: ['b'] });
      expect(await h.ok('ListTagsForResource', { resourceArn })).toEqual({
        tags: [{ key: 'a', value: '3' }],
      });
    }
    await expectError(
      'ListTagsForResource',
      { resourceArn: 'not-an-arn' },
      'InvalidParameterException',
      'The ARN provided is invalid.',
    );
    await expectError(
      'ListTagsForResource',
      { resourceArn: `${ARN_PREFIX}:cluster/ghost` },
      'ClusterNotFoundException',
    );
    await expectError(
      'ListTagsForResource',
      { resourceArn: `${ARN_PREFIX}:service/demo/ghost` },
      'ServiceNotFoundException',
    );
    await expectError(
      'ListTagsForResource',
      { resourceArn: `${ARN_PREFIX}:task-definition/web:9` },
      'ResourceNotFoundException',
    );
  });
});
