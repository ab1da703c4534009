// One HTTP endpoint for every service, as LocalStack serves every service on one port. A request is
// routed to the ServiceProtocol that claims it (ECS and CloudWatch: `X-Amz-Target`; ELBv2:
// `Action=` in the form body), then throttled, subjected to injected faults, logged, and answered.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { AwsError } from './contracts.js';
import type {
  CallRecord,
  HttpAnswer,
  ListenerEndpoint,
  Log,
  RequestContext,
  ServiceProtocol,
} from './contracts.js';
import type { Throttler } from './throttle.js';
import type { FaultInjector } from './faults.js';
import { answerFaultAdmin, FAULTS_PATH } from './fault-admin.js';
import type { CallLog } from './call-log.js';
import { isMutating } from './call-log.js';

export const ACCOUNT_ID = '000000000000';
const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
/** CloudWatch's JSON 1.0 target prefix (cloudwatch/protocol.ts). */
const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const ELBV2_XMLNS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
/**
 * The largest request body the endpoint reads. AWS's front end answers a longer one with HTTP 413
 * and a plain-text `HTTP content length exceeded <limit> bytes.` (no JSON or XML error document,
 * `Connection: close`), as users report for Step Functions, a JSON service, at 1,049,600 bytes
 * (aws/aws-sdk-js-v3#4184) and for SQS, a Query service, at 1,662,976 (aws/aws-sdk-js#479). ECS's
 * and ELBv2's own figures are not published; both use the JSON service's here. (A task definition
 * over 64 KiB is refused earlier, by RegisterTaskDefinition itself.)
 */
export const MAX_REQUEST_BODY_BYTES = 1_049_600;

/** Read-only views served under `/_emulator/` for tools that only know the endpoint. */
export interface Inspection {
  listeners(): ListenerEndpoint[];
  state(): unknown;
  calls(): CallRecord[];
}

export interface ServerOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Used when a request carries no SigV4 credential scope. */
  region: string;
  protocols: ServiceProtocol[];
  throttler?: Throttler;
  faults?: FaultInjector;
  calls?: CallLog;
  /** Keep each call's request and response bodies in its call record (`CallRecord.wire`). */
  recordWire?: boolean;
  inspection?: Inspection;
  log?: Log;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:4566 */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  // Fault latencies under way: close() ends them, so no timer outlives the server and no handler
  // wakes up against a stopped emulator.
  const delays = new Set<() => void>();
  const server = createServer((req, res) => {
    handle(req, res, options, delays).catch((error: unknown) => {
      log(
        `emulator: request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    endpoint: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const end of [...delays]) end();
        server.close(() => resolve());
        // SDK clients keep connections alive; without this close() waits for their idle timeout.
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: ServerOptions,
  delays: Set<() => void>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  if (url.pathname === FAULTS_PATH && options.faults) {
    const read = await readBody(req);
    send(res, answerFaultAdmin(req.method, read.tooLarge ? '' : read.body, options.faults));
    return;
  }
  if (req.method === 'GET' && url.pathname.startsWith('/_emulator/')) {
    answerInspection(url.pathname, res, options);
    return;
  }

  const headers = flattenHeaders(req);
  const read = await readBody(req);
  if (read.tooLarge) {
    answerTooLarge(res, options, headers);
    return;
  }
  let body = read.body;
  // The Query protocol also accepts its parameters in a GET query string.
  if (body === '' && url.search.length > 1) body = url.search.slice(1);

  const ctx: RequestContext = {
    region: regionOf(headers['authorization']) ?? options.region,
    accountId: ACCOUNT_ID,
    requestId: randomUUID(),
  };
  const time = Date.now();
  const claimed = claim(options.protocols, headers, body);
  if (!claimed) {
    send(res, unknownOperation(options.protocols, headers, body, ctx));
    return;
  }
  const { protocol, operation } = claimed;
  const record = (
    answer: HttpAnswer | undefined,
    params: Record<string, string>,
    errorCode?: string,
    injected = false,
  ): void => {
    const call: CallRecord = {
      time,
      service: protocol.service,
      operation,
      params,
      status: answer?.status ?? 0,
      mutating: isMutating(operation),
    };
    if (errorCode !== undefined) call.errorCode = errorCode;
    // The JavaScript SDK in Node sends its whole agent (with the app id, AWS_SDK_UA_APP_ID) in
    // User-Agent and only its name and the custom agent in X-Amz-User-Agent; the CLI sends User-Agent.
    const agent = headers['user-agent'] ?? headers['x-amz-user-agent'];
    if (agent !== undefined) call.userAgent = agent;
    if (options.recordWire) {
      call.wire = { request: body };
      if (answer) call.wire.response = answer.body;
      if (injected) call.wire.injected = true;
    }
    options.calls?.record(call);
  };

  // Parse first so even a throttled or faulted call is logged with its key parameters.
  let input: unknown;
  let parseError: unknown;
  let params: Record<string, string> = {};
  try {
    input = protocol.parse(operation, body);
    params = protocol.keyParams(operation, input);
  } catch (error) {
    parseError = error;
  }

  if (options.throttler && !options.throttler.take(protocol.service, operation, ctx.region)) {
    // ECS: ThrottlingException (JSON); ELBv2: Throttling (Query XML); CloudWatch: Throttling (its
    // Query code, in x-amzn-query-error); all HTTP 400, "Rate exceeded".
    const error = new AwsError(
      protocol.service === 'ecs' ? 'ThrottlingException' : 'Throttling',
      'Rate exceeded',
      400,
    );
    const answer = protocol.serializeError(error, ctx);
    record(answer, params, error.code);
    send(res, answer);
    return;
  }

  const fault = options.faults?.decide(protocol.service, operation);
  if (fault && fault.latencyMs > 0 && !(await delay(fault.latencyMs, delays))) {
    req.socket.destroy();
    return;
  }
  if (fault?.drop) {
    record(undefined, params, 'ConnectionDropped', true);
    req.socket.destroy();
    return;
  }
  if (fault?.error) {
    const answer = protocol.serializeError(fault.error, ctx);
    record(answer, params, fault.error.code, true);
    send(res, answer);
    return;
  }

  let answer: HttpAnswer;
  let errorCode: string | undefined;
  try {
    if (parseError !== undefined) throw parseError;
    const output = await protocol.invoke(operation, input, ctx);
    answer = protocol.serialize(operation, output, ctx);
  } catch (error) {
    const awsError = error instanceof AwsError ? error : internalError(protocol.service, error, options.log);
    errorCode = awsError.code;
    answer = protocol.serializeError(awsError, ctx);
  }
  record(answer, params, errorCode);
  send(res, withRequestId(answer, ctx));
}

function claim(
  protocols: ServiceProtocol[],
  headers: Record<string, string | undefined>,
  body: string,
): { protocol: ServiceProtocol; operation: string } | undefined {
  for (const protocol of protocols) {
    const operation = protocol.operationOf(headers, body);
    if (operation !== undefined) return { protocol, operation };
  }
  return undefined;
}

/**
 * Nobody claimed the request: answer as AWS does for an unknown operation of the protocol the
 * request speaks. JSON 1.1 services answer UnknownOperationException; Query services InvalidAction.
 */
function unknownOperation(
  protocols: ServiceProtocol[],
  headers: Record<string, string | undefined>,
  body: string,
  ctx: RequestContext,
): HttpAnswer {
  const target = headers['x-amz-target'];
  if (target !== undefined) {
    const error = new AwsError('UnknownOperationException', `Unknown operation ${target}`, 400);
    const ecs = protocols.find((p) => p.service === 'ecs');
    const cloudwatch = protocols.find((p) => p.service === 'cloudwatch');
    if (ecs && target.startsWith(ECS_TARGET_PREFIX)) return ecs.serializeError(error, ctx);
    if (cloudwatch && target.startsWith(CLOUDWATCH_TARGET_PREFIX))
      return cloudwatch.serializeError(error, ctx);
    return jsonError(error, ctx);
  }
  const action = new URLSearchParams(body).get('Action');
  const error = action
    ? new AwsError('InvalidAction', `Could not find operation ${action} for version 2015-12-01`, 400)
    : new AwsError('MissingAction', 'Missing Action', 400);
  const elbv2 = protocols.find((p) => p.service === 'elbv2');
  return elbv2 ? elbv2.serializeError(error, ctx) : queryError(error, ctx);
}

function internalError(service: ServiceProtocol['service'], error: unknown, log: Log | undefined): AwsError {
  log?.(
    `emulator: ${service} handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  // Both services' "Common Errors" pages name it InternalFailure (HTTP 500).
  return new AwsError('InternalFailure', 'We encountered an internal error. Please try again.', 500);
}

function answerInspection(path: string, res: ServerResponse, options: ServerOptions): void {
  const views: Record<string, () => unknown> = {
    '/_emulator/health': () => ({ status: 'running', services: options.protocols.map((p) => p.service) }),
    '/_emulator/listeners': () => options.inspection?.listeners() ?? [],
    '/_emulator/state': () => options.inspection?.state() ?? {},
    '/_emulator/calls': () => options.inspection?.calls() ?? [],
  };
  const view = views[path];
  const [status, body] = view
    ? [200, view()]
    : [404, { message: `no such view; try ${Object.keys(views).join(', ')}` }];
  send(res, { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The region of a SigV4 credential scope: `Credential=AKID/20260101/us-east-1/ecs/aws4_request`. */
export function regionOf(authorization: string | undefined): string | undefined {
  const match = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/[^/,\s]+\/aws4_request/.exec(authorization ?? '');
  return match?.[1];
}

function jsonError(error: AwsError, ctx: RequestContext): HttpAnswer {
  return {
    status: error.httpStatus,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': ctx.requestId },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

function queryError(error: AwsError, ctx: RequestContext): HttpAnswer {
  const xml =
    `<ErrorResponse xmlns="${ELBV2_XMLNS}"><Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${ctx.requestId}</RequestId></ErrorResponse>`;
  return {
    status: error.httpStatus,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': ctx.requestId },
    body: xml,
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function withRequestId(answer: HttpAnswer, ctx: RequestContext): HttpAnswer {
  const has = Object.keys(answer.headers).some((h) => h.toLowerCase() === 'x-amzn-requestid');
  return has ? answer : { ...answer, headers: { ...answer.headers, 'x-amzn-requestid': ctx.requestId } };
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

function flattenHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * The whole body, or `tooLarge` past MAX_REQUEST_BODY_BYTES. An over-large body is still read to
 * its end (and dropped), so the client, still sending, reads the 413 rather than a reset connection.
 */
async function readBody(req: IncomingMessage): Promise<{ body: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_REQUEST_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_REQUEST_BODY_BYTES) return { body: '', tooLarge: true };
  return { body: Buffer.concat(chunks).toString('utf8'), tooLarge: false };
}

/**
 * AWS's front-end answer to a body over the limit (see MAX_REQUEST_BODY_BYTES), before any
 * throttling, fault or handler. Logged when the operation can be named without the body (ECS's
 * `X-Amz-Target`; an ELBv2 Query action is in the body, so it is not logged).
 */
function answerTooLarge(
  res: ServerResponse,
  options: ServerOptions,
  headers: Record<string, string | undefined>,
): void {
  const status = 413;
  const claimed = claim(options.protocols, headers, '');
  if (claimed) {
    options.calls?.record({
      time: Date.now(),
      service: claimed.protocol.service,
      operation: claimed.operation,
      params: {},
      status,
      errorCode: 'RequestEntityTooLarge',
      mutating: isMutating(claimed.operation),
    });
  }
  send(res, {
    status,
    headers: { 'content-type': 'text; charset=utf-8', connection: 'close' },
    body: `HTTP content length exceeded ${MAX_REQUEST_BODY_BYTES} bytes.`,
  });
}

/** Waits `ms`; false when the server closed first. */
function delay(ms: number, delays: Set<() => void>): Promise<boolean> {
  return new Promise((resolve) => {
    const end = (): void => {
      clearTimeout(timer);
      delays.delete(end);
      resolve(false);
    };
    const timer = setTimeout(() => {
      delays.delete(end);
      resolve(true);
    }, ms);
    delays.add(end);
  });
}
