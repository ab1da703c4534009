// The rolling step as a pure decision: (snapshot, where the rollout is, the clock) -> what to do
// next. The loop in rollout.ts is the only place that acts on it.
//
// A batch goes: released (ECS may start its tasks) -> held (its tasks are launched; ECS may start
// no more) -> healthy (every gate passes; the bake time starts) -> passed (the gates held through
// the bake time). Only then is the next batch released: at once with overlap (the previous batch's
// old tasks drain meanwhile), or once they are gone without it. Gates come first, in every stage:
// a real cause beats a timeout.
import { batchDrain, unfinished, type DrainLedger } from './drains.js';
import {
  batchLabel,
  deploymentGate,
  httpCheckGate,
  targetHealthGate,
  taskStoppedGate,
  timeoutGate,
  type GateContext,
} from './gates.js';
import { indexOf } from './snapshot-index.js';
import type {
  BatchPlan,
  BatchProgress,
  DeploymentSettings,
  HttpCheckStreak,
  RolloutFailure,
  Snapshot,
} from './types.js';
import { formatDuration, plural } from './words.js';

export type BatchStage = 'released' | 'held' | 'healthy' | 'passed';

/** Where the rollout is: the engine's own state, folded by the loop from the decisions it acted on. */
export interface Position {
  /** Current batch, 1-based; 0 before the first release. */
  batch: number;
  stage: BatchStage;
  /** When the current batch was released. */
  releasedAt: number;
  /** When the current batch's tasks were seen launched. */
  launchedAt?: number;
  /** When every gate of the current batch first passed (the bake time counts from here). */
  healthyAt?: number;
}

export const START: Position = { batch: 0, stage: 'passed', releasedAt: 0 };

export interface DecideContext {
  plan: BatchPlan;
  newTaskDefinitionArn: string;
  position: Position;
  rolloutStartedAt: number;
  batchTimeoutMs: number;
  rolloutTimeoutMs: number;
  /** Per batch, how long every gate must keep passing before the verdict. */
  bakeMs: number;
  /** Release the next batch while the previous one's old tasks drain. */
  overlap: boolean;
  drains: DrainLedger;
  /** Our deployment's id, once the loop has seen it PRIMARY. */
  deploymentId?: string;
  httpChecks?: { streaks: readonly HttpCheckStreak[]; threshold: number };
  seenReasons?: ReadonlyMap<string, string>;
}

export type Decision =
  | { kind: 'release'; batch: number; settings: DeploymentSettings; progress: BatchProgress }
  | { kind: 'hold'; settings: DeploymentSettings; progress: BatchProgress }
  | { kind: 'healthy'; progress: BatchProgress }
  | { kind: 'pass'; progress: BatchProgress }
  | { kind: 'complete'; progress: BatchProgress }
  | { kind: 'wait'; progress: BatchProgress; urgent?: boolean; wakeAt?: number }
  | { kind: 'fail'; failure: RolloutFailure; progress: BatchProgress };

/** Counts behind a decision. */
export interface Observed {
  progress: BatchProgress;
  /** Targets still registered for tasks that are gone. */
  lingeringTargets: number;
  primaryIsOurs: boolean;
}

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
  };
  const fail = (failure: RolloutFailure): Decision => ({ kind: 'fail', failure, progress });

  // A target's reason code says more than the stoppedReason of the task ECS stops for it.
  const gate =
    deploymentGate(snapshot, gateCtx) ??
    targetHealthGate(snapshot, gateCtx) ??
    taskStoppedGate(snapshot, gateCtx);
  if (gate) return fail(gate);
  // HTTP checks judge a batch once its tasks are up: before that they would judge the old version.
  if (ctx.httpChecks && k > 0 && position.stage !== 'released') {
    const http = httpCheckGate(ctx.httpChecks.streaks, ctx.httpChecks.threshold, gateCtx, snapshot.service);
    if (http) return fail(http);
  }
  const late = deadlines(snapshot, ctx, gateCtx, progress.waitingFor);
  if (late) return fail(late);

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
      return { kind: 'wait', progress };
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

/** Counts new and old tasks against what the current batch wants, and says what is awaited. */
export function observe(snapshot: Snapshot, ctx: DecideContext): Observed {
  const { plan, position } = ctx;
  const n = plan.desired;
  const batches = plan.batches.length;
  const k = Math.max(1, position.batch);
  const newWanted = Math.min(
    plan.batches.slice(0, position.batch).reduce((a, b) => a + b, 0),
    n,
  );
  const index = indexOf(snapshot);
  let newLaunched = 0;
  let newRunning = 0;
  let newHealthy = 0;
  let oldRemaining = 0;
  let oldDraining = 0;
  for (const t of snapshot.tasks) {
    const isNew = t.taskDefinitionArn === ctx.newTaskDefinitionArn;
    if (isNew) {
      if (t.desiredStatus === 'RUNNING' && t.lastStatus !== 'STOPPED') newLaunched += 1;
      if (t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING') {
        newRunning += 1;
        if (index.healthy(t)) newHealthy += 1;
      }
    } else if (t.lastStatus !== 'STOPPED') {
      if (t.desiredStatus === 'RUNNING') oldRemaining += 1;
      else oldDraining += 1;
    }
  }
  // A target of no live task is an old target still leaving its group; `unused` means it has left.
  let lingeringTargets = 0;
  for (const t of snapshot.targets) {
    if (index.groups.includes(t.targetGroupArn) && !index.liveIps.has(t.id) && t.state !== 'unused')
      lingeringTargets += 1;
  }
  const primary = snapshot.service.deployments.find((d) => d.status === 'PRIMARY');
  const primaryIsOurs =
    primary !== undefined &&
    primary.taskDefinitionArn === ctx.newTaskDefinitionArn &&
    (ctx.deploymentId === undefined || primary.id === ctx.deploymentId);

  const waitingFor = words(
    ctx,
    { newWanted, newLaunched, newHealthy, oldDraining, lingeringTargets, primaryIsOurs },
    snapshot.at,
  );
  return {
    progress: {
      batch: k,
      batches,
      newWanted,
      newLaunched,
      newRunning,
      newHealthy,
      oldRemaining,
      oldDraining,
      waitingFor,
    },
    lingeringTargets,
    primaryIsOurs,
  };
}

function words(
  ctx: DecideContext,
  c: {
    newWanted: number;
    newLaunched: number;
    newHealthy: number;
    oldDraining: number;
    lingeringTargets: number;
    primaryIsOurs: boolean;
  },
  at: number,
): string {
  const { plan, position } = ctx;
  const batches = plan.batches.length;
  if (batches === 0)
    return c.primaryIsOurs
      ? 'no tasks to replace: done'
      : 'no tasks to replace: ECS to make the new deployment PRIMARY';
  if (position.batch === 0) return `about to be released (${plural(plan.batches[0] ?? 0, 'new task')})`;
  const label = `batch ${position.batch}/${batches}`;
  const size = plan.batches[Math.max(0, position.batch - 1)] ?? 0;
  const before = c.newWanted - size;
  const parts: string[] = [];
  const draining = c.oldDraining > 0 ? `${plural(c.oldDraining, 'old task')} draining` : undefined;
  switch (position.stage) {
    case 'released':
      parts.push(
        `ECS to start ${plural(size, 'new task')} (${Math.max(0, c.newLaunched - before)}/${size} launched)`,
      );
      break;
    case 'held':
      parts.push(`${Math.max(0, Math.min(size, c.newHealthy - before))}/${size} new tasks healthy`);
      if (ctx.httpChecks && c.newHealthy >= c.newWanted) parts.push('the health-check-url checks to pass');
      break;
    case 'healthy': {
      const left = (position.healthyAt ?? at) + ctx.bakeMs - at;
      parts.push(
        `all ${size} new tasks healthy; baking ${formatDuration(ctx.bakeMs)} (${formatDuration(Math.max(0, left))} left)`,
      );
      break;
    }
    case 'passed': {
      const last = position.batch >= batches;
      const drains = unfinished(ctx.drains);
      if (last) {
        if (drains.count > 0 || c.oldDraining > 0)
          parts.push(
            `the last ${plural(Math.max(drains.count, c.oldDraining), 'old task')} to drain and stop`,
          );
        if (c.lingeringTargets > 0) parts.push(`${plural(c.lingeringTargets, 'old target')} to leave`);
        if (c.newHealthy < plan.desired) parts.push(`${c.newHealthy}/${plan.desired} new tasks healthy`);
        if (!c.primaryIsOurs) parts.push('ECS to make the new deployment PRIMARY');
        return `${label} passed; waiting for ${parts.join(', ') || 'ECS to finish'}`;
      }
      const prev = batchDrain(ctx.drains, position.batch);
      return `${label} passed; ${plural(Math.max(drains.count, prev.tasks), 'old task')} to drain before batch ${position.batch + 1}`;
    }
  }
  if (draining && position.stage !== 'released') parts.push(draining);
  return `${label}: ${parts.join(', ')}`;
}
