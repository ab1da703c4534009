// CloudWatch alarms gate the bundled action's rollout, against the emulator's CloudWatch fed by real
// traffic through the load balancer. A version that answers 5xx to a fifth of its requests (or
// answers slowly) keeps every target healthy, so target health cannot see it; an alarm on the
// target group's metric does, in batch 2, and the rollout is rolled back with every outcome
// invariant kept. An alarm already in ALARM refuses the rollout before any change.
import { describe, it, expect } from '@jest/globals';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { dimensionValueOfArn } from '../../emulator/src/cloudwatch/index.js';
import { startTraffic, type TrafficReport } from '../../tools/traffic.js';
import type { ActionRun } from '../../tools/run-action.js';
import {
  HEALTH_CHECK,
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  errorAnnotations,
  mutatingCalls,
  notStopped,
  observeFleet,
  startHarness,
  steadyProblems,
  waitUntil,
} from './helpers.js';
import type { Harness } from './helpers.js';
import { expectWith } from '../helpers/expect-with.js';

/**
 * Requests per second through the listener. A 60 s alarm period is 3 s real at the harness's time
 * scale: about 120 requests a period, a third of them to the new version in batch 1 of 3 (2 of 6
 * tasks), two thirds in batch 2.
 */
const RATE = 40;
/** Long enough for a whole alarm period (3 s real) and its evaluation to fall inside every bake. */
const BAKE = '10s';

function cloudwatch(h: Harness): CloudWatchClient {
  return new CloudWatchClient({
    endpoint: h.emulator.endpoint,
    region: h.emulator.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
  });
}

/** An alarm on one of the service's target group's ALB metrics. */
function targetGroupAlarm(h: Harness, over: Partial<PutMetricAlarmCommandInput>): PutMetricAlarmCommandInput {
  return {
    AlarmName: 'web',
    Namespace: 'AWS/ApplicationELB',
    MetricName: 'HTTPCode_Target_5XX_Count',
    Dimensions: [
      { Name: 'TargetGroup', Value: dimensionValueOfArn(h.info.targetGroupArns[0] ?? '') },
      { Name: 'LoadBalancer', Value: dimensionValueOfArn(h.info.loadBalancerArn) },
    ],
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    // ELB publishes a count only when it is not zero: a quiet period is no breach.
    TreatMissingData: 'notBreaching',
    ...over,
  };
}

/** Runs the action while traffic flows through the load balancer, so the metrics exist. */
async function deployUnderTraffic(
  h: Harness,
  inputs: Record<string, string>,
): Promise<{ run: ActionRun; load: TrafficReport }> {
  const traffic = startTraffic(h.info.listenerUrl, { ratePerSecond: RATE, maxDurationMs: 150_000 });
  let run: ActionRun | undefined;
  let load: TrafficReport | undefined;
  try {
    run = await deploy(h, inputs);
  } finally {
    load = await traffic.stop();
  }
  return { run, load };
}

/** Rolled back, and the service exactly as before: one revision, its desired count, its own settings. */
async function expectRolledBack(h: Harness, run: ActionRun): Promise<string> {
  expectWith(run.exitCode, describeRun(run)).toBe(1);
  expectWith(run.outputs['outcome'], describeRun(run)).toBe('rolled-back');
  const newArn = run.outputs['task-definition-arn'] ?? '';
  expect(newArn).toMatch(/task-definition\/web:2$/);
  const fleet = await observeFleet(h.info);
  expect(steadyProblems(fleet, h.info.taskDefinitionArn, 6, h.info.targetGroupArns)).toEqual([]);
  expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
  const leftovers = await waitUntil(
    async () => notStopped(await observeFleet(h.info), newArn).map((t) => `${t.arn} ${t.lastStatus}`),
    10_000,
  );
  expect(leftovers).toEqual([]);
  return run.outputs['failure-reason'] ?? '';
}

describe('alarm gate', () => {
  it('a 5xx alarm on the target group trips in batch 2 for a version that fails a fifth of its requests: rolled back', async () => {
    const h = await startHarness({ desiredCount: 6 });
    const cw = cloudwatch(h);
    try {
      // At 40 requests a second, 120 a period, about 20 per task: each new task fails every fifth,
      // 4 (5 when a period catches 21). Batch 1 (2 new tasks of 6) makes at most 10 errors a period
      // — the traffic never runs faster than its rate — and batch 2 (4 of 6) 16, or over 10 as long
      // as a loaded machine keeps up 28 requests a second.
      await cw.send(
        new PutMetricAlarmCommand(
          targetGroupAlarm(h, {
            AlarmName: 'web-5xx',
            Threshold: 10,
            ComparisonOperator: 'GreaterThanThreshold',
          }),
        ),
      );
      const { run, load } = await deployUnderTraffic(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:error-rate-0.2', alarms: 'web-5xx', 'bake-time': BAKE }),
      );
      const reason = await expectRolledBack(h, run);
      expect(reason).toMatch(
        /^batch 2\/3: CloudWatch alarm "web-5xx" \(AWS\/ApplicationELB HTTPCode_Target_5XX_Count, /,
      );
      expect(reason).toMatch(
        /TargetGroup=targetgroup\/web\/[0-9a-f]{16}, LoadBalancer=app\/web-alb\/[0-9a-f]{16}\) is in ALARM/,
      );
      expect(reason).toMatch(
        /Threshold Crossed: 1 datapoint \[\d+\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(10\.0\)/,
      );
      // Target health never saw it: no target went unhealthy, no task was stopped by ECS.
      expect(reason).not.toMatch(/unhealthy|stopped/);
      expect(run.stdout).toMatch(/gating every batch on CloudWatch alarm "web-5xx" \(OK\)/);
      // Users did see the errors: that is what the alarm measured.
      expect(load.failed).toBeGreaterThan(0);
      expect(errorAnnotations(run).join('\n')).toMatch(/web-5xx/);
    } finally {
      cw.destroy();
      await h.stop();
    }
  });

  it('a latency alarm trips in batch 2 for a version that answers slowly but passes every health check: rolled back', async () => {
    // A health check timeout of 8 AWS s (400 ms real) rather than the harness's 4 s (200 ms): with
    // twenty slow requests held open, a loaded 2-core machine can be late with a health answer, and
    // this test is about what target health does not see, not about a check that timed out.
    const h = await startHarness({
      desiredCount: 6,
      scenario: { healthCheck: { ...HEALTH_CHECK, intervalSeconds: 10, timeoutSeconds: 8 } },
    });
    const cw = cloudwatch(h);
    try {
      // slow-10: 10 AWS seconds a request (500 ms real). With a healthy answer's h seconds (times
      // are AWS seconds too: a loaded machine's 10-60 ms real are 0.2-1.2 s), batch 1 averages
      // 10/3 + 2h/3 (under 4.2 s), batch 2 20/3 + h/3 (over 6.7 s): the threshold sits between.
      await cw.send(
        new PutMetricAlarmCommand(
          targetGroupAlarm(h, {
            AlarmName: 'web-latency',
            MetricName: 'TargetResponseTime',
            Statistic: 'Average',
            Threshold: 5.5,
            ComparisonOperator: 'GreaterThanThreshold',
          }),
        ),
      );
      const { run, load } = await deployUnderTraffic(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:slow-10', alarms: 'web-latency', 'bake-time': BAKE }),
      );
      const reason = await expectRolledBack(h, run);
      expect(reason).toMatch(
        /^batch 2\/3: CloudWatch alarm "web-latency" \(AWS\/ApplicationELB TargetResponseTime, /,
      );
      expect(reason).toMatch(/was greater than the threshold \(5\.5\)/);
      // Slow, not failing: every request was answered.
      expect(load.failed).toBe(0);
    } finally {
      cw.destroy();
      await h.stop();
    }
  });

  it('an alarm already in ALARM refuses the rollout before any change; ignore-alarms-at-start lets it run', async () => {
    const h = await startHarness({ desiredCount: 2 });
    const cw = cloudwatch(h);
    try {
      // In ALARM as long as the group has a healthy target: a stand-in for an alarm that fires
      // for reasons of its own before the deploy.
      await cw.send(
        new PutMetricAlarmCommand(
          targetGroupAlarm(h, {
            AlarmName: 'web-busy',
            MetricName: 'HealthyHostCount',
            Statistic: 'Minimum',
            Period: 60,
            Threshold: 0,
            ComparisonOperator: 'GreaterThanThreshold',
            TreatMissingData: 'missing',
          }),
        ),
      );
      const inAlarm = await waitUntil(async () => {
        const { MetricAlarms = [] } = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['web-busy'] }));
        return MetricAlarms[0]?.StateValue === 'ALARM' ? [] : [`web-busy is ${MetricAlarms[0]?.StateValue}`];
      }, 15_000);
      expect(inAlarm).toEqual([]);

      h.emulator.clearCalls();
      const refused = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2', alarms: 'web-busy' }));
      expectWith(refused.exitCode, describeRun(refused)).toBe(1);
      const errors = errorAnnotations(refused).join('\n');
      expect(errors).toMatch(
        /already in ALARM before any change: "web-busy" \(AWS\/ApplicationELB HealthyHostCount, /,
      );
      expect(errors).toMatch(/Threshold Crossed/);
      expect(errors).toMatch(/Nothing was changed/);
      expect(errors).toMatch(/ignore-alarms-at-start/);
      expect(mutatingCalls(h.emulator.calls())).toEqual([]);
      const fleet = await observeFleet(h.info);
      expect(steadyProblems(fleet, h.info.taskDefinitionArn, 2, h.info.targetGroupArns)).toEqual([]);

      // An alarm name CloudWatch does not have is refused too: a typo must not turn the gate off.
      const typo = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2', alarms: 'web-bussy' }));
      expectWith(typo.exitCode, describeRun(typo)).toBe(1);
      expect(errorAnnotations(typo).join('\n')).toMatch(/"web-bussy", which CloudWatch does not have/);

      // Ignored at the start, the alarm never leaves ALARM, so it never gates: the rollout runs.
      const ignored = await deploy(
        h,
        h.inputs({
          image: 'public.ecr.aws/demo/web:2',
          alarms: 'web-busy',
          'ignore-alarms-at-start': 'true',
        }),
      );
      expectWith(ignored.exitCode, describeRun(ignored)).toBe(0);
      expect(ignored.outputs['outcome']).toBe('succeeded');
      expect(ignored.stdout).toMatch(
        /::warning[^\n]*Already in ALARM before the rollout, ignored until it leaves ALARM/,
      );
    } finally {
      cw.destroy();
      await h.stop();
    }
  });
});
