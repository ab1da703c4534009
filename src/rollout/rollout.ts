// The rollout: start held (the new task definition, settings under which ECS moves nothing), then
// batch by batch release -> hold -> verdict through the one wait loop, then put back the service's
// own settings; on a failure, restore the previous task definition (restore-run.ts) or, with
// rollback off, leave the service to ECS under its own settings.
import { BatchBook } from './batch-book.js';
import { takenOverFailure, watchBatches } from './batches.js';
import { describeServiceState } from './describe-state.js';
import { EventFanout } from './events.js';
import { LeaseLost } from './guard.js';
import type { ServiceDriver } from './port.js';
import { putBackSettings, type SettingsResult } from './restore-ask.js';
import { restorePrevious } from './restore-run.js';
import type { PhaseInfo, RolloutSpec, RunPhase } from './rollout-spec.js';
import { sessionOf, type Session, type SessionOrParts, type SessionParts } from './session.js';
import type { Outcome, RolloutFailure, RolloutResult } from './types.js';
import { errorMessage, formatDuration, taskDefinitionName } from './words.js';

export type { PhaseInfo, RolloutSpec, RunPhase } from './rollout-spec.js';

/** A rollout from the session's parts (a caller without a session: tests, tools). */
export type RunRolloutOptions = SessionParts & RolloutSpec;

const LISTENER_FLUSH_MS = 2_000;

export async function runRollout(opts: SessionOrParts & RolloutSpec): Promise<RolloutResult> {
  const session = sessionOf(opts);
  const { driver, clock, heartbeat } = session;
  // The plan in force: it follows the service's desired count (replan.ts).
  const current = { plan: opts.plan };
  const started = clock.now();
  const bus = new EventFanout(opts.listeners ?? [], clock);
  const book = new BatchBook(opts.plan, bus);
  const info: PhaseInfo = {};

  bus.emit({
    type: 'rollout-started',
    at: started,
    plan: opts.plan,
    from: opts.previousTaskDefinitionArn,
    to: opts.newTaskDefinitionArn,
  });
  await phase(opts, 'rolling-out', info);

  let failure: RolloutFailure | undefined;
  let serviceChanged = false;
  let takenOver = false;
  try {
    if (opts.signal?.aborted) {
      failure = { batch: 0, kind: 'cancelled', message: 'the rollout was cancelled before it started' };
    } else {
      await session.change(
        'UpdateService',
        () =>
          driver.updateService({ taskDefinitionArn: opts.newTaskDefinitionArn, settings: opts.plan.hold }),
        opts.signal ? { signal: opts.signal } : {},
      );
      serviceChanged = true;
      const found = await findDeployment(session, opts.newTaskDefinitionArn, started).catch(() => undefined);
      if (found) {
        info.serviceDeploymentArn = found;
        await phase(opts, 'rolling-out', info);
      }
      failure = await watchBatches(opts, { session, started, bus, book, current });
      if (failure?.kind === 'taken-over') takenOver = true;
    }
  } catch (error) {
    if (error instanceof LeaseLost) {
      takenOver = true;
      failure = takenOverFailure(error, 0);
    } else {
      failure = { batch: 0, kind: 'error', message: errorMessage(error) };
      // A failed first UpdateService may still have been applied (its answer lost on the way back).
      serviceChanged ||= await updateWasApplied(driver, opts.newTaskDefinitionArn);
    }
  }

  const putBack = (): Promise<SettingsResult> => putBackSettings(session, opts.originalSettings);
  let outcome: Outcome;
  let rollback: RolloutResult['rollback'];
  let settingsRestored: SettingsResult;
  let serviceLeft: string | undefined;
  let settled = true;
  const cancelled = failure?.kind === 'cancelled';
  if (!failure) {
    settingsRestored = await putBack();
    if (settingsRestored.ok) outcome = 'succeeded';
    else {
      // Never `succeeded` with the pacing settings left on the service: the next deployment would run under them.
      outcome = 'failed';
      settled = false;
      failure = {
        batch: current.plan.batches.length,
        kind: 'error',
        message: `every batch passed and the service runs ${taskDefinitionName(opts.newTaskDefinitionArn)}, but ${settingsRestored.message}`,
      };
      bus.emit({ type: 'failed', at: clock.now(), failure });
    }
  } else {
    book.failCurrent(clock.now());
    bus.emit({ type: 'failed', at: clock.now(), failure });
    const superseded = failure.kind === 'superseded';
    if (takenOver) {
      settingsRestored = {
        ok: false,
        takenOver: true,
        message: 'left the service alone: another run holds it now',
      };
      serviceLeft = 'Another run took the service over; this run changed nothing after that.';
      outcome = cancelled ? 'cancelled' : 'failed';
    } else if (!serviceChanged) {
      // The first UpdateService failed (or never ran), and ECS applies an UpdateService whole or
      // not at all: the service still runs its previous revision under its own settings.
      settingsRestored = {
        ok: true,
        message: 'the service was not changed, so its deployment settings are as they were',
      };
      serviceLeft = `The service was not changed: it still runs ${taskDefinitionName(opts.previousTaskDefinitionArn)} under its own deployment settings.`;
      outcome = cancelled ? 'cancelled' : 'failed';
    } else if (opts.rollbackOnFailure && !superseded) {
      await phase(opts, 'rolling-back', info);
      heartbeat.setSink((waitingFor, at) => bus.emit({ type: 'rollback-progress', at, waitingFor }));
      // No signal here: a cancelled rollout still rolls back, until the runner kills us (then the
      // post step takes over from the saved phase).
      const restored = await restorePrevious({
        session,
        previousTaskDefinitionArn: opts.previousTaskDefinitionArn,
        newTaskDefinitionArn: opts.newTaskDefinitionArn,
        ...(opts.containerChecks ? { previousContainerChecks: opts.containerChecks.previous } : {}),
        originalSettings: opts.originalSettings,
        // The count the plan last followed; the restore follows the service's own from there.
        desiredCount: current.plan.desired,
        surgePercent: Math.max(...current.plan.releases.map((r) => r.maximumPercent), 100),
        floorPercent: Math.min(...current.plan.releases.map((r) => r.minimumHealthyPercent), 100),
        ...(info.serviceDeploymentArn ? { serviceDeploymentArn: info.serviceDeploymentArn } : {}),
        rolloutStartedAt: started,
        timeoutMs: opts.rollbackTimeoutMs ?? opts.rolloutTimeoutMs,
        onStarted: (how, words) =>
          bus.emit({
            type: 'rollback-started',
            at: clock.now(),
            to: opts.previousTaskDefinitionArn,
            how: words,
          }),
      });
      rollback = { ok: restored.ok, message: restored.message, durationMs: restored.durationMs };
      settingsRestored = restored.settingsRestored;
      bus.emit({ type: 'rollback-finished', at: clock.now(), ok: restored.ok, message: restored.message });
      outcome = cancelled ? 'cancelled' : restored.ok ? 'rolled-back' : 'failed';
      settled = restored.ok && restored.settingsRestored.ok;
      if (restored.takenOver) takenOver = true;
    } else {
      settingsRestored = await putBack();
      serviceLeft = await describeLeft(
        driver,
        settingsRestored.ok,
        superseded && opts.rollbackOnFailure
          ? 'another deployment replaced ours, so there is nothing of ours to roll back and the service is left to it'
          : 'rollback-on-failure is false, so the service is left as ECS has it',
      );
      outcome = cancelled ? 'cancelled' : 'failed';
      settled = settingsRestored.ok;
    }
  }

  // The lease goes when the service is where this run leaves it; otherwise the post step needs it.
  if (settled && !takenOver) await session.giveBack();
  if (settled) await phase(opts, 'finished', info);
  // Copies: the book keeps changing its own records in place.
  const batches = book.records.map((r) => ({ ...r }));
  const finishedAt = clock.now();
  bus.emit({ type: 'rollout-finished', at: finishedAt, outcome, batches });
  // Give listeners (log, summary, check run) a bounded moment to take the last events.
  await bus.flush(LISTENER_FLUSH_MS);

  const result: RolloutResult = {
    outcome,
    batches,
    settingsRestored,
    durationMs: finishedAt - started,
    settled,
  };
  if (failure) result.failure = failure;
  if (rollback) result.rollback = rollback;
  if (serviceLeft) result.serviceLeft = serviceLeft;
  return result;
}

async function findDeployment(
  session: Session,
  newArn: string,
  started: number,
): Promise<string | undefined> {
  const found = await session.call(
    'ListServiceDeployments',
    () => session.driver.findServiceDeployment(newArn, started),
    { boundMs: Math.min(session.callBoundMs, 15_000) },
  );
  return found?.arn;
}

/**
 * After the first UpdateService failed: does the service run the new revision anyway? When it cannot
 * be read, the answer is yes: restoring a service that was not changed is harmless (UpdateService to
 * the revision it already runs starts no deployment), leaving a changed one is not.
 */
async function updateWasApplied(driver: ServiceDriver, newArn: string): Promise<boolean> {
  try {
    return (await driver.describeService()).taskDefinitionArn === newArn;
  } catch {
    return true;
  }
}

/** With rollback off, what the service is left as, said plainly. */
async function describeLeft(driver: ServiceDriver, settingsRestored: boolean, why: string): Promise<string> {
  let state = 'unknown (could not observe it)';
  try {
    state = describeServiceState(await driver.observe());
  } catch {
    // Said as unknown.
  }
  const pacing = settingsRestored
    ? "ECS goes on with it under the service's own deployment settings"
    : "ECS goes on with it under the rollout's deployment settings";
  return `${why}: ${state}; ${pacing}.`;
}

async function phase(opts: RolloutSpec, p: RunPhase, info: PhaseInfo): Promise<void> {
  try {
    await opts.onPhase?.(p, { ...info });
  } catch {
    // Saving state is best effort; a failure to save must not change the rollout.
  }
}

export { formatDuration };
