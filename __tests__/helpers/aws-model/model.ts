// AWS's own service models, as botocore ships them (`botocore/data/<service>/<version>/
// service-2.json.gz`): the same definitions AWS generates its SDKs from, so a shape the emulator
// answers can be checked against what AWS says the operation takes and returns. botocore is found
// through python3 once per process; without it the models are absent and callers skip with a reason.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** A member of a structure: the shape it has. */
export interface MemberRef {
  shape: string;
  locationName?: string;
}

/** The parts of a botocore shape the validator reads. */
export interface ShapeDef {
  type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'boolean'
    | 'timestamp'
    | 'double'
    | 'float'
    | 'blob';
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  enum?: string[];
  min?: number;
  max?: number;
  /** A structure whose content is free-form JSON. */
  document?: boolean;
  exception?: boolean;
  /** ECS: a server fault (HTTP 5xx). */
  fault?: boolean;
  /** Query protocol: the error code on the wire and its HTTP status. */
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  flattened?: boolean;
}

export interface OperationDef {
  name: string;
  input?: { shape: string };
  output?: { shape: string; resultWrapper?: string };
  errors?: { shape: string }[];
}

export interface ServiceModel {
  metadata: {
    protocol: string;
    apiVersion: string;
    targetPrefix?: string;
    xmlNamespace?: string;
    serviceId: string;
    /** Present for a JSON service that keeps its Query error codes (x-amzn-query-error). */
    awsQueryCompatible?: Record<string, never>;
  };
  operations: Record<string, OperationDef>;
  shapes: Record<string, ShapeDef>;
}

export interface AwsModels {
  ecs: ServiceModel;
  elbv2: ServiceModel;
  /** AWS JSON 1.0, awsQueryCompatible (the protocol @aws-sdk/client-cloudwatch speaks). */
  cloudwatch: ServiceModel;
  /** Where they were read from, for messages. */
  dataDir: string;
  botocoreVersion: string;
}

const MODEL_FILES = {
  ecs: join('ecs', '2014-11-13', 'service-2.json.gz'),
  elbv2: join('elbv2', '2015-12-01', 'service-2.json.gz'),
  cloudwatch: join('cloudwatch', '2010-08-01', 'service-2.json.gz'),
} as const;

let cached: { models: AwsModels } | { missing: string } | undefined;

/**
 * botocore's models for ECS, ELBv2 and CloudWatch, read once per process, or why they cannot be: python3 or
 * botocore absent, or a model file missing.
 */
export function loadAwsModels(): { models: AwsModels } | { missing: string } {
  cached ??= readModels();
  return cached;
}

/** The models, or throws saying why they are absent (for callers that checked first). */
export function requireAwsModels(): AwsModels {
  const loaded = loadAwsModels();
  if ('missing' in loaded) throw new Error(`AWS service models unavailable: ${loaded.missing}`);
  return loaded.models;
}

function readModels(): { models: AwsModels } | { missing: string } {
  const found = spawnSync(
    'python3',
    ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__)); print(botocore.__version__)'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (found.status !== 0) {
    const why = found.error?.message ?? found.stderr.trim().split('\n').pop() ?? `exit ${found.status}`;
    return { missing: `python3 cannot import botocore (${why}); install it with pip install botocore` };
  }
  const [dir = '', botocoreVersion = ''] = found.stdout.trim().split('\n');
  const dataDir = join(dir, 'data');
  const read = (file: string): ServiceModel | string => {
    const path = join(dataDir, file);
    if (!existsSync(path)) return `${path} does not exist`;
    return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as ServiceModel;
  };
  const ecs = read(MODEL_FILES.ecs);
  const elbv2 = read(MODEL_FILES.elbv2);
  const cloudwatch = read(MODEL_FILES.cloudwatch);
  if (typeof ecs === 'string') return { missing: ecs };
  if (typeof elbv2 === 'string') return { missing: elbv2 };
  if (typeof cloudwatch === 'string') return { missing: cloudwatch };
  return { models: { ecs, elbv2, cloudwatch, dataDir, botocoreVersion } };
}

/** A shape by name; a model that names a shape it does not define is broken, not the emulator. */
export function shapeOf(model: ServiceModel, name: string): ShapeDef {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`${model.metadata.serviceId} model has no shape ${name}`);
  return shape;
}
