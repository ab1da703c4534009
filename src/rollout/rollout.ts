// The rollout: start held (the new task definition, settings under which ECS moves nothing), then
// batch by batch release -> hold -> verdict through the one wait loop, then put back the service's
// own settings; on a failure, restore the previous task definition (restore-run.ts) or, with
// rollback off, leave the service to ECS under its own settings.
import { BatchBook } from './batch-book.js';
import { decide, START, type DecideContext, type Decision, type Position } from './decide.js';
import { describeServiceState } from './describe-state.js';
import { EMPTY_LEDGER, predictedDrainEnd, trackDrains, type DrainLedger } from './drains.js';
import { EventFanout } from './events.js';
import { nextStreak, noteTargetReasons } from './gates.js';
import { LeaseLost, type ServiceGuard } from './guard.js';
import { describeLease } from './lease.js';
import { snapshotCalls, type PacePolicy } from './pace.js';
import type { ServiceDriver } from './port.js';
import { putBackSettings, restorePrevious, type SettingsResult } from './restore-run.js';
import { retrying } from './retry.js';
import type {
  BatchPlan,
  Clock,
  DeploymentSettings,
  HttpCheckStreak,
  HttpProbe,
  Outcome,
  RolloutFailure,
  RolloutListener,
  RolloutResult,
  Snapshot,
} from './types.js';
import { Heartbeat, watch } from './watch.js';
import { errorMessage, formatDuration, taskDefinitionName } from './words.js';

export type RunPhase = 'rolling-out' | 'rolling-back' | 'finished';

export interface PhaseInfo {
  /** The rollout's ECS service deployment, once found (the restore rolls it back). */
  serviceDeploymentArn?: string;
}

export interface RunRolloutOptions {
  driver: ServiceDriver;
  clock: Clock;
  plan: BatchPlan;
  /** Holds the service's lease; every change is confirmed against it first. */
  guard?: ServiceGuard;
  previousTaskDefinitionArn: string;
  newTaskDefinitionArn: string;
  /** The service's own deployment settings, restored in every outcome. */
  originalSettings: DeploymentSettings;
  batchTimeoutMs: number;
  rolloutTimeoutMs: number;
  /** Per batch: how long every gate must keep passing before the next batch is released. */
  bakeMs?: number;
  /** Release the next batch while the previous one's old tasks drain (default true). */
  overlap?: boolean;
  rollbackOnFailure: boolean;
  /** Bound on the rollback's wait; defaults to rolloutTimeoutMs. */
  rollbackTimeoutMs?: number;
  healthChecks?: {
    urls: readonly { url: string; shown: string }[];
    statuses: readonly { min: number; max: number }[];
    threshold: number;
  };
  probe?: HttpProbe;
  /** Per HTTP check; defaults to 5 s. */
  probeTimeoutMs?: number;
  /** The longest deregistration delay of the service's target groups, to predict drain ends. */
  deregistrationDelayMs?: number;
  listeners?: readonly RolloutListener[];
  /** Cancellation: stop waiting, roll back if rollbackOnFailure, outcome `cancelled`. */
  signal?: AbortSignal;
  /** Called at every phase change (and when the service deployment is found), so main can save state. */
  onPhase?: (phase: RunPhase, info: PhaseInfo) => void | Promise<void>;
  heartbeat?: Heartbeat;
  /** Bound on each one-off call's retries (UpdateService, the lease). */
  callBoundMs?: number;
  pace?: PacePolicy;
  random?: () => number;
}

const LISTENER_FLUSH_MS = 2_000;
const CALL_BOUND_MS = 120_000;
/** How long a blind hold (reads failing while released) may retry before the next read tries again. */
const BLIND_HOLD_BOUND_MS = 10_000;

export async function runRollout(opts: RunRolloutOptions): Promise<RolloutResult> {
  const { driver, clock, plan, guard } = opts;
  const started = clock.now();
  const bus = new EventFanout(opts.listeners ?? [], clock);
  const heartbeat = opts.heartbeat ?? new Heartbeat(() => undefined);
  const book = new BatchBook(plan, bus);
  const info: PhaseInfo = {};
  const callBound = opts.callBoundMs ?? CALL_BOUND_MS;
  const retry = (signal?: AbortSignal): Parameters<typeof retrying>[2] => ({
    clock,
    deadline: clock.now() + callBound,
    ...(signal ? { signal } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    onRetry: (r) => heartbeat.retrying(r.delayMs, r.error, clock.now()),
  });

  bus.emit({
    type: 'rollout-started',
    at: started,
    plan,
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
      await guard?.confirm();
      await retrying(
        'UpdateService',
        () => driver.updateService({ taskDefinitionArn: opts.newTaskDefinitionArn, settings: plan.hold }),
        retry(opts.signal),
      );
      serviceChanged = true;
      const found = await findDeployment(opts, started, retry()).catch(() => undefined);
      if (found) {
        info.serviceDeploymentArn = found;
        await phase(opts, 'rolling-out', info);
      }
      failure = await watchBatches(opts, { started, bus, book, heartbeat, retry });
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

  const putBack = (): Promise<SettingsResult> =>
    putBackSettings({
      driver,
      clock,
      ...(guard ? { guard } : {}),
      original: opts.originalSettings,
      boundMs: callBound,
    });
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
        batch: plan.batches.length,
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
        driver,
        clock,
        heartbeat,
        ...(guard ? { guard } : {}),
        previousTaskDefinitionArn: opts.previousTaskDefinitionArn,
        newTaskDefinitionArn: opts.newTaskDefinitionArn,
        originalSettings: opts.originalSettings,
        desiredCount: plan.desired,
        surgePercent: Math.max(...plan.releases.map((r) => r.maximumPercent), 100),
        floorPercent: Math.min(...plan.releases.map((r) => r.minimumHealthyPercent), 100),
        ...(info.serviceDeploymentArn ? { serviceDeploymentArn: info.serviceDeploymentArn } : {}),
        rolloutStartedAt: started,
        timeoutMs: opts.rollbackTimeoutMs ?? opts.rolloutTimeoutMs,
        callBoundMs: callBound,
        onStarted: (how, words) =>
          bus.emit({
            type: 'rollback-started',
            at: clock.now(),
            to: opts.previousTaskDefinitionArn,
            how: words,
          }),
        ...(opts.random ? { random: opts.random } : {}),
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
  if (settled && !takenOver && guard) {
    await guard.release(false).catch(() => undefined);
  }
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

interface LoopParts {
  started: number;
  bus: EventFanout;
  book: BatchBook;
  heartbeat: Heartbeat;
  retry: (signal?: AbortSignal) => Parameters<typeof retrying>[2];
}

/** Batch after batch through the one wait loop; resolves with the failure, or undefined when complete. */
async function watchBatches(opts: RunRolloutOptions, parts: LoopParts): Promise<RolloutFailure | undefined> {
  const { driver, clock, plan, guard } = opts;
  const { started, bus, book, heartbeat, retry } = parts;
  let position: Position = { ...START, releasedAt: started };
  let movedAt = started;
  let drains: DrainLedger = EMPTY_LEDGER;
  let reasons: ReadonlyMap<string, string> = new Map();
  let deploymentId: string | undefined;
  let streaks: HttpCheckStreak[] = (opts.healthChecks?.urls ?? []).map((u) => ({
    url: u.url,
    shown: u.shown,
    consecutiveFailures: 0,
  }));
  const released: number[] = [];
  heartbeat.setSink((_words, at) => {
    if (lastProgress) bus.emit({ type: 'progress', at, progress: { ...lastProgress, waitingFor: _words } });
  });
  let lastProgress: Decision['progress'] | undefined;

  const context = (): DecideContext => ({
    plan,
    newTaskDefinitionArn: opts.newTaskDefinitionArn,
    position,
    rolloutStartedAt: started,
    batchTimeoutMs: opts.batchTimeoutMs,
    rolloutTimeoutMs: opts.rolloutTimeoutMs,
    bakeMs: opts.bakeMs ?? 0,
    overlap: opts.overlap ?? true,
    drains,
    seenReasons: reasons,
    ...(deploymentId !== undefined ? { deploymentId } : {}),
    ...(opts.healthChecks && streaks.length > 0
      ? { httpChecks: { streaks, threshold: opts.healthChecks.threshold } }
      : {}),
  });

  const act = async (label: string, change: () => Promise<void>): Promise<void> => {
    await guard?.confirm();
    await retrying(label, change, retry());
  };
  // Released, the service is not held: if the action cannot see the batch launch, ECS would go on
  // past the batch (stop old tasks as new ones turn healthy, start more) with no gate. So a read
  // that fails while released holds the service at once, blind (holding is always safe); once the
  // action sees again, a batch still short of its tasks is released again.
  let heldBlind = false;
  const holdBlind = async (): Promise<void> => {
    if (position.stage !== 'released' || heldBlind) return;
    try {
      await guard?.confirm();
      await retrying('UpdateService (hold)', () => driver.updateService({ settings: plan.hold }), {
        ...retry(),
        deadline: clock.now() + BLIND_HOLD_BOUND_MS,
      });
      heldBlind = true;
    } catch {
      // The next failed read tries again; a lost lease is reported at the next change.
    }
  };

  return watch<Snapshot, RolloutFailure | undefined>({
    clock,
    heartbeat,
    ...(opts.signal ? { signal: opts.signal } : {}),
    deadline: () => Math.min(started + opts.rolloutTimeoutMs, movedAt + opts.batchTimeoutMs),
    observe: async () => {
      try {
        return await driver.observe();
      } catch (error) {
        await holdBlind();
        throw error;
      }
    },
    calls: (s) => {
      let live = 0;
      let stopping = 0;
      for (const t of s.tasks) {
        if (t.lastStatus === 'STOPPED') continue;
        if (t.desiredStatus === 'RUNNING') live += 1;
        else stopping += 1;
      }
      return snapshotCalls(live, stopping, s.service.targetGroupArns.length);
    },
    ...(opts.pace ? { pace: opts.pace } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    onCancel: (waitingFor) => ({
      batch: position.batch,
      kind: 'cancelled',
      message:
        `the rollout was cancelled in batch ${Math.max(1, position.batch)}/${plan.batches.length}` +
        (waitingFor ? ` while waiting for ${waitingFor.replace(/^batch \d+\/\d+: /, '')}` : ''),
    }),
    onReadFailure: (error) => ({
      batch: position.batch,
      kind: 'error',
      message: `could not observe the service: ${errorMessage(error)}`,
    }),
    step: async (snapshot) => {
      if (deploymentId === undefined) {
        const primary = snapshot.service.deployments.find((d) => d.status === 'PRIMARY');
        if (primary?.taskDefinitionArn === opts.newTaskDefinitionArn) deploymentId = primary.id;
      }
      reasons = noteTargetReasons(reasons, snapshot, opts.newTaskDefinitionArn);
      drains = trackDrains(drains, snapshot, {
        newTaskDefinitionArn: opts.newTaskDefinitionArn,
        released,
        since: started,
      });
      book.noteDrains(drains);
      if (position.stage === 'held' || position.stage === 'healthy')
        streaks = await probe(opts, streaks, clock);

      const at = snapshot.at;
      try {
        // A verdict that changes only the action's own position (healthy, passed) is decided on
        // again from the same snapshot, so a pass and the next release come together. A change to
        // the service is followed by a look at the loop's pace, within the API budget: right after
        // a release, urgently (the batch must be held again before its tasks turn healthy).
        for (;;) {
          const d = decide(snapshot, context());
          lastProgress = d.progress;
          switch (d.kind) {
            case 'fail':
              return { done: d.failure };
            case 'complete':
              return { done: undefined };
            case 'release':
              await act('UpdateService (release)', () => driver.updateService({ settings: d.settings }));
              position = { batch: d.batch, stage: 'released', releasedAt: clock.now() };
              movedAt = position.releasedAt;
              released.push(plan.batches[d.batch - 1] ?? 0);
              book.released(d.batch, position.releasedAt);
              return { wait: d.progress.waitingFor, urgent: true };
            case 'hold':
              await act('UpdateService (hold)', () => driver.updateService({ settings: d.settings }));
              heldBlind = false;
              position = { ...position, stage: 'held', launchedAt: at };
              book.launched(at);
              return { wait: d.progress.waitingFor };
            case 'healthy':
              position = { ...position, stage: 'healthy', healthyAt: at };
              book.healthy(at, opts.bakeMs ?? 0);
              continue;
            case 'pass':
              position = { ...position, stage: 'passed' };
              movedAt = at;
              book.passedNow(at);
              book.noteDrains(drains);
              continue;
            case 'wait': {
              if (heldBlind && position.stage === 'released') {
                // Held while the action could not see: the batch is short of its tasks, release it again.
                const settings = plan.releases[position.batch - 1] ?? plan.hold;
                await act('UpdateService (release)', () => driver.updateService({ settings }));
                heldBlind = false;
                return { wait: d.progress.waitingFor, urgent: true };
              }
              await guard?.keepAlive();
              const drainEnd = predictedDrainEnd(drains, opts.deregistrationDelayMs);
              const wakeAt = [d.wakeAt, drainEnd]
                .filter((t): t is number => t !== undefined)
                .sort((a, b) => a - b)[0];
              return {
                wait: d.progress.waitingFor,
                ...(d.urgent ? { urgent: true } : {}),
                ...(wakeAt !== undefined ? { wakeAt } : {}),
              };
            }
          }
        }
      } catch (error) {
        if (error instanceof LeaseLost) return { done: takenOverFailure(error, position.batch) };
        return {
          done: {
            batch: position.batch,
            kind: 'error',
            message: `${errorMessage(error)} (in batch ${Math.max(1, position.batch)}/${plan.batches.length})`,
          },
        };
      }
    },
  });
}

/** One GET per health-check URL, together; the probe port never throws, but guard anyway. */
async function probe(
  opts: RunRolloutOptions,
  streaks: HttpCheckStreak[],
  clock: Clock,
): Promise<HttpCheckStreak[]> {
  const { probe: port, healthChecks } = opts;
  if (!port || !healthChecks || streaks.length === 0) return streaks;
  const timeout = opts.probeTimeoutMs ?? 5_000;
  return Promise.all(
    streaks.map(async (streak) => {
      const answer = await port
        .get(streak.url, timeout)
        .catch((err: unknown) => ({ error: errorMessage(err) }));
      return nextStreak(streak, answer, healthChecks.statuses, clock.now());
    }),
  );
}

async function findDeployment(
  opts: RunRolloutOptions,
  started: number,
  retry: Parameters<typeof retrying>[2],
): Promise<string | undefined> {
  const found = await retrying(
    'ListServiceDeployments',
    () => opts.driver.findServiceDeployment(opts.newTaskDefinitionArn, started),
    { ...retry, deadline: Math.min(retry.deadline, opts.clock.now() + 15_000) },
  );
  return found?.arn;
}

function takenOverFailure(error: LeaseLost, batch: number): RolloutFailure {
  const holder = error.holder.kind === 'other' ? describeLease(error.holder.lease) : 'another run';
  return {
    batch,
    kind: 'taken-over',
    message: `another rollout took the service's lease (${holder}); this run changed nothing after that`,
  };
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

async function phase(opts: RunRolloutOptions, p: RunPhase, info: PhaseInfo): Promise<void> {
  try {
    await opts.onPhase?.(p, { ...info });
  } catch {
    // Saving state is best effort; a failure to save must not change the rollout.
  }
}

export { formatDuration };
