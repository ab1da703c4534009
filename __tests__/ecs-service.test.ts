import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ClusterNotFoundException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateServiceCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createEcsServiceDriver, familyOfArn } from '../src/platform/ecs-service.js';

const ecsMock = mockClient(ECSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);
const driver = createEcsServiceDriver({
  ecs: new ECSClient({ region: 'us-east-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
  cluster: 'prod',
  service: 'web',
});
const SERVICE_ARN = 'arn:aws:ecs:us-east-1:000000000000:service/prod/web';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';

const service = (overrides: Partial<Service> = {}): Service => ({
  serviceArn: SERVICE_ARN,
  serviceName: 'web',
  status: 'ACTIVE',
  desiredCount: 2,
  taskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1',
  deploymentController: { type: 'ECS' },
  loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 8080 }],
  ...overrides,
});

beforeEach(() => {
  ecsMock.reset();
  elbMock.reset();
});

describe('describeService: clear errors naming cluster, service and fix', () => {
  it('cluster not found keeps the AWS code and message', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));
    const error = (await driver.describeService().catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('ClusterNotFoundException');
    expect(error.message).toMatch(
      /^Cluster "prod" not found: ClusterNotFoundException: Cluster not found\..*`cluster` input/,
    );
  });

  it('service missing (ECS answers with a failure, not an error)', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [], failures: [{ arn: SERVICE_ARN, reason: 'MISSING' }] });
    await expect(driver.describeService()).rejects.toThrow(
      /Service "web" not found in cluster "prod" \(ECS: MISSING\).*`service`/,
    );
  });

  it.each([
    ['INACTIVE', /is INACTIVE \(deleted\)/],
    ['DRAINING', /is DRAINING \(being deleted\)/],
  ])('service %s is refused', async (status, pattern) => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service({ status })] });
    await expect(driver.describeService()).rejects.toThrow(pattern);
  });

  it('a service with the CODE_DEPLOY controller is refused, naming the controller', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [service({ deploymentController: { type: 'CODE_DEPLOY' } })] });
    await expect(driver.describeService()).rejects.toThrow(
      /Service "web" in cluster "prod" uses the CODE_DEPLOY deployment controller/,
    );
  });

  it('a service without a target group is refused', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service({ loadBalancers: [] })] });
    await expect(driver.describeService()).rejects.toThrow(
      /has no load balancer target group.*Attach the service/,
    );
  });

  it('an ACTIVE ECS service with a target group is described', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    const view = await driver.describeService();
    expect(view.arn).toBe(SERVICE_ARN);
    expect(view.targetGroupArns).toEqual([TG]);
  });
});

describe('target groups', () => {
  it('reads health-check settings and the deregistration delay', async () => {
    elbMock.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        {
          TargetGroupArn: TG,
          TargetGroupName: 'web',
          TargetType: 'ip',
          HealthCheckProtocol: 'HTTP',
          HealthCheckPort: 'traffic-port',
          HealthCheckPath: '/health',
          HealthCheckIntervalSeconds: 5,
          HealthCheckTimeoutSeconds: 2,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
          Matcher: { HttpCode: '200-399' },
        },
      ],
    });
    elbMock.on(DescribeTargetGroupAttributesCommand).resolves({
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
    });
    const [facts] = await driver.describeTargetGroups([TG]);
    expect(facts).toEqual({
      arn: TG,
      name: 'web',
      targetType: 'ip',
      healthCheck: {
        protocol: 'HTTP',
        port: 'traffic-port',
        path: '/health',
        intervalSeconds: 5,
        timeoutSeconds: 2,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        matcher: '200-399',
      },
      deregistrationDelaySeconds: 30,
    });
  });

  it('names the target group that does not exist', async () => {
    elbMock
      .on(DescribeTargetGroupsCommand)
      .rejects(
        new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: {} }),
      );
    elbMock.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: [] });
    await expect(driver.describeTargetGroups([TG])).rejects.toThrow(
      `Target group ${TG} of service "web" in cluster "prod" does not exist: TargetGroupNotFoundException: One or more target groups not found`,
    );
  });
});

describe('task definitions', () => {
  it('describes with tags', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:3',
        family: 'web',
        revision: 3,
        status: 'ACTIVE',
      },
      tags: [{ key: 'team', value: 'a' }],
    });
    const record = await driver.describeTaskDefinition('web:3');
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)[0]!.args[0].input).toEqual({
      taskDefinition: 'web:3',
      include: ['TAGS'],
    });
    expect(record).toMatchObject({ family: 'web', revision: 3, status: 'ACTIVE', tags: { team: 'a' } });
  });

  it('an unknown task definition names the reference', async () => {
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .rejects(Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException' }));
    await expect(driver.describeTaskDefinition('web:99')).rejects.toThrow(
      'Task definition "web:99" could not be read: ClientException: Unable to describe task definition.',
    );
  });

  it('lists ACTIVE revisions newest first, all pages, of the family only (familyPrefix is a prefix)', async () => {
    const arn = (name: string): string => `arn:aws:ecs:us-east-1:000000000000:task-definition/${name}`;
    ecsMock
      .on(ListTaskDefinitionsCommand)
      .resolvesOnce({ taskDefinitionArns: [arn('web:5'), arn('web-worker:9')], nextToken: 't' })
      .resolvesOnce({ taskDefinitionArns: [arn('web:4')] });
    expect(await driver.listTaskDefinitionArns('web')).toEqual([arn('web:5'), arn('web:4')]);
    const inputs = ecsMock.commandCalls(ListTaskDefinitionsCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ familyPrefix: 'web', status: 'ACTIVE', sort: 'DESC' });
    expect(inputs[1]).toMatchObject({ nextToken: 't' });
    expect(familyOfArn(arn('web-worker:9'))).toBe('web-worker');
  });

  it('registers the body as given', async () => {
    ecsMock.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:6',
        family: 'web',
        revision: 6,
      },
    });
    const body = {
      family: 'web',
      containerDefinitions: [{ name: 'web', image: 'web:2' }],
      networkMode: 'awsvpc',
    };
    const record = await driver.registerTaskDefinition(body);
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input).toEqual(body);
    expect(record.revision).toBe(6);
  });
});

describe('updateService and tags', () => {
  it('sends the task definition and the deployment settings, circuit breaker only when known', async () => {
    ecsMock.on(UpdateServiceCommand).resolves({});
    await driver.updateService({
      taskDefinitionArn: 'td:2',
      settings: { maximumPercent: 134, minimumHealthyPercent: 100 },
    });
    await driver.updateService({
      settings: {
        maximumPercent: 200,
        minimumHealthyPercent: 50,
        circuitBreaker: { enable: true, rollback: true },
      },
    });
    const [first, second] = ecsMock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input);
    expect(first).toEqual({
      cluster: 'prod',
      service: 'web',
      taskDefinition: 'td:2',
      deploymentConfiguration: { maximumPercent: 134, minimumHealthyPercent: 100 },
    });
    expect(second).toEqual({
      cluster: 'prod',
      service: 'web',
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 50,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    });
  });

  it('reads and writes tags on the service ARN', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    ecsMock
      .on(ListTagsForResourceCommand)
      .resolves({ tags: [{ key: 'ecs-rolling-deploy:previous', value: 'td:1' }] });
    ecsMock.on(TagResourceCommand).resolves({});
    expect(await driver.readServiceTags()).toEqual({ 'ecs-rolling-deploy:previous': 'td:1' });
    await driver.tagService({ a: '1' });
    expect(ecsMock.commandCalls(TagResourceCommand)[0]!.args[0].input).toEqual({
      resourceArn: SERVICE_ARN,
      tags: [{ key: 'a', value: '1' }],
    });
    expect(ecsMock.commandCalls(ListTagsForResourceCommand)[0]!.args[0].input).toEqual({
      resourceArn: SERVICE_ARN,
    });
  });
});
