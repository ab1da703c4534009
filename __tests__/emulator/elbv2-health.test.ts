// Target health over real HTTP health checks: target apps on their own 127.0.0.x addresses, checked
// by the emulator's target groups, observed through TargetRegistry.onChange and DescribeTargetHealth.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startHarness, setupGroup, startTarget, SUBNETS, waitFor } from './elbv2-harness.js';
import type { FakeTarget, Harness } from './elbv2-harness.js';
import type { TargetHealthView } from '../../emulator/src/contracts.js';

// 1 AWS second = 50 ms: checks every 5 s = 250 ms, timeout 4 s = 200 ms.
const SCALE = 0.05;

interface Change {
  at: number;
  id: string;
  view: TargetHealthView;
  checks: number;
}

describe('ELBv2 target health checks', () => {
  let h: Harness;
  let targets: FakeTarget[];
  let changes: Change[];

  beforeEach(async () => {
    h = await startHarness(SCALE);
    targets = [];
    changes = [];
    h.elbv2.targets.onChange((_arn, ref, view) => {
      const checks = targets.find((t) => t.ip === ref.id)?.healthChecks ?? 0;
      changes.push({ at: Date.now(), id: ref.id, view, checks });
    });
  });
  afterEach(async () => {
    await h.stop();
    await Promise.all(targets.map((t) => t.close()));
  });

  const target = async (ip: string, mode: FakeTarget['mode'] = 'ok'): Promise<FakeTarget> => {
    const t = await startTarget(ip, mode);
    targets.push(t);
    return t;
  };
  const states = (id: string): string[] =>
    changes.filter((c) => c.id === id).map((c) => `${c.view.state}:${c.view.reason ?? ''}`);
  const reached = (id: string, state: string): Promise<Change> =>
    waitFor(`${id} ${state}`, () => changes.find((c) => c.id === id && c.view.state === state));

  it('a target that answers 200 goes initial (registration, initial checks) -> healthy after ONE check', async () => {
    // ALB User Guide, "Health checks for Application Load Balancer target groups": "After your target
    // is registered, it must pass one health check to be considered healthy". HealthyThresholdCount
    // (10 here, the maximum) counts only from unhealthy back to healthy. Checks every 30 AWS s (1.5 s
    // real) with a 20 s timeout, so a slow answer on a loaded machine neither times out nor lets a
    // second check in before the verdict.
    const { targetGroupArn } = await setupGroup(h, {
      name: 'hc-ok',
      healthCheck: { intervalSeconds: 30, timeoutSeconds: 20, healthy: 10 },
    });
    const t = await target('127.0.0.11');
    await h.client.send(
      new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: t.ip, Port: t.port }] }),
    );
    const healthy = await reached(t.ip, 'healthy');
    expect(healthy.checks).toBe(1);
    expect(states(t.ip)).toEqual([
      'initial:Elb.RegistrationInProgress',
      'initial:Elb.InitialHealthChecking',
      'healthy:',
    ]);
    const out = await h.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    expect(out.TargetHealthDescriptions?.[0]).toEqual({
      Target: { Id: t.ip, Port: t.port, AvailabilityZone: 'us-east-1a' },
      HealthCheckPort: String(t.port),
      TargetHealth: { State: 'healthy' },
    });
    expect(h.elbv2.targets.health(targetGroupArn, { id: t.ip, port: t.port })).toEqual({ state: 'healthy' });
  });

  it('500s make it unhealthy after UnhealthyThresholdCount with Target.ResponseCodeMismatch; HealthyThresholdCount successes bring it back', async () => {
    const { targetGroupArn } = await setupGroup(h, {
      name: 'hc-500',
      healthCheck: { healthy: 3, unhealthy: 2 },
    });
    const t = await target('127.0.0.12');
    await h.client.send(
      new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: t.ip, Port: t.port }] }),
    );
    await reached(t.ip, 'healthy');

    const failingFrom = t.healthChecks;
    t.mode = 'fail';
    const unhealthy = await reached(t.ip, 'unhealthy');
    expect(unhealthy.view).toEqual({
      state: 'unhealthy',
      reason: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [500]',
    });
    expect(unhealthy.checks - failingFrom).toBeGreaterThanOrEqual(2);

    const passingFrom = t.healthChecks;
    t.mode = 'ok';
    const back = await waitFor('healthy again', () =>
      changes.find((c) => c.id === t.ip && c.view.state === 'healthy' && c.at > unhealthy.at),
    );
    expect(back.checks - passingFrom).toBeGreaterThanOrEqual(3);
    expect(states(t.ip).slice(-2)).toEqual(['unhealthy:Target.ResponseCodeMismatch', 'healthy:']);
  });

  it('a newly registered target that fails its checks goes initial -> unhealthy', async () => {
    const { targetGroupArn } = await setupGroup(h, { name: 'hc-new-fail' });
    const t = await target('127.0.0.13', 'fail');
    await h.client.send(
      new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: t.ip, Port: t.port }] }),
    );
    await reached(t.ip, 'unhealthy');
    expect(states(t.ip)).toEqual([
      'initial:Elb.RegistrationInProgress',
      'initial:Elb.InitialHealthChecking',
      'unhealthy:Target.ResponseCodeMismatch',
    ]);
  });

  it('a target that does not answer within HealthCheckTimeoutSeconds is unhealthy with Target.Timeout', async () => {
    const { targetGroupArn } = await setupGroup(h, { name: 'hc-slow' });
    const t = await target('127.0.0.14', 'hang');
    await h.client.send(
      new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: t.ip, Port: t.port }] }),
    );
    const unhealthy = await reached(t.ip, 'unhealthy');
    expect(unhealthy.view).toEqual({
      state: 'unhealthy',
      reason: 'Target.Timeout',
      description: 'Request timed out',
    });
  });

  it('a closed port is unhealthy with Target.FailedHealthChecks', async () => {
    const { targetGroupArn } = await setupGroup(h, { name: 'hc-closed' });
    const t = await target('127.0.0.15');
    await t.close(); // the port is now closed: connections are refused
    await h.client.send(
      new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: t.ip, Port: t.port }] }),
    );
    const unhealthy = await reached(t.ip, 'unhealthy');
    expect(unhealthy.view).toEqual({
      state: 'unhealthy',
      reason: 'Target.FailedHealthChecks',
      description: 'Health checks failed',
    });
  });

  it('Matcher.HttpCode decides which codes pass: lists and ranges', async () => {
    const passing = await setupGroup(h, {
      name: 'hc-m-pass',
      healthCheck: { path: '/status/404', matcher: '200,404' },
    });
    const failing = await setupGroup(h, {
      name: 'hc-m-fail',
      healthCheck: { path: '/status/302', matcher: '200-299' },
    });
    const t = await target('127.0.0.16');
    for (const { targetGroupArn } of [passing, failing]) {
      await h.client.send(
        new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: t.ip, Port: t.port }] }),
      );
    }
    await waitFor('both verdicts', () =>
      changes.some((c) => c.view.state === 'healthy') && changes.some((c) => c.view.state === 'unhealthy')
        ? true
        : undefined,
    );
    expect(h.elbv2.targets.health(passing.targetGroupArn, { id: t.ip, port: t.port })).toEqual({
      state: 'healthy',
    });
    expect(h.elbv2.targets.health(failing.targetGroupArn, { id: t.ip, port: t.port })).toEqual({
      state: 'unhealthy',
      reason: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [302]',
    });
  });

  it('checks start only once a listener forwards to the group', async () => {
    const { targetGroupArn } = await setupGroup(h, { name: 'hc-unused', listener: false });
    // A twin group with a listener, same interval, its target registered just after: its checks
    // are the clock. Once the emulator has checked it twice (registration, then one interval), the
    // unused group's target, registered first, would have been checked too if it were checked at all.
    const twin = await setupGroup(h, { name: 'hc-twin' });
    const t = await target('127.0.0.17');
    const clock = await target('127.0.0.20');
    await h.client.send(
      new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: t.ip, Port: t.port }] }),
    );
    await h.client.send(
      new RegisterTargetsCommand({
        TargetGroupArn: twin.targetGroupArn,
        Targets: [{ Id: clock.ip, Port: clock.port }],
      }),
    );
    await waitFor('two health checks of the twin group', () => (clock.healthChecks >= 2 ? true : undefined));
    expect(t.healthChecks).toBe(0);
    expect(h.elbv2.targets.health(targetGroupArn, { id: t.ip, port: t.port })).toMatchObject({
      state: 'unused',
      reason: 'Target.NotInUse',
    });

    // Then a listener forwards to it: checks start and the target becomes healthy.
    const lb = await h.client.send(
      new CreateLoadBalancerCommand({ Name: 'hc-unused-alb', Subnets: SUBNETS }),
    );
    await h.client.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn ?? '',
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    );
    await reached(t.ip, 'healthy');
    expect(t.healthChecks).toBeGreaterThanOrEqual(1);
  });

  it('deregistering drains for deregistration_delay, without checks, then the target is gone', async () => {
    const delaySeconds = 6; // 300 ms real
    const { targetGroupArn } = await setupGroup(h, {
      name: 'hc-drain',
      deregistrationDelaySeconds: delaySeconds,
    });
    const t = await target('127.0.0.18');
    const ref = { Id: t.ip, Port: t.port };
    await h.client.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [ref] }));
    await reached(t.ip, 'healthy');

    await h.client.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [ref] }));
    const draining = await reached(t.ip, 'draining');
    expect(draining.view).toEqual({
      state: 'draining',
      reason: 'Target.DeregistrationInProgress',
      description: 'Target deregistration is in progress',
    });
    const during = await h.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    expect(during.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual(['draining']);
    const checksAtDrain = t.healthChecks;

    const gone = await reached(t.ip, 'unused');
    expect(gone.view).toMatchObject({ state: 'unused', reason: 'Target.NotRegistered' });
    // Never before the delay (timers do not fire early; 5 ms for clock granularity).
    expect(gone.at - draining.at).toBeGreaterThanOrEqual(h.clock.ms(delaySeconds) - 5);
    expect(t.healthChecks).toBe(checksAtDrain);
    const after = await h.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    expect(after.TargetHealthDescriptions).toEqual([]);
    const asked = await h.client.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn, Targets: [ref] }),
    );
    expect(asked.TargetHealthDescriptions?.[0]?.TargetHealth).toMatchObject({
      State: 'unused',
      Reason: 'Target.NotRegistered',
    });
  });

  it('registering a draining target again puts it back through initial checks', async () => {
    const { targetGroupArn } = await setupGroup(h, { name: 'hc-rereg', deregistrationDelaySeconds: 60 });
    const t = await target('127.0.0.19');
    const ref = { Id: t.ip, Port: t.port };
    await h.client.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [ref] }));
    await reached(t.ip, 'healthy');
    await h.client.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [ref] }));
    await reached(t.ip, 'draining');
    await h.client.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [ref] }));
    await waitFor('healthy again', () =>
      states(t.ip).filter((s) => s === 'healthy:').length === 2 ? true : undefined,
    );
    expect(states(t.ip)).toEqual([
      'initial:Elb.RegistrationInProgress',
      'initial:Elb.InitialHealthChecking',
      'healthy:',
      'draining:Target.DeregistrationInProgress',
      'initial:Elb.RegistrationInProgress',
      'initial:Elb.InitialHealthChecking',
      'healthy:',
    ]);
  });
});
