// A new task's container whose ECS container health check failed.
import type { Snapshot } from '../snapshot.js';
import type { RolloutFailure } from '../types.js';
import { shortId } from '../words.js';
import { batchLabel, containerExits, eventsSince, type GateContext } from './context.js';

/**
 * A container of a new task whose ECS container health check failed (healthStatus UNHEALTHY): ECS
 * stops such a service task and starts another ("if the task reports as unhealthy then the task will
 * be stopped and the service scheduler will replace it", API reference HealthCheck), so the batch
 * fails at once, naming the container and, once ECS has stopped the task, its stoppedReason and
 * each container's exit code. Checked before taskStoppedGate: the container says more than
 * `Task failed container health checks`.
 */
export function containerHealthGate(snapshot: Snapshot, ctx: GateContext): RolloutFailure | undefined {
  for (const task of snapshot.tasks) {
    if (task.taskDefinitionArn !== ctx.newTaskDefinitionArn) continue;
    if (task.stoppedAt !== undefined && task.stoppedAt < ctx.rolloutStartedAt) continue;
    const judged = (name: string): boolean =>
      ctx.containerChecks ? ctx.containerChecks.includes(name) : task.healthStatus === 'UNHEALTHY';
    const bad = task.containers.filter((c) => c.healthStatus === 'UNHEALTHY' && judged(c.name));
    if (bad.length === 0) continue;
    const stopping = task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED';
    const exits = containerExits(task);
    const names = bad.map((c) => c.name).join(', ');
    const failure: RolloutFailure = {
      batch: ctx.batch,
      kind: 'container-unhealthy',
      message:
        `${batchLabel(ctx)}: container ${names} of task ${shortId(task.id)} is UNHEALTHY${ctx.during ? ` ${ctx.during}` : ''} ` +
        `(its ECS container health check failed)` +
        (stopping ? `; task stopped: ${task.stoppedReason ?? 'being stopped'}` : '') +
        (exits ? ` (${exits})` : ''),
      taskArn: task.arn,
      serviceEvents: eventsSince(snapshot.service, ctx.rolloutStartedAt),
    };
    if (task.stopCode) failure.reasonCode = task.stopCode;
    return failure;
  }
  return undefined;
}
