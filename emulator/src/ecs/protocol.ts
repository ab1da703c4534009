// AWS JSON 1.1, as ECS speaks it: the operation is named by `X-Amz-Target:
// AmazonEC2ContainerServiceV20141113.<Op>`, the body is a JSON object, answers are
// `application/x-amz-json-1.1`, and errors are HTTP 400 with `{"__type": "<Code>", "message": ...}`
// (the shape the SDK's awsJson1_1 deserializer reads the error code from).
import { AwsError } from '../contracts.js';
import type { HttpAnswer, RequestContext, ServiceProtocol } from '../contracts.js';
import type { EcsApi } from './api.js';

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** The parameters worth a line in the call log, for operations that name them. */
const KEY_PARAMS = [
  'cluster',
  'service',
  'serviceName',
  'taskDefinition',
  'family',
  'familyPrefix',
  'desiredCount',
  'task',
  'resourceArn',
  'startedBy',
  'desiredStatus',
  'serviceDeploymentArn',
  'stopType',
];

export function createEcsProtocol(api: EcsApi): ServiceProtocol {
  const headersOf = (ctx: RequestContext): Record<string, string> => ({
    'content-type': CONTENT_TYPE,
    'x-amzn-requestid': ctx.requestId,
  });
  return {
    service: 'ecs',
    operationOf(headers) {
      const target = headers['x-amz-target'] ?? headers['X-Amz-Target'];
      if (target === undefined || !target.startsWith(ECS_TARGET_PREFIX)) return undefined;
      const operation = target.slice(ECS_TARGET_PREFIX.length);
      // An operation we do not model is left unclaimed: the server answers UnknownOperationException.
      return api.has(operation) ? operation : undefined;
    },
    parse(_operation, body) {
      if (body.trim() === '') return {};
      let input: unknown;
      try {
        input = JSON.parse(body);
      } catch {
        throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
      }
      return input;
    },
    keyParams(_operation, input) {
      const params: Record<string, string> = {};
      if (typeof input !== 'object' || input === null) return params;
      const record = input as Record<string, unknown>;
      for (const key of KEY_PARAMS) {
        const value = record[key];
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
          params[key] = String(value);
      }
      for (const key of ['services', 'tasks', 'clusters', 'serviceDeploymentArns', 'serviceRevisionArns']) {
        const value = record[key];
        if (Array.isArray(value)) params[key] = value.map(String).join(',');
      }
      return params;
    },
    invoke(operation, input, ctx) {
      return api.invoke(operation, input as Record<string, unknown>, ctx);
    },
    serialize(_operation, output, ctx): HttpAnswer {
      return { status: 200, headers: headersOf(ctx), body: JSON.stringify(output ?? {}) };
    },
    serializeError(error, ctx): HttpAnswer {
      return {
        status: error.httpStatus,
        headers: headersOf(ctx),
        body: JSON.stringify({ __type: error.code, message: error.message }),
      };
    },
  };
}
