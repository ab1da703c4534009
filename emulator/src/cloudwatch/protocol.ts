// CloudWatch as the installed @aws-sdk/client-cloudwatch (3.1164) speaks it: AWS JSON 1.0 with
// awsQueryCompatible (its runtimeConfig.shared.js: AwsJson1_0Protocol, serviceTarget
// GraniteServiceVersion20100801, awsQueryCompatible true). The operation is named by
// `X-Amz-Target: GraniteServiceVersion20100801.<Op>` (the SDK adds `x-amzn-query-mode: true`), the
// body is JSON with timestamps as epoch seconds, answers are `application/x-amz-json-1.0`. An error
// is `{"__type": "<ErrorShape>", "message": ...}` plus the header `x-amzn-query-error:
// <QueryCode>;Sender`, from which a query-compatible SDK takes the error's name (the code the older
// Query protocol used: `ResourceNotFound`, `InvalidParameterValue`, `Throttling`), as
// @aws-sdk/core's AwsJsonRpcProtocol.handleError does.
import type { HttpAnswer, ServiceProtocol } from '../contracts.js';
import { jsonHeaders, jsonKeyParams, parseJsonBody, targetOperation } from '../json-protocol.js';
import type { CloudWatchApi } from './api.js';

export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/**
 * Query error code -> the model's error shape (its awsQueryError trait, botocore's cloudwatch
 * model). Codes with no shape of their own (Throttling, InternalFailure) are sent as they are.
 */
const SHAPE_OF_CODE: Record<string, string> = {
  InvalidParameterValue: 'InvalidParameterValueException',
  InvalidParameterCombination: 'InvalidParameterCombinationException',
  MissingParameter: 'MissingRequiredParameterException',
  ResourceNotFound: 'ResourceNotFound',
  InvalidNextToken: 'InvalidNextToken',
  LimitExceeded: 'LimitExceededFault',
  InternalServiceError: 'InternalServiceFault',
};

const KEY_PARAMS = ['AlarmName', 'Namespace', 'MetricName', 'StateValue', 'AlarmNamePrefix'];

export function createCloudWatchProtocol(api: CloudWatchApi): ServiceProtocol {
  return {
    service: 'cloudwatch',
    operationOf: (headers) => targetOperation(headers, CLOUDWATCH_TARGET_PREFIX, (op) => api.has(op)),
    parse: (_operation, body) => parseJsonBody(body),
    keyParams: (_operation, input) => jsonKeyParams(input, KEY_PARAMS, ['AlarmNames']),
    invoke(operation, input, ctx) {
      return api.invoke(operation, input as Record<string, unknown>, ctx);
    },
    serialize(_operation, output, ctx): HttpAnswer {
      return { status: 200, headers: jsonHeaders(CONTENT_TYPE, ctx), body: JSON.stringify(output ?? {}) };
    },
    serializeError(error, ctx): HttpAnswer {
      return {
        status: error.httpStatus,
        headers: { ...jsonHeaders(CONTENT_TYPE, ctx), 'x-amzn-query-error': `${error.code};${error.fault}` },
        body: JSON.stringify({ __type: SHAPE_OF_CODE[error.code] ?? error.code, message: error.message }),
      };
    },
  };
}
