// The deploy orchestration main calls: preflight (no mutation) -> resolve and validate the task
// definition (no mutation) -> register (skipped when unchanged) -> plan -> gated rollout -> record
// the release on the service. Every wait is bounded; every change is preceded by a saved state, so
// the post step can restore a rollout this process could not finish.
import type { ServiceDriver } from './platform/service-driver.js';
import { errorMessage } from './platform/errors.js';
import { releaseTags, resolveRollbackTarget } from './modes/rollback.js';
import { taskDefinitionName } from './rollout/describe-state.js';
import { planBatches } from './rollout/plan.js';
import { restoreStatus } from './rollout/restore.js';
import { callWithRetry, sleepQuietly } from './rollout/retry.js';
import { runRollout, type RunPhase } from './rollout/run.js';
import type {
  BatchPlan,
  Clock,
  DeploymentView,
  HttpProbe,
  RolloutListener,
  RolloutResult,
  ServiceView,
} from './rollout/types.js';
import type { Settings } from './settings.js';
import type { RolloutState } from './state.js';
import {
  imageChanges,
  readTaskDefinitionFile,
  registrationBody,
  sameDefinition,
  substituteImages,
  type ImageChange,
  type TaskDefinitionBody,
} from './taskdef.js';

export interface DeployLog {
  /** A timestamped progress line. */
  line(text: string): void;
  warning(text: string): void;
}

export interface DeployOptions {
  settings: Settings;
  driver: ServiceDriver;
  clock: Clock;
  log: DeployLog;
  listeners?: readonly RolloutListener[];
  probe?: HttpProbe;
  /** Cancellation: the rollout stops waiting and rolls back (when rollback-on-failure). */
  signal?: AbortSignal;
  /** Saves progress for the post step; called at every phase with the fields known so far. */
  saveState?: (update: Partial<RolloutState>) => void;
  /** Poll interval of the preflight and verify waits (default 2 s). */
  waitPollMs?: number;
}

export interface DeployResult {
  outcome: RolloutResult['outcome'];
  previousTaskDefinitionArn: string;
  newTaskDefinitionArn: string;
  /** False when the new definition equalled the service's current one (or an existing revision was given). */
  registered: boolean;
  /** True when the service already ran the definition: nothing rolled, health verified only. */
  unchanged: boolean;
  imageChanges: ImageChange[];
  plan?: BatchPlan;
  rollout?: RolloutResult;
  startedAt: number;
  durationMs: number;
  notes: string[];
  /** Why it failed, in one message (the `failure-reason` output). */
  failureMessage?: string;
  /** What the step's one error annotation says: the failure and what became of the service. */
  stepFailure?: string;
}

/** The target of the rollout, resolved before anything changes. */
interface Target {
  /** Set when the definition is already registered (a ref, a rollback, or unchanged). */
  arn?: string;
  /** The body to register, when `arn` is not set. */
  body?: TaskDefinitionBody;
  /** The definition as it will run, for image changes. */
  runs: TaskDefinitionBody;
}

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const { settings, driver, clock, log } = opts;
  const save = opts.saveState ?? ((): void => undefined);
  const startedAt = clock.now();
  const notes: string[] = [];
  save({ phase: 'preflight', startedAt });

  // 1. Preflight: read-only.
  const service = await preflight(opts);
  const previousTaskDefinitionArn = service.taskDefinitionArn;
  const current = await driver.describeTaskDefinition(previousTaskDefinitionArn);
  log.line(
    `service ${settings.service} in cluster ${settings.cluster}: ${service.desiredCount} tasks of ` +
      `${taskDefinitionName(previousTaskDefinitionArn)}, target groups ${service.targetGroupArns.length}, ` +
      `deployment settings maximumPercent ${service.settings.maximumPercent} / minimumHealthyPercent ${service.settings.minimumHealthyPercent}`,
  );

  // 2. What to deploy, validated before any mutating call.
  const target = await resolveTarget(opts);
  const changes = imageChanges(current.body, target.runs);
  const unchanged =
    target.arn === previousTaskDefinitionArn ||
    (target.arn === undefined && target.body !== undefined && sameDefinition(target.body, current.body));
  save({
    phase: 'preflight',
    previousTaskDefinitionArn,
    desiredCount: service.desiredCount,
    originalSettings: service.settings,
  });

  const base = { previousTaskDefinitionArn, imageChanges: changes, startedAt, notes };
  if (unchanged) {
    log.line(
      `the task definition equals the service's current ${taskDefinitionName(previousTaskDefinitionArn)}: ` +
        'no new revision registered, no rollout; verifying the service is healthy on it',
    );
    notes.push(`Unchanged: the service already runs this task definition; health verified only.`);
    const verified = await verifyHealthy(opts, previousTaskDefinitionArn);
    save({ phase: 'finished', newTaskDefinitionArn: previousTaskDefinitionArn });
    return {
      ...base,
      outcome: verified.ok ? 'succeeded' : 'failed',
      newTaskDefinitionArn: previousTaskDefinitionArn,
      registered: false,
      unchanged: true,
      durationMs: clock.now() - startedAt,
      ...(verified.ok ? {} : { failureMessage: verified.message }),
    };
  }

  // 3. Register (the first mutating call).
  let newTaskDefinitionArn: string;
  let registered = false;
  if (target.arn !== undefined) {
    newTaskDefinitionArn = target.arn;
    log.line(`deploying the registered ${taskDefinitionName(newTaskDefinitionArn)}`);
  } else {
    const record = await driver.registerTaskDefinition(target.body ?? {});
    newTaskDefinitionArn = record.arn;
    registered = true;
    log.line(`registered ${taskDefinitionName(record.arn)}`);
  }
  for (const change of changes) {
    log.line(`  ${change.container}: ${change.from ?? '(new container)'} -> ${change.to ?? '(removed)'}`);
  }
  save({ phase: 'preflight', newTaskDefinitionArn });

  // 4. Plan, then the gated rollout.
  const plan = planBatches({
    desired: service.desiredCount,
    batchSize: settings.batchSize,
    maxUnavailable: settings.maxUnavailable,
    ...(service.settings.circuitBreaker ? { circuitBreaker: service.settings.circuitBreaker } : {}),
  });
  for (const note of plan.notes ?? []) {
    log.warning(note);
    notes.push(note);
  }
  const rollout = await runRollout({
    driver,
    clock,
    plan,
    previousTaskDefinitionArn,
    newTaskDefinitionArn,
    originalSettings: service.settings,
    batchTimeoutMs: settings.batchTimeoutMs,
    rolloutTimeoutMs: settings.rolloutTimeoutMs,
    rollbackOnFailure: settings.rollbackOnFailure,
    ...(settings.healthCheckUrls.length > 0
      ? {
          healthChecks: {
            urls: settings.healthCheckUrls,
            statuses: settings.healthCheckStatus,
            threshold: settings.healthCheckThreshold,
          },
        }
      : {}),
    ...(opts.probe ? { probe: opts.probe } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    listeners: opts.listeners ?? [],
    onPhase: (phase: RunPhase) => save({ phase }),
  });
  if (!rollout.settingsRestored.ok) {
    log.warning(rollout.settingsRestored.message);
    notes.push(rollout.settingsRestored.message);
  }
  if (rollout.serviceLeft) notes.push(rollout.serviceLeft);

  // 5. Record the release for manual rollbacks; a failure to tag is a warning, not a failed deploy.
  if (rollout.outcome === 'succeeded') {
    try {
      await driver.tagService(releaseTags(newTaskDefinitionArn, previousTaskDefinitionArn));
    } catch (error) {
      const message = `The rollout succeeded, but recording it on the service failed (mode: rollback will fall back to the newest older revision): ${errorMessage(error)}`;
      log.warning(message);
      notes.push(message);
    }
  }

  const result: DeployResult = {
    ...base,
    outcome: rollout.outcome,
    newTaskDefinitionArn,
    registered,
    unchanged: false,
    plan,
    rollout,
    durationMs: clock.now() - startedAt,
  };
  if (rollout.failure) result.failureMessage = rollout.failure.message;
  const words = stepFailure(rollout);
  if (words !== undefined) result.stepFailure = words;
  return result;
}

/** The failure, then what was done about it, in the words a reader of the failed step needs. */
export function stepFailure(rollout: RolloutResult): string | undefined {
  if (rollout.outcome === 'succeeded') return undefined;
  const why = rollout.failure?.message ?? `the rollout ended ${rollout.outcome}`;
  const parts = [
    `Rollout ${rollout.outcome === 'rolled-back' ? 'failed and was rolled back' : rollout.outcome}: ${why}`,
  ];
  if (rollout.rollback) parts.push(`Rollback: ${rollout.rollback.message}`);
  else if (rollout.serviceLeft) parts.push(rollout.serviceLeft);
  if (!rollout.settingsRestored.ok) parts.push(rollout.settingsRestored.message);
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Preflight.

/**
 * Deployments other than the PRIMARY one mean a rollout is under way (ECS keeps the ACTIVE one
 * until its tasks are gone, per the Deployment docs). A lone PRIMARY still IN_PROGRESS is a service
 * reaching steady state for the first time, or a rollout that just finished its last stop.
 */
export function deploymentInProgress(service: ServiceView): DeploymentView[] {
  if (service.deployments.length > 1) return service.deployments;
  return service.deployments.filter((d) => d.rolloutState === 'IN_PROGRESS');
}

export function describeDeployments(deployments: readonly DeploymentView[]): string {
  return deployments
    .map(
      (d) =>
        `${d.id} (${d.status}, ${taskDefinitionName(d.taskDefinitionArn)}, ${d.runningCount}/${d.desiredCount} running` +
        `${d.rolloutState ? `, ${d.rolloutState}` : ''})`,
    )
    .join('; ');
}

async function preflight(opts: DeployOptions): Promise<ServiceView> {
  const { settings, driver, clock, log } = opts;
  // describeService checks ACTIVE, the ECS controller and a target group, naming the fix. The
  // SDK's own (adaptive) retries are enough for these one-off reads: its error reaches the user as is.
  let service = await driver.describeService();
  const started = clock.now();
  const poll = opts.waitPollMs ?? 2_000;
  let lastSaid = -Infinity;
  for (;;) {
    const busy = deploymentInProgress(service);
    if (busy.length === 0) break;
    const rolling = busy.length > 1;
    // A rollout by someone else: refuse, unless asked to wait. A lone settling deployment is waited
    // for (bounded), since it changes nothing we would have to undo.
    if (rolling && !settings.waitForIdle) {
      throw new Error(
        `A deployment is already in progress on service "${settings.service}" in cluster "${settings.cluster}": ` +
          `${describeDeployments(busy)}. Nothing was changed. Wait for it to finish and run again, or set wait-for-idle: true.`,
      );
    }
    const bound = rolling ? settings.rolloutTimeoutMs : settings.batchTimeoutMs;
    const waited = clock.now() - started;
    if (waited >= bound) {
      throw new Error(
        `Service "${settings.service}" in cluster "${settings.cluster}" did not become idle within ${Math.round(bound / 1000)} s: ` +
          `${describeDeployments(busy)}. Nothing was changed.`,
      );
    }
    if (opts.signal?.aborted)
      throw new Error('Cancelled while waiting for the service to become idle; nothing was changed.');
    if (clock.now() - lastSaid >= 20_000) {
      log.line(
        `waiting for the deployment in progress to finish (${Math.round(waited / 1000)} s): ${describeDeployments(busy)}`,
      );
      lastSaid = clock.now();
    }
    await sleepQuietly(clock, poll, opts.signal);
    service = await driver.describeService();
  }
  // Every target group must exist: the gate reads them all.
  await driver.describeTargetGroups(service.targetGroupArns);
  return service;
}

// ---------------------------------------------------------------------------------------------
// The task definition to deploy.

async function resolveTarget(opts: DeployOptions): Promise<Target> {
  const { settings, driver, log } = opts;
  if (settings.mode === 'rollback') {
    const resolved = await resolveRollbackTarget(settings, driver);
    log.line(`rolling back to ${resolved.how}`);
    if (resolved.warning) log.warning(resolved.warning);
    const record = await driver.describeTaskDefinition(resolved.arn);
    return { arn: record.arn, runs: record.body };
  }
  const source = settings.taskDefinition;
  if (!source) throw new Error('task-definition is required in deploy mode');
  if (source.kind === 'file') {
    const loaded = await readTaskDefinitionFile(source.path);
    if (loaded.stripped.length > 0) {
      log.line(`${source.path}: left out the read-only fields ${loaded.stripped.join(', ')}`);
    }
    const body = substituteImages(loaded.body, settings.images);
    return { body, runs: body };
  }
  const record = await driver.describeTaskDefinition(source.ref);
  if (record.status !== 'ACTIVE') {
    throw new Error(
      `Task definition ${taskDefinitionName(record.arn)} is ${record.status}; ECS does not let a service move to it. ` +
        'Register it again, or give another revision.',
    );
  }
  if (settings.images.size === 0) return { arn: record.arn, runs: record.body };
  const body = substituteImages(registrationBody(record.body, record.tags), settings.images);
  // The given revision with the same images: deploy it as it is.
  if (sameDefinition(body, record.body)) return { arn: record.arn, runs: record.body };
  return { body, runs: body };
}

// ---------------------------------------------------------------------------------------------
// Unchanged definition: still verify health, bounded by batch-timeout.

async function verifyHealthy(opts: DeployOptions, arn: string): Promise<{ ok: boolean; message: string }> {
  const { driver, clock, log, settings } = opts;
  const started = clock.now();
  const retry = { clock, ...(opts.signal ? { signal: opts.signal } : {}) };
  let lastWords = '';
  let lastSaid = -Infinity;
  for (;;) {
    const snapshot = await callWithRetry('observing the service', () => driver.observe(), retry);
    const status = restoreStatus(snapshot, arn);
    const words = status.waitingFor.replace(/^rollback: /, '');
    if (status.settled) {
      log.line(`verified: ${words}`);
      return { ok: true, message: words };
    }
    if (opts.signal?.aborted) {
      return {
        ok: false,
        message: `Cancelled while verifying ${taskDefinitionName(arn)}: waiting for ${words}.`,
      };
    }
    if (clock.now() - started >= settings.batchTimeoutMs) {
      return {
        ok: false,
        message: `The service did not become healthy on ${taskDefinitionName(arn)} within ${Math.round(settings.batchTimeoutMs / 1000)} s: waiting for ${words}.`,
      };
    }
    if (words !== lastWords || clock.now() - lastSaid >= 20_000) {
      log.line(`verifying: ${words}`);
      lastWords = words;
      lastSaid = clock.now();
    }
    await sleepQuietly(clock, opts.waitPollMs ?? 2_000, opts.signal);
  }
}
