// The rolling step as a pure decision: (snapshot, where the rollout is, the clock) -> what to do
// next. The loop in rollout.ts is the only place that acts on it.
//
// A batch goes: released (ECS may start its tasks) -> held (its tasks are launched; ECS may start
// no more) -> healthy (every gate passes; the bake time starts) -> passed (the gates held through
// the bake time). Only then is the next batch released: at once with overlap (the previous batch's
// old tasks drain meanwhile), or once they are gone without it. Gates come first, in every stage:
// a real cause beats a timeout.
import { unfinished } from './drains.js';
import { alarmGate } from './gates/alarms.js';
import { containerHealthGate } from './gates/container-health.js';
import { batchLabel, type GateContext } from './gates/context.js';
import { deploymentGate, timeoutGate } from './gates/deployment.js';
import { httpCheckGate } from './gates/http-checks.js';
import { targetHealthGate } from './gates/target-health.js';
import { taskStoppedGate } from './gates/task-stopped.js';
import type { PlanInput } from './plan.js';
import { observe, type Position, type ProgressContext } from './progress.js';
import { replanBatches } from './replan.js';
import type { Snapshot } from './snapshot.js';
import type { BatchPlan, BatchProgress, DeploymentSettings, RolloutFailure } from './types.js';
import { formatDuration, plural } from './words.js';

export interface DecideContext extends ProgressContext {
  rolloutStartedAt: number;
  batchTimeoutMs: number;
  rolloutTimeoutMs: number;
  /** Release the next batch while the previous one's old tasks drain. */
  overlap: boolean;
  seenReasons?: ReadonlyMap<string, string>;
  /**
   * What the plan was made from: given, the plan follows the service's desired count when something
   * else (Application Auto Scaling) changes it (replan.ts).
   */
  planInput?: PlanInput;
  /** CloudWatch alarms (in the snapshot) the rollout gates on; `ignored` were in ALARM at the start. */
  alarms?: { ignored: ReadonlySet<string> };
}

export type Decision =
  | { kind: 'release'; batch: number; settings: DeploymentSettings; progress: BatchProgress }
  | { kind: 'hold'; settings: DeploymentSettings; progress: BatchProgress }
  | { kind: 'healthy'; progress: BatchProgress }
  | { kind: 'pass'; progress: BatchProgress }
  | { kind: 'complete'; progress: BatchProgress }
  | { kind: 'wait'; progress: BatchProgress; urgent?: boolean; wakeAt?: number }
  | { kind: 'fail'; failure: RolloutFailure; progress: BatchProgress }
  /**
   * The service's desired count is no longer the plan's: follow `plan` from now on. `settings`, when
   * given, are the batch in flight's release recomputed for the new count, to send at once.
   */
  | { kind: 'replan'; plan: BatchPlan; from: number; settings?: DeploymentSettings; progress: BatchProgress };

export function decide(snapshot: Snapshot, ctx: DecideContext): Decision {
  const { plan, position } = ctx;
  const observed = observe(snapshot, ctx);
  const { progress } = observed;
  const batches = plan.batches.length;
  const k = position.batch;
  const gateCtx: GateContext = {
    batch: Math.max(k, 0),
    batches,
    newTaskDefinitionArn: ctx.newTaskDefinitionArn,
    rolloutStartedAt: ctx.rolloutStartedAt,
    ...(ctx.deploymentId !== undefined ? { deploymentId: ctx.deploymentId } : {}),
    ...(ctx.seenReasons ? { seenReasons: ctx.seenReasons } : {}),
    ...(position.stage === 'healthy' && ctx.bakeMs > 0 ? { during: 'during the bake time' } : {}),
    ...(ctx.containerChecks ? { containerChecks: ctx.containerChecks } : {}),
  };
  const fail = (failure: RolloutFailure): Decision => ({ kind: 'fail', failure, progress });

  // A target's reason code says more than the stoppedReason of the task ECS stops for it.
  const gate =
    deploymentGate(snapshot, gateCtx) ??
    targetHealthGate(snapshot, gateCtx) ??
    containerHealthGate(snapshot, gateCtx) ??
    taskStoppedGate(snapshot, gateCtx);
  if (gate) return fail(gate);
  // HTTP checks judge a batch once its tasks are up: before that they would judge the old version.
  if (ctx.httpChecks && k > 0 && position.stage !== 'released') {
    const http = httpCheckGate(ctx.httpChecks.streaks, ctx.httpChecks.threshold, gateCtx, snapshot.service);
    if (http) return fail(http);
  }
  // An alarm judges the whole service, old and new tasks alike, from the first change on.
  if (ctx.alarms) {
    const alarm = alarmGate(snapshot, ctx.alarms.ignored, gateCtx);
    if (alarm) return fail(alarm);
  }
  const late = deadlines(snapshot, ctx, gateCtx, progress.waitingFor);
  if (late) return fail(late);

  // Application Auto Scaling (or anyone) changed the desired count: ECS applies the percents to the
  // new count, so the batches and their settings follow it before anything else is decided.
  const desired = snapshot.service.desiredCount;
  if (ctx.planInput && desired !== plan.desired) {
    const next = replanBatches({ plan, input: ctx.planInput, released: k, desired });
    const inFlight = k > 0 && position.stage === 'released' ? next.releases[k - 1] : undefined;
    const was = plan.releases[k - 1];
    const resend =
      inFlight !== undefined &&
      (was === undefined ||
        was.maximumPercent !== inFlight.maximumPercent ||
        was.minimumHealthyPercent !== inFlight.minimumHealthyPercent);
    return {
      kind: 'replan',
      plan: next,
      from: plan.desired,
      ...(resend ? { settings: inFlight } : {}),
      progress,
    };
  }

  if (batches === 0) {
    // Nothing to replace: done once ECS has made our deployment PRIMARY.
    return observed.primaryIsOurs && progress.oldRemaining === 0 && progress.oldDraining === 0
      ? { kind: 'complete', progress }
      : { kind: 'wait', progress };
  }

  switch (position.stage) {
    case 'released':
      if (progress.newLaunched >= progress.newWanted) return { kind: 'hold', settings: plan.hold, progress };
      return { kind: 'wait', progress, urgent: true };
    case 'held':
      if (allGreen(progress, ctx, position))
        return ctx.bakeMs > 0 ? { kind: 'healthy', progress } : { kind: 'pass', progress };
      // Every new task is RUNNING: the verdict comes with the next health check, which the action
      // cannot predict (ELBv2 does not say when it checks). Looking at the urgent pace here rather
      // than the fast one is what keeps the next release close to the verdict (the per-batch gap).
      return progress.newRunning >= progress.newWanted
        ? { kind: 'wait', progress, urgent: true }
        : { kind: 'wait', progress };
    case 'healthy': {
      // Target health is a gate of its own (an unhealthy target failed above); a task that left
      // RUNNING-and-healthy any other way during the bake time fails the batch too. An HTTP check
      // fails the batch at its threshold; until then the verdict waits for it to pass again.
      if (progress.newHealthy < progress.newWanted) {
        return fail({
          batch: k,
          kind: 'bake',
          message:
            `${batchLabel(gateCtx)}: during the bake time only ${progress.newHealthy} of ${progress.newWanted} new tasks stayed healthy ` +
            `(${progress.waitingFor})`,
        });
      }
      const bakedAt = (position.healthyAt ?? snapshot.at) + ctx.bakeMs;
      if (snapshot.at >= bakedAt && allGreen(progress, ctx, position)) return { kind: 'pass', progress };
      return { kind: 'wait', progress, wakeAt: bakedAt };
    }
    case 'passed': {
      const drains = unfinished(ctx.drains);
      if (k >= batches) {
        const done =
          observed.primaryIsOurs &&
          progress.oldRemaining === 0 &&
          progress.oldDraining === 0 &&
          drains.count === 0 &&
          observed.lingeringTargets === 0 &&
          progress.newHealthy >= plan.desired;
        return done ? { kind: 'complete', progress } : { kind: 'wait', progress };
      }
      // Without overlap the next batch waits until every old task told to stop has drained and stopped.
      if (!ctx.overlap && (drains.count > 0 || progress.oldDraining > 0 || observed.lingeringTargets > 0))
        return { kind: 'wait', progress };
      const next = k + 1;
      return { kind: 'release', batch: next, settings: plan.releases[next - 1] ?? plan.hold, progress };
    }
  }
}

/** Every new task so far healthy in every target group, and every HTTP check passing since launch. */
function allGreen(progress: BatchProgress, ctx: DecideContext, position: Position): boolean {
  if (progress.newHealthy < progress.newWanted) return false;
  const since = position.launchedAt ?? position.releasedAt;
  return (ctx.httpChecks?.streaks ?? []).every((s) => s.passed === true && (s.checkedAt ?? 0) >= since);
}

function deadlines(
  snapshot: Snapshot,
  ctx: DecideContext,
  gateCtx: GateContext,
  waitingFor: string,
): RolloutFailure | undefined {
  const { position } = ctx;
  const waiting = position.batch > 0 && position.stage !== 'passed';
  const late = timeoutGate(
    snapshot.at,
    {
      batchStartedAt: waiting ? position.releasedAt : Number.POSITIVE_INFINITY,
      batchTimeoutMs: ctx.batchTimeoutMs,
      rolloutTimeoutMs: ctx.rolloutTimeoutMs,
      waitingFor,
    },
    gateCtx,
    snapshot.service,
  );
  if (late) return late;
  // A drain has the same bound as a batch: the target group's deregistration delay plus the stop.
  const drains = unfinished(ctx.drains);
  if (drains.oldestStopSeenAt !== undefined && snapshot.at - drains.oldestStopSeenAt >= ctx.batchTimeoutMs) {
    return {
      batch: gateCtx.batch,
      kind: 'batch-timeout',
      message:
        `${plural(drains.count, 'old task')} did not drain and stop within batch-timeout (${formatDuration(ctx.batchTimeoutMs)}): ` +
        'check the target groups’ deregistration delay and the containers’ stopTimeout',
    };
  }
  return undefined;
}
