// AWS errors, classified at the platform boundary. Everything the driver throws is a DriverError:
// a sentence with the context a user needs (which cluster, service, target group or task
// definition, and what to do), AWS's code, the HTTP status or network code kept, and a kind the
// engine retries on (throttled, transient) or not (fatal).
import { DriverError, type ErrorKind } from '../rollout/port.js';
import { errorMessage } from '../rollout/words.js';

/** The error codes AWS uses for "slow down" across ECS (JSON) and ELBv2 (Query). */
const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

/** Codes AWS answers for its own faults (5xx) or a request that timed out on its side. */
const TRANSIENT_CODES = new Set([
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'ServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'RequestAbortedError',
]);

/**
 * Network failures with no answer from AWS: the connection was reset, refused, dropped or timed out,
 * or DNS failed for a moment. The SDK already retried them; they stay transient for the engine.
 */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

interface AwsErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
  $fault?: unknown;
  cause?: unknown;
}

export interface Classified {
  kind: ErrorKind;
  code?: string;
  httpStatus?: number;
  networkCode?: string;
}

/** Reads what an SDK (or Node) error says about itself: AWS code, HTTP status, network code. */
export function classifyAwsError(error: unknown): Classified {
  if (error instanceof DriverError) {
    return withDefined({ kind: error.kind }, error.code, error.httpStatus, error.networkCode);
  }
  if (typeof error !== 'object' || error === null) return { kind: 'fatal' };
  const e = error as AwsErrorLike;
  const httpStatus = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const networkCode = networkCodeOf(e);
  // The SDK names an AWS error after its code and marks it with $metadata / $fault; a JavaScript
  // error (TypeError, a plain Error) carries no code of AWS's.
  const fromAws = '$metadata' in e || '$fault' in e || '$retryable' in e;
  const named = typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
  const known = named !== undefined && (THROTTLING_CODES.has(named) || TRANSIENT_CODES.has(named));
  const code = networkCode === undefined && (fromAws || known) ? named : undefined;

  let kind: ErrorKind = 'fatal';
  if (
    (code !== undefined && THROTTLING_CODES.has(code)) ||
    e.$retryable?.throttling === true ||
    httpStatus === 429
  )
    kind = 'throttled';
  else if (
    (code !== undefined && TRANSIENT_CODES.has(code)) ||
    (httpStatus !== undefined && httpStatus >= 500) ||
    networkCode !== undefined ||
    e.$retryable !== undefined ||
    e.$fault === 'server'
  )
    kind = 'transient';
  return withDefined({ kind }, code, httpStatus, networkCode);
}

function networkCodeOf(e: AwsErrorLike): string | undefined {
  for (let cause: unknown = e, depth = 0; typeof cause === 'object' && cause !== null && depth < 4; depth++) {
    const c = cause as AwsErrorLike;
    if (typeof c.code === 'string' && NETWORK_CODES.has(c.code)) return c.code;
    // Node's http client says this when the server closed the socket without an answer.
    if (typeof c.message === 'string' && /socket hang up/i.test(c.message)) return 'ECONNRESET';
    cause = c.cause;
  }
  return undefined;
}

function withDefined(
  base: { kind: ErrorKind },
  code: string | undefined,
  httpStatus: number | undefined,
  networkCode: string | undefined,
): Classified {
  return {
    ...base,
    ...(code !== undefined ? { code } : {}),
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(networkCode !== undefined ? { networkCode } : {}),
  };
}

/**
 * `<what failed>: <AWS code>: <AWS message>. <fix>`, classified. A DriverError passes through
 * unchanged, so a clear error raised deeper is not wrapped twice.
 */
export function driverError(error: unknown, what: string, fix?: string): DriverError {
  if (error instanceof DriverError) return error;
  const classified = classifyAwsError(error);
  const label = classified.code ?? classified.networkCode;
  const status =
    classified.httpStatus !== undefined && classified.httpStatus >= 500
      ? ` (HTTP ${classified.httpStatus})`
      : '';
  const detail = label ? `${label}${status}: ${errorMessage(error)}` : `${errorMessage(error)}${status}`;
  // A fix is advice for errors a user must act on; a passing fault needs none.
  const advice = fix && classified.kind === 'fatal' ? `. ${fix}` : '';
  return new DriverError(`${what}: ${detail}${advice}`, { ...classified, cause: error });
}

/** A refusal the driver raises itself (no AWS error behind it): never retried. */
export function refusal(message: string, code?: string): DriverError {
  return new DriverError(message, { kind: 'fatal', ...(code !== undefined ? { code } : {}) });
}
