import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ClientException,
  AccessDeniedException,
  ClusterNotFoundException,
  ConflictException,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  InvalidParameterException,
  ListServiceDeploymentsCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  ServerException,
  ServiceDeploymentNotFoundException,
  StopServiceDeploymentCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type Service,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mergeDeploymentConfiguration } from '../src/platform/deployment-configuration.js';
import { createEcsServiceDriver } from '../src/platform/ecs-service.js';
import { DriverError, type ServiceDriver } from '../src/rollout/port.js';
import { familyOfArn } from '../src/platform/task-definitions.js';

const ecsMock = mockClient(ECSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);
/** A fresh driver per test: it remembers the service ARN and the service revisions it has read. */
let driver: ServiceDriver;
const newDriver = (): ServiceDriver =>
  createEcsServiceDriver({
    ecs: new ECSClient({ region: 'us-east-1' }),
    elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
    cluster: 'prod',
    service: 'web',
  });

/** The rejection of `promise`, which must be a DriverError. */
async function driverErrorOf(promise: Promise<unknown>): Promise<DriverError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DriverError);
  return error as DriverError;
}
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
  driver = newDriver();
});

describe('describeService: clear errors naming cluster, service and fix', () => {
  it('cluster not found keeps the AWS code and message, fatal', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .rejects(
        new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: { httpStatusCode: 400 } }),
      );
    const error = await driverErrorOf(driver.describeService());
    expect(error).toMatchObject({ kind: 'fatal', code: 'ClusterNotFoundException', httpStatus: 400 });
    expect(error.message).toMatch(
      /^Cluster "prod" not found: ClusterNotFoundException: Cluster not found\..*`cluster` input/,
    );
  });

  it('service missing (ECS answers with a failure, not an error): a fatal refusal', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [], failures: [{ arn: SERVICE_ARN, reason: 'MISSING' }] });
    const error = await driverErrorOf(driver.describeService());
    expect(error).toMatchObject({ kind: 'fatal', code: 'ServiceNotFoundException' });
    expect(error.message).toMatch(/Service "web" not found in cluster "prod" \(ECS: MISSING\).*`service`/);
  });

  it('a throttled DescribeServices is throttled, with no fix appended', async () => {
    ecsMock.on(DescribeServicesCommand).rejects(
      new ECSServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    const error = await driverErrorOf(driver.describeService());
    expect(error).toMatchObject({ kind: 'throttled', code: 'ThrottlingException' });
    expect(error.message).toBe(
      'DescribeServices for service "web" in cluster "prod" failed: ThrottlingException: Rate exceeded',
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

  it('a service without a target group (a queue worker) is described, with no target groups', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service({ loadBalancers: [] })] });
    const view = await driver.describeService();
    expect(view.targetGroupArns).toEqual([]);
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
    ecsMock.on(DescribeTaskDefinitionCommand).rejects(
      new ClientException({
        message: 'Unable to describe task definition.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
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
  it('sends the task definition and the deployment settings; a driver that has read nothing reads the service first', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        service({
          deploymentConfiguration: {
            maximumPercent: 200,
            minimumHealthyPercent: 50,
            deploymentCircuitBreaker: { enable: false, rollback: false },
          },
        }),
      ],
    });
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
    // One read, before the first change: the second change merges with what it remembered.
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    const [first, second] = ecsMock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input);
    expect(first).toEqual({
      cluster: 'prod',
      service: 'web',
      taskDefinition: 'td:2',
      deploymentConfiguration: {
        maximumPercent: 134,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: false, rollback: false },
      },
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

  it('a task definition alone sends no deploymentConfiguration and reads nothing', async () => {
    ecsMock.on(UpdateServiceCommand).resolves({});
    await driver.updateService({ taskDefinitionArn: 'td:2' });
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(0);
    expect(ecsMock.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({
      cluster: 'prod',
      service: 'web',
      taskDefinition: 'td:2',
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

/**
 * A service with every member of deploymentConfiguration set, nested members included (and one the
 * driver has no code for, earlySuccessCriteria): what "kept whole" is checked against.
 */
const WHOLE: DeploymentConfiguration = {
  maximumPercent: 200,
  minimumHealthyPercent: 50,
  deploymentCircuitBreaker: {
    enable: true,
    rollback: false,
    resetOnHealthyTask: false,
    thresholdConfiguration: { type: 'COUNT', value: 4 },
  },
  alarms: { alarmNames: ['web-5xx', 'web-latency'], enable: true, rollback: true },
  strategy: 'ROLLING',
  bakeTimeInMinutes: 7,
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
  earlySuccessCriteria: { enable: false },
};

describe('updateService keeps the service’s whole deploymentConfiguration', () => {
  const sentConfigurations = (): (DeploymentConfiguration | undefined)[] =>
    ecsMock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input.deploymentConfiguration);

  it('only the two percents change; every other member goes back as DescribeServices gave it', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service({ deploymentConfiguration: WHOLE })] });
    ecsMock.on(UpdateServiceCommand).resolves({});
    await driver.describeService();
    await driver.updateService({
      taskDefinitionArn: 'td:2',
      settings: {
        maximumPercent: 100,
        minimumHealthyPercent: 100,
        circuitBreaker: { enable: true, rollback: false },
      },
    });
    await driver.updateService({ settings: { maximumPercent: 133, minimumHealthyPercent: 100 } });
    await driver.updateService({
      settings: {
        maximumPercent: 200,
        minimumHealthyPercent: 50,
        circuitBreaker: { enable: true, rollback: false },
      },
    });
    const [hold, release, back] = sentConfigurations();
    expect(hold).toEqual({ ...WHOLE, maximumPercent: 100, minimumHealthyPercent: 100 });
    expect(release).toEqual({ ...WHOLE, maximumPercent: 133, minimumHealthyPercent: 100 });
    expect(back).toEqual(WHOLE);
  });

  it('the breaker given by the engine sets enable/rollback only: its threshold and reset stay', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service({ deploymentConfiguration: WHOLE })] });
    ecsMock.on(UpdateServiceCommand).resolves({});
    await driver.updateService({
      settings: {
        maximumPercent: 200,
        minimumHealthyPercent: 50,
        circuitBreaker: { enable: true, rollback: true },
      },
    });
    expect(sentConfigurations()[0]?.deploymentCircuitBreaker).toEqual({
      enable: true,
      rollback: true,
      resetOnHealthyTask: false,
      thresholdConfiguration: { type: 'COUNT', value: 4 },
    });
  });

  it('each observe refreshes what is sent back: a member changed by someone else is not undone', async () => {
    const changed: DeploymentConfiguration = {
      ...WHOLE,
      alarms: { alarmNames: ['web-5xx'], enable: false, rollback: false },
    };
    ecsMock
      .on(DescribeServicesCommand)
      .resolvesOnce({ services: [service({ deploymentConfiguration: WHOLE })] })
      .resolves({ services: [service({ deploymentConfiguration: changed })] });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [] });
    elbMock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    ecsMock.on(UpdateServiceCommand).resolves({});
    await driver.describeService();
    await driver.observe();
    await driver.updateService({ settings: { maximumPercent: 100, minimumHealthyPercent: 100 } });
    expect(sentConfigurations()[0]).toEqual({ ...changed, maximumPercent: 100, minimumHealthyPercent: 100 });
  });

  it('mergeDeploymentConfiguration leaves what it was given untouched', () => {
    const current = structuredClone(WHOLE);
    const merged = mergeDeploymentConfiguration(current, {
      maximumPercent: 150,
      minimumHealthyPercent: 100,
      circuitBreaker: { enable: false, rollback: false },
    });
    expect(current).toEqual(WHOLE);
    expect(merged.lifecycleHooks).not.toBe(current.lifecycleHooks);
    expect(merged).toEqual({
      ...WHOLE,
      maximumPercent: 150,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { ...WHOLE.deploymentCircuitBreaker, enable: false, rollback: false },
    });
  });
});

describe('errors of the writes are classified', () => {
  it('a refused registration is fatal and says what to check', async () => {
    ecsMock
      .on(RegisterTaskDefinitionCommand)
      .rejects(
        new InvalidParameterException({ message: 'Invalid memory', $metadata: { httpStatusCode: 400 } }),
      );
    const error = await driverErrorOf(driver.registerTaskDefinition({ family: 'web' }));
    expect(error).toMatchObject({ kind: 'fatal', code: 'InvalidParameterException' });
    expect(error.message).toMatch(
      /^Registering task definition "web" failed: InvalidParameterException: Invalid memory\. Check the task definition file/,
    );
  });

  it('an UpdateService answered 500 is transient and keeps the status', async () => {
    ecsMock
      .on(UpdateServiceCommand)
      .rejects(new ServerException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }));
    const error = await driverErrorOf(driver.updateService({ taskDefinitionArn: 'td:2' }));
    expect(error).toMatchObject({ kind: 'transient', code: 'ServerException', httpStatus: 500 });
    expect(error.message).toBe(
      'UpdateService for service "web" in cluster "prod" failed: ServerException (HTTP 500): Internal error',
    );
  });
});

describe('service tags', () => {
  it('reads the service ARN once: describeService already knows it', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    ecsMock.on(ListTagsForResourceCommand).resolves({ tags: [{ key: 'a', value: '1' }, { key: 'b' }] });
    await driver.describeService();
    expect(await driver.readServiceTags()).toEqual({ a: '1', b: '' });
    expect(await driver.readServiceTags()).toEqual({ a: '1', b: '' });
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
  });

  it('removes tags by key from the service ARN', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    ecsMock.on(UntagResourceCommand).resolves({});
    await driver.untagService(['ecs-rolling-deploy:lease', 'ecs-rolling-deploy:settings']);
    expect(ecsMock.commandCalls(UntagResourceCommand).map((c) => c.args[0].input)).toEqual([
      { resourceArn: SERVICE_ARN, tagKeys: ['ecs-rolling-deploy:lease', 'ecs-rolling-deploy:settings'] },
    ]);
  });

  it('removing no tag calls nothing', async () => {
    await driver.untagService([]);
    expect(ecsMock.calls()).toHaveLength(0);
  });

  it('a refused TagResource is fatal and names the permissions', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    ecsMock.on(TagResourceCommand).rejects(
      new AccessDeniedException({
        message: 'not authorized to perform ecs:TagResource',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const error = await driverErrorOf(driver.tagService({ a: '1' }));
    expect(error).toMatchObject({ kind: 'fatal', code: 'AccessDeniedException' });
    expect(error.message).toMatch(
      /^Tagging service "web" in cluster "prod" failed: AccessDeniedException: not authorized to perform ecs:TagResource\. .*ecs:TagResource and ecs:ListTagsForResource/,
    );
  });

  it('a refused UntagResource is fatal and names the permission', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    ecsMock
      .on(UntagResourceCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized', $metadata: { httpStatusCode: 400 } }));
    const error = await driverErrorOf(driver.untagService(['k']));
    expect(error.message).toBe(
      'Removing tags from service "web" in cluster "prod" failed: AccessDeniedException: not authorized. The action needs ecs:UntagResource on the service',
    );
  });

  it('a throttled ListTagsForResource is throttled', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [service()] });
    ecsMock.on(ListTagsForResourceCommand).rejects(
      new ECSServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    const error = await driverErrorOf(driver.readServiceTags());
    expect(error).toMatchObject({ kind: 'throttled', code: 'ThrottlingException' });
    expect(error.message).toMatch(/^Reading the tags of service "web" in cluster "prod" failed/);
  });
});

describe('service deployments', () => {
  const ACCOUNT = 'arn:aws:ecs:us-east-1:000000000000';
  const TD = (revision: number): string => `${ACCOUNT}:task-definition/web:${revision}`;
  const deploymentArn = (id: string): string => `${ACCOUNT}:service-deployment/prod/web/${id}`;
  const revisionArn = (id: string): string => `${ACCOUNT}:service-revision/prod/web/${id}`;
  const T0 = 1_800_000_000_000;

  /** ListServiceDeployments' brief of a deployment created `offset` ms after T0. */
  const brief = (id: string, offset: number): ServiceDeploymentBrief => ({
    serviceDeploymentArn: deploymentArn(id),
    createdAt: new Date(T0 + offset),
    status: 'IN_PROGRESS',
    targetServiceRevisionArn: revisionArn(id),
  });

  const full = (
    id: string,
    offset: number,
    overrides: Partial<ServiceDeployment> = {},
  ): ServiceDeployment => ({
    serviceDeploymentArn: deploymentArn(id),
    createdAt: new Date(T0 + offset),
    status: 'IN_PROGRESS',
    targetServiceRevision: { arn: revisionArn(id), requestedTaskCount: 2, runningTaskCount: 1 },
    ...overrides,
  });

  /** Deployments by id: when each was created and which task definition its target revision runs. */
  function stubDeployments(deployments: { id: string; offset: number; taskDefinition: string }[]): void {
    ecsMock.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: deployments.map((d) => brief(d.id, d.offset)),
    });
    ecsMock.on(DescribeServiceDeploymentsCommand).callsFake((input: { serviceDeploymentArns: string[] }) =>
      Promise.resolve({
        // Oldest first: the driver must not rely on the order ECS answers in.
        serviceDeployments: deployments
          .filter((d) => input.serviceDeploymentArns.includes(deploymentArn(d.id)))
          .sort((a, b) => a.offset - b.offset)
          .map((d) => full(d.id, d.offset)),
      }),
    );
    ecsMock.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns: string[] }) =>
      Promise.resolve({
        serviceRevisions: deployments
          .filter((d) => input.serviceRevisionArns.includes(revisionArn(d.id)))
          .map((d) => ({ serviceRevisionArn: revisionArn(d.id), taskDefinition: d.taskDefinition })),
      }),
    );
  }

  it('findServiceDeployment: the newest deployment created since the rollout whose target revision runs the task definition', async () => {
    stubDeployments([
      { id: 'a', offset: 1_000, taskDefinition: TD(2) },
      { id: 'b', offset: 5_000, taskDefinition: TD(2) },
      { id: 'c', offset: 9_000, taskDefinition: TD(3) },
    ]);
    const found = await driver.findServiceDeployment(TD(2), T0);
    expect(found).toEqual({
      arn: deploymentArn('b'),
      status: 'IN_PROGRESS',
      targetTaskDefinitionArn: TD(2),
      createdAt: T0 + 5_000,
    });
    // Created since the rollout began, with a minute of slack for clocks that disagree.
    expect(ecsMock.commandCalls(ListServiceDeploymentsCommand)[0]?.args[0].input).toEqual({
      cluster: 'prod',
      service: 'web',
      createdAt: { after: new Date(T0 - 60_000) },
    });
  });

  it('findServiceDeployment: undefined when no deployment runs it, or none is listed', async () => {
    stubDeployments([{ id: 'a', offset: 0, taskDefinition: TD(2) }]);
    expect(await driver.findServiceDeployment(TD(7), T0)).toBeUndefined();
    ecsMock.reset();
    ecsMock.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    expect(await newDriver().findServiceDeployment(TD(7), T0)).toBeUndefined();
    expect(ecsMock.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(0);
  });

  it('findServiceDeployment: follows every page, describes the 20 newest, reads each revision once', async () => {
    const many = Array.from({ length: 25 }, (_, i) => ({
      id: `d${i}`,
      offset: i * 1000,
      taskDefinition: TD(i),
    }));
    stubDeployments(many);
    ecsMock
      .on(ListServiceDeploymentsCommand)
      .resolvesOnce({
        serviceDeployments: many.slice(0, 10).map((d) => brief(d.id, d.offset)),
        nextToken: 'p2',
      })
      .resolvesOnce({ serviceDeployments: many.slice(10).map((d) => brief(d.id, d.offset)) })
      .resolves({ serviceDeployments: many.map((d) => brief(d.id, d.offset)) });

    expect((await driver.findServiceDeployment(TD(24), T0))?.arn).toBe(deploymentArn('d24'));
    const lists = ecsMock.commandCalls(ListServiceDeploymentsCommand).map((c) => c.args[0].input);
    expect(lists.map((l) => l.nextToken)).toEqual([undefined, 'p2']);
    const described = ecsMock
      .commandCalls(DescribeServiceDeploymentsCommand)
      .map((c) => c.args[0].input.serviceDeploymentArns);
    expect(described).toEqual([
      many
        .slice(5)
        .reverse()
        .map((d) => deploymentArn(d.id)),
    ]);
    const revisions = ecsMock
      .commandCalls(DescribeServiceRevisionsCommand)
      .map((c) => c.args[0].input.serviceRevisionArns ?? []);
    expect(revisions.map((r) => r.length)).toEqual([20]);

    // A revision never changes: asked again, the driver reads none of them again.
    expect((await driver.findServiceDeployment(TD(5), T0))?.arn).toBe(deploymentArn('d5'));
    expect(ecsMock.commandCalls(DescribeServiceRevisionsCommand)).toHaveLength(1);
  });

  it('findServiceDeployment: a refusal is fatal, a throttle throttled, both naming the service', async () => {
    ecsMock
      .on(ListServiceDeploymentsCommand)
      .rejectsOnce(
        new AccessDeniedException({ message: 'not authorized', $metadata: { httpStatusCode: 400 } }),
      )
      .rejectsOnce(
        new ECSServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'Rate exceeded',
        }),
      );
    const denied = await driverErrorOf(driver.findServiceDeployment(TD(2), T0));
    expect(denied).toMatchObject({ kind: 'fatal', code: 'AccessDeniedException' });
    expect(denied.message).toBe(
      'Listing the service deployments of service "web" in cluster "prod" failed: AccessDeniedException: not authorized',
    );
    const throttled = await driverErrorOf(driver.findServiceDeployment(TD(2), T0));
    expect(throttled).toMatchObject({ kind: 'throttled', code: 'ThrottlingException' });
  });

  it('describeServiceDeployment: status, reason, target task definition, rollback and circuit breaker', async () => {
    ecsMock.on(DescribeServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        full('a', 0, {
          status: 'ROLLBACK_IN_PROGRESS',
          statusReason: 'Service deployment rolled back because the circuit breaker threshold was exceeded.',
          rollback: {
            reason: 'Circuit breaker threshold exceeded',
            startedAt: new Date(T0 + 30_000),
            serviceRevisionArn: revisionArn('old'),
          },
          deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
        }),
      ],
    });
    ecsMock
      .on(DescribeServiceRevisionsCommand)
      .resolves({ serviceRevisions: [{ serviceRevisionArn: revisionArn('a'), taskDefinition: TD(2) }] });
    expect(await driver.describeServiceDeployment(deploymentArn('a'))).toEqual({
      arn: deploymentArn('a'),
      status: 'ROLLBACK_IN_PROGRESS',
      statusReason: 'Service deployment rolled back because the circuit breaker threshold was exceeded.',
      targetTaskDefinitionArn: TD(2),
      createdAt: T0,
      rollback: { reason: 'Circuit breaker threshold exceeded', startedAt: T0 + 30_000 },
      circuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
    });
    expect(ecsMock.commandCalls(DescribeServiceDeploymentsCommand)[0]?.args[0].input).toEqual({
      serviceDeploymentArns: [deploymentArn('a')],
    });
  });

  it('describeServiceDeployment: only what ECS said; undefined for one it does not know', async () => {
    ecsMock
      .on(DescribeServiceDeploymentsCommand)
      .resolvesOnce({
        serviceDeployments: [{ serviceDeploymentArn: deploymentArn('a'), status: 'SUCCESSFUL' }],
      })
      .resolvesOnce({ serviceDeployments: [], failures: [{ arn: deploymentArn('x'), reason: 'MISSING' }] });
    expect(await driver.describeServiceDeployment(deploymentArn('a'))).toEqual({
      arn: deploymentArn('a'),
      status: 'SUCCESSFUL',
    });
    expect(ecsMock.commandCalls(DescribeServiceRevisionsCommand)).toHaveLength(0);
    expect(await driver.describeServiceDeployment(deploymentArn('x'))).toBeUndefined();
  });

  it('describeServiceDeployment: errors are classified and name the deployment', async () => {
    ecsMock
      .on(DescribeServiceDeploymentsCommand)
      .rejects(new ServerException({ message: 'Internal error', $metadata: { httpStatusCode: 503 } }));
    const error = await driverErrorOf(driver.describeServiceDeployment(deploymentArn('a')));
    expect(error).toMatchObject({ kind: 'transient', httpStatus: 503 });
    expect(error.message).toBe(
      `Describing service deployment ${deploymentArn('a')} failed: ServerException (HTTP 503): Internal error`,
    );
  });

  it('rollBackServiceDeployment: StopServiceDeployment with stopType ROLLBACK', async () => {
    ecsMock.on(StopServiceDeploymentCommand).resolves({ serviceDeploymentArn: deploymentArn('a') });
    await driver.rollBackServiceDeployment(deploymentArn('a'));
    expect(ecsMock.commandCalls(StopServiceDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { serviceDeploymentArn: deploymentArn('a'), stopType: 'ROLLBACK' },
    ]);
  });

  it.each([
    [
      'a deployment ECS no longer has',
      new ServiceDeploymentNotFoundException({ message: 'not found', $metadata: { httpStatusCode: 400 } }),
      { kind: 'fatal', code: 'ServiceDeploymentNotFoundException' },
    ],
    [
      'a deployment that cannot be stopped now',
      new ConflictException({
        message: 'The service deployment is not in a stoppable state',
        $metadata: { httpStatusCode: 400 },
      }),
      { kind: 'fatal', code: 'ConflictException' },
    ],
    [
      'a 500',
      new ServerException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }),
      { kind: 'transient', code: 'ServerException', httpStatus: 500 },
    ],
  ])('rollBackServiceDeployment: %s is classified', async (_label, rejection, expected) => {
    ecsMock.on(StopServiceDeploymentCommand).rejects(rejection);
    const error = await driverErrorOf(driver.rollBackServiceDeployment(deploymentArn('a')));
    expect(error).toMatchObject(expected);
    expect(error.message).toMatch(
      new RegExp(`^StopServiceDeployment \\(ROLLBACK\\) of ${deploymentArn('a')} failed: ${expected.code}`),
    );
  });
});
