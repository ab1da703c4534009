// What the AWS JSON protocols (ECS: JSON 1.1; CloudWatch: JSON 1.0, query-compatible) share: the
// operation named by `X-Amz-Target: <prefix>.<Op>`, a request body that is one JSON object (else
// SerializationException, as the services answer a body they cannot read), answers as JSON with
// the protocol's content type, and the parameters worth a line in the call log.
import { AwsError } from './contracts.js';
import type { RequestContext } from './contracts.js';

/** The operation `X-Amz-Target` names under `prefix`, if the API serves it. */
export function targetOperation(
  headers: Record<string, string | undefined>,
  prefix: string,
  has: (operation: string) => boolean,
): string | undefined {
  const target = headers['x-amz-target'] ?? headers['X-Amz-Target'];
  if (target === undefined || !target.startsWith(prefix)) return undefined;
  const operation = target.slice(prefix.length);
  // An operation we do not model is left unclaimed: the server answers UnknownOperationException.
  return has(operation) ? operation : undefined;
}

export function parseJsonBody(body: string): unknown {
  if (body.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
  return input;
}

/** The named scalar parameters as they are, and the named lists joined with commas. */
export function jsonKeyParams(
  input: unknown,
  scalars: readonly string[],
  lists: readonly string[],
): Record<string, string> {
  const params: Record<string, string> = {};
  if (typeof input !== 'object' || input === null) return params;
  const record = input as Record<string, unknown>;
  for (const key of scalars) {
    const value = record[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      params[key] = String(value);
  }
  for (const key of lists) {
    const value = record[key];
    if (Array.isArray(value)) params[key] = value.map(String).join(',');
  }
  return params;
}

export const jsonHeaders = (contentType: string, ctx: RequestContext): Record<string, string> => ({
  'content-type': contentType,
  'x-amzn-requestid': ctx.requestId,
});
