// AWS JSON 1.1, as ECS speaks it: the operation is named by `X-Amz-Target:
// AmazonEC2ContainerServiceV20141113.<Op>`, the body is a JSON object, answers are
// `application/x-amz-json-1.1`, and errors are HTTP 400 with `{"__type": "<Code>", "message": ...}`
// (the shape the SDK's awsJson1_1 deserializer reads the error code from).
import type { HttpAnswer, ServiceProtocol } from '../contracts.js';
import { jsonHeaders, jsonKeyParams, parseJsonBody, targetOperation } from '../json-protocol.js';
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

const KEY_LISTS = ['services', 'tasks', 'clusters', 'serviceDeploymentArns', 'serviceRevisionArns'];

export function createEcsProtocol(api: EcsApi): ServiceProtocol {
  return {
    service: 'ecs',
    operationOf: (headers) => targetOperation(headers, ECS_TARGET_PREFIX, (op) => api.has(op)),
    parse: (_operation, body) => parseJsonBody(body),
    keyParams: (_operation, input) => jsonKeyParams(input, KEY_PARAMS, KEY_LISTS),
    invoke(operation, input, ctx) {
      return api.invoke(operation, input as Record<string, unknown>, ctx);
    },
    serialize(_operation, output, ctx): HttpAnswer {
      return { status: 200, headers: jsonHeaders(CONTENT_TYPE, ctx), body: JSON.stringify(output ?? {}) };
    },
    serializeError(error, ctx): HttpAnswer {
      return {
        status: error.httpStatus,
        headers: jsonHeaders(CONTENT_TYPE, ctx),
        body: JSON.stringify({ __type: error.code, message: error.message }),
      };
    },
  };
}
