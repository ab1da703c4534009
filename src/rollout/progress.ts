// Where a rollout is, and what one snapshot says of it: new and old tasks counted against what the
// current batch wants, and what the engine waits for, in words. Pure.
import { batchDrain, unfinished, type DrainLedger } from './drains.js';
import { indexOf } from './snapshot-index.js';
import type { Snapshot } from './snapshot.js';
import type { BatchPlan, BatchProgress, HttpCheckStreak } from './types.js';
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

/** What observe reads of the rollout besides the snapshot (decide's context has it all). */
export interface ProgressContext {
  plan: BatchPlan;
  newTaskDefinitionArn: string;
  position: Position;
  /** Per batch, how long every gate must keep passing before the verdict. */
  bakeMs: number;
  drains: DrainLedger;
  /** Our deployment's id, once the loop has seen it PRIMARY. */
  deploymentId?: string;
  httpChecks?: { streaks: readonly HttpCheckStreak[]; threshold: number };
  /** The new revision's containers with an ECS health check: a new task is healthy once they are HEALTHY. */
  containerChecks?: readonly string[];
}

/** Counts behind a decision. */
export interface Observed {
  progress: BatchProgress;
  /** Targets still registered for tasks that are gone. */
  lingeringTargets: number;
  primaryIsOurs: boolean;
}

/** Counts new and old tasks against what the current batch wants, and says what is awaited. */
export function observe(snapshot: Snapshot, ctx: ProgressContext): Observed {
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
        if (index.healthy(t, ctx.containerChecks)) newHealthy += 1;
      }
    } else if (t.lastStatus !== 'STOPPED') {
      if (t.desiredStatus === 'RUNNING') oldRemaining += 1;
      else oldDraining += 1;
    }
  }
  // A target of no live task is an old target still leaving its group; `unused` means it has left.
  let lingeringTargets = 0;
  for (const t of snapshot.targets) {
    if (index.groups.includes(t.targetGroupArn) && !index.isLive(t) && t.state !== 'unused')
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
  ctx: ProgressContext,
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
        // Clamped: tasks ECS starts for a scale-out (replan.ts) are not the batch's.
        `ECS to start ${plural(size, 'new task')} (${Math.max(0, Math.min(size, c.newLaunched - before))}/${size} launched)`,
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
