// ELBv2 traffic for aws-model.test.ts: every ELBv2 operation the emulator serves, through the real
// ElasticLoadBalancingV2Client, DescribeTargetHealth in every state the emulator reports (initial,
// healthy, unhealthy, draining, unused, with each reason code), paging, and the documented errors.
// What is checked is the wire, afterwards.
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  CreateTargetGroupCommandInput,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommandInput,
  TargetDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Emulator } from '../../emulator/src/index.js';
import { startTarget, waitFor } from './elbv2-harness.js';
import type { FakeTarget } from './elbv2-harness.js';

const VPC = 'vpc-0e0e0e0e0e0e0e0e0';
const SUBNETS = ['subnet-0a0a0a0a0a0a0a0a1', 'subnet-0a0a0a0a0a0a0a0a2'];
/** This file's own addresses for hand-made targets (emulators' tasks start at 127.0.1.1). */
const TARGET_IPS = ['127.0.77.1', '127.0.77.2', '127.0.77.3', '127.0.77.4'] as const;

/** The one request this traffic sends against the model on purpose (RegisterTargets without Targets). */
export const MALFORMED_REQUEST = { operation: 'RegisterTargets', path: '$.Targets' } as const;

/** `state:reason` pairs DescribeTargetHealth must have answered by the end. */
export const TARGET_STATES = [
  'initial:Elb.RegistrationInProgress',
  'initial:Elb.InitialHealthChecking',
  'healthy:',
  'unhealthy:Target.ResponseCodeMismatch',
  'unhealthy:Target.Timeout',
  'unhealthy:Target.FailedHealthChecks',
  'draining:Target.DeregistrationInProgress',
  'unused:Target.NotRegistered',
  'unused:Target.NotInUse',
] as const;

export async function driveElbv2(
  emulator: Emulator,
  elbv2: ElasticLoadBalancingV2Client,
): Promise<{ statesSeen: Set<string> }> {
  const attempt = async (send: () => Promise<unknown>): Promise<void> => {
    await send().catch(() => undefined);
  };
  const statesSeen = new Set<string>();
  const describeHealth = async (arn: string, targets?: TargetDescription[]): Promise<Map<string, string>> => {
    const out = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: targets }));
    const states = new Map<string, string>();
    for (const d of out.TargetHealthDescriptions ?? []) {
      const state = `${d.TargetHealth?.State ?? ''}:${d.TargetHealth?.Reason ?? ''}`;
      statesSeen.add(state);
      states.set(d.Target?.Id ?? '', state);
    }
    return states;
  };

  // Load balancers.
  const lb = await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: 'model-alb',
      Subnets: SUBNETS,
      SecurityGroups: ['sg-0b0b0b0b0b0b0b0b1'],
      Scheme: 'internet-facing',
      Type: 'application',
      IpAddressType: 'ipv4',
      Tags: [{ Key: 'env', Value: 'test' }],
    }),
  );
  const lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const other = await elbv2.send(
    new CreateLoadBalancerCommand({ Name: 'model-alb-2', Subnets: SUBNETS, Scheme: 'internal' }),
  );
  const otherArn = other.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const lbs = await elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 1 }));
  await elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 1, Marker: lbs.NextMarker }));
  await elbv2.send(new DescribeLoadBalancersCommand({ Names: ['model-alb'] }));
  await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn, otherArn] }));
  await attempt(() => elbv2.send(new DescribeLoadBalancersCommand({ Names: ['model-missing'] })));
  await attempt(() =>
    elbv2.send(new CreateLoadBalancerCommand({ Name: 'model-alb', Subnets: SUBNETS, Scheme: 'internal' })),
  );

  // Target groups: one checked (a listener forwards to it), one nobody uses.
  const group = (
    name: string,
    extra: Partial<CreateTargetGroupCommandInput> = {},
  ): CreateTargetGroupCommandInput => ({
    Name: name,
    Protocol: 'HTTP',
    ProtocolVersion: 'HTTP1',
    Port: 8080,
    VpcId: VPC,
    TargetType: 'ip',
    IpAddressType: 'ipv4',
    HealthCheckProtocol: 'HTTP',
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    HealthCheckPath: '/health',
    // 2.5 s between checks, 1 s timeout at the test's time scale (0.25): a target that never answers
    // stays `initial` / Elb.InitialHealthChecking for seconds before its second failure.
    HealthCheckIntervalSeconds: 10,
    HealthCheckTimeoutSeconds: 4,
    HealthyThresholdCount: 2,
    UnhealthyThresholdCount: 2,
    Matcher: { HttpCode: '200-299' },
    ...extra,
  });
  const checked = await elbv2.send(new CreateTargetGroupCommand(group('model-checked')));
  const checkedArn = checked.TargetGroups?.[0]?.TargetGroupArn ?? '';
  const unused = await elbv2.send(new CreateTargetGroupCommand(group('model-unused')));
  const unusedArn = unused.TargetGroups?.[0]?.TargetGroupArn ?? '';
  const weighted = await elbv2.send(new CreateTargetGroupCommand(group('model-weighted')));
  const weightedArn = weighted.TargetGroups?.[0]?.TargetGroupArn ?? '';
  await attempt(() => elbv2.send(new CreateTargetGroupCommand(group('model-checked', { Port: 9090 }))));
  await attempt(() =>
    elbv2.send(
      new CreateTargetGroupCommand(
        group('model-bad', { HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 10 }),
      ),
    ),
  );
  const groups = await elbv2.send(new DescribeTargetGroupsCommand({ PageSize: 2 }));
  await elbv2.send(new DescribeTargetGroupsCommand({ PageSize: 2, Marker: groups.NextMarker }));
  await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['model-checked', 'model-unused'] }));
  await attempt(() => elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [`${checkedArn}0`] })));
  await attempt(() => elbv2.send(new DescribeTargetGroupsCommand({ Marker: 'not-a-marker' })));
  await elbv2.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: checkedArn,
      Attributes: [
        { Key: 'deregistration_delay.timeout_seconds', Value: '60' },
        { Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' },
      ],
    }),
  );
  await elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: checkedArn }));
  await attempt(() =>
    elbv2.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: checkedArn,
        Attributes: [{ Key: 'no.such', Value: '1' }],
      }),
    ),
  );

  // Listeners: by TargetGroupArn and by a weighted ForwardConfig; the errors.
  const listener = await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: checkedArn }],
    }),
  );
  const listenerArn = listener.Listeners?.[0]?.ListenerArn ?? '';
  await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Protocol: 'HTTP',
      Port: 81,
      DefaultActions: [
        { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: weightedArn, Weight: 3 }] } },
      ],
    }),
  );
  await elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }));
  const listeners = await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn, PageSize: 1 }));
  await elbv2.send(
    new DescribeListenersCommand({ LoadBalancerArn: lbArn, PageSize: 1, Marker: listeners.NextMarker }),
  );
  await elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
  await attempt(() => elbv2.send(new DescribeListenersCommand({ ListenerArns: [`${listenerArn}0`] })));
  await attempt(() =>
    elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: weightedArn }],
      }),
    ),
  );
  await attempt(() =>
    elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: otherArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: checkedArn }],
      }),
    ),
  );
  await attempt(() =>
    elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: `${lbArn}0`,
        Protocol: 'HTTP',
        Port: 82,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: checkedArn }],
      }),
    ),
  );

  // Targets in every state: answers 200, answers 500, never answers, refuses connections.
  const targets: FakeTarget[] = [];
  try {
    const [ok, failing, hanging, closed] = await Promise.all([
      startTarget(TARGET_IPS[0], 'ok'),
      startTarget(TARGET_IPS[1], 'fail'),
      startTarget(TARGET_IPS[2], 'hang'),
      startTarget(TARGET_IPS[3], 'ok'),
    ]);
    targets.push(ok, failing, hanging, closed);
    await closed.close(); // its port now refuses connections
    const refs = targets.map((t) => ({ Id: t.ip, Port: t.port }));
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: checkedArn, Targets: refs }));
    await describeHealth(checkedArn);
    const expected = new Map([
      [ok.ip, 'healthy:'],
      [failing.ip, 'unhealthy:Target.ResponseCodeMismatch'],
      [hanging.ip, 'unhealthy:Target.Timeout'],
      [closed.ip, 'unhealthy:Target.FailedHealthChecks'],
    ]);
    await waitFor(
      'every target to reach its verdict',
      async () => {
        const states = await describeHealth(checkedArn);
        return [...expected].every(([ip, state]) => states.get(ip) === state) ? true : undefined;
      },
      30_000,
    );
    await elbv2.send(
      new DeregisterTargetsCommand({ TargetGroupArn: checkedArn, Targets: [refs[0] as TargetDescription] }),
    );
    await describeHealth(checkedArn);
    await describeHealth(checkedArn, [{ Id: '127.0.77.99', Port: 8080 }, { Id: failing.ip }]);
  } finally {
    await Promise.all(targets.map((t) => t.close()));
  }
  await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: unusedArn, Targets: [{ Id: '10.2.0.1' }] }));
  await describeHealth(unusedArn);
  await attempt(() =>
    elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: unusedArn, Targets: [{ Id: 'i-not-an-ip' }] })),
  );
  await attempt(() => elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: `${unusedArn}0` })));
  const thousand = Array.from({ length: 1000 }, (_, n) => ({
    Id: `10.3.${Math.floor(n / 250)}.${(n % 250) + 1}`,
  }));
  await attempt(() =>
    elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: unusedArn, Targets: thousand })),
  );
  // Against the model on purpose: Targets is required. The emulator answers ValidationError.
  await attempt(() =>
    elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: unusedArn } as RegisterTargetsCommandInput)),
  );

  // Deleting groups.
  await attempt(() => elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: checkedArn })));
  await elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: unusedArn }));

  // Throttled: one token, no refill to speak of.
  emulator.setThrottling({ 'elbv2:Describe*': { burst: 1, perSecond: 0.001 } });
  await attempt(() => elbv2.send(new DescribeLoadBalancersCommand({})));
  await attempt(() => elbv2.send(new DescribeLoadBalancersCommand({})));
  emulator.setThrottling(false);
  return { statesSeen };
}
