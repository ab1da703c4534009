// ECS deployment alarms in the emulator (page "How CloudWatch alarms detect Amazon ECS deployment
// failures"): a service whose deploymentConfiguration.alarms names a 5xx alarm with rollback is
// deployed a version that answers 500 to a fifth of its requests while its health checks stay
// green. Real traffic through the load balancer feeds the alarm; ECS fails the deployment when the
// alarm goes into ALARM (during the rollout or its bake time) and rolls back to the last completed
// deployment. The rules themselves (transition after the start, bake time) are tabled below.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { startEmulator, type Emulator } from '../../emulator/src/index.js';
import { createScenario, emulatorClients, type ScenarioInfo } from '../../emulator/src/scenario.js';
import { dimensionValueOfArn } from '../../emulator/src/cloudwatch/index.js';
import { bakeSeconds, triggeredAlarms, type AlarmReading } from '../../emulator/src/ecs/deployment-alarms.js';
import { startTraffic } from '../../tools/traffic.js';

const SCALE = 0.05;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

const taskDefinition = (image: string): ConstructorParameters<typeof RegisterTaskDefinitionCommand>[0] => ({
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    { name: 'web', image, essential: true, portMappings: [{ containerPort: 8080 }], stopTimeout: 2 },
  ],
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('deployment alarm rules', () => {
  const reading = (over: Partial<AlarmReading>): AlarmReading => ({
    state: 'OK',
    stateTransitionedAt: 0,
    period: 60,
    evaluationPeriods: 1,
    ...over,
  });
  const config = { alarmNames: ['a', 'b', 'missing'], enable: true, rollback: true };
  it.each([
    ['OK', 500, []],
    ['ALARM since before the deployment started', 50, []],
    ['went into ALARM after the start', 150, ['a']],
  ] as const)('alarm a %s', (_label, transitionedAt, expected) => {
    const state = transitionedAt === 500 ? 'OK' : 'ALARM';
    const alarms: Record<string, AlarmReading> = {
      a: reading({ state, stateTransitionedAt: transitionedAt }),
      b: reading({}),
    };
    expect(triggeredAlarms(config, (n) => alarms[n], 100)).toEqual(expected);
  });
  it('bakes for the longest window of whole periods of the alarms that exist, and its evaluation', () => {
    const alarms: Record<string, AlarmReading> = {
      a: reading({ period: 60, evaluationPeriods: 3 }),
      b: reading({ period: 10, evaluationPeriods: 2 }),
    };
    // a: 3 periods, plus up to one until the first whole period starts, plus one evaluation (10 s).
    expect(bakeSeconds(config, (n) => alarms[n])).toBe(4 * 60 + 10);
    expect(bakeSeconds({ ...config, alarmNames: ['missing'] }, (n) => alarms[n])).toBe(0);
  });
});

describe('a deployment failed by its alarm', () => {
  let emulator: Emulator;
  let info: ScenarioInfo;
  let cw: CloudWatchClient;

  beforeAll(async () => {
    emulator = await startEmulator({ timeScale: SCALE, taskStartSeconds: 0 });
    cw = new CloudWatchClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    info = await createScenario(emulator.endpoint, {
      cluster: 'alarms',
      service: 'web',
      desiredCount: 2,
      taskDefinition: taskDefinition('web:healthy'),
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2 },
      deregistrationDelaySeconds: 5,
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
      },
      waitForSteadyState: true,
      waitTimeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    cw?.destroy();
    await emulator?.stop();
  });

  it('is FAILED and rolled back by ECS, its service deployment TRIGGERED', async () => {
    const { ecs } = emulatorClients(emulator.endpoint, 'us-east-1');
    const describe = async () =>
      (await ecs.send(new DescribeServicesCommand({ cluster: info.cluster, services: [info.service] })))
        .services?.[0];
    // The first deployment completed (its bake time included) before the alarm exists.
    await until(
      'the first deployment to complete',
      async () => {
        const s = await describe();
        return s?.deployments?.[0]?.rolloutState === 'COMPLETED' ? s : undefined;
      },
      20_000,
    );

    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'web-5xx',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Dimensions: [
          { Name: 'TargetGroup', Value: dimensionValueOfArn(info.targetGroupArns[0] ?? '') },
          { Name: 'LoadBalancer', Value: dimensionValueOfArn(info.loadBalancerArn) },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    const traffic = startTraffic(info.listenerUrl, { ratePerSecond: 40, maxDurationMs: 40_000 });
    let load;
    try {
      const registered = await ecs.send(
        new RegisterTaskDefinitionCommand(taskDefinition('web:error-rate-0.2')),
      );
      const broken = registered.taskDefinition!.taskDefinitionArn!;
      await ecs.send(
        new UpdateServiceCommand({ cluster: info.cluster, service: info.service, taskDefinition: broken }),
      );
      const failed = await until(
        'the new deployment to fail',
        async () => {
          const s = await describe();
          const d = s?.deployments?.find((x) => x.taskDefinition === broken);
          return d?.rolloutState === 'FAILED' ? d : undefined;
        },
        30_000,
      );
      expect(failed.rolloutStateReason).toMatch(/alarm detected/);
      const back = await until(
        'the service back at steady state on the first revision',
        async () => {
          const s = await describe();
          return s?.deployments?.length === 1 &&
            s.deployments[0]?.rolloutState === 'COMPLETED' &&
            s.runningCount === 2
            ? s
            : undefined;
        },
        30_000,
      );
      expect(back.taskDefinition).toBe(info.taskDefinitionArn);
      expect(back.deployments?.[0]?.taskDefinition).toBe(info.taskDefinitionArn);
      const messages = (back.events ?? []).map((e) => e.message ?? '');
      expect(messages.some((m) => m.endsWith('deployment failed: alarm detected.'))).toBe(true);
      expect(messages.some((m) => /rolling back to deployment/.test(m))).toBe(true);

      const { serviceDeployments = [] } = await ecs.send(
        new ListServiceDeploymentsCommand({ cluster: info.cluster, service: info.service }),
      );
      const described = await ecs.send(
        new DescribeServiceDeploymentsCommand({
          serviceDeploymentArns: serviceDeployments.map((d) => d.serviceDeploymentArn!),
        }),
      );
      const record = described.serviceDeployments?.find(
        (d) => d.targetServiceRevision?.arn !== undefined && d.rollback !== undefined,
      );
      expect(record?.status).toBe('ROLLBACK_SUCCESSFUL');
      expect(record?.alarms).toEqual({
        status: 'TRIGGERED',
        alarmNames: ['web-5xx'],
        triggeredAlarmNames: ['web-5xx'],
      });
    } finally {
      load = await traffic.stop();
    }
    // The broken version served users (and some got a 500) before ECS rolled it back.
    expect(load.failed).toBeGreaterThan(0);
    expect(Object.keys(load.byTaskDefinition).length).toBe(2);
  }, 90_000);
});

// The alarm here is on a metric the test publishes (PutMetricData), so when it is in ALARM is the
// test's choice: one datapoint of 10 puts it in ALARM for one 60 s period, then it goes back to OK.
describe('deployment alarms on a published metric', () => {
  let emulator: Emulator;
  let cw: CloudWatchClient;

  beforeAll(async () => {
    emulator = await startEmulator({ timeScale: SCALE, taskStartSeconds: 0 });
    cw = new CloudWatchClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'errors',
        Namespace: 'Bench',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
  });

  afterAll(async () => {
    cw?.destroy();
    await emulator?.stop();
  });

  const alarmState = async (): Promise<string | undefined> =>
    (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['errors'] }))).MetricAlarms?.[0]?.StateValue;
  const breach = (): Promise<unknown> =>
    cw.send(
      new PutMetricDataCommand({ Namespace: 'Bench', MetricData: [{ MetricName: 'Errors', Value: 10 }] }),
    );

  async function service(name: string, rollback: boolean): Promise<ScenarioInfo> {
    return createScenario(emulator.endpoint, {
      cluster: name,
      service: name,
      desiredCount: 1,
      taskDefinition: { ...taskDefinition('web:healthy'), family: name },
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2 },
      deregistrationDelaySeconds: 2,
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        alarms: { alarmNames: ['errors'], enable: true, rollback },
      },
      waitForSteadyState: true,
      waitTimeoutMs: 30_000,
    });
  }

  it('an alarm already in ALARM when the deployment starts does not fail it', async () => {
    const info = await service('already', true);
    const { ecs } = emulatorClients(emulator.endpoint, 'us-east-1');
    await until(
      'the first deployment to complete',
      async () => {
        const s = (
          await ecs.send(new DescribeServicesCommand({ cluster: info.cluster, services: [info.service] }))
        ).services?.[0];
        return s?.deployments?.[0]?.rolloutState === 'COMPLETED' ? s : undefined;
      },
      20_000,
    );
    await breach();
    await until(
      'the alarm in ALARM',
      async () => ((await alarmState()) === 'ALARM' ? true : undefined),
      15_000,
    );
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({ ...taskDefinition('web:v2'), family: 'already' }),
    );
    const next = registered.taskDefinition!.taskDefinitionArn!;
    await ecs.send(
      new UpdateServiceCommand({ cluster: info.cluster, service: info.service, taskDefinition: next }),
    );
    const done = await until(
      'the deployment to complete',
      async () => {
        const s = (
          await ecs.send(new DescribeServicesCommand({ cluster: info.cluster, services: [info.service] }))
        ).services?.[0];
        const d = s?.deployments?.find((x) => x.taskDefinition === next);
        if (d?.rolloutState === 'FAILED') throw new Error(`failed: ${d.rolloutStateReason}`);
        return d?.rolloutState === 'COMPLETED' ? s : undefined;
      },
      30_000,
    );
    expect(done.taskDefinition).toBe(next);
  }, 60_000);

  it('with rollback off, an alarm fails the deployment and ECS leaves the service on it', async () => {
    const info = await service('norollback', false);
    const { ecs } = emulatorClients(emulator.endpoint, 'us-east-1');
    await until(
      'the alarm back to OK',
      async () => ((await alarmState()) === 'OK' ? true : undefined),
      20_000,
    );
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({ ...taskDefinition('web:v2'), family: 'norollback' }),
    );
    const next = registered.taskDefinition!.taskDefinitionArn!;
    await ecs.send(
      new UpdateServiceCommand({ cluster: info.cluster, service: info.service, taskDefinition: next }),
    );
    await breach();
    const failed = await until(
      'the deployment to fail',
      async () => {
        const s = (
          await ecs.send(new DescribeServicesCommand({ cluster: info.cluster, services: [info.service] }))
        ).services?.[0];
        return s?.deployments?.[0]?.rolloutState === 'FAILED' ? s : undefined;
      },
      30_000,
    );
    // No rollback: the failed deployment stays PRIMARY, on the new task definition.
    expect(failed.deployments?.[0]?.taskDefinition).toBe(next);
    expect(failed.taskDefinition).toBe(next);
    const { serviceDeployments = [] } = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: info.cluster, service: info.service }),
    );
    const described = await ecs.send(
      new DescribeServiceDeploymentsCommand({
        serviceDeploymentArns: serviceDeployments.map((d) => d.serviceDeploymentArn!),
      }),
    );
    const [latest] = [...(described.serviceDeployments ?? [])].sort(
      (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
    );
    expect(latest?.status).toBe('STOPPED');
    expect(latest?.alarms?.status).toBe('TRIGGERED');
    expect(latest?.alarms?.triggeredAlarmNames).toEqual(['errors']);
  }, 60_000);
});
