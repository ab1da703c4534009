// The loop: observe -> decide -> act. The only place in the engine that waits. It starts the
// rollout with one UpdateService, watches each batch through decide(), and on a verdict either
// finishes or restores the previous revision; the service's own deployment settings go back in
// every outcome that changed them.
import type { ServiceDriver } from '../platform/service-driver.js';
import { decide, type DecideContext, type Decision } from './decide.js';
import { describeServiceState, taskDefinitionName } from './describe-state.js';
import { EventFanout } from './events.js';
import { nextStreak } from './gates.js';
import {
  afterObservation,
  DEFAULT_POLL_POLICY,
  INITIAL_POLL_STATE,
  nextDelay,
  type PollPolicy,
} from './poll.js';
import { putBackSettings, restorePrevious } from './restore.js';
import { callWithRetry, errorMessage, retryingWords, sleepQuietly, type RetryOptions } from './retry.js';
import type {
  BatchPlan,
  BatchProgress,
  BatchRecord,
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

export type RunPhase = 'rolling-out' | 'rolling-back' | 'finished';

export interface RunRolloutOptions {
  driver: ServiceDriver;
  clock: Clock;
  plan: BatchPlan;
  previousTaskDefinitionArn: string;
  newTaskDefinitionArn: string;
  /** The service's own deployment settings, restored in every outcome. */
  originalSettings: DeploymentSettings;
  batchTimeoutMs: number;
  rolloutTimeoutMs: number;
  rollbackOnFailure: boolean;
  /** Bound on the rollback's wait; defaults to rolloutTimeoutMs. */
  rollbackTimeoutMs?: number;
  healthChecks?: {
    urls: readonly string[];
    statuses: readonly { min: number; max: number }[];
    threshold: number;
  };
  probe?: HttpProbe;
  /** Per HTTP check; defaults to 5 s. */
  probeTimeoutMs?: number;
  listeners?: readonly RolloutListener[];
  /** Cancellation: stop waiting, roll back if rollbackOnFailure, outcome `cancelled`. */
  signal?: AbortSignal;
  /** Called (and awaited, errors ignored) at every phase change, so main can save state. */
  onPhase?: (phase: RunPhase) => void | Promise<void>;
  pollPolicy?: PollPolicy;
  random?: () => number;
}

/** A progress line at least this often while waiting (the issue asks for one every 30 s at most). */
const HEARTBEAT_MS = 20_000;
const LISTENER_FLUSH_MS = 2_000;

export async function runRollout(opts: RunRolloutOptions): Promise<RolloutResult> {
  const { driver, clock, plan } = opts;
  const started = clock.now();
  const bus = new EventFanout(opts.listeners ?? [], clock);
  const policy = opts.pollPolicy ?? DEFAULT_POLL_POLICY;
  const retry = { clock, policy, ...(opts.random ? { random: opts.random } : {}) };

  bus.emit({
    type: 'rollout-started',
    at: started,
    plan,
    from: opts.previousTaskDefinitionArn,
    to: opts.newTaskDefinitionArn,
  });
  await phase(opts, 'rolling-out');

  const watch = new BatchWatch(opts, bus, started, policy);
  let failure: RolloutFailure | undefined;
  // Until the first UpdateService succeeds the service is untouched: nothing to roll back or put back.
  let serviceChanged = false;
  try {
    // Cancelled before anything changed: change nothing.
    if (opts.signal?.aborted) throw new CancelledBeforeStart();
    await callWithRetry(
      'UpdateService',
      () => driver.updateService({ taskDefinitionArn: opts.newTaskDefinitionArn, settings: plan.settings }),
      {
        ...retry,
        ...(opts.signal ? { signal: opts.signal } : {}),
        onRetry: (r) => watch.heartbeat(r.delayMs, r.error),
      },
    );
    serviceChanged = true;
    failure = await watch.run();
  } catch (err) {
    failure =
      err instanceof CancelledBeforeStart
        ? { batch: 0, kind: 'cancelled', message: 'the rollout was cancelled before it started' }
        : watch.errorFailure(err);
    // A failed first UpdateService may still have been applied (its answer lost on the way back).
    if (!serviceChanged && !(err instanceof CancelledBeforeStart)) {
      serviceChanged = await updateWasApplied(driver, opts.newTaskDefinitionArn);
    }
  }

  let outcome: Outcome;
  let rollback: RolloutResult['rollback'];
  let settingsRestored: RolloutResult['settingsRestored'];
  let serviceLeft: string | undefined;
  const cancelled = failure?.kind === 'cancelled';
  if (!failure) {
    outcome = 'succeeded';
    settingsRestored = await putBackSettings(driver, opts.originalSettings, retry);
  } else {
    watch.failCurrent(clock.now());
    bus.emit({ type: 'failed', at: clock.now(), failure });
    // A deployment someone else started owns the service now: rolling back would undo theirs.
    const superseded = failure.kind === 'superseded';
    if (!serviceChanged) {
      // The first UpdateService failed (or never ran), and ECS applies an UpdateService whole or
      // not at all: the service still runs its previous revision under its own settings.
      settingsRestored = {
        ok: true,
        message: 'the service was not changed, so its deployment settings are as they were',
      };
      serviceLeft = `The service was not changed: it still runs ${taskDefinitionName(opts.previousTaskDefinitionArn)} under its own deployment settings.`;
      outcome = cancelled ? 'cancelled' : 'failed';
    } else if (opts.rollbackOnFailure && !superseded) {
      await phase(opts, 'rolling-back');
      bus.emit({ type: 'rollback-started', at: clock.now(), to: opts.previousTaskDefinitionArn });
      // No signal here: a cancelled rollout still rolls back, until the runner kills us (then the
      // post step takes over from the saved phase).
      const restored = await restorePrevious({
        driver,
        clock,
        previousTaskDefinitionArn: opts.previousTaskDefinitionArn,
        originalSettings: opts.originalSettings,
        timeoutMs: opts.rollbackTimeoutMs ?? opts.rolloutTimeoutMs,
        surgePercent: plan.settings.maximumPercent,
        floorPercent: plan.settings.minimumHealthyPercent,
        onProgress: (waitingFor) => bus.emit({ type: 'rollback-progress', at: clock.now(), waitingFor }),
        pollPolicy: policy,
        ...(opts.random ? { random: opts.random } : {}),
      });
      rollback = { ok: restored.ok, message: restored.message, durationMs: restored.durationMs };
      settingsRestored = restored.settingsRestored;
      bus.emit({ type: 'rollback-finished', at: clock.now(), ok: restored.ok, message: restored.message });
      outcome = cancelled ? 'cancelled' : restored.ok ? 'rolled-back' : 'failed';
    } else {
      settingsRestored = await putBackSettings(driver, opts.originalSettings, retry);
      serviceLeft = await watch.describeLeft(
        settingsRestored.ok,
        superseded && opts.rollbackOnFailure
          ? 'another deployment replaced ours, so there is nothing of ours to roll back and the service is left to it'
          : 'rollback-on-failure is false, so the service is left as ECS has it',
      );
      outcome = cancelled ? 'cancelled' : 'failed';
    }
  }

  await phase(opts, 'finished');
  const batches = watch.records;
  const finishedAt = clock.now();
  bus.emit({ type: 'rollout-finished', at: finishedAt, outcome, batches });
  // Give listeners (log, summary, check run) a bounded moment to take the last events; the time
  // they take is theirs, not the rollout's.
  await bus.flush(LISTENER_FLUSH_MS);

  const result: RolloutResult = { outcome, batches, settingsRestored, durationMs: finishedAt - started };
  if (failure) result.failure = failure;
  if (rollback) result.rollback = rollback;
  if (serviceLeft) result.serviceLeft = serviceLeft;
  return result;
}

class CancelledBeforeStart extends Error {}

/** The state of one rollout's watch: which batch, since when, what was last said. */
class BatchWatch {
  readonly records: BatchRecord[] = [];
  private batch = 1;
  private batchStartedAt: number;
  private deploymentId: string | undefined;
  private streaks: HttpCheckStreak[];
  private poll = INITIAL_POLL_STATE;
  private lastKey = '';
  private lastWords = '';
  private lastSaidAt = -Infinity;
  private last: Snapshot | undefined;
  private lastProgress: BatchProgress | undefined;
  private readonly retry: RetryOptions;

  constructor(
    private readonly opts: RunRolloutOptions,
    private readonly bus: EventFanout,
    private readonly started: number,
    private readonly policy: PollPolicy,
  ) {
    this.batchStartedAt = started;
    this.streaks = (opts.healthChecks?.urls ?? []).map((url) => ({ url, consecutiveFailures: 0 }));
    this.retry = { clock: opts.clock, policy, onRetry: (r) => this.heartbeat(r.delayMs, r.error) };
    if (opts.random) this.retry.random = opts.random;
    if (opts.signal) this.retry.signal = opts.signal;
  }

  /**
   * Before a back-off sleep: if the sleep would leave more than the heartbeat without a line, say
   * now what the rollout waits for and that the API is being retried.
   */
  heartbeat(delayMs: number, error: unknown): void {
    const now = this.opts.clock.now();
    if (now + delayMs - this.lastSaidAt < HEARTBEAT_MS) return;
    const base = this.lastProgress ?? this.initialProgress();
    const progress = { ...base, waitingFor: retryingWords(base.waitingFor, { delayMs, error }) };
    this.lastSaidAt = now;
    this.bus.emit({ type: 'progress', at: now, progress });
  }

  private initialProgress(): BatchProgress {
    const { plan } = this.opts;
    const first = plan.batches[0] ?? 0;
    return {
      batch: 1,
      batches: plan.batches.length,
      newWanted: first,
      newRunning: 0,
      newHealthy: 0,
      oldRemaining: plan.desired,
      oldDraining: 0,
      waitingFor:
        plan.batches.length > 0
          ? `batch 1/${plan.batches.length}: ECS to start the rollout`
          : 'ECS to start the rollout',
    };
  }

  /** Watches batch after batch; resolves with the failure, or undefined when the rollout is complete. */
  async run(): Promise<RolloutFailure | undefined> {
    const { clock, signal, driver } = this.opts;
    this.startBatch(clock.now());
    for (;;) {
      if (signal?.aborted) return this.cancelled();
      let snapshot: Snapshot;
      // The interval runs from the start of one snapshot to the start of the next, so a large
      // fleet's slower snapshot does not stretch the detection latency.
      const observedFrom = clock.now();
      try {
        snapshot = await callWithRetry('observing the service', () => driver.observe(), this.retry);
      } catch (err) {
        // Cancelled while retrying: that is the cause, not the error it cut short.
        if (signal?.aborted) return this.cancelled();
        throw err;
      }
      if (signal?.aborted) return this.cancelled();
      this.last = snapshot;
      this.learnDeployment(snapshot);
      await this.probe();

      let decision = decide(snapshot, this.context());
      // One snapshot may finish several batches (ECS ran ahead, e.g. with maxUnavailable > 0).
      while (decision.kind === 'batch-complete') {
        this.note(decision.progress, snapshot.at);
        this.endBatch(snapshot.at);
        this.startBatch(snapshot.at);
        decision = decide(snapshot, this.context());
      }
      this.note(decision.progress, snapshot.at);
      if (decision.kind === 'rollout-complete') {
        if (this.records.length > 0) this.endBatch(snapshot.at);
        return undefined;
      }
      if (decision.kind === 'fail') return decision.failure;

      this.say(decision, snapshot.at);
      const key = snapshotKey(snapshot);
      this.poll = afterObservation(this.poll, key !== this.lastKey);
      this.lastKey = key;
      await sleepQuietly(clock, this.delay(clock.now(), observedFrom), signal);
    }
  }

  errorFailure(err: unknown): RolloutFailure {
    const failure: RolloutFailure = {
      batch: this.records.length > 0 ? this.batch : 0,
      kind: 'error',
      message: errorMessage(err),
    };
    return failure;
  }

  failCurrent(at: number): void {
    const current = this.records[this.records.length - 1];
    if (current?.outcome === 'in-progress') {
      current.outcome = 'failed';
      current.endedAt = at;
    }
  }

  /** With rollback off, what the service is left as, said plainly. */
  async describeLeft(settingsRestored: boolean, why: string): Promise<string> {
    let snapshot = this.last;
    try {
      snapshot = await this.opts.driver.observe();
    } catch {
      // Fall back to the last observation.
    }
    const state = snapshot ? describeServiceState(snapshot) : 'unknown (could not observe it)';
    const pacing = settingsRestored
      ? "ECS goes on with it under the service's own deployment settings"
      : "ECS goes on with it under the rollout's deployment settings";
    return `${why}: ${state}; ${pacing}.`;
  }

  private context(): DecideContext {
    const o = this.opts;
    const ctx: DecideContext = {
      plan: o.plan,
      newTaskDefinitionArn: o.newTaskDefinitionArn,
      previousTaskDefinitionArn: o.previousTaskDefinitionArn,
      batch: this.batch,
      batchStartedAt: this.batchStartedAt,
      rolloutStartedAt: this.started,
      batchTimeoutMs: o.batchTimeoutMs,
      rolloutTimeoutMs: o.rolloutTimeoutMs,
    };
    if (this.deploymentId !== undefined) ctx.deploymentId = this.deploymentId;
    if (o.healthChecks && this.streaks.length > 0) {
      ctx.httpChecks = { streaks: this.streaks, threshold: o.healthChecks.threshold };
    }
    return ctx;
  }

  /** Our deployment is the first PRIMARY seen with the new task definition after UpdateService. */
  private learnDeployment(snapshot: Snapshot): void {
    if (this.deploymentId !== undefined) return;
    const primary = snapshot.service.deployments.find((d) => d.status === 'PRIMARY');
    if (primary?.taskDefinitionArn === this.opts.newTaskDefinitionArn) this.deploymentId = primary.id;
  }

  /** One GET per health-check URL, together; the probe port never throws, but guard anyway. */
  private async probe(): Promise<void> {
    const { probe, healthChecks } = this.opts;
    if (!probe || !healthChecks || this.streaks.length === 0) return;
    const timeout = this.opts.probeTimeoutMs ?? 5_000;
    this.streaks = await Promise.all(
      this.streaks.map(async (streak) => {
        const answer = await probe
          .get(streak.url, timeout)
          .catch((err: unknown) => ({ error: errorMessage(err) }));
        return nextStreak(streak, answer, healthChecks.statuses);
      }),
    );
  }

  private startBatch(at: number): void {
    const tasks = this.opts.plan.batches[this.records.length];
    if (this.records.length > 0) this.batch += 1;
    this.batchStartedAt = at;
    this.poll = INITIAL_POLL_STATE;
    if (tasks === undefined) return;
    this.records.push({ batch: this.batch, tasks, startedAt: at, outcome: 'in-progress' });
    this.bus.emit({
      type: 'batch-started',
      at,
      batch: this.batch,
      batches: this.opts.plan.batches.length,
      tasks,
    });
  }

  private endBatch(at: number): void {
    const record = this.records[this.records.length - 1];
    if (!record || record.outcome !== 'in-progress') return;
    record.outcome = 'succeeded';
    record.endedAt = at;
    record.launchedAt ??= at;
    record.healthyAt ??= at;
    record.drainedAt ??= at;
    this.bus.emit({ type: 'batch-succeeded', at, record: { ...record } });
  }

  /** Marks when the batch's tasks were launched, healthy and its old tasks drained. */
  private note(progress: BatchProgress, at: number): void {
    const record = this.records[this.records.length - 1];
    if (!record || record.outcome !== 'in-progress' || record.batch !== progress.batch) return;
    const oldAllowed = this.opts.plan.desired - progress.newWanted;
    if (record.launchedAt === undefined && progress.newRunning >= progress.newWanted) record.launchedAt = at;
    if (record.healthyAt === undefined && progress.newHealthy >= progress.newWanted) record.healthyAt = at;
    if (record.drainedAt === undefined && progress.oldRemaining <= oldAllowed && progress.oldDraining === 0) {
      record.drainedAt = at;
    }
  }

  /** A progress event when the words change, and at least every 20 s while waiting. */
  private say(decision: Decision, at: number): void {
    this.lastProgress = decision.progress;
    const words = decision.progress.waitingFor;
    if (words === this.lastWords && at - this.lastSaidAt < HEARTBEAT_MS) return;
    this.lastWords = words;
    this.lastSaidAt = at;
    this.bus.emit({ type: 'progress', at, progress: decision.progress });
  }

  /** The poll policy's delay, cut short so a deadline or the heartbeat is never overslept. */
  private delay(now: number, observedFrom: number): number {
    const o = this.opts;
    const deadline = Math.min(this.batchStartedAt + o.batchTimeoutMs, this.started + o.rolloutTimeoutMs);
    const heartbeat = this.lastSaidAt + HEARTBEAT_MS;
    const wanted = nextDelay(this.poll, this.policy, 0) - (now - observedFrom);
    return Math.max(0, Math.min(wanted, deadline - now, heartbeat - now));
  }

  private cancelled(): RolloutFailure {
    const failure: RolloutFailure = {
      batch: this.batch,
      kind: 'cancelled',
      message:
        `the rollout was cancelled in batch ${this.batch}/${this.opts.plan.batches.length}` +
        (this.lastWords ? ` while waiting for ${this.lastWords}` : ''),
    };
    return failure;
  }
}

/** What counts as "something changed": task states, target states, deployments. */
function snapshotKey(s: Snapshot): string {
  const tasks = s.tasks.map((t) => `${t.id}:${t.lastStatus}:${t.desiredStatus}`).sort();
  const targets = s.targets.map((t) => `${t.targetGroupArn}:${t.id}:${t.state}`).sort();
  const deployments = s.service.deployments.map(
    (d) => `${d.id}:${d.status}:${d.rolloutState ?? ''}:${d.runningCount}`,
  );
  return [...tasks, '|', ...targets, '|', ...deployments].join(',');
}

/**
 * After the first UpdateService failed: does the service run the new revision anyway? When it cannot
 * be read, the answer is yes: restoring a service that was not changed is harmless (UpdateService to
 * the revision it already runs starts no deployment), leaving a changed one is not.
 */
async function updateWasApplied(driver: RunRolloutOptions['driver'], newArn: string): Promise<boolean> {
  try {
    return (await driver.describeService()).taskDefinitionArn === newArn;
  } catch {
    return true;
  }
}

async function phase(opts: RunRolloutOptions, p: RunPhase): Promise<void> {
  try {
    await opts.onPhase?.(p);
  } catch {
    // Saving state is best effort; a failure to save must not change the rollout.
  }
}

export { taskDefinitionName };
