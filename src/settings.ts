// Every input, parsed and validated once into one immutable Settings. The rest of the code never
// calls core.getInput. Every problem is collected and reported at once, each
// with the input's name, what was wrong and what to write instead; nothing is clamped or guessed.
import * as core from '@actions/core';
import { parseBoolean, parseChoice } from './parse/choice.js';
import { formatDuration, parseDuration } from './parse/duration.js';
import { CONTAINER_NAME, checkImage, parseImageList } from './parse/images.js';
import { parseTaskQuantity, parseWholeNumber } from './parse/quantity.js';
import type { Parsed } from './parse/result.js';
import { parseStatusRanges } from './parse/status.js';
import { parseRollbackTarget, parseTaskDefinitionSource } from './parse/task-definition-ref.js';
import { parseHttpUrl, parseHttpUrlList } from './parse/urls.js';
import type { TaskQuantity } from './rollout/types.js';
import { urlSecrets } from './secrets.js';
import { resolve } from 'node:path';

export type Mode = 'deploy' | 'rollback' | 'plan';

/** Where the new task definition comes from. */
export type TaskDefinitionSource =
  | { kind: 'file'; path: string }
  /** `family`, `family:revision` or a full task definition ARN of an already registered revision. */
  | { kind: 'registered'; ref: string };

export type RollbackTarget =
  { kind: 'previous' } | { kind: 'revision'; revision: number } | { kind: 'arn'; arn: string };

/** An inclusive range of HTTP status codes that count as healthy, e.g. 200-399. */
export interface StatusRange {
  min: number;
  max: number;
}

export interface Settings {
  readonly mode: Mode;
  readonly cluster: string;
  readonly service: string;
  /** Required in deploy and plan modes; unused in rollback mode. */
  readonly taskDefinition?: TaskDefinitionSource;
  /** Container name -> image, from `container-name` + `image` and from `images`. */
  readonly images: ReadonlyMap<string, string>;
  readonly batchSize: TaskQuantity;
  readonly maxUnavailable: TaskQuantity;
  readonly batchTimeoutMs: number;
  readonly rolloutTimeoutMs: number;
  readonly healthCheckUrls: readonly string[];
  readonly healthCheckStatus: readonly StatusRange[];
  /** Consecutive failed HTTP checks of one URL that fail the rollout. */
  readonly healthCheckThreshold: number;
  /** Per batch: how long every gate must keep passing after the batch is healthy (0 = none). */
  readonly bakeTimeMs: number;
  /** Release the next batch while the previous batch's old tasks drain. */
  readonly drainOverlap: boolean;
  readonly rollbackOnFailure: boolean;
  readonly waitForIdle: boolean;
  readonly rollbackTo: RollbackTarget;
  readonly onCancel: 'rollback' | 'leave';
  readonly githubToken: string;
  readonly report: 'check' | 'status' | 'none';
  readonly checkName: string;
  readonly environment?: string;
  readonly environmentUrl?: string;
}

/** The action's inputs by name, as action.yml declares them. */
export const INPUT = {
  cluster: 'cluster',
  service: 'service',
  taskDefinition: 'task-definition',
  containerName: 'container-name',
  image: 'image',
  images: 'images',
  batchSize: 'batch-size',
  maxUnavailable: 'max-unavailable',
  batchTimeout: 'batch-timeout',
  rolloutTimeout: 'rollout-timeout',
  healthCheckUrl: 'health-check-url',
  healthCheckStatus: 'health-check-status',
  healthCheckThreshold: 'health-check-threshold',
  bakeTime: 'bake-time',
  drainOverlap: 'drain-overlap',
  rollbackOnFailure: 'rollback-on-failure',
  waitForIdle: 'wait-for-idle',
  mode: 'mode',
  rollbackTo: 'rollback-to',
  onCancel: 'on-cancel',
  githubToken: 'github-token',
  report: 'report',
  checkName: 'check-name',
  environment: 'environment',
  environmentUrl: 'environment-url',
} as const;

export type InputName = (typeof INPUT)[keyof typeof INPUT];

/** The action's outputs by name, as action.yml declares them. */
export const OUTPUT = {
  taskDefinitionArn: 'task-definition-arn',
  previousTaskDefinitionArn: 'previous-task-definition-arn',
  outcome: 'outcome',
  batches: 'batches',
  durationSeconds: 'duration-seconds',
  failureReason: 'failure-reason',
} as const;

/**
 * The defaults action.yml declares (a test keeps the two in step). A runner sets every input that
 * has a default, whether the step names it or not, so a value equal to its default is never taken
 * as the user's choice. They are applied here too for a run outside a runner, where an input that
 * is not set reads as ''. github-token's runner default is `${{ github.token }}`, which has no
 * local equivalent.
 */
export const DEFAULTS: Readonly<Partial<Record<InputName, string>>> = {
  cluster: 'default',
  'batch-size': '25%',
  'max-unavailable': '0',
  'batch-timeout': '10m',
  'rollout-timeout': '60m',
  'health-check-status': '200-399',
  'health-check-threshold': '3',
  'bake-time': '0s',
  'drain-overlap': 'true',
  'rollback-on-failure': 'true',
  'wait-for-idle': 'false',
  mode: 'deploy',
  'rollback-to': 'previous',
  'on-cancel': 'rollback',
  report: 'check',
};

export interface SettingsProblem {
  input: InputName;
  /** `batch-size: "0" is not a task count or percentage; write ...` */
  message: string;
}

/** Every problem found in the inputs, listed in one message. */
export class SettingsError extends Error {
  readonly problems: readonly SettingsProblem[];
  constructor(problems: readonly SettingsProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`The action's inputs have ${count}:\n${problems.map((p) => `- ${p.message}`).join('\n')}`);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

/** Reads one input by name; `core.getInput` trims it. */
export type InputReader = (name: string) => string;

export const coreInput: InputReader = (name) => core.getInput(name);

const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const ARN_PREFIX = 'arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}';
const CLUSTER_ARN = new RegExp(`^${ARN_PREFIX}:cluster/[A-Za-z0-9_-]{1,255}$`);
/** Both service ARN formats: the old `service/<name>` and the long `service/<cluster>/<name>`. */
const SERVICE_ARN = new RegExp(`^${ARN_PREFIX}:service/(?:[A-Za-z0-9_-]{1,255}/)?[A-Za-z0-9_-]{1,255}$`);

/**
 * Multi-line inputs and URLs are not quoted back whole: the problem names the line at fault, and a
 * URL may carry credentials the parser has already redacted.
 */
const NOT_QUOTED: ReadonlySet<InputName> = new Set([
  'images',
  'health-check-url',
  'environment-url',
] as const);

/**
 * Reads and validates every input. Throws one SettingsError listing every problem. The GitHub
 * token is masked before anything else happens, so no later message can print it.
 */
export function readSettings(
  read: InputReader = coreInput,
  mask: (secret: string) => void = core.setSecret,
  workspace: string = process.env['GITHUB_WORKSPACE'] || process.cwd(),
): Settings {
  const problems: SettingsProblem[] = [];
  const raw = (name: InputName): string => {
    const value = read(name).trim();
    return value === '' ? (DEFAULTS[name] ?? '') : value;
  };
  // Set, and not to its default: the runner sets every defaulted input, so only a different value
  // is the user's choice. A rule "X is only used with Y" fires on a choice, never on a default.
  const given = (name: InputName): boolean => {
    const value = read(name).trim();
    return value !== '' && value !== DEFAULTS[name];
  };
  const complain = (input: InputName, message: string): void => {
    problems.push({ input, message: `${input}: ${message}` });
  };
  function take<T>(name: InputName, parsed: Parsed<T>, fallback: T): T {
    if (parsed.ok) return parsed.value;
    const quoted = NOT_QUOTED.has(name) ? '' : `${JSON.stringify(raw(name))} `;
    complain(name, `${quoted}${parsed.problem}; ${parsed.fix}`);
    return fallback;
  }

  const githubToken = raw(INPUT.githubToken);
  if (githubToken !== '') mask(githubToken);
  // URLs may carry credentials (user:password@, ?token=): masked before any message can quote them.
  for (const name of [INPUT.healthCheckUrl, INPUT.environmentUrl] as const) {
    for (const line of raw(name).split(/\r?\n/)) for (const secret of urlSecrets(line.trim())) mask(secret);
    // (urlSecrets leaves out values too short to be secrets, such as ?debug=1: masking `1` or `true`
    // would hide it in every line of the job's log. The action never prints a URL's query anyway.)
  }

  const parsedMode = parseChoice(raw(INPUT.mode), ['deploy', 'rollback', 'plan'] as const);
  const mode = take(INPUT.mode, parsedMode, 'deploy');
  // With a mode that is not one, the rules that depend on the mode would only add noise.
  const modeKnown = parsedMode.ok;

  let cluster = raw(INPUT.cluster);
  if (!ECS_NAME.test(cluster) && !CLUSTER_ARN.test(cluster)) {
    complain(
      INPUT.cluster,
      `${JSON.stringify(cluster)} is not a cluster name or ARN; write the cluster's name (e.g. production) or its ARN`,
    );
  }
  const service = raw(INPUT.service);
  if (service === '') {
    complain(INPUT.service, 'is required; write the name of the ECS service to deploy (e.g. web)');
  } else if (!ECS_NAME.test(service) && !SERVICE_ARN.test(service)) {
    complain(
      INPUT.service,
      `${JSON.stringify(service)} is not a service name or ARN; write the service's name (e.g. web) or its ARN`,
    );
  }

  // A long-format service ARN names its cluster: it must be the one deployed to. With `cluster`
  // left at its default, the ARN's cluster is the one meant.
  const arnCluster = clusterOfServiceArn(service);
  if (arnCluster !== undefined && clusterName(cluster) !== arnCluster) {
    if (!given(INPUT.cluster)) cluster = arnCluster;
    else
      complain(
        INPUT.service,
        `is a service of cluster "${arnCluster}", but cluster is "${cluster}"; set cluster: ${arnCluster}, or give the ARN of the service in ${cluster}`,
      );
  }

  let taskDefinition: TaskDefinitionSource | undefined;
  if (given(INPUT.taskDefinition)) {
    taskDefinition = take(
      INPUT.taskDefinition,
      parseTaskDefinitionSource(raw(INPUT.taskDefinition)),
      undefined,
    );
    // A runner runs the action in GITHUB_WORKSPACE: a relative path means a file of the checkout.
    if (taskDefinition?.kind === 'file')
      taskDefinition = { ...taskDefinition, path: resolve(workspace, taskDefinition.path) };
  }

  // Rollback mode uses none of the image inputs; each given one is reported once, below.
  const images = mode === 'rollback' ? new Map<string, string>() : readImages(raw, given, complain, take);

  if (!modeKnown) {
    // reported above
  } else if (mode === 'rollback') {
    for (const name of [INPUT.taskDefinition, INPUT.containerName, INPUT.image, INPUT.images] as const) {
      if (given(name)) {
        complain(
          name,
          'is not used in rollback mode, which goes back to an earlier task definition; remove it, or set mode: deploy',
        );
      }
    }
  } else if (!given(INPUT.taskDefinition)) {
    complain(
      INPUT.taskDefinition,
      `is required in ${mode} mode; write a JSON file path (e.g. task-definition.json), a family[:revision] (e.g. web:3) or a task definition ARN`,
    );
  }

  const rollbackTo = take(INPUT.rollbackTo, parseRollbackTarget(raw(INPUT.rollbackTo)), {
    kind: 'previous',
  } as RollbackTarget);
  if (modeKnown && mode !== 'rollback' && rollbackTo.kind !== 'previous') {
    complain(INPUT.rollbackTo, `is only used in rollback mode; remove it, or set mode: rollback`);
  }

  const batchSize = take(INPUT.batchSize, parseTaskQuantity(raw(INPUT.batchSize), 1), {
    kind: 'percent',
    value: 25,
  } as TaskQuantity);
  const maxUnavailable = take(INPUT.maxUnavailable, parseTaskQuantity(raw(INPUT.maxUnavailable), 0), {
    kind: 'count',
    value: 0,
  } as TaskQuantity);

  const batchTimeoutMs = take(INPUT.batchTimeout, parseDuration(raw(INPUT.batchTimeout)), NaN);
  const rolloutTimeoutMs = take(INPUT.rolloutTimeout, parseDuration(raw(INPUT.rolloutTimeout)), NaN);
  if (batchTimeoutMs > rolloutTimeoutMs) {
    complain(
      INPUT.batchTimeout,
      `${formatDuration(batchTimeoutMs)} is longer than rollout-timeout (${formatDuration(rolloutTimeoutMs)}); write a batch-timeout no longer than rollout-timeout, or raise rollout-timeout`,
    );
  }

  const healthCheckUrls = given(INPUT.healthCheckUrl)
    ? take(INPUT.healthCheckUrl, parseHttpUrlList(raw(INPUT.healthCheckUrl)), [] as string[])
    : [];
  const healthCheckStatus = take(
    INPUT.healthCheckStatus,
    parseStatusRanges(raw(INPUT.healthCheckStatus)),
    [],
  );
  const healthCheckThreshold = take(
    INPUT.healthCheckThreshold,
    parseWholeNumber(raw(INPUT.healthCheckThreshold), 1, 100),
    3,
  );
  // The target groups' own checks have their matcher in AWS; these two shape only the URL checks,
  // so setting them without a URL would silently do nothing.
  if (!given(INPUT.healthCheckUrl)) {
    for (const name of [INPUT.healthCheckStatus, INPUT.healthCheckThreshold] as const) {
      if (given(name)) {
        complain(
          name,
          'is only used with health-check-url; set health-check-url (e.g. https://example.com/health) or remove it',
        );
      }
    }
  }

  const bakeTimeMs = take(INPUT.bakeTime, parseDuration(raw(INPUT.bakeTime), { allowZero: true }), 0);
  // batch-timeout counts from the batch's release and includes the bake time, which starts only once
  // the batch is healthy: a bake time as long as the batch timeout can never pass either.
  if (bakeTimeMs >= batchTimeoutMs) {
    complain(
      INPUT.bakeTime,
      `${formatDuration(bakeTimeMs)} is not shorter than batch-timeout (${formatDuration(batchTimeoutMs)}), which includes it, so no batch could pass; write a shorter bake-time, or raise batch-timeout`,
    );
  }
  const drainOverlap = take(INPUT.drainOverlap, parseBoolean(raw(INPUT.drainOverlap)), true);
  const rollbackOnFailure = take(INPUT.rollbackOnFailure, parseBoolean(raw(INPUT.rollbackOnFailure)), true);
  const waitForIdle = take(INPUT.waitForIdle, parseBoolean(raw(INPUT.waitForIdle)), false);
  const onCancel = take(
    INPUT.onCancel,
    parseChoice(raw(INPUT.onCancel), ['rollback', 'leave'] as const),
    'rollback',
  );
  const report = take(
    INPUT.report,
    parseChoice(raw(INPUT.report), ['check', 'status', 'none'] as const),
    'check',
  );

  const checkName = given(INPUT.checkName) ? raw(INPUT.checkName) : `ECS deploy ${cluster}/${service}`;
  if (given(INPUT.checkName) && report === 'none') {
    complain(INPUT.checkName, 'is not used with report: none; remove it, or set report: check');
  }

  const environment = given(INPUT.environment) ? raw(INPUT.environment) : undefined;
  let environmentUrl: string | undefined;
  if (given(INPUT.environmentUrl)) {
    environmentUrl = take(INPUT.environmentUrl, parseHttpUrl(raw(INPUT.environmentUrl)), undefined);
    if (environment === undefined) {
      complain(
        INPUT.environmentUrl,
        'is only used with environment; set environment (e.g. production) or remove environment-url',
      );
    }
  }

  if (problems.length > 0) throw new SettingsError(problems);

  const settings: Settings = {
    mode,
    cluster,
    service,
    ...(taskDefinition && mode !== 'rollback' ? { taskDefinition } : {}),
    images,
    batchSize,
    maxUnavailable,
    batchTimeoutMs,
    rolloutTimeoutMs,
    healthCheckUrls: Object.freeze(healthCheckUrls),
    healthCheckStatus: Object.freeze(healthCheckStatus),
    healthCheckThreshold,
    bakeTimeMs,
    drainOverlap,
    rollbackOnFailure,
    waitForIdle,
    rollbackTo,
    onCancel,
    githubToken,
    report,
    checkName,
    ...(environment !== undefined ? { environment } : {}),
    ...(environmentUrl !== undefined ? { environmentUrl } : {}),
  };
  return Object.freeze(settings);
}

/** `container-name` + `image` and `images`, merged; a container named twice is an error. */
function readImages(
  raw: (name: InputName) => string,
  given: (name: InputName) => boolean,
  complain: (input: InputName, message: string) => void,
  take: <T>(name: InputName, parsed: Parsed<T>, fallback: T) => T,
): ReadonlyMap<string, string> {
  const images = given(INPUT.images)
    ? take(INPUT.images, parseImageList(raw(INPUT.images)), new Map<string, string>())
    : new Map<string, string>();
  const name = raw(INPUT.containerName);
  const image = raw(INPUT.image);
  if (given(INPUT.image) && !given(INPUT.containerName)) {
    complain(
      INPUT.image,
      'is given without container-name; set container-name to the container whose image it is (e.g. web), or use images: web=<image>',
    );
  } else if (given(INPUT.containerName) && !given(INPUT.image)) {
    complain(
      INPUT.containerName,
      'is given without image; set image (e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2), or remove container-name',
    );
  } else if (given(INPUT.containerName)) {
    const checked = checkImage(image);
    if (!CONTAINER_NAME.test(name)) {
      complain(
        INPUT.containerName,
        `${JSON.stringify(name)} is not an ECS container name; write the name from the task definition's containerDefinitions (letters, numbers, _ and -)`,
      );
    } else if (!checked.ok) {
      complain(
        INPUT.image,
        `${JSON.stringify(image)} is not an image reference (${checked.problem.replace(/^has /, '')}); write an image reference without spaces, at most 255 characters (e.g. web:2)`,
      );
    } else if (images.has(name)) {
      complain(
        INPUT.images,
        `names container "${name}" which container-name also names; give each container's image once`,
      );
    } else {
      images.set(name, image);
    }
  }
  return images;
}

/** `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>` -> cluster; the old `service/<name>` form names none. */
export function clusterOfServiceArn(service: string): string | undefined {
  const m =
    /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]{1,255})\/[A-Za-z0-9_-]{1,255}$/.exec(
      service,
    );
  return m?.[1];
}

/** A cluster input's name: itself, or the name in its ARN. */
function clusterName(cluster: string): string {
  const m = /:cluster\/([A-Za-z0-9_-]{1,255})$/.exec(cluster);
  return m?.[1] ?? cluster;
}
