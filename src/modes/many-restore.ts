// A step of several services under on-partial-failure: rollback-all: a service whose rollout had
// already succeeded is put back on its previous revision when another service failed, under its
// own lease and session, through the same restore path as a failed rollout.
import type { DeployLog } from './deploy-result.js';
import { ServiceGuard } from '../rollout/guard.js';
import { describeLease, type RunIdentity } from '../rollout/lease.js';
import type { ServiceDriver } from '../rollout/port.js';
import { restorePrevious } from '../rollout/restore-run.js';
import { Session } from '../rollout/session.js';
import type { Clock, RolloutListener } from '../rollout/types.js';
import type { Heartbeat } from '../rollout/watch.js';
import { errorMessage, taskDefinitionName } from '../rollout/words.js';
import type { RolloutState } from '../state.js';
import type { StepRestore } from './many-decision.js';
import { releaseTags } from './rollback.js';

/** What one service's run is given: built by main, one per service. */
export interface ServiceContext {
  /** Its own driver (its own observer of its tasks). */
  driver: ServiceDriver;
  log: DeployLog;
  heartbeat: Heartbeat;
  listeners: readonly RolloutListener[];
  /** Its own state for the post step. */
  saveState(change: Partial<RolloutState>): void;
}

export interface RestoreSucceededOptions {
  clock: Clock;
  identity: RunIdentity;
  rolloutTimeoutMs: number;
  callBoundMs?: number;
  serverUrl?: string;
}

/**
 * Puts a service whose rollout succeeded back on its previous revision, under its own lease, the
 * way a failed rollout is restored (restorePrevious: health-gated, its own settings put back).
 * ECS ("Stopping Amazon ECS service deployments") stops only a deployment that is PENDING,
 * IN_PROGRESS, STOP_REQUESTED or ROLLBACK_*: a SUCCESSFUL one is not stopped, and restorePrevious
 * goes back through UpdateService to the previous revision, which replaces the new tasks.
 */
export async function restoreSucceeded(
  opts: RestoreSucceededOptions,
  ctx: ServiceContext,
  state: Partial<RolloutState>,
  because: string,
): Promise<StepRestore> {
  const { clock, identity } = opts;
  const previous = state.previousTaskDefinitionArn;
  const original = state.originalSettings;
  if (!previous || !original) {
    return { ok: false, message: 'its previous task definition or deployment settings were not recorded' };
  }
  const { driver } = ctx;
  const guard = new ServiceGuard({ driver, clock, identity });
  const session = new Session({
    driver,
    clock,
    guard,
    heartbeat: ctx.heartbeat,
    ...(opts.callBoundMs !== undefined ? { callBoundMs: opts.callBoundMs } : {}),
  });
  try {
    const record = await guard.read();
    if (record.holder.kind === 'other') {
      return {
        ok: false,
        message: `another rollout took its lease: ${describeLease(record.holder.lease, opts.serverUrl)}`,
      };
    }
    await guard.acquire(original);
    await guard.confirm();
  } catch (error) {
    return { ok: false, message: `could not take its lease: ${errorMessage(error)}` };
  }
  ctx.saveState({ phase: 'rolling-back', outcome: 'restoring' });
  ctx.log.line(
    `rolling back to ${taskDefinitionName(previous)}: ${because} failed (on-partial-failure: rollback-all)`,
  );
  const emit = (event: Parameters<RolloutListener>[0]): void => {
    for (const listener of ctx.listeners) {
      try {
        listener(event);
      } catch {
        // A reporter's trouble is never the rollout's.
      }
    }
  };
  const restore = await restorePrevious({
    session,
    previousTaskDefinitionArn: previous,
    ...(state.newTaskDefinitionArn ? { newTaskDefinitionArn: state.newTaskDefinitionArn } : {}),
    originalSettings: original,
    desiredCount: state.desiredCount ?? 0,
    ...(state.serviceDeploymentArn ? { serviceDeploymentArn: state.serviceDeploymentArn } : {}),
    rolloutStartedAt: state.startedAt ?? clock.now(),
    timeoutMs: opts.rolloutTimeoutMs,
    onStarted: (_how, words) => emit({ type: 'rollback-started', at: clock.now(), to: previous, how: words }),
  });
  emit({ type: 'rollback-finished', at: clock.now(), ok: restore.ok, message: restore.message });
  ctx.log.line(restore.message);
  const ok = restore.ok && restore.settingsRestored.ok;
  if (!ok && !restore.settingsRestored.ok) ctx.log.warning(restore.settingsRestored.message);
  // Recorded as a manual rollback records itself, so `rollback-to: previous` reads the truth.
  if (restore.ok && state.newTaskDefinitionArn) {
    await session
      .call(
        'TagResource (release)',
        () => driver.tagService(releaseTags(previous, state.newTaskDefinitionArn ?? '')),
        { silent: true },
      )
      .catch((error: unknown) =>
        ctx.log.warning(`could not record the rollback on the service: ${errorMessage(error)}`),
      );
  }
  if (!restore.takenOver) await session.giveBack();
  // As main saves a single rollout: what main could not see through is left to the post step.
  ctx.saveState(
    ok
      ? { phase: 'finished', outcome: 'rolled-back' }
      : { outcome: 'failed', pending: restore.ok ? 'settings' : 'restore' },
  );
  return {
    ok,
    message: ok ? restore.message : !restore.ok ? restore.message : restore.settingsRestored.message,
  };
}
