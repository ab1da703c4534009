// One AWS JSON 1.1 call (ECS) against the service model: the request body against the operation's
// input shape, a 200 answer against its output shape, an error answer (`{"__type": code,
// "message": ...}`) against the exception the code names, which the operation must declare (or be a
// common error) and answer with the status the model gives it.
import { checkJson } from './json-shape.js';
import { knownError } from './errors.js';
import type { OperationDef, ServiceModel } from './model.js';
import type { Report } from './problem.js';

export interface WireCall {
  request: string;
  status: number;
  /** Absent when the connection was dropped. */
  response?: string;
}

function parse(text: string, report: Report): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    report('$', `not JSON: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

export function checkJsonCall(
  model: ServiceModel,
  operation: OperationDef,
  call: WireCall,
  report: { request: Report; response: Report; error: Report },
): void {
  // The SDK sends `{}` for an empty input; an empty body means the same to the service.
  const request = call.request.trim() === '' ? {} : parse(call.request, report.request);
  if (request !== undefined && operation.input)
    checkJson(model, operation.input.shape, request, '$', report.request);

  if (call.response === undefined) return;
  if (call.status === 200) {
    const output = parse(call.response, report.response);
    if (output !== undefined && operation.output)
      checkJson(model, operation.output.shape, output, '$', report.response);
    return;
  }
  checkJsonError(model, operation, call.status, call.response, report.error);
}

function checkJsonError(
  model: ServiceModel,
  operation: OperationDef,
  status: number,
  text: string,
  report: Report,
): void {
  const body = parse(text, report);
  if (body === undefined) return;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    report('$', 'an error body is a JSON object');
    return;
  }
  const { __type: type, ...rest } = body as Record<string, unknown>;
  if (typeof type !== 'string') {
    report('$.__type', 'an error names its code in __type');
    return;
  }
  // AWS may qualify the code (`com.amazonaws.ecs#ClientException`, `Code:http://...`): the SDK reads
  // the part after `#` and before `:`.
  const code = type.replace(/^.*#/, '').replace(/:.*$/, '');
  const known = knownError(model, operation, code);
  if (!known) {
    report('$.__type', `'${code}' is neither an error of the model nor a common error`);
    return;
  }
  if (!known.declared) report('$.__type', `${operation.name} does not declare the error ${code}`);
  if (!known.status(status))
    report('$', `${code} is answered with HTTP ${status}, not the status AWS gives it`);
  if (known.shapeName) checkJson(model, known.shapeName, rest, '$', report);
  else {
    for (const key of Object.keys(rest)) {
      if (key !== 'message' && key !== 'Message')
        report(`$.${key}`, `unknown member '${key}' of a common error`);
    }
  }
}
