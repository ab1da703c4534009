// Every ELBv2 operation the emulator serves, through the real ElasticLoadBalancingV2Client: the
// typed output it parses, and the typed exception it raises for each documented error.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  DuplicateListenerException,
  DuplicateLoadBalancerNameException,
  DuplicateTargetGroupNameException,
  ElasticLoadBalancingV2ServiceException,
  InvalidTargetException,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  TargetGroupAssociationLimitException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetGroupAttribute } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startHarness, SUBNETS, VPC } from './elbv2-harness.js';
import type { Harness } from './elbv2-harness.js';
import { expectWith } from '../helpers/expect-with.js';

const ARN_PREFIX = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:';

async function errorOf(promise: Promise<unknown>): Promise<ElasticLoadBalancingV2ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ElasticLoadBalancingV2ServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('ELBv2 API through the real SDK client', () => {
  let h: Harness;
  let lbArn: string;
  let tgArn: string;

  beforeAll(async () => {
    // Slow time: nothing here should reach a health check.
    h = await startHarness(1);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('CreateLoadBalancer answers an active application load balancer in AWS formats', async () => {
    const out = await h.client.send(
      new CreateLoadBalancerCommand({
        Name: 'api-alb',
        Subnets: SUBNETS,
        SecurityGroups: ['sg-0123456789abcdef0'],
        Scheme: 'internal',
      }),
    );
    const lb = out.LoadBalancers?.[0];
    expect(lb?.LoadBalancerArn).toMatch(new RegExp(`^${ARN_PREFIX}loadbalancer/app/api-alb/[0-9a-f]{16}$`));
    expect(lb).toMatchObject({
      LoadBalancerName: 'api-alb',
      Scheme: 'internal',
      Type: 'application',
      State: { Code: 'active' },
      IpAddressType: 'ipv4',
      SecurityGroups: ['sg-0123456789abcdef0'],
      AvailabilityZones: [
        { ZoneName: 'us-east-1a', SubnetId: SUBNETS[0] },
        { ZoneName: 'us-east-1b', SubnetId: SUBNETS[1] },
      ],
    });
    expect(lb?.CreatedTime).toBeInstanceOf(Date);
    expect(lb?.DNSName).toMatch(/^internal-api-alb-\d+\.us-east-1\.elb\.amazonaws\.com$/);
    lbArn = lb?.LoadBalancerArn ?? '';

    // Same name, same settings: the same load balancer again; different settings: an error.
    const again = await h.client.send(
      new CreateLoadBalancerCommand({
        Name: 'api-alb',
        Subnets: SUBNETS,
        SecurityGroups: ['sg-0123456789abcdef0'],
        Scheme: 'internal',
      }),
    );
    expect(again.LoadBalancers?.[0]?.LoadBalancerArn).toBe(lbArn);
    const duplicate = await errorOf(
      h.client.send(new CreateLoadBalancerCommand({ Name: 'api-alb', Subnets: SUBNETS })),
    );
    expect(duplicate).toBeInstanceOf(DuplicateLoadBalancerNameException);
    expect(duplicate.$metadata.httpStatusCode).toBe(400);
  });

  it('CreateLoadBalancer validates its name and subnets with ValidationError', async () => {
    const oneSubnet = await errorOf(
      h.client.send(new CreateLoadBalancerCommand({ Name: 'lonely', Subnets: [SUBNETS[0] ?? ''] })),
    );
    expect(oneSubnet.name).toBe('ValidationError');
    expect(oneSubnet.$fault).toBe('client');
    const badName = await errorOf(
      h.client.send(new CreateLoadBalancerCommand({ Name: 'bad_name', Subnets: SUBNETS })),
    );
    expect(badName.name).toBe('ValidationError');
    expect(badName.message).toContain('bad_name');
  });

  it('DescribeLoadBalancers by name, by ARN and all; unknown ones are LoadBalancerNotFound', async () => {
    const byName = await h.client.send(new DescribeLoadBalancersCommand({ Names: ['api-alb'] }));
    expect(byName.LoadBalancers?.map((l) => l.LoadBalancerArn)).toEqual([lbArn]);
    const byArn = await h.client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }));
    expect(byArn.LoadBalancers?.[0]?.LoadBalancerName).toBe('api-alb');
    const all = await h.client.send(new DescribeLoadBalancersCommand({}));
    expect(all.LoadBalancers?.length).toBe(1);
    const missing = await errorOf(
      h.client.send(new DescribeLoadBalancersCommand({ Names: ['api-alb', 'nope'] })),
    );
    expect(missing).toBeInstanceOf(LoadBalancerNotFoundException);
    expect(missing.$metadata.httpStatusCode).toBe(400);
  });

  it('CreateTargetGroup fills in the documented defaults and is idempotent', async () => {
    const out = await h.client.send(
      new CreateTargetGroupCommand({
        Name: 'api-tg',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: VPC,
        TargetType: 'ip',
      }),
    );
    const tg = out.TargetGroups?.[0];
    expect(tg?.TargetGroupArn).toMatch(new RegExp(`^${ARN_PREFIX}targetgroup/api-tg/[0-9a-f]{16}$`));
    expect(tg).toMatchObject({
      TargetGroupName: 'api-tg',
      Protocol: 'HTTP',
      Port: 8080,
      VpcId: VPC,
      TargetType: 'ip',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: 'traffic-port',
      HealthCheckEnabled: true,
      HealthCheckPath: '/',
      HealthCheckIntervalSeconds: 30,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 5,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
      LoadBalancerArns: [],
      ProtocolVersion: 'HTTP1',
      IpAddressType: 'ipv4',
    });
    tgArn = tg?.TargetGroupArn ?? '';
    const again = await h.client.send(
      new CreateTargetGroupCommand({
        Name: 'api-tg',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: VPC,
        TargetType: 'ip',
      }),
    );
    expect(again.TargetGroups?.[0]?.TargetGroupArn).toBe(tgArn);
    const duplicate = await errorOf(
      h.client.send(
        new CreateTargetGroupCommand({
          Name: 'api-tg',
          Protocol: 'HTTP',
          Port: 9090,
          VpcId: VPC,
          TargetType: 'ip',
        }),
      ),
    );
    expect(duplicate).toBeInstanceOf(DuplicateTargetGroupNameException);
  });

  it('CreateTargetGroup rejects out-of-range health-check settings with ValidationError', async () => {
    const base = { Protocol: 'HTTP' as const, Port: 80, VpcId: VPC, TargetType: 'ip' as const };
    const cases = [
      { Name: 'v1', HealthCheckIntervalSeconds: 4 },
      { Name: 'v2', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 5 },
      { Name: 'v3', HealthyThresholdCount: 11 },
      { Name: 'v4', Matcher: { HttpCode: '600' } },
      { Name: 'v5', HealthCheckEnabled: false },
    ];
    for (const extra of cases) {
      const error = await errorOf(h.client.send(new CreateTargetGroupCommand({ ...base, ...extra })));
      expectWith(error.name, extra.Name).toBe('ValidationError');
    }
    const noPort = await errorOf(
      h.client.send(new CreateTargetGroupCommand({ Name: 'v6', Protocol: 'HTTP', VpcId: VPC })),
    );
    expect(noPort.name).toBe('ValidationError');
  });

  it('DescribeTargetGroups by ARN, by name, by load balancer; unknown ones are TargetGroupNotFound', async () => {
    const byArn = await h.client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }));
    expect(byArn.TargetGroups?.map((g) => g.TargetGroupName)).toEqual(['api-tg']);
    const byName = await h.client.send(new DescribeTargetGroupsCommand({ Names: ['api-tg'] }));
    expect(byName.TargetGroups?.[0]?.TargetGroupArn).toBe(tgArn);
    const byLb = await h.client.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }));
    expect(byLb.TargetGroups).toEqual([]); // no listener forwards to it yet
    const missing = await errorOf(
      h.client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [`${tgArn}0`] })),
    );
    expect(missing).toBeInstanceOf(TargetGroupNotFoundException);
    expect(missing.message).toBe('One or more target groups not found');
    const missingLb = await errorOf(
      h.client.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: `${lbArn}0` })),
    );
    expect(missingLb).toBeInstanceOf(LoadBalancerNotFoundException);
  });

  it('DescribeTargetGroups pages with PageSize and NextMarker', async () => {
    for (const name of ['page-a', 'page-b']) {
      await h.client.send(
        new CreateTargetGroupCommand({
          Name: name,
          Protocol: 'HTTP',
          Port: 80,
          VpcId: VPC,
          TargetType: 'ip',
        }),
      );
    }
    const first = await h.client.send(new DescribeTargetGroupsCommand({ PageSize: 2 }));
    expect(first.TargetGroups?.length).toBe(2);
    expect(typeof first.NextMarker).toBe('string');
    const second = await h.client.send(
      new DescribeTargetGroupsCommand({ PageSize: 2, Marker: first.NextMarker }),
    );
    expect(second.NextMarker).toBeUndefined();
    const names = [...(first.TargetGroups ?? []), ...(second.TargetGroups ?? [])]
      .map((g) => g.TargetGroupName)
      .sort();
    expect(names).toEqual(['api-tg', 'page-a', 'page-b']);
  });

  it('target group attributes: AWS defaults, modification, unknown keys and bad values', async () => {
    const before = await h.client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }));
    const asMap = (attrs: TargetGroupAttribute[] | undefined): Map<string | undefined, string | undefined> =>
      new Map((attrs ?? []).map((a) => [a.Key, a.Value]));
    expect(asMap(before.Attributes).get('deregistration_delay.timeout_seconds')).toBe('300');
    expect(asMap(before.Attributes).get('stickiness.enabled')).toBe('false');
    expect(asMap(before.Attributes).get('load_balancing.algorithm.type')).toBe('round_robin');

    const after = await h.client.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tgArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
      }),
    );
    expect(asMap(after.Attributes).get('deregistration_delay.timeout_seconds')).toBe('30');
    expect(
      asMap(
        (await h.client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }))).Attributes,
      ).get('deregistration_delay.timeout_seconds'),
    ).toBe('30');
    expect(h.elbv2.targets.targetGroup(tgArn)?.deregistrationDelaySeconds).toBe(30);

    const unknown = await errorOf(
      h.client.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: tgArn,
          Attributes: [{ Key: 'no.such.key', Value: '1' }],
        }),
      ),
    );
    expect(unknown.name).toBe('ValidationError');
    // All or nothing: a bad value anywhere changes nothing.
    const bad = await errorOf(
      h.client.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: tgArn,
          Attributes: [
            { Key: 'stickiness.enabled', Value: 'true' },
            { Key: 'deregistration_delay.timeout_seconds', Value: '4000' },
          ],
        }),
      ),
    );
    expect(bad.name).toBe('ValidationError');
    expect(
      asMap(
        (await h.client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }))).Attributes,
      ).get('stickiness.enabled'),
    ).toBe('false');
    const missing = await errorOf(
      h.client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: `${tgArn}0` })),
    );
    expect(missing).toBeInstanceOf(TargetGroupNotFoundException);
  });

  it('CreateListener forwards to the group, starts a local proxy and links the group to the load balancer', async () => {
    const out = await h.client.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
      }),
    );
    const listener = out.Listeners?.[0];
    expect(listener?.ListenerArn).toMatch(
      new RegExp(`^${ARN_PREFIX}listener/app/api-alb/[0-9a-f]{16}/[0-9a-f]{16}$`),
    );
    expect(listener).toMatchObject({
      LoadBalancerArn: lbArn,
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        {
          Type: 'forward',
          TargetGroupArn: tgArn,
          ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgArn, Weight: 1 }] },
        },
      ],
    });
    const local = h.elbv2.listeners().find((l) => l.listenerArn === listener?.ListenerArn);
    expect(local).toMatchObject({ loadBalancerArn: lbArn, loadBalancerName: 'api-alb', port: 80 });
    expect(local?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // No target registered: the listener answers 503 as an ALB does.
    const response = await fetch(local?.url ?? '', { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(503);
    await response.text();

    const groups = await h.client.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }));
    expect(groups.TargetGroups?.map((g) => g.TargetGroupArn)).toEqual([tgArn]);
    expect(groups.TargetGroups?.[0]?.LoadBalancerArns).toEqual([lbArn]);
  });

  it('CreateListener errors: unknown load balancer or group, port taken, group of another load balancer', async () => {
    const action = [{ Type: 'forward' as const, TargetGroupArn: tgArn }];
    expect(
      await errorOf(
        h.client.send(
          new CreateListenerCommand({
            LoadBalancerArn: `${lbArn}0`,
            Protocol: 'HTTP',
            Port: 81,
            DefaultActions: action,
          }),
        ),
      ),
    ).toBeInstanceOf(LoadBalancerNotFoundException);
    expect(
      await errorOf(
        h.client.send(
          new CreateListenerCommand({
            LoadBalancerArn: lbArn,
            Protocol: 'HTTP',
            Port: 81,
            DefaultActions: [{ Type: 'forward', TargetGroupArn: `${tgArn}0` }],
          }),
        ),
      ),
    ).toBeInstanceOf(TargetGroupNotFoundException);
    const other =
      (await h.client.send(new DescribeTargetGroupsCommand({ Names: ['page-a'] }))).TargetGroups?.[0]
        ?.TargetGroupArn ?? '';
    expect(
      await errorOf(
        h.client.send(
          new CreateListenerCommand({
            LoadBalancerArn: lbArn,
            Protocol: 'HTTP',
            Port: 80,
            DefaultActions: [{ Type: 'forward', TargetGroupArn: other }],
          }),
        ),
      ),
    ).toBeInstanceOf(DuplicateListenerException);
    const lb2 =
      (await h.client.send(new CreateLoadBalancerCommand({ Name: 'api-alb-2', Subnets: SUBNETS })))
        .LoadBalancers?.[0]?.LoadBalancerArn ?? '';
    expect(
      await errorOf(
        h.client.send(
          new CreateListenerCommand({
            LoadBalancerArn: lb2,
            Protocol: 'HTTP',
            Port: 80,
            DefaultActions: action,
          }),
        ),
      ),
    ).toBeInstanceOf(TargetGroupAssociationLimitException);
  });

  it('DescribeListeners by load balancer and by ARN; unknown ones are ListenerNotFound', async () => {
    const byLb = await h.client.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    expect(byLb.Listeners?.length).toBe(1);
    const arn = byLb.Listeners?.[0]?.ListenerArn ?? '';
    const byArn = await h.client.send(new DescribeListenersCommand({ ListenerArns: [arn] }));
    expect(byArn.Listeners?.[0]).toMatchObject({
      ListenerArn: arn,
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
    });
    expect(
      await errorOf(h.client.send(new DescribeListenersCommand({ ListenerArns: [`${arn}0`] }))),
    ).toBeInstanceOf(ListenerNotFoundException);
    expect((await errorOf(h.client.send(new DescribeListenersCommand({})))).name).toBe('ValidationError');
  });

  it('RegisterTargets, DescribeTargetHealth and DeregisterTargets shapes', async () => {
    await h.client.send(
      new RegisterTargetsCommand({
        TargetGroupArn: tgArn,
        Targets: [{ Id: '127.0.9.1', Port: 8080 }, { Id: '127.0.9.2' }],
      }),
    );
    const all = await h.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    expect(all.TargetHealthDescriptions).toEqual([
      {
        Target: { Id: '127.0.9.1', Port: 8080, AvailabilityZone: 'us-east-1a' },
        HealthCheckPort: '8080',
        TargetHealth: {
          State: 'initial',
          Reason: 'Elb.RegistrationInProgress',
          Description: 'Target registration is in progress',
        },
      },
      {
        Target: { Id: '127.0.9.2', Port: 8080, AvailabilityZone: 'us-east-1a' },
        HealthCheckPort: '8080',
        TargetHealth: {
          State: 'initial',
          Reason: 'Elb.RegistrationInProgress',
          Description: 'Target registration is in progress',
        },
      },
    ]);
    const asked = await h.client.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: tgArn,
        Targets: [
          { Id: '127.0.9.2', Port: 8080 },
          { Id: '127.0.9.3', Port: 8080 },
        ],
      }),
    );
    expect(
      asked.TargetHealthDescriptions?.map((d) => [
        d.Target?.Id,
        d.TargetHealth?.State,
        d.TargetHealth?.Reason,
      ]),
    ).toEqual([
      ['127.0.9.2', 'initial', 'Elb.RegistrationInProgress'],
      ['127.0.9.3', 'unused', 'Target.NotRegistered'],
    ]);

    await h.client.send(
      new DeregisterTargetsCommand({
        TargetGroupArn: tgArn,
        Targets: [{ Id: '127.0.9.1', Port: 8080 }, { Id: '127.0.9.99' }],
      }),
    );
    const after = await h.client.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '127.0.9.1', Port: 8080 }] }),
    );
    expect(after.TargetHealthDescriptions?.[0]?.TargetHealth).toEqual({
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    });
  });

  it('a group no listener uses reports its targets unused / Target.NotInUse', async () => {
    const arn =
      (await h.client.send(new DescribeTargetGroupsCommand({ Names: ['page-b'] }))).TargetGroups?.[0]
        ?.TargetGroupArn ?? '';
    await h.client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '127.0.9.5' }] }));
    const out = await h.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(out.TargetHealthDescriptions?.[0]?.TargetHealth).toMatchObject({
      State: 'unused',
      Reason: 'Target.NotInUse',
    });
  });

  it('target operations: InvalidTarget, TargetGroupNotFound and ValidationError', async () => {
    const invalid = await errorOf(
      h.client.send(
        new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: 'i-0123456789abcdef0' }] }),
      ),
    );
    expect(invalid).toBeInstanceOf(InvalidTargetException);
    expect(invalid.message).toContain('i-0123456789abcdef0');
    for (const command of [
      new RegisterTargetsCommand({ TargetGroupArn: `${tgArn}0`, Targets: [{ Id: '127.0.9.1' }] }),
      new DeregisterTargetsCommand({ TargetGroupArn: `${tgArn}0`, Targets: [{ Id: '127.0.9.1' }] }),
      new DescribeTargetHealthCommand({ TargetGroupArn: `${tgArn}0` }),
    ]) {
      expect(await errorOf(h.client.send(command as RegisterTargetsCommand))).toBeInstanceOf(
        TargetGroupNotFoundException,
      );
    }
    const badPort = await errorOf(
      h.client.send(
        new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '127.0.9.1', Port: 70000 }] }),
      ),
    );
    expect(badPort.name).toBe('ValidationError');
    const noTargets = await errorOf(
      h.client.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [] })),
    );
    expect(noTargets.name).toBe('ValidationError');
  });

  it('answers the error shape AWS does: XML ErrorResponse with Type, Code, Message and RequestId', async () => {
    const body = new URLSearchParams({
      Action: 'DescribeTargetGroups',
      Version: '2015-12-01',
      'Names.member.1': 'nope',
    });
    const response = await fetch(h.endpoint, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(400);
    const xml = await response.text();
    expect(xml).toMatch(
      /^<ErrorResponse xmlns="http:\/\/elasticloadbalancing\.amazonaws\.com\/doc\/2015-12-01\/"><Error><Type>Sender<\/Type><Code>TargetGroupNotFound<\/Code><Message>One or more target groups not found<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
  });
});
