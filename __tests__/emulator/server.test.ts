import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import {
  ECSClient,
  DescribeClustersCommand,
  CreateClusterCommand,
  ClusterNotFoundException,
} from '@aws-sdk/client-ecs';
import {
  ElasticLoadBalancingV2Client,
  DescribeTargetGroupsCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startServer, regionOf } from '../../emulator/src/server.js';
import type { RunningServer } from '../../emulator/src/server.js';
import { createCallLog } from '../../emulator/src/call-log.js';
import { fakeEcs, fakeElbv2, dummyCredentials } from './server-fake-protocols.js';
import type { FakeCall } from './server-fake-protocols.js';

describe('emulator server', () => {
  const calls: FakeCall[] = [];
  const callLog = createCallLog();
  let server: RunningServer;
  let ecs: ECSClient;
  let elbv2: ElasticLoadBalancingV2Client;

  beforeAll(async () => {
    server = await startServer({
      region: 'us-east-1',
      protocols: [fakeEcs(calls), fakeElbv2(calls)],
      calls: callLog,
      inspection: { listeners: () => [], state: () => ({ hello: 'state' }), calls: () => callLog.all() },
    });
    const config = {
      endpoint: server.endpoint,
      region: 'eu-west-1',
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
    calls.length = 0;
    callLog.clear();
  });

  it('listens on a free loopback port when asked for port 0', () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it('routes ECS JSON calls and ELBv2 Query calls on one port, with the region from the SigV4 scope', async () => {
    const clusters = await ecs.send(new DescribeClustersCommand({ clusters: ['a'] }));
    expect(clusters.clusters?.[0]?.clusterArn).toBe('arn:aws:ecs:eu-west-1:000000000000:cluster/a');
    const groups = await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web'] }));
    expect(groups.TargetGroups?.[0]?.TargetGroupArn).toMatch(
      /^arn:aws:elasticloadbalancing:eu-west-1:000000000000:targetgroup\/web\//,
    );
    expect(calls.map((c) => c.operation)).toEqual(['DescribeClusters', 'DescribeTargetGroups']);
    expect(calls.every((c) => c.ctx.accountId === '000000000000' && c.ctx.requestId.length > 0)).toBe(true);
  });

  it('falls back to the configured region when a request is not signed', async () => {
    const response = await fetch(server.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.DescribeClusters',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ clusters: ['b'] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      clusters: [{ clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/b' }],
    });
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('turns an AwsError into the typed exception the SDK raises against AWS, for both protocols', async () => {
    const ecsError = await ecs
      .send(new DescribeClustersCommand({ clusters: ['missing'] }))
      .catch((e: unknown) => e);
    expect(ecsError).toBeInstanceOf(ClusterNotFoundException);
    const elbError = await elbv2
      .send(new DescribeTargetGroupsCommand({ Names: ['missing'] }))
      .catch((e: unknown) => e);
    expect(elbError).toBeInstanceOf(TargetGroupNotFoundException);
    expect((elbError as TargetGroupNotFoundException).$metadata.httpStatusCode).toBe(400);
  });

  it('answers a handler bug with a 500 InternalFailure', async () => {
    const error = (await ecs
      .send(new DescribeClustersCommand({ clusters: ['boom'] }))
      .catch((e: unknown) => e)) as {
      name: string;
      $metadata: { httpStatusCode?: number };
    };
    expect(error.name).toBe('InternalFailure');
    expect(error.$metadata.httpStatusCode).toBe(500);
  });

  it('answers an unknown ECS target with UnknownOperationException', async () => {
    const response = await fetch(server.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.LaunchRockets',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });

  it('answers an unknown Query action with InvalidAction, and a missing one with MissingAction', async () => {
    const post = (body: string): Promise<Response> =>
      fetch(server.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const unknown = await post('Action=LaunchRockets&Version=2015-12-01');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toMatch(/<Code>InvalidAction<\/Code>/);
    const missing = await post('Version=2015-12-01');
    expect(missing.status).toBe(400);
    expect(await missing.text()).toMatch(/<Code>MissingAction<\/Code>/);
  });

  it('accepts Query parameters in a GET query string', async () => {
    const response = await fetch(
      `${server.endpoint}/?Action=DescribeTargetGroups&Version=2015-12-01&Names.member.1=api`,
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<TargetGroupName>api</TargetGroupName>');
  });

  it('logs every call with its service, operation, key parameters, status, error code and whether it mutates', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
    await ecs.send(new DescribeClustersCommand({ clusters: ['missing'] })).catch(() => undefined);
    await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web'] }));
    const log = callLog.all();
    // Each names its caller: the SDK's whole agent, as it sends it in User-Agent.
    for (const call of log) expect(call.userAgent).toMatch(/^aws-sdk-js\/\S+ .*lang\/js/);
    expect(log.map(({ time: _time, userAgent: _agent, ...rest }) => rest)).toEqual([
      {
        service: 'ecs',
        operation: 'CreateCluster',
        params: { cluster: 'demo' },
        status: 200,
        mutating: true,
      },
      {
        service: 'ecs',
        operation: 'DescribeClusters',
        params: { clusters: 'missing' },
        status: 400,
        errorCode: 'ClusterNotFoundException',
        mutating: false,
      },
      {
        service: 'elbv2',
        operation: 'DescribeTargetGroups',
        params: { names: 'web' },
        status: 200,
        mutating: false,
      },
    ]);
    expect(log.every((c) => Math.abs(c.time - Date.now()) < 60_000)).toBe(true);
  });

  it('serves inspection views under /_emulator/', async () => {
    const health = await fetch(`${server.endpoint}/_emulator/health`);
    expect(await health.json()).toEqual({ status: 'running', services: ['ecs', 'elbv2'] });
    const state = await fetch(`${server.endpoint}/_emulator/state`);
    expect(await state.json()).toEqual({ hello: 'state' });
    expect((await fetch(`${server.endpoint}/_emulator/nope`)).status).toBe(404);
  });
});

describe('regionOf', () => {
  it('reads the region of a SigV4 credential scope', () => {
    const auth =
      'AWS4-HMAC-SHA256 Credential=test/20260101/ap-southeast-2/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
    expect(regionOf(auth)).toBe('ap-southeast-2');
  });
  it('gives undefined for no or another kind of Authorization', () => {
    expect(regionOf(undefined)).toBeUndefined();
    expect(regionOf('Bearer abc')).toBeUndefined();
  });
});
