import { describe, it, expect, afterEach } from '@jest/globals';
import { ECSClient, DescribeClustersCommand } from '@aws-sdk/client-ecs';
import {
  ElasticLoadBalancingV2Client,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createThrottler, AWS_THROTTLE_DEFAULTS } from '../../emulator/src/throttle.js';
import { startServer } from '../../emulator/src/server.js';
import type { RunningServer } from '../../emulator/src/server.js';
import { createCallLog } from '../../emulator/src/call-log.js';
import { fakeEcs, fakeElbv2, dummyCredentials } from './server-fake-protocols.js';

describe('token buckets', () => {
  it('allows a burst, refuses the next request, and refills at the sustained rate', () => {
    let now = 0;
    const throttler = createThrottler({ 'ecs:DescribeServices': { burst: 3, perSecond: 2 } }, () => now);
    const take = (): boolean => throttler.take('ecs', 'DescribeServices', 'us-east-1');
    expect([take(), take(), take(), take()]).toEqual([true, true, true, false]);
    now += 400; // 0.8 token: still short of one
    expect(take()).toBe(false);
    now += 100; // 1 token
    expect(take()).toBe(true);
    expect(take()).toBe(false);
    now += 60_000; // refill stops at the burst size
    expect([take(), take(), take(), take()]).toEqual([true, true, true, false]);
  });

  it('leaves unnamed operations alone and keeps a bucket per region', () => {
    const throttler = createThrottler({ 'ecs:DescribeServices': { burst: 1, perSecond: 0 } }, () => 0);
    expect(throttler.take('ecs', 'DescribeServices', 'us-east-1')).toBe(true);
    expect(throttler.take('ecs', 'DescribeServices', 'us-east-1')).toBe(false);
    expect(throttler.take('ecs', 'DescribeServices', 'eu-west-1')).toBe(true);
    expect(throttler.take('ecs', 'UpdateService', 'us-east-1')).toBe(true);
    expect(throttler.take('elbv2', 'DescribeServices', 'us-east-1')).toBe(true);
  });

  it('shares one bucket across a `Describe*` family, with an exact key taking precedence', () => {
    const throttler = createThrottler(
      {
        'elbv2:Describe*': { burst: 2, perSecond: 0 },
        'elbv2:DescribeTargetHealth': { burst: 5, perSecond: 0 },
      },
      () => 0,
    );
    expect(throttler.take('elbv2', 'DescribeTargetGroups', 'r')).toBe(true);
    expect(throttler.take('elbv2', 'DescribeListeners', 'r')).toBe(true);
    expect(throttler.take('elbv2', 'DescribeLoadBalancers', 'r')).toBe(false);
    expect(throttler.take('elbv2', 'DescribeTargetHealth', 'r')).toBe(true);
    expect(throttler.take('elbv2', 'RegisterTargets', 'r')).toBe(true);
  });

  it('turns off when configured with nothing, and starts full after reconfiguring', () => {
    const throttler = createThrottler({ 'ecs:ListTasks': { burst: 1, perSecond: 0 } }, () => 0);
    throttler.take('ecs', 'ListTasks', 'r');
    expect(throttler.take('ecs', 'ListTasks', 'r')).toBe(false);
    throttler.configure(undefined);
    expect(Array.from({ length: 100 }, () => throttler.take('ecs', 'ListTasks', 'r')).every(Boolean)).toBe(
      true,
    );
    throttler.configure({ 'ecs:ListTasks': { burst: 1, perSecond: 0 } });
    expect(throttler.take('ecs', 'ListTasks', 'r')).toBe(true);
  });

  it('defaults to the published limits: RegisterTaskDefinition 20 then 1/s, ELBv2 Describe* 40 then 10/s', () => {
    let now = 0;
    const throttler = createThrottler(AWS_THROTTLE_DEFAULTS, () => now);
    const burst = (service: 'ecs' | 'elbv2', op: string): number => {
      let n = 0;
      while (throttler.take(service, op, 'r') && n < 1000) n++;
      return n;
    };
    expect(burst('ecs', 'RegisterTaskDefinition')).toBe(20);
    expect(burst('elbv2', 'DescribeTargetHealth')).toBe(40);
    expect(burst('ecs', 'DescribeServices')).toBe(50);
    now += 1000;
    expect(burst('ecs', 'RegisterTaskDefinition')).toBe(1);
    expect(burst('elbv2', 'DescribeTargetGroups')).toBe(10);
    expect(burst('ecs', 'DescribeServices')).toBe(20);
  });
});

describe('throttling through the server', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('answers ThrottlingException (ECS) and Throttling (ELBv2) once the burst is spent, and serves again after refill', async () => {
    const callLog = createCallLog();
    // The buckets' clock stands still until the test moves it: no refill can sneak in during a
    // burst, however slowly a loaded machine serves it, so the counts below are exact.
    let now = 0;
    server = await startServer({
      region: 'us-east-1',
      protocols: [fakeEcs(), fakeElbv2()],
      calls: callLog,
      throttler: createThrottler(
        {
          'ecs:DescribeClusters': { burst: 3, perSecond: 20 },
          'elbv2:Describe*': { burst: 2, perSecond: 20 },
        },
        () => now,
      ),
    });
    const config = {
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: dummyCredentials,
      maxAttempts: 1,
    };
    const ecs = new ECSClient(config);
    const elbv2 = new ElasticLoadBalancingV2Client(config);
    try {
      const ecsResults = await Promise.allSettled(
        Array.from({ length: 6 }, () => ecs.send(new DescribeClustersCommand({}))),
      );
      const ecsRejected = ecsResults.filter((r) => r.status === 'rejected');
      expect(ecsRejected).toHaveLength(3);
      expect(ecsResults.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      const ecsError = (ecsRejected[0] as PromiseRejectedResult).reason as {
        name: string;
        message: string;
        $metadata: { httpStatusCode?: number };
      };
      expect(ecsError.name).toBe('ThrottlingException');
      expect(ecsError.message).toBe('Rate exceeded');
      expect(ecsError.$metadata.httpStatusCode).toBe(400);

      const elbResults = await Promise.allSettled(
        Array.from({ length: 5 }, () => elbv2.send(new DescribeTargetGroupsCommand({}))),
      );
      expect(elbResults.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      const elbError = (elbResults.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined)
        ?.reason as { name: string; $metadata: { httpStatusCode?: number } } | undefined;
      expect(elbError?.name).toBe('Throttling');
      expect(elbError?.$metadata.httpStatusCode).toBe(400);

      expect(callLog.all().some((c) => c.errorCode === 'ThrottlingException' && c.status === 400)).toBe(true);

      now += 40; // 0.8 token at 20/s: still short of one
      await expect(ecs.send(new DescribeClustersCommand({}))).rejects.toThrow('Rate exceeded');
      now += 20; // 1.2 tokens
      await expect(ecs.send(new DescribeClustersCommand({}))).resolves.toBeDefined();
      await expect(elbv2.send(new DescribeTargetGroupsCommand({}))).resolves.toBeDefined();
    } finally {
      ecs.destroy();
      elbv2.destroy();
    }
  });
});
