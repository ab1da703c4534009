// Every input, parsed and validated once into one immutable Settings. The rest of the code never
// calls core.getInput. Every problem is collected and reported at once, each
// with the input's name, what was wrong and what to write instead; nothing is clamped or guessed.
import * as core from '@actions/core';
import { parseBoolean, parseChoice } from './parse/choice.js';
import type { TaskQuantity } from './parse/quantity.js';
import type { StatusRange } from './parse/status.js';
import type { RollbackTarget, TaskDefinitionSource } from './parse/task-definition-ref.js';
import { urlSecrets } from './secrets.js';
import { readAlarms } from './settings/alarms.js';
import { inputsOf, type InputReader, type SettingsProblem } from './settings/context.js';
import { readHealthChecks } from './settings/health-checks.js';
import { readImages } from './settings/images.js';
import { INPUT, type Mode } from './settings/inputs.js';
import { readKeepRevisions } from './settings/keep-revisions.js';
import { readBake, readPacing } from './settings/pacing.js';
import { readPreDeploy, type PreDeploySettings } from './settings/pre-deploy.js';
import { readReporting } from './settings/reporting.js';
import { readServices } from './settings/services.js';
import { checkTaskDefinitionUse, readRollbackTo, readTaskDefinitions } from './settings/task-definitions.js';

/** One service of the step and the task definition it gets (several: `service` lists one a line). */
export interface ServiceTarget {
  readonly service: string;
  /** Required in deploy and plan modes; unused in rollback mode. */
  readonly taskDefinition?: TaskDefinitionSource;
}

export interface Settings {
  readonly mode: Mode;
  readonly cluster: string;
  /** The first (usually the only) service; `services` lists every one, this one first. */
  readonly service: string;
  /**
   * Every service of the step, in the order given (one entry for one service). Several deploy
   * together, each its own rollout; see src/modes/deploy-many.ts.
   */
  readonly services: readonly ServiceTarget[];
  /** With several services, when one fails: restore all (`rollback-all`) or only it (`continue`). */
  readonly onPartialFailure: 'rollback-all' | 'continue';
  /** Required in deploy and plan modes; unused in rollback mode. */
  readonly taskDefinition?: TaskDefinitionSource;
  /** Container name -> image, from `container-name` + `image` and from `images`. */
  readonly images: ReadonlyMap<string, string>;
  /** The first step of batchSchedule: the first batch's size (its blast radius). */
  readonly batchSize: TaskQuantity;
  /** `batch-size` as a schedule: batch k takes step k, the last repeats; one step for a single size. */
  readonly batchSchedule: readonly TaskQuantity[];
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
  /** CloudWatch alarm names the rollout gates on (the `alarms` input), in the order given. */
  readonly alarms: readonly string[];
  /** Also gate on the alarms the service names in deploymentConfiguration.alarms (when enabled). */
  readonly useServiceAlarms: boolean;
  /** An alarm in ALARM before the rollout warns instead of refusing; it gates once it has left ALARM. */
  readonly ignoreAlarmsAtStart: boolean;
  /** A one-off task run with the new task definition before the service changes (deploy mode). */
  readonly preDeploy?: PreDeploySettings;
  /** After a successful rollout, keep this many newest ACTIVE revisions of the family (unset: off). */
  readonly keepRevisions?: number;
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

export const coreInput: InputReader = (name) => core.getInput(name);

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
  const inputs = inputsOf(read, problems);
  const { raw, given, complain, take } = inputs;

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
  const knownMode = parsedMode.ok ? mode : undefined;

  // The order of the reads is the order of the problems in the message.
  const { cluster, service, services } = readServices(inputs);
  const taskDefinitionOf = readTaskDefinitions(inputs, services, workspace);
  const taskDefinition = taskDefinitionOf(0);
  // Rollback mode uses none of the image inputs; each given one is reported once, below.
  const images = mode === 'rollback' ? new Map<string, string>() : readImages(inputs);
  checkTaskDefinitionUse(inputs, knownMode);
  const rollbackTo = readRollbackTo(inputs, knownMode);
  const pacing = readPacing(inputs);
  const healthChecks = readHealthChecks(inputs);
  const { bakeTimeMs, drainOverlap } = readBake(inputs, pacing.batchTimeoutMs);
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

  const onPartialFailure = take(
    INPUT.onPartialFailure,
    parseChoice(raw(INPUT.onPartialFailure), ['rollback-all', 'continue'] as const),
    'rollback-all',
  );
  if (given(INPUT.onPartialFailure) && services.length === 1) {
    complain(
      INPUT.onPartialFailure,
      'is only used with several services; list the services one a line in service, or remove it',
    );
  }

  const reporting = readReporting(inputs, report, cluster, service, services);
  const preDeploy = readPreDeploy(inputs, knownMode);
  const keepRevisions = readKeepRevisions(inputs, knownMode);
  const alarms = readAlarms(inputs);

  if (problems.length > 0) throw new SettingsError(problems);

  const settings: Settings = {
    mode,
    cluster,
    service,
    services: Object.freeze(
      services.map((name, index): ServiceTarget => {
        const source = taskDefinitionOf(index);
        return Object.freeze({
          service: name,
          ...(source && mode !== 'rollback' ? { taskDefinition: source } : {}),
        });
      }),
    ),
    onPartialFailure,
    ...(taskDefinition && mode !== 'rollback' ? { taskDefinition } : {}),
    images,
    batchSize: pacing.batchSize,
    batchSchedule: Object.freeze(pacing.batchSchedule),
    maxUnavailable: pacing.maxUnavailable,
    batchTimeoutMs: pacing.batchTimeoutMs,
    rolloutTimeoutMs: pacing.rolloutTimeoutMs,
    healthCheckUrls: Object.freeze(healthChecks.healthCheckUrls),
    healthCheckStatus: Object.freeze(healthChecks.healthCheckStatus),
    healthCheckThreshold: healthChecks.healthCheckThreshold,
    bakeTimeMs,
    drainOverlap,
    rollbackOnFailure,
    waitForIdle,
    rollbackTo,
    onCancel,
    githubToken,
    report,
    ...reporting,
    ...(preDeploy ? { preDeploy } : {}),
    ...(keepRevisions > 0 ? { keepRevisions } : {}),
    alarms: Object.freeze(alarms.alarms),
    useServiceAlarms: alarms.useServiceAlarms,
    ignoreAlarmsAtStart: alarms.ignoreAlarmsAtStart,
  };
  return Object.freeze(settings);
}
