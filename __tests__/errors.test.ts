// AWS errors classified at the platform boundary (src/platform/errors.ts): the kind the engine
// retries on, AWS's code, the HTTP status or network code kept, and the message a user reads.
// Real SDK error classes where the SDK has one; Node's own network errors as Node raises them.
import { describe, expect, it } from '@jest/globals';
import {
  AccessDeniedException,
  ClusterNotFoundException,
  ECSServiceException,
  InvalidParameterException,
  ServerException,
} from '@aws-sdk/client-ecs';
import {
  ElasticLoadBalancingV2ServiceException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { classifyAwsError, driverError, refusal } from '../src/platform/errors.js';
import { DriverError, errorCode, errorKind } from '../src/rollout/port.js';

/** What the ECS client throws for an error code it has no class for (JSON protocol). */
const ecsError = (name: string, httpStatusCode: number, message: string): ECSServiceException =>
  new ECSServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    message,
  });

/** The same from the ELBv2 client (Query protocol: `Throttling`, not `ThrottlingException`). */
const elbError = (
  name: string,
  httpStatusCode: number,
  message: string,
): ElasticLoadBalancingV2ServiceException =>
  new ElasticLoadBalancingV2ServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    message,
  });

/** Node's http client: an Error with an errno code, as `net` raises it. */
const networkError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('classifyAwsError', () => {
  it.each([
    [
      'ECS ThrottlingException (HTTP 400)',
      ecsError('ThrottlingException', 400, 'Rate exceeded'),
      'ThrottlingException',
      400,
    ],
    ['ELBv2 Throttling (HTTP 400)', elbError('Throttling', 400, 'Rate exceeded'), 'Throttling', 400],
    [
      'an unnamed answer with HTTP 429',
      ecsError('TooManyRequests', 429, 'slow down'),
      'TooManyRequests',
      429,
    ],
    [
      'an error the SDK marked as throttling',
      Object.assign(new Error('Rate exceeded'), { name: 'SomethingElse', $retryable: { throttling: true } }),
      'SomethingElse',
      undefined,
    ],
  ])('%s is throttled', (_label, error, code, httpStatus) => {
    const classified = classifyAwsError(error);
    expect(classified.kind).toBe('throttled');
    expect(classified.code).toBe(code);
    expect(classified.httpStatus).toBe(httpStatus);
    expect(classified.networkCode).toBeUndefined();
  });

  it.each([
    [
      'ServerException (HTTP 500)',
      new ServerException({ message: 'Service unavailable', $metadata: { httpStatusCode: 500 } }),
      'ServerException',
      500,
    ],
    ['InternalFailure (HTTP 500)', ecsError('InternalFailure', 500, 'internal'), 'InternalFailure', 500],
    [
      'ServiceUnavailable (HTTP 503)',
      elbError('ServiceUnavailable', 503, 'unavailable'),
      'ServiceUnavailable',
      503,
    ],
    ['an unknown code with HTTP 502', ecsError('BadGateway', 502, 'bad gateway'), 'BadGateway', 502],
    [
      'ServerException without a status',
      new ServerException({ message: 'Server error', $metadata: {} }),
      'ServerException',
      undefined,
    ],
  ])('%s is transient, the status kept', (_label, error, code, httpStatus) => {
    expect(classifyAwsError(error)).toEqual({
      kind: 'transient',
      code,
      ...(httpStatus !== undefined ? { httpStatus } : {}),
    });
  });

  it('the SDK’s request timeout (TimeoutError, no answer) is transient', () => {
    // @smithy/node-http-handler: `Object.assign(new Error(...), { name: 'TimeoutError' })`.
    const timeout = Object.assign(new Error('the request socket timed out after 20000 ms of inactivity'), {
      name: 'TimeoutError',
    });
    expect(classifyAwsError(timeout)).toEqual({ kind: 'transient', code: 'TimeoutError' });
  });

  it.each([
    ['ECONNRESET', networkError('ECONNRESET', 'read ECONNRESET'), 'ECONNRESET'],
    ['ECONNREFUSED', networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:4566'), 'ECONNREFUSED'],
    ['ETIMEDOUT', networkError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443'), 'ETIMEDOUT'],
    ['socket hang up (no code)', new Error('socket hang up'), 'ECONNRESET'],
    [
      'ECONNRESET nested in cause',
      new Error('request failed', { cause: networkError('ECONNRESET', 'read ECONNRESET') }),
      'ECONNRESET',
    ],
    [
      'ECONNREFUSED two causes deep',
      new Error('outer', { cause: new Error('middle', { cause: networkError('ECONNREFUSED', 'refused') }) }),
      'ECONNREFUSED',
    ],
    [
      'socket hang up nested in cause',
      new Error('request failed', { cause: new Error('socket hang up') }),
      'ECONNRESET',
    ],
  ])('%s is transient, the network code kept', (_label, error, networkCode) => {
    const classified = classifyAwsError(error);
    expect(classified).toEqual({ kind: 'transient', networkCode });
  });

  it.each([
    [
      'AccessDeniedException',
      new AccessDeniedException({
        message: 'not authorized to perform ecs:UpdateService',
        $metadata: { httpStatusCode: 400 },
      }),
      'AccessDeniedException',
    ],
    [
      'ClusterNotFoundException',
      new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: { httpStatusCode: 400 } }),
      'ClusterNotFoundException',
    ],
    [
      'InvalidParameterException',
      new InvalidParameterException({ message: 'Invalid revision', $metadata: { httpStatusCode: 400 } }),
      'InvalidParameterException',
    ],
    [
      'TargetGroupNotFoundException',
      new TargetGroupNotFoundException({
        message: 'One or more target groups not found',
        $metadata: { httpStatusCode: 400 },
      }),
      'TargetGroupNotFoundException',
    ],
  ])('%s is fatal', (_label, error, code) => {
    expect(classifyAwsError(error)).toEqual({ kind: 'fatal', code, httpStatus: 400 });
  });

  it('a plain Error, a string and nothing are fatal, with no code', () => {
    expect(classifyAwsError(new Error('bug'))).toEqual({ kind: 'fatal' });
    expect(classifyAwsError('a string')).toEqual({ kind: 'fatal' });
    expect(classifyAwsError(undefined)).toEqual({ kind: 'fatal' });
    expect(classifyAwsError(null)).toEqual({ kind: 'fatal' });
  });

  it('a DriverError keeps its own classification', () => {
    const error = new DriverError('x', { kind: 'throttled', code: 'Throttling', httpStatus: 400 });
    expect(classifyAwsError(error)).toEqual({ kind: 'throttled', code: 'Throttling', httpStatus: 400 });
  });
});

describe('driverError', () => {
  it('says what failed, AWS’s code and message, and keeps the classification and the cause', () => {
    const cause = ecsError('ThrottlingException', 400, 'Rate exceeded');
    const error = driverError(cause, 'DescribeServices for service "web" in cluster "prod" failed', 'Do X');
    expect(error).toBeInstanceOf(DriverError);
    expect(error.message).toBe(
      'DescribeServices for service "web" in cluster "prod" failed: ThrottlingException: Rate exceeded',
    );
    expect(error).toMatchObject({ kind: 'throttled', code: 'ThrottlingException', httpStatus: 400 });
    expect(error.networkCode).toBeUndefined();
    expect(error.cause).toBe(cause);
    expect(errorKind(error)).toBe('throttled');
    expect(errorCode(error)).toBe('ThrottlingException');
  });

  it('a 5xx says its HTTP status in the message, and gets no fix', () => {
    const error = driverError(
      new ServerException({ message: 'Service unavailable', $metadata: { httpStatusCode: 503 } }),
      'UpdateService failed',
      'Check the permissions',
    );
    expect(error.message).toBe('UpdateService failed: ServerException (HTTP 503): Service unavailable');
    expect(error).toMatchObject({ kind: 'transient', code: 'ServerException', httpStatus: 503 });
  });

  it('a network error names its code, and gets no fix', () => {
    const error = driverError(
      new Error('request failed', { cause: networkError('ECONNREFUSED', 'connect ECONNREFUSED') }),
      'ListTasks failed',
      'Check the permissions',
    );
    expect(error.message).toBe('ListTasks failed: ECONNREFUSED: request failed');
    expect(error).toMatchObject({ kind: 'transient', networkCode: 'ECONNREFUSED' });
    expect(error.code).toBeUndefined();
    expect(error.httpStatus).toBeUndefined();
  });

  it('a fatal error gets the fix appended', () => {
    const error = driverError(
      new AccessDeniedException({ message: 'not authorized', $metadata: { httpStatusCode: 400 } }),
      'Tagging service "web" failed',
      'Grant ecs:TagResource',
    );
    expect(error.message).toBe(
      'Tagging service "web" failed: AccessDeniedException: not authorized. Grant ecs:TagResource',
    );
    expect(error.kind).toBe('fatal');
  });

  it('a throttled error gets no fix either', () => {
    const error = driverError(
      elbError('Throttling', 400, 'Rate exceeded'),
      'DescribeTargetHealth failed',
      'Fix',
    );
    expect(error.message).toBe('DescribeTargetHealth failed: Throttling: Rate exceeded');
  });

  it('an error without a code is worded by its message alone', () => {
    expect(driverError(new Error('odd'), 'Something failed').message).toBe('Something failed: odd');
    expect(driverError('text', 'Something failed', 'Fix it').message).toBe('Something failed: text. Fix it');
  });

  it('a DriverError passes through unchanged, not wrapped twice', () => {
    const inner = new DriverError('Cluster "prod" not found: ClusterNotFoundException: x', {
      kind: 'fatal',
      code: 'ClusterNotFoundException',
    });
    expect(driverError(inner, 'DescribeServices failed', 'Fix')).toBe(inner);
  });

  it('refusal: a fatal DriverError with the driver’s own code, or none', () => {
    const withCode = refusal('Service "web" not found', 'ServiceNotFoundException');
    expect(withCode).toBeInstanceOf(DriverError);
    expect(withCode).toMatchObject({
      kind: 'fatal',
      code: 'ServiceNotFoundException',
      message: 'Service "web" not found',
    });
    expect(refusal('no').code).toBeUndefined();
  });

  it('anything that is not a DriverError counts as fatal for the engine', () => {
    expect(errorKind(new Error('x'))).toBe('fatal');
    expect(errorCode(new Error('x'))).toBeUndefined();
  });
});
