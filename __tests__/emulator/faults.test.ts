import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { ECSClient, DescribeClustersCommand, ServerException } from '@aws-sdk/client-ecs';
import {
  ElasticLoadBalancingV2Client,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createFaultInjector } from '../../emulator/src/faults.js';
import type { FaultInjector } from '../../emulator/src/faults.js';
import { startServer } from '../../emulator/src/server.js';
import type { RunningServer } from '../../emulator/src/server.js';
import { createCallLog } from '../../emulator/src/call-log.js';
import { fakeEcs, fakeElbv2, dummyCredentials } from './server-fake-protocols.js';

describe('fault rules', () => {
  it('fire at their rate, only for their operation and service, and are spent after `times`', () => {
    const draws = [0.1, 0.9, 0.1];
    const faults = createFaultInjector([], () => draws.shift() ?? 0);
    faults.add({
      operation: 'ListTasks',
      service: 'ecs',
      rate: 0.5,
      error: { code: 'ServerException', httpStatus: 500 },
    });
    expect(faults.decide('ecs', 'ListTasks').error?.code).toBe('ServerException');
    expect(faults.decide('ecs', 'ListTasks').error).toBeUndefined();
    expect(faults.decide('elbv2', 'ListTasks').error).toBeUndefined();
    expect(faults.decide('ecs', 'DescribeTasks').error).toBeUndefined();

    const once = createFaultInjector([{ operation: '*', drop: true, times: 1 }]);
    expect(once.decide('elbv2', 'DescribeTargetHealth').drop).toBe(true);
    expect(once.decide('elbv2', 'DescribeTargetHealth').drop).toBe(false);
    expect(once.rules()).toEqual([]);
  });

  it('rejects rules that are malformed or do nothing', () => {
    const faults = createFaultInjector();
    expect(() => faults.add({ operation: 'ListTasks' })).toThrow(/does nothing/);
    expect(() => faults.add({ operation: 'ListTasks', rate: 2, drop: true })).toThrow(/0\.\.1/);
  });
});

describe('faults through the server', () => {
  const faults: FaultInjector = createFaultInjector();
  const callLog = createCallLog();
  let server: RunningServer;
  let ecs: ECSClient;
  let elbv2: ElasticLoadBalancingV2Client;

  beforeAll(async () => {
    server = await startServer({
      region: 'us-east-1',
      protocols: [fakeEcs(), fakeElbv2()],
      faults,
      calls: callLog,
    });
    const config = {
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: dummyCredentials,
      maxAttempts: 1,
    };
    ecs = new ECSClient(config);
    elbv2 = new ElasticLoadBalancingV2Client(config);
  });
  afterAll(async () => {
    ecs.destroy();
    elbv2.destroy();
    await server.close();
  });
  beforeEach(() => {
    faults.clear();
    callLog.clear();
  });

  it('answers the chosen AWS error at rate 1, as the typed SDK exception', async () => {
    faults.add({
      operation: 'DescribeClusters',
      error: { code: 'ServerException', message: 'injected', httpStatus: 500 },
    });
    const error = await ecs.send(new DescribeClustersCommand({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerException);
    expect((error as ServerException).$metadata.httpStatusCode).toBe(500);
    faults.add({
      operation: 'DescribeTargetGroups',
      error: { code: 'ValidationError', message: 'injected' },
    });
    const elbError = (await elbv2.send(new DescribeTargetGroupsCommand({})).catch((e: unknown) => e)) as {
      name: string;
    };
    expect(elbError.name).toBe('ValidationError');
    expect(callLog.all().map((c) => [c.operation, c.status, c.errorCode])).toEqual([
      ['DescribeClusters', 500, 'ServerException'],
      ['DescribeTargetGroups', 400, 'ValidationError'],
    ]);
  });

  it('adds latency before answering', async () => {
    faults.add({ operation: 'DescribeClusters', latencyMs: 300 });
    const started = performance.now();
    const answer = await ecs.send(new DescribeClustersCommand({ clusters: ['a'] }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(answer.clusters?.[0]?.clusterName).toBe('a');
  });

  it('drops the connection, which the SDK sees as a network error, not an AWS answer', async () => {
    faults.add({ operation: 'DescribeClusters', drop: true, times: 1 });
    const error = (await ecs.send(new DescribeClustersCommand({})).catch((e: unknown) => e)) as Error & {
      $metadata?: { httpStatusCode?: number };
      code?: string;
    };
    expect(error).toBeInstanceOf(Error);
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(`${error.name} ${error.code ?? ''} ${error.message}`).toMatch(
      /ECONNRESET|socket hang up|TimeoutError|closed/i,
    );
    expect(callLog.all()[0]).toMatchObject({
      operation: 'DescribeClusters',
      status: 0,
      errorCode: 'ConnectionDropped',
    });
    // The rule is spent: the next call is answered.
    await expect(ecs.send(new DescribeClustersCommand({}))).resolves.toBeDefined();
  });
});
