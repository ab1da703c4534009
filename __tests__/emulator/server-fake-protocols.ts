// Minimal ECS (JSON 1.1) and ELBv2 (Query/XML) protocols, just enough for the real SDK clients to
// parse their answers, so the server's routing, throttling, faults and call log are tested apart
// from the real ECS and ELBv2 parts.
import { AwsError } from '../../emulator/src/contracts.js';
import type { HttpAnswer, RequestContext, ServiceProtocol } from '../../emulator/src/contracts.js';

const ECS_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const XMLNS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

export interface FakeCall {
  operation: string;
  input: unknown;
  ctx: RequestContext;
}

export function fakeEcs(calls: FakeCall[] = []): ServiceProtocol {
  const operations = new Set(['DescribeClusters', 'CreateCluster']);
  return {
    service: 'ecs',
    operationOf(headers) {
      const target = headers['x-amz-target'];
      if (!target?.startsWith(ECS_PREFIX)) return undefined;
      const operation = target.slice(ECS_PREFIX.length);
      return operations.has(operation) ? operation : undefined;
    },
    parse(_operation, body) {
      try {
        return JSON.parse(body || '{}') as unknown;
      } catch {
        throw new AwsError('SerializationException', 'body is not JSON');
      }
    },
    keyParams(_operation, input) {
      const clusters = (input as { clusters?: string[] }).clusters;
      const name = (input as { clusterName?: string }).clusterName;
      return { ...(clusters ? { clusters: clusters.join(',') } : {}), ...(name ? { cluster: name } : {}) };
    },
    async invoke(operation, input, ctx) {
      calls.push({ operation, input, ctx });
      const names = (input as { clusters?: string[] }).clusters ?? ['default'];
      if (names.includes('missing')) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
      if (names.includes('boom')) throw new Error('a bug in a handler');
      if (operation === 'CreateCluster') {
        const name = (input as { clusterName?: string }).clusterName ?? 'default';
        return { cluster: cluster(name, ctx) };
      }
      return { clusters: names.map((n) => cluster(n, ctx)), failures: [] };
    },
    serialize(_operation, output) {
      return {
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify(output),
      };
    },
    serializeError(error, ctx): HttpAnswer {
      return {
        status: error.httpStatus,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': ctx.requestId },
        body: JSON.stringify({ __type: error.code, message: error.message }),
      };
    },
  };
}

function cluster(name: string, ctx: RequestContext): Record<string, unknown> {
  return {
    clusterName: name,
    clusterArn: `arn:aws:ecs:${ctx.region}:${ctx.accountId}:cluster/${name}`,
    status: 'ACTIVE',
  };
}

export function fakeElbv2(calls: FakeCall[] = []): ServiceProtocol {
  return {
    service: 'elbv2',
    operationOf(headers, body) {
      if (headers['x-amz-target'] !== undefined) return undefined;
      const action = new URLSearchParams(body).get('Action');
      return action === 'DescribeTargetGroups' ? action : undefined;
    },
    parse(_operation, body) {
      return Object.fromEntries(new URLSearchParams(body));
    },
    keyParams(_operation, input) {
      const name = (input as Record<string, string>)['Names.member.1'];
      return name ? { names: name } : {};
    },
    async invoke(operation, input, ctx) {
      calls.push({ operation, input, ctx });
      const name = (input as Record<string, string>)['Names.member.1'] ?? 'web';
      if (name === 'missing')
        throw new AwsError('TargetGroupNotFound', 'One or more target groups not found');
      return { name };
    },
    serialize(operation, output, ctx) {
      const { name } = output as { name: string };
      const arn = `arn:aws:elasticloadbalancing:${ctx.region}:${ctx.accountId}:targetgroup/${name}/0123456789abcdef`;
      const body =
        `<${operation}Response xmlns="${XMLNS}"><${operation}Result><TargetGroups><member>` +
        `<TargetGroupName>${name}</TargetGroupName><TargetGroupArn>${arn}</TargetGroupArn><Port>8080</Port>` +
        `</member></TargetGroups></${operation}Result><ResponseMetadata><RequestId>${ctx.requestId}</RequestId>` +
        `</ResponseMetadata></${operation}Response>`;
      return { status: 200, headers: { 'content-type': 'text/xml' }, body };
    },
    serializeError(error, ctx) {
      const body =
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${error.fault}</Type><Code>${error.code}</Code>` +
        `<Message>${error.message}</Message></Error><RequestId>${ctx.requestId}</RequestId></ErrorResponse>`;
      return { status: error.httpStatus, headers: { 'content-type': 'text/xml' }, body };
    },
  };
}

export const dummyCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };
