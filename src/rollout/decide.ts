// The rolling step as a pure decision: (snapshot, plan, where we are) -> wait, batch-complete,
// rollout-complete or fail. The loop in run.ts is the only place that waits or acts.
import {
  deploymentGate,
  httpCheckGate,
  targetHealthGate,
  taskStoppedGate,
  timeoutGate,
  type GateContext,
} from './gates.js';
import type {
  BatchPlan,
  BatchProgress,
  HttpCheckStreak,
  RolloutFailure,
  Snapshot,
  TaskView,
} from './types.js';

export interface DecideContext {
  plan: BatchPlan;
  newTaskDefinitionArn: string;
  previousTaskDefinitionArn: string;
  /** 1-based batch being watched (1 also for a plan with no batches). */
  batch: number;
  batchStartedAt: number;
  rolloutStartedAt: number;
  batchTimeoutMs: number;
  rolloutTimeoutMs: number;
  /** Our deployment's id, once the loop has seen it PRIMARY. */
  deploymentId?: string;
  httpChecks?: { streaks: readonly HttpCheckStreak[]; threshold: number };
}

export type Decision =
  | { kind: 'wait'; progress: BatchProgress }
  | { kind: 'batch-complete'; progress: BatchProgress }
  | { kind: 'rollout-complete'; progress: BatchProgress }
  | { kind: 'fail'; failure: RolloutFailure; progress: BatchProgress };

/** Counts behind a decision, beyond BatchProgress: what is still in the way. */
export interface Observed {
  progress: BatchProgress;
  /** Old tasks that must still stop for this batch to be done. */
  oldToStop: number;
  /** Targets still registered for tasks that are gone or of no live old task. */
  lingeringTargets: number;
  primaryIsOurs: boolean;
}

/**
 * Batch k is done when min(b1 + … + bk, N) new tasks are RUNNING with a `healthy` target in every
 * target group of the service, and as many old tasks have left their target groups and STOPPED.
 * ECS counts a draining task as running, so it starts the next batch only once these old tasks
 * have stopped; waiting for them is waiting for ECS. The rollout is complete after the last batch
 * when all N tasks run the new task definition with healthy targets, no old task is left, and the
 * PRIMARY deployment is ours. Gates come first: a real cause beats a timeout.
 */
export function decide(snapshot: Snapshot, ctx: DecideContext): Decision {
  const observed = observe(snapshot, ctx);
  const { progress } = observed;
  const gateCtx: GateContext = {
    batch: ctx.batch,
    batches: ctx.plan.batches.length,
    newTaskDefinitionArn: ctx.newTaskDefinitionArn,
    rolloutStartedAt: ctx.rolloutStartedAt,
  };
  if (ctx.deploymentId !== undefined) gateCtx.deploymentId = ctx.deploymentId;

  // A target's reason code says more than the stoppedReason of the task ECS stops for it.
  const failure =
    deploymentGate(snapshot, gateCtx) ??
    targetHealthGate(snapshot, gateCtx) ??
    taskStoppedGate(snapshot, gateCtx) ??
    (ctx.httpChecks
      ? httpCheckGate(ctx.httpChecks.streaks, ctx.httpChecks.threshold, gateCtx, snapshot.service)
      : undefined);
  if (failure) return { kind: 'fail', failure, progress };

  const batchDone =
    progress.newHealthy >= progress.newWanted && observed.oldToStop === 0 && observed.lingeringTargets === 0;
  const last = ctx.batch >= ctx.plan.batches.length;
  if (batchDone && !last) return { kind: 'batch-complete', progress };
  if (batchDone && last && observed.primaryIsOurs && progress.oldRemaining === 0) {
    return { kind: 'rollout-complete', progress };
  }

  const late = timeoutGate(
    snapshot.at,
    {
      batchStartedAt: ctx.batchStartedAt,
      batchTimeoutMs: ctx.batchTimeoutMs,
      rolloutTimeoutMs: ctx.rolloutTimeoutMs,
      waitingFor: progress.waitingFor,
    },
    gateCtx,
    snapshot.service,
  );
  if (late) return { kind: 'fail', failure: late, progress };
  return { kind: 'wait', progress };
}

/** Counts new and old tasks and targets against what batch `ctx.batch` wants. */
export function observe(snapshot: Snapshot, ctx: DecideContext): Observed {
  const { plan } = ctx;
  const n = plan.desired;
  const batches = plan.batches.length;
  const newWanted = Math.min(
    plan.batches.slice(0, ctx.batch).reduce((a, b) => a + b, 0),
    n,
  );
  const groups = snapshot.service.targetGroupArns;
  const live = snapshot.tasks.filter((t) => t.lastStatus !== 'STOPPED');
  const isNew = (t: TaskView): boolean => t.taskDefinitionArn === ctx.newTaskDefinitionArn;

  const newRunning = live.filter(
    (t) => isNew(t) && t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING',
  );
  const newHealthy = newRunning.filter((t) => healthyInEveryGroup(t, snapshot, groups)).length;
  const old = live.filter((t) => !isNew(t));
  const oldIps = new Set(old.map((t) => t.ip).filter((ip): ip is string => ip !== undefined));
  const newIps = new Set(
    live
      .filter(isNew)
      .map((t) => t.ip)
      .filter((ip): ip is string => ip !== undefined),
  );
  const inGroups = snapshot.targets.filter((t) => groups.includes(t.targetGroupArn));
  const oldDraining = inGroups.filter((t) => oldIps.has(t.id) && t.state === 'draining').length;
  // A target of no live task (its task stopped) is an old target still leaving its group.
  // `unused` is ELB's word for "not registered", so it is not lingering.
  const lingeringTargets = inGroups.filter(
    (t) => !oldIps.has(t.id) && !newIps.has(t.id) && t.state !== 'unused',
  ).length;
  const oldToStop = Math.max(0, old.length - (n - newWanted));

  const primary = snapshot.service.deployments.find((d) => d.status === 'PRIMARY');
  const primaryIsOurs =
    primary !== undefined &&
    primary.taskDefinitionArn === ctx.newTaskDefinitionArn &&
    (ctx.deploymentId === undefined || primary.id === ctx.deploymentId);

  const batchSize = plan.batches[ctx.batch - 1] ?? 0;
  const before = newWanted - batchSize;
  const batchHealthy = clamp(newHealthy - before, 0, batchSize);
  const parts: string[] = [];
  if (batches > 0) parts.push(`${batchHealthy}/${batchSize} new targets healthy`);
  if (newRunning.length < newWanted)
    parts.push(`${Math.max(0, newWanted - newRunning.length)} new tasks to start`);
  if (oldDraining > 0) parts.push(`${oldDraining} old ${plural(oldDraining, 'target')} draining`);
  const drainingIps = new Set(
    inGroups.filter((t) => oldIps.has(t.id) && t.state === 'draining').map((t) => t.id),
  );
  const stopping = oldToStop - drainingIps.size;
  if (stopping > 0) parts.push(`${stopping} old ${plural(stopping, 'task')} to stop`);
  if (lingeringTargets > 0)
    parts.push(`${lingeringTargets} old ${plural(lingeringTargets, 'target')} to leave`);
  if (!primaryIsOurs) parts.push('ECS to make the new deployment PRIMARY');
  const label = batches > 0 ? `batch ${ctx.batch}/${batches}` : 'no tasks to replace';
  const waitingFor = `${label}: ${parts.length > 0 ? parts.join(', ') : 'done'}`;

  return {
    progress: {
      batch: ctx.batch,
      batches,
      newWanted,
      newRunning: newRunning.length,
      newHealthy,
      oldRemaining: old.length,
      oldDraining,
      waitingFor,
    },
    oldToStop,
    lingeringTargets,
    primaryIsOurs,
  };
}

/**
 * Healthy in every target group of the service. With no target group (not a case preflight lets
 * through), RUNNING is the best ECS offers. Targets are matched by the task's IP (`ip` targets).
 */
export function healthyInEveryGroup(task: TaskView, snapshot: Snapshot, groups: readonly string[]): boolean {
  if (groups.length === 0) return true;
  if (task.ip === undefined) return false;
  return groups.every((g) =>
    snapshot.targets.some((t) => t.targetGroupArn === g && t.id === task.ip && t.state === 'healthy'),
  );
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
