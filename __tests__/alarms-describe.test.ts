// DescribeAlarms as the alarm gate reads it: 100 names a call, every page, both alarm types; and the
// observer reads alarms only when there are some to read (the given ones and the service's own).
import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ALARM_NAMES_PER_CALL, describeAlarms } from '../src/platform/alarms.js';
import { ServiceObserver } from '../src/platform/observe.js';
import { DriverError } from '../src/rollout/port.js';

const cw = mockClient(CloudWatchClient);
const ecs = mockClient(ECSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);

beforeEach(() => {
  cw.reset();
  ecs.reset();
  elbv2.reset();
});

const names = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `alarm-${String(i).padStart(3, '0')}`);

/** A CloudWatch that knows every alarm named `alarm-*` (metric alarms, even; composite, odd) and pages by 60. */
function fakeCloudWatch(pageSize = 60): void {
  cw.on(DescribeAlarmsCommand).callsFake((input: DescribeAlarmsCommandInput) => {
    const asked = (input.AlarmNames ?? []).filter((n) => n.startsWith('alarm-'));
    const start = Number(input.NextToken ?? 0);
    const page = asked.slice(start, start + pageSize);
    const odd = (n: string): boolean => Number(n.slice(-3)) % 2 === 1;
    return {
      MetricAlarms: page
        .filter((n) => !odd(n))
        .map((n) => ({
          AlarmName: n,
          StateValue: 'OK',
          StateReason: 'fine',
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'HTTPCode_Target_5XX_Count',
          Dimensions: [{ Name: 'LoadBalancer', Value: 'app/web/0123' }],
        })),
      CompositeAlarms: page
        .filter(odd)
        .map((n) => ({ AlarmName: n, StateValue: 'ALARM', AlarmRule: 'ALARM(x)' })),
      ...(start + pageSize < asked.length ? { NextToken: String(start + pageSize) } : {}),
    };
  });
}

describe('describeAlarms', () => {
  it('250 names: three calls of at most 100 names, every page read, both alarm types asked for', async () => {
    fakeCloudWatch();
    const wanted = names(250);
    const alarms = await describeAlarms(new CloudWatchClient({ region: 'us-east-1' }), wanted);
    expect(alarms.map((a) => a.name)).toEqual(wanted);
    const calls = cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    for (const input of calls) {
      expect(input.AlarmNames?.length).toBeLessThanOrEqual(ALARM_NAMES_PER_CALL);
      expect(input.AlarmTypes).toEqual(['MetricAlarm', 'CompositeAlarm']);
      expect(input.MaxRecords).toBe(100);
    }
    // Chunks of 100, 100, 50; each of 100 needs a second page at 60 a page.
    const firstPages = calls.filter((c) => c.NextToken === undefined);
    expect(firstPages.map((c) => c.AlarmNames?.length)).toEqual([100, 100, 50]);
    expect(calls).toHaveLength(5);
  });

  it('maps metric and composite alarms into the engine’s AlarmView', async () => {
    fakeCloudWatch();
    const [metric, composite] = await describeAlarms(new CloudWatchClient({ region: 'us-east-1' }), names(2));
    expect(metric).toEqual({
      name: 'alarm-000',
      kind: 'metric',
      state: 'OK',
      stateReason: 'fine',
      metric: {
        namespace: 'AWS/ApplicationELB',
        name: 'HTTPCode_Target_5XX_Count',
        dimensions: [{ name: 'LoadBalancer', value: 'app/web/0123' }],
      },
    });
    expect(composite).toEqual({ name: 'alarm-001', kind: 'composite', state: 'ALARM', rule: 'ALARM(x)' });
  });

  it('a name CloudWatch does not know is left out; a name given twice is asked once', async () => {
    fakeCloudWatch();
    const alarms = await describeAlarms(new CloudWatchClient({ region: 'us-east-1' }), [
      'alarm-000',
      'nope',
      'alarm-000',
    ]);
    expect(alarms.map((a) => a.name)).toEqual(['alarm-000']);
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input.AlarmNames).toEqual([
      'alarm-000',
      'nope',
    ]);
  });

  it('an access-denied answer is a fatal DriverError naming the permission', async () => {
    const denied = Object.assign(new Error('not authorized'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    cw.on(DescribeAlarmsCommand).rejects(denied);
    const error = await describeAlarms(new CloudWatchClient({ region: 'us-east-1' }), ['web-5xx']).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).kind).toBe('fatal');
    expect((error as DriverError).message).toMatch(
      /DescribeAlarms for alarm "web-5xx" failed.*cloudwatch:DescribeAlarms/s,
    );
  });
});

describe('ServiceObserver with alarms', () => {
  const service = (alarms?: Service['deploymentConfiguration']): Service => ({
    serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/prod/web',
    serviceName: 'web',
    status: 'ACTIVE',
    desiredCount: 0,
    loadBalancers: [
      { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123' },
    ],
    deployments: [],
    ...(alarms ? { deploymentConfiguration: alarms } : {}),
  });
  const fleet = (s: Service): void => {
    ecs.on(DescribeServicesCommand).resolves({ services: [s] });
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [] });
    elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
  };
  const observer = (alarms?: { names: string[]; useServiceAlarms: boolean }): ServiceObserver =>
    new ServiceObserver(
      {
        ecs: new ECSClient({ region: 'us-east-1' }),
        elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
      },
      { cluster: 'prod', service: 'web' },
      () => 1,
      alarms && { cloudwatch: new CloudWatchClient({ region: 'us-east-1' }), ...alarms },
    );

  it('no alarm named and none on the service: no DescribeAlarms call, no alarms in the snapshot', async () => {
    fakeCloudWatch();
    fleet(service());
    const snapshot = await observer({ names: [], useServiceAlarms: true }).observe({ alarms: true });
    expect(snapshot.alarms).toBeUndefined();
    expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });

  it('the given names and the service’s own enabled deployment alarms, once each', async () => {
    fakeCloudWatch();
    fleet(service({ alarms: { alarmNames: ['alarm-002', 'alarm-000'], enable: true, rollback: true } }));
    const snapshot = await observer({ names: ['alarm-000', 'alarm-004'], useServiceAlarms: true }).observe({
      alarms: true,
    });
    expect(snapshot.alarms?.map((a) => a.name)).toEqual(['alarm-000', 'alarm-004', 'alarm-002']);
    expect(snapshot.service.alarmNames).toEqual(['alarm-002', 'alarm-000']);
  });

  it('only the rollout’s watch reads alarms: a plain observation (restore, plan) makes no DescribeAlarms call', async () => {
    fakeCloudWatch();
    fleet(service({ alarms: { alarmNames: ['alarm-002'], enable: true, rollback: true } }));
    const snapshot = await observer({ names: ['alarm-000'], useServiceAlarms: true }).observe();
    expect(snapshot.alarms).toBeUndefined();
    expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });

  it('the service’s alarms are left out with use-service-alarms false, or when the service has them disabled', async () => {
    fakeCloudWatch();
    fleet(service({ alarms: { alarmNames: ['alarm-002'], enable: true, rollback: false } }));
    expect(
      (
        await observer({ names: ['alarm-000'], useServiceAlarms: false }).observe({ alarms: true })
      ).alarms?.map((a) => a.name),
    ).toEqual(['alarm-000']);
    fleet(service({ alarms: { alarmNames: ['alarm-002'], enable: false, rollback: false } }));
    expect(
      (await observer({ names: [], useServiceAlarms: true }).observe({ alarms: true })).alarms,
    ).toBeUndefined();
  });
});
