// The emulator's CloudWatch through the real CloudWatchClient (AWS JSON 1.0, query-compatible):
// errors by their CloudWatch codes, DescribeAlarms paging; and metrics fed by real traffic through
// the load balancer, so an alarm on the target group's 5xx count trips for an app that answers
// 500 to a fifth of its requests while its health checks stay green.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startEmulator, type Emulator } from '../../emulator/src/index.js';
import { createScenario, emulatorClients, type ScenarioInfo } from '../../emulator/src/scenario.js';
import { dimensionValueOfArn } from '../../emulator/src/cloudwatch/index.js';
import { startTraffic } from '../../tools/traffic.js';
import { formatProblems, loadAwsModels, validateCallRecords } from '../helpers/aws-model/index.js';

const SCALE = 0.05;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let emulator: Emulator;
let info: ScenarioInfo;
let cw: CloudWatchClient;

beforeAll(async () => {
  emulator = await startEmulator({ timeScale: SCALE, taskStartSeconds: 0, recordWire: true });
  cw = new CloudWatchClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  info = await createScenario(emulator.endpoint, {
    cluster: 'cw',
    service: 'web',
    desiredCount: 2,
    taskDefinition: {
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'web',
          image: 'web:error-rate-0.2',
          essential: true,
          portMappings: [{ containerPort: 8080 }],
          stopTimeout: 2,
        },
      ],
    },
    healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2 },
    deregistrationDelaySeconds: 5,
    waitForSteadyState: true,
    waitTimeoutMs: 30_000,
  });
});

afterAll(async () => {
  cw?.destroy();
  await emulator?.stop();
});

const alarm = (over: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
  AlarmName: 'a',
  Namespace: 'AWS/ApplicationELB',
  MetricName: 'HTTPCode_Target_5XX_Count',
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  ...over,
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

describe('CloudWatch API', () => {
  it('answers errors with CloudWatch’s codes, as the SDK names them', async () => {
    const code = (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'no error',
        // The SDK names the error by its modelled shape and keeps the wire's query code in `Code`.
        (e: unknown) => `${(e as Error).name}/${String((e as { Code?: string }).Code)}`,
      );
    expect(await code(cw.send(new PutMetricAlarmCommand(alarm({ Period: 45 }))))).toBe(
      'InvalidParameterValueException/InvalidParameterValue',
    );
    expect(await code(cw.send(new PutMetricAlarmCommand(alarm({ DatapointsToAlarm: 2 }))))).toBe(
      'InvalidParameterValueException/InvalidParameterValue',
    );
    expect(await code(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['never-made'] })))).toBe(
      'ResourceNotFound/ResourceNotFound',
    );
    expect(await code(cw.send(new DescribeAlarmsCommand({ NextToken: 'bogus' })))).toBe(
      'InvalidNextToken/InvalidNextToken',
    );
    expect(
      await code(
        cw.send(new DescribeAlarmsCommand({ AlarmNames: Array.from({ length: 101 }, (_, i) => `n${i}`) })),
      ),
    ).toBe('ValidationException/ValidationError');
    expect(
      await code(
        cw.send(
          new PutMetricDataCommand({ Namespace: 'AWS/ECS', MetricData: [{ MetricName: 'x', Value: 1 }] }),
        ),
      ),
    ).toBe('InvalidParameterValueException/InvalidParameterValue');
  });

  it('a new alarm starts INSUFFICIENT_DATA; DescribeAlarms pages by MaxRecords; DeleteAlarms removes', async () => {
    const names = ['page-1', 'page-2', 'page-3'];
    for (const n of names)
      await cw.send(
        new PutMetricAlarmCommand(alarm({ AlarmName: n, Namespace: 'Test', MetricName: 'none' })),
      );
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await cw.send(
        new DescribeAlarmsCommand({
          AlarmNamePrefix: 'page-',
          MaxRecords: 2,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      pages++;
      for (const a of page.MetricAlarms ?? []) {
        seen.push(a.AlarmName ?? '');
        expect(a.StateValue).toBe('INSUFFICIENT_DATA');
        expect(a.StateUpdatedTimestamp).toBeInstanceOf(Date);
      }
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual(names);
    expect(pages).toBe(2);
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: names }));
    const after = await cw.send(new DescribeAlarmsCommand({ AlarmNames: names }));
    expect(after.MetricAlarms).toEqual([]);
  });
});

describe('metrics from real traffic', () => {
  it('an alarm on the target group’s 5xx count trips while every target stays healthy', async () => {
    const lb = dimensionValueOfArn(info.loadBalancerArn);
    const tg = dimensionValueOfArn(info.targetGroupArns[0] ?? '');
    expect(lb).toMatch(/^app\/web-alb\/[0-9a-f]{16}$/);
    expect(tg).toMatch(/^targetgroup\/web\/[0-9a-f]{16}$/);
    const dimensions = [
      { Name: 'TargetGroup', Value: tg },
      { Name: 'LoadBalancer', Value: lb },
    ];
    await cw.send(
      new PutMetricAlarmCommand(
        alarm({
          AlarmName: 'web-5xx',
          Dimensions: dimensions,
          Threshold: 5,
          TreatMissingData: 'notBreaching',
        }),
      ),
    );
    const traffic = startTraffic(info.listenerUrl, { ratePerSecond: 40, maxDurationMs: 30_000 });
    let load;
    try {
      const fired = await until(
        'web-5xx to be in ALARM',
        async () => {
          const { MetricAlarms = [] } = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['web-5xx'] }));
          return MetricAlarms[0]?.StateValue === 'ALARM' ? MetricAlarms[0] : undefined;
        },
        20_000,
      );
      expect(fired.StateReason).toMatch(
        /^Threshold Crossed: 1 datapoint \[\d+\.\d+ \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than or equal to the threshold \(5\.0\)\.$/,
      );
    } finally {
      load = await traffic.stop();
    }
    // A fifth of the requests failed, evenly: the app is broken for users...
    expect(load.failed).toBeGreaterThan(load.sent * 0.15);
    expect(load.failed).toBeLessThan(load.sent * 0.25);
    // ...while the load balancer sees every target healthy.
    const { elbv2 } = emulatorClients(emulator.endpoint, 'us-east-1');
    const health = await elbv2.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: info.targetGroupArns[0] }),
    );
    expect(health.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual([
      'healthy',
      'healthy',
    ]);
    elbv2.destroy();

    // The same counts through GetMetricData: per period, 5xx about a fifth of the requests.
    const now = Date.now();
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 60_000),
        EndTime: new Date(now),
        MetricDataQueries: ['RequestCount', 'HTTPCode_Target_5XX_Count'].map((name, i) => ({
          Id: `m${i}`,
          MetricStat: {
            Metric: { Namespace: 'AWS/ApplicationELB', MetricName: name, Dimensions: dimensions },
            Period: 60,
            Stat: 'Sum',
          },
        })),
      }),
    );
    const sum = (i: number): number => (data.MetricDataResults?.[i]?.Values ?? []).reduce((a, b) => a + b, 0);
    expect(sum(0)).toBeGreaterThan(0);
    expect(sum(1) / sum(0)).toBeGreaterThan(0.15);
    expect(sum(1) / sum(0)).toBeLessThan(0.25);
    expect(data.MetricDataResults?.[0]?.Timestamps?.[0]).toBeInstanceOf(Date);

    // ListMetrics knows the load balancer's, the target group's and the ECS service's metrics.
    const listed = await cw.send(
      new ListMetricsCommand({ Dimensions: [{ Name: 'TargetGroup', Value: tg }] }),
    );
    const names = new Set(listed.Metrics?.map((m) => m.MetricName));
    for (const n of [
      'RequestCount',
      'HTTPCode_Target_2XX_Count',
      'HTTPCode_Target_5XX_Count',
      'TargetResponseTime',
      'HealthyHostCount',
    ])
      expect(names).toContain(n);
    const cpu = await until(
      'ECS CPUUtilization',
      async () => {
        const found = await cw.send(
          new ListMetricsCommand({ Namespace: 'AWS/ECS', MetricName: 'CPUUtilization' }),
        );
        return found.Metrics?.length ? found.Metrics : undefined;
      },
      5_000,
    );
    expect(cpu[0]?.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'ClusterName', Value: 'cw' },
        { Name: 'ServiceName', Value: 'web' },
      ]),
    );
  });
});

describe('the wire against botocore’s CloudWatch model', () => {
  const loaded = loadAwsModels();
  ('models' in loaded ? it : it.skip)(
    'every CloudWatch request and answer above, errors included, fits the model',
    () => {
      // The 101-name DescribeAlarms broke the model's own constraint on purpose: left out.
      const calls = emulator
        .calls()
        .filter((c) => c.service === 'cloudwatch' && c.errorCode !== 'ValidationError');
      expect(calls.length).toBeGreaterThan(10);
      expect(calls.some((c) => c.status >= 400)).toBe(true);
      const problems = validateCallRecords(calls);
      expect(formatProblems(problems)).toEqual(formatProblems([]));
    },
  );
});
