// What every gate is told about the rollout, and the words the gates share. A gate is pure: it
// reads one snapshot (or the HTTP-check streaks, or the time) and returns a RolloutFailure worded
// for the user, or undefined when it passes.
import type { ServiceView, TaskView } from '../snapshot.js';

export interface GateContext {
  /** 1-based batch being watched (0 before the first). */
  batch: number;
  batches: number;
  newTaskDefinitionArn: string;
  rolloutStartedAt: number;
  /** Our deployment's id, once seen as PRIMARY. */
  deploymentId?: string;
  /**
   * The last unhealthy reason the action itself saw for each new task's target (by addressKey: the
   * IP of an `ip` target, `instance-id:port` of an `instance` one): when ECS
   * stops a task for failing ELB health checks its target is already draining and has lost its
   * reason code, and the service event that keeps it can scroll out of the 100 ECS returns.
   */
  seenReasons?: ReadonlyMap<string, string>;
  /** Words that say when the failure happened, e.g. `during the bake time`. */
  during?: string;
  /**
   * The new revision's containers that carry an ECS health check (the ones that decide the task's
   * healthStatus); undefined when unknown, then a container counts as failed only if the task
   * itself reports UNHEALTHY.
   */
  containerChecks?: readonly string[];
}

/** Service events ECS wrote since `since`, oldest first (ECS lists them newest first). */
export function eventsSince(service: ServiceView, since: number): string[] {
  return service.events
    .filter((e) => e.createdAt >= since)
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((e) => e.message);
}

/** `Essential container in task exited` alone says little: add each container's exit code and reason. */
export function containerExits(task: TaskView): string {
  return task.containers
    .filter((c) => c.exitCode !== undefined || c.reason !== undefined)
    .map((c) =>
      [c.name, c.exitCode !== undefined ? `exit ${c.exitCode}` : undefined, c.reason]
        .filter(Boolean)
        .join(' '),
    )
    .join(', ');
}

export function batchLabel(ctx: Pick<GateContext, 'batch' | 'batches'>): string {
  return ctx.batch === 0 ? 'before the first batch' : `batch ${ctx.batch}/${ctx.batches}`;
}
