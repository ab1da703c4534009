// Which error codes an operation may answer. botocore lists each operation's own errors; every AWS
// service may also answer the errors "common to the API actions of all AWS services" (ECS and
// Elastic Load Balancing API references, "Common Errors"), which the models leave out. The protocol
// layers add their own: a JSON service answers UnknownOperationException / SerializationException
// for a target or body it cannot read; Query services have MissingAction and `Throttling` (the code
// ELBv2 answers on the wire, where the page now writes ThrottlingException).
import type { OperationDef, ServiceModel, ShapeDef } from './model.js';

/** Common error code -> the HTTP status AWS documents for it. */
const COMMON: Record<string, number> = {
  AccessDeniedException: 400,
  IncompleteSignature: 400,
  InternalFailure: 500,
  InvalidAction: 400,
  InvalidClientTokenId: 403,
  NotAuthorized: 400,
  OptInRequired: 403,
  RequestExpired: 400,
  ServiceUnavailable: 503,
  ThrottlingException: 400,
  ValidationError: 400,
};

const JSON_PROTOCOL: Record<string, number> = {
  UnknownOperationException: 400,
  SerializationException: 400,
};

const QUERY_PROTOCOL: Record<string, number> = {
  Throttling: 400,
  MissingAction: 400,
  MalformedQueryString: 404,
  InvalidParameterValue: 400,
  InvalidParameterCombination: 400,
  InvalidQueryParameter: 400,
  MissingParameter: 400,
  MissingAuthenticationToken: 403,
};

export interface KnownError {
  code: string;
  /** The model's exception shape, for errors the model defines. */
  shape?: ShapeDef;
  shapeName?: string;
  /** Whether the operation declares it (else it is a common error). */
  declared: boolean;
  /** The HTTP status(es) AWS answers it with. */
  status: (status: number) => boolean;
  /** Query protocol: `Sender` or `Receiver`. */
  fault: 'Sender' | 'Receiver';
}

/** The model's exception shapes by their wire code: the shape name (JSON) or `error.code` (Query). */
function exceptionsByCode(model: ServiceModel): Map<string, [string, ShapeDef]> {
  const map = new Map<string, [string, ShapeDef]>();
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (shape.exception) map.set(shape.error?.code ?? name, [name, shape]);
  }
  return map;
}

const byModel = new WeakMap<ServiceModel, Map<string, [string, ShapeDef]>>();

/** What the model and the common-error pages say about `code` for `operation`, or undefined if nothing. */
export function knownError(
  model: ServiceModel,
  operation: OperationDef,
  code: string,
): KnownError | undefined {
  let exceptions = byModel.get(model);
  if (!exceptions) {
    exceptions = exceptionsByCode(model);
    byModel.set(model, exceptions);
  }
  // A query-compatible JSON service (CloudWatch) names the error shape in __type and its Query
  // code in x-amzn-query-error: the shape name finds it as well as the code.
  const byShape = model.shapes[code];
  const modelled =
    exceptions.get(code) ?? (byShape?.exception ? ([code, byShape] as [string, ShapeDef]) : undefined);
  if (modelled) {
    const [shapeName, shape] = modelled;
    const declared = (operation.errors ?? []).some((e) => e.shape === shapeName);
    const expected = shape.error?.httpStatusCode;
    // JSON models mark a server fault `fault: true`; Query models `senderFault: false`, or leave
    // senderFault out and give a 5xx status.
    const serverFault =
      shape.fault === true ||
      shape.error?.senderFault === false ||
      (shape.error?.senderFault === undefined && expected !== undefined && expected >= 500);
    return {
      code,
      shape,
      shapeName,
      // CloudWatch's "Common Errors" page lists InvalidParameterValue, MissingParameter and
      // InvalidParameterCombination for every action, though its model declares them on a few.
      declared:
        declared ||
        code in COMMON ||
        (model.metadata.awsQueryCompatible !== undefined && (shape.error?.code ?? code) in QUERY_PROTOCOL),
      status: (s) => (expected !== undefined ? s === expected : serverFault ? s >= 500 : s >= 400 && s < 500),
      fault: serverFault ? 'Receiver' : 'Sender',
    };
  }
  const protocolErrors =
    model.metadata.protocol === 'query'
      ? QUERY_PROTOCOL
      : model.metadata.awsQueryCompatible
        ? { ...JSON_PROTOCOL, ...QUERY_PROTOCOL }
        : JSON_PROTOCOL;
  const status = COMMON[code] ?? protocolErrors[code];
  if (status === undefined) return undefined;
  return { code, declared: true, status: (s) => s === status, fault: status >= 500 ? 'Receiver' : 'Sender' };
}
