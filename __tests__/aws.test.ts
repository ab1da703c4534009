import { describe, it, expect, afterEach, beforeAll, afterAll } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeClustersCommand } from '@aws-sdk/client-ecs';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CONNECTION_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  createAwsClients,
  regionFromEnv,
  VERSION,
} from '../src/platform/aws.js';

describe('regionFromEnv', () => {
  it('prefers AWS_REGION, falls back to AWS_DEFAULT_REGION', () => {
    expect(regionFromEnv({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' })).toBe('eu-west-1');
    expect(regionFromEnv({ AWS_DEFAULT_REGION: 'us-east-1' })).toBe('us-east-1');
    expect(regionFromEnv({ AWS_REGION: '  ', AWS_DEFAULT_REGION: 'us-east-2' })).toBe('us-east-2');
  });

  it('names both variables when neither is set', () => {
    expect(() => regionFromEnv({})).toThrow(/AWS_REGION or AWS_DEFAULT_REGION/);
  });
});

/** A local endpoint that records each request and answers an empty result in the right protocol. */
function recordingServer(
  name: string,
  seen: { server: string; headers: IncomingHttpHeaders; body: string }[],
): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ server: name, headers: req.headers, body });
      if (req.headers['x-amz-target']) {
        res
          .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
          .end('{"clusters":[],"failures":[]}');
      } else {
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            '<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">' +
              '<DescribeLoadBalancersResult><LoadBalancers/></DescribeLoadBalancersResult>' +
              '<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>',
          );
      }
    });
  });
}

describe('createAwsClients against the standard endpoint variables', () => {
  const seen: { server: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const general = recordingServer('general', seen);
  const ecsOnly = recordingServer('ecs-only', seen);
  const saved = { ...process.env };
  const url = (s: Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

  beforeAll(async () => {
    await Promise.all([general, ecsOnly].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });
  afterAll(async () => {
    await Promise.all([general, ecsOnly].map((s) => new Promise((r) => s.close(r))));
  });
  afterEach(() => {
    process.env = { ...saved };
    seen.length = 0;
  });

  it('sends ECS to AWS_ENDPOINT_URL_ECS and ELBv2 to AWS_ENDPOINT_URL, with the region, adaptive retries and our user agent', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    process.env.AWS_ENDPOINT_URL = url(general);
    process.env.AWS_ENDPOINT_URL_ECS = url(ecsOnly);
    delete process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2;
    const clients = createAwsClients({ AWS_DEFAULT_REGION: 'eu-central-1' });
    expect(clients.region).toBe('eu-central-1');

    await clients.ecs.send(new DescribeClustersCommand({ clusters: ['x'] }));
    await clients.elbv2.send(new DescribeLoadBalancersCommand({}));

    expect(seen.map((s) => s.server)).toEqual(['ecs-only', 'general']);
    for (const request of seen) {
      expect(String(request.headers.authorization)).toContain('/eu-central-1/');
      expect(
        String(request.headers['user-agent'] ?? '') + String(request.headers['x-amz-user-agent'] ?? ''),
      ).toContain(`ecs-rolling-deploy/${VERSION}`);
    }
    expect(seen[1]!.body).toContain('Action=DescribeLoadBalancers');
    // The resolved strategy is the SDK's AdaptiveRetryStrategy, whose `mode` says so.
    const modeOf = async (strategy: () => Promise<object>): Promise<unknown> =>
      ((await strategy()) as { mode?: unknown }).mode;
    expect(await modeOf(clients.ecs.config.retryStrategy)).toBe('adaptive');
    expect(await modeOf(clients.elbv2.config.retryStrategy)).toBe('adaptive');
    // A hung call costs seconds: both clients' HTTP handlers carry the connection and request timeouts
    // (the handler resolves its settings on its first request, made above).
    expect([CONNECTION_TIMEOUT_MS, REQUEST_TIMEOUT_MS]).toEqual([5_000, 20_000]);
    for (const client of [clients.ecs, clients.elbv2]) {
      const handler = client.config.requestHandler as unknown as {
        httpHandlerConfigs(): Record<string, unknown>;
      };
      expect(handler.httpHandlerConfigs()).toMatchObject({
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
      });
    }
    clients.ecs.destroy();
    clients.elbv2.destroy();
  });
});
