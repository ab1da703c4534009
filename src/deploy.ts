// The deploy (and manual rollback) main calls: preflight (no mutation) -> what to deploy (no
// mutation) -> the service's lease -> register (skipped when a registered revision is given) ->
// plan -> the gated rollout -> record the release on the service. Every wait is bounded; every
// change is preceded by a saved state, so the post step can restore what this process could not.
import { planBatches } from './rollout/plan.js';
import { LeaseLost, type ServiceGuard } from './rollout/guard.js';
import { describeLease, type Lease, type RunIdentity } from './rollout/lease.js';
import type { ServiceDriver } from './rollout/port.js';
import { restoreStatus } from './rollout/restore.js';
import { retrying } from './rollout/retry.js';
import { runRollout, type PhaseInfo, type RunPhase } from './rollout/rollout.js';
import type {
  BatchPlan,
  Clock,
  DeploymentSettings,
  HttpProbe,
  RolloutListener,
  RolloutResult,
  Snapshot,
} from './rollout/types.js';
import { watch, type Heartbeat } from './rollout/watch.js';
import { errorMessage, formatDuration, taskDefinitionName } from './rollout/words.js';
import { releaseTags } from './modes/rollback.js';
import { preflight } from './preflight.js';
import { redactUrl } from './secrets.js';
import type { Settings } from './settings.js';
import type { RolloutState } from './state.js';
import { loadTargetFile, resolveTarget } from './target.js';
import { imageChanges, type ImageChange } from './taskdef.js';

export interface DeployLog {
  /** A timestamped progress line. */
  line(text: string): void;
  warning(text: string): void;
}

export interface DeployOptions {
  settings: Settings;
  driver: ServiceDriver;
  guard: ServiceGuard;
  identity: RunIdentity;
  clock: Clock;
  heartbeat: Heartbeat;
  log: DeployLog;
  listeners?: readonly RolloutListener[];
  probe?: HttpProbe;
  /** Cancellation: the rollout stops waiting and rolls back (when rollback-on-failure). */
  signal?: AbortSignal;
  /** Saves progress for the post step; called at every phase with the fields known so far. */
  saveState?: (update: Partial<RolloutState>) => void;
  /** Bound on each one-off call's retries (default 2 min). */
  callBoundMs?: number;
  serverUrl?: string;
}

export interface DeployResult {
  outcome: RolloutResult['outcome'];
  previousTaskDefinitionArn: string;
  newTaskDefinitionArn: string;
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

const CALL_BOUND_MS = 120_000;

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const { settings, driver, clock, log, guard } = opts;
  const save = opts.saveState ?? ((): void => undefined);
  const startedAt = clock.now();
  const notes: string[] = [];
  const bound = opts.callBoundMs ?? CALL_BOUND_MS;
  const retry = (): Parameters<typeof retrying>[2] => ({
    clock,
    deadline: clock.now() + bound,
    onRetry: (r) => opts.heartbeat.retrying(r.delayMs, r.error, clock.now()),
  });
  save({ phase: 'preflight', startedAt, leaseId: opts.identity.id });

  // 0. The task definition file, before any AWS call: a file ECS would refuse is an input error.
  const file = await loadTargetFile(settings);

  // 1. Preflight and the target: read-only.
  const prepare = async (): Promise<Prepared | { result: DeployResult }> => {
    const pre = await preflight({
      settings,
      driver,
      clock,
      guard,
      heartbeat: opts.heartbeat,
      log,
      ...(opts.signal ? { signal: opts.signal } : {}),
      callBoundMs: bound,
      ...(opts.serverUrl ? { serverUrl: opts.serverUrl } : {}),
    });
    const { service, current } = pre;
    const previousTaskDefinitionArn = current.arn;
    log.line(
      `service ${settings.service} in cluster ${settings.cluster}: ${service.desiredCount} tasks of ` +
        `${taskDefinitionName(previousTaskDefinitionArn)}, target groups ${service.targetGroupArns.length}, ` +
        `its own deployment settings maximumPercent ${pre.ownSettings.maximumPercent} / minimumHealthyPercent ${pre.ownSettings.minimumHealthyPercent}`,
    );
    const target = await resolveTarget(settings, driver, current, file);
    log.line(target.how);
    if (target.stripped) log.line(`left out the read-only fields ${target.stripped.join(', ')}`);
    if (target.warning) {
      log.warning(target.warning);
      notes.push(target.warning);
    }
    const changes = imageChanges(current.body, target.runs);
    save({
      phase: 'preflight',
      previousTaskDefinitionArn,
      desiredCount: service.desiredCount,
      originalSettings: pre.ownSettings,
    });
    const base = { previousTaskDefinitionArn, imageChanges: changes, startedAt, notes };

    if (target.unchanged) {
      log.line(
        `the service already runs ${taskDefinitionName(previousTaskDefinitionArn)}: no new revision registered, no rollout; ` +
          'verifying the service is healthy on it',
      );
      notes.push('Unchanged: the service already runs this task definition; health verified only.');
      const verified = await verifyHealthy(opts, previousTaskDefinitionArn);
      save({ phase: 'finished', newTaskDefinitionArn: previousTaskDefinitionArn });
      return {
        result: {
          ...base,
          outcome: verified.ok ? 'succeeded' : 'failed',
          newTaskDefinitionArn: previousTaskDefinitionArn,
          unchanged: true,
          durationMs: clock.now() - startedAt,
          ...(verified.ok ? {} : { failureMessage: verified.message, stepFailure: verified.message }),
        },
      };
    }
    return { pre, target, changes, base };
  };

  // 2. The lease. Two runs that start together can both find the service free and both write one;
  // the read-back after the guard's settle time tells the one that lost, before it changes anything
  // (before it even registers). It refuses, or with wait-for-idle goes back to waiting for the
  // other run to finish, within rollout-timeout.
  let prepared: Prepared;
  for (;;) {
    const p = await prepare();
    if ('result' in p) return p.result;
    const other = await takeLease(guard, p.pre.ownSettings);
    if (!other) {
      prepared = p;
      break;
    }
    const taken = `Another rollout took ${settings.service}'s lease as this one started: ${describeLease(other, opts.serverUrl)}.`;
    if (!settings.waitForIdle || clock.now() - startedAt >= settings.rolloutTimeoutMs) {
      throw new Error(
        `${taken} Nothing was changed. Wait for it to finish and run again${settings.waitForIdle ? '' : ', or set wait-for-idle: true'}.`,
      );
    }
    log.line(`${taken} Waiting for it to finish (wait-for-idle).`);
    notes.length = 0;
    guard.restart();
  }
  const { pre, target, changes, base } = prepared;
  const { service } = pre;
  const { previousTaskDefinitionArn } = base;
  let handedOver = false;
  try {
    // 3. Register (the first change that is not the service's own record).
    let newTaskDefinitionArn: string;
    if (target.arn !== undefined) {
      newTaskDefinitionArn = target.arn;
    } else {
      const body = target.body ?? {};
      const registered = await retrying(
        'RegisterTaskDefinition',
        () => driver.registerTaskDefinition(body),
        retry(),
      );
      newTaskDefinitionArn = registered.arn;
      log.line(`registered ${taskDefinitionName(registered.arn)}`);
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
      ...(pre.ownSettings.circuitBreaker ? { circuitBreaker: pre.ownSettings.circuitBreaker } : {}),
    });
    for (const note of plan.notes ?? []) {
      log.warning(note);
      notes.push(note);
    }
    const delays = pre.targetGroups.map((g) => g.deregistrationDelaySeconds * 1000);
    handedOver = true; // from here on, runRollout releases the lease when it leaves the service settled
    const rollout = await runRollout({
      driver,
      clock,
      guard,
      heartbeat: opts.heartbeat,
      plan,
      previousTaskDefinitionArn,
      newTaskDefinitionArn,
      originalSettings: pre.ownSettings,
      batchTimeoutMs: settings.batchTimeoutMs,
      rolloutTimeoutMs: settings.rolloutTimeoutMs,
      bakeMs: settings.bakeTimeMs,
      overlap: settings.drainOverlap,
      rollbackOnFailure: settings.rollbackOnFailure,
      callBoundMs: bound,
      ...(delays.length > 0 ? { deregistrationDelayMs: Math.max(...delays) } : {}),
      ...(settings.healthCheckUrls.length > 0
        ? {
            healthChecks: {
              urls: settings.healthCheckUrls.map((url) => ({ url, shown: redactUrl(url) })),
              statuses: settings.healthCheckStatus,
              threshold: settings.healthCheckThreshold,
            },
          }
        : {}),
      ...(opts.probe ? { probe: opts.probe } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      listeners: opts.listeners ?? [],
      onPhase: (phase: RunPhase, info: PhaseInfo) =>
        save({
          phase,
          ...(info.serviceDeploymentArn ? { serviceDeploymentArn: info.serviceDeploymentArn } : {}),
        }),
    });
    if (!rollout.settingsRestored.ok && !rollout.settingsRestored.takenOver) {
      log.warning(rollout.settingsRestored.message);
      notes.push(rollout.settingsRestored.message);
    }
    if (rollout.serviceLeft) notes.push(rollout.serviceLeft);
    // Not seen through (reads kept failing, the settings would not go back): the post step finishes
    // it. A rollback that was confirmed needs only the settings, not another restore.
    if (!rollout.settled && !rollout.settingsRestored.takenOver)
      save({ pending: rollout.rollback && !rollout.rollback.ok ? 'restore' : 'settings' });

    // 5. Record the release for manual rollbacks; a failure to tag is a warning, not a failed deploy.
    if (rollout.outcome === 'succeeded') {
      try {
        await retrying(
          'TagResource (release)',
          () => driver.tagService(releaseTags(newTaskDefinitionArn, previousTaskDefinitionArn)),
          retry(),
        );
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
      unchanged: false,
      plan,
      rollout,
      durationMs: clock.now() - startedAt,
    };
    if (rollout.failure) result.failureMessage = rollout.failure.message;
    const words = stepFailure(rollout);
    if (words !== undefined) result.stepFailure = words;
    return result;
  } finally {
    // Nothing of the service changed (registration failed): give the lease back.
    if (!handedOver) await guard.release(false).catch(() => undefined);
  }
}

interface Prepared {
  pre: Awaited<ReturnType<typeof preflight>>;
  target: Awaited<ReturnType<typeof resolveTarget>>;
  changes: ImageChange[];
  base: {
    previousTaskDefinitionArn: string;
    imageChanges: ImageChange[];
    startedAt: number;
    notes: string[];
  };
}

/** Takes the service's lease and confirms it; returns the other run's lease when that run holds it. */
async function takeLease(guard: ServiceGuard, own: DeploymentSettings): Promise<Lease | undefined> {
  const record = await guard.read();
  if (record.holder.kind === 'other') return record.holder.lease;
  await guard.acquire(own);
  try {
    await guard.confirm();
    return undefined;
  } catch (error) {
    if (error instanceof LeaseLost && error.holder.kind === 'other') return error.holder.lease;
    // Could not confirm it (the tags kept failing to read): the lease must not outlive this run.
    await guard.release(false).catch(() => undefined);
    throw error;
  }
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
  if (!rollout.settingsRestored.ok && !rollout.settingsRestored.takenOver)
    parts.push(rollout.settingsRestored.message);
  if (!rollout.settled)
    parts.push('The post step of this job will try again to finish putting the service back.');
  return parts.join('\n');
}

/** An unchanged definition: still verify health, bounded by batch-timeout, through the one wait loop. */
async function verifyHealthy(opts: DeployOptions, arn: string): Promise<{ ok: boolean; message: string }> {
  const { driver, clock, log, settings } = opts;
  const started = clock.now();
  opts.heartbeat.setSink((words) => log.line(`verifying: ${words}`));
  return watch<Snapshot, { ok: boolean; message: string }>({
    clock,
    heartbeat: opts.heartbeat,
    ...(opts.signal ? { signal: opts.signal } : {}),
    deadline: () => started + settings.batchTimeoutMs,
    observe: () => driver.observe(),
    step: (snapshot) => {
      const status = restoreStatus(snapshot, arn);
      if (status.settled) {
        log.line(`verified: ${status.waitingFor}`);
        return { done: { ok: true, message: status.waitingFor } };
      }
      if (snapshot.at - started >= settings.batchTimeoutMs) {
        return {
          done: {
            ok: false,
            message: `The service did not become healthy on ${taskDefinitionName(arn)} within ${formatDuration(settings.batchTimeoutMs)}: waiting for ${status.waitingFor}.`,
          },
        };
      }
      return { wait: status.waitingFor };
    },
    onCancel: (words) => ({
      ok: false,
      message: `Cancelled while verifying ${taskDefinitionName(arn)}: waiting for ${words}.`,
    }),
    onReadFailure: (error) => ({
      ok: false,
      message: `Could not verify ${taskDefinitionName(arn)}: ${errorMessage(error)}`,
    }),
  });
}
