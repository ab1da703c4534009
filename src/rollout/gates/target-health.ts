// A new task's target that ELB marks unhealthy, and the reasons the action saw while it could.
import { addressKey, indexOf } from '../snapshot-index.js';
import type { Snapshot } from '../snapshot.js';
import type { RolloutFailure } from '../types.js';
import { shortId, targetGroupName } from '../words.js';
import { batchLabel, eventsSince, type GateContext } from './context.js';

/** Target states in which ELB no longer sends traffic because health checks failed. */
const UNHEALTHY_STATES = new Set(['unhealthy', 'unhealthy.draining']);

/** A target of a new task that ELB marks unhealthy, in any target group of the service. */
export function targetHealthGate(snapshot: Snapshot, ctx: GateContext): RolloutFailure | undefined {
  const index = indexOf(snapshot);
  for (const task of snapshot.tasks) {
    if (task.taskDefinitionArn !== ctx.newTaskDefinitionArn) continue;
    const bad = index.targetsOfTask(task).find((t) => UNHEALTHY_STATES.has(t.state));
    if (!bad) continue;
    const why = [bad.reason, bad.description].filter(Boolean).join(': ');
    const failure: RolloutFailure = {
      batch: ctx.batch,
      kind: 'target-unhealthy',
      message:
        `${batchLabel(ctx)}: target ${bad.id}:${bad.port} of task ${shortId(task.id)} is ${bad.state} ` +
        `in target group ${targetGroupName(bad.targetGroupArn)}${ctx.during ? ` ${ctx.during}` : ''}${why ? ` (${why})` : ''}`,
      taskArn: task.arn,
      target: { targetGroupArn: bad.targetGroupArn, id: bad.id, port: bad.port },
      serviceEvents: eventsSince(snapshot.service, ctx.rolloutStartedAt),
    };
    if (bad.reason) failure.reasonCode = bad.reason;
    return failure;
  }
  return undefined;
}

/**
 * Folds what the action saw of the new tasks' targets into the reasons it keeps: the latest
 * non-healthy reason per target (addressKey: IP, or instance-id:port) (`Target.ResponseCodeMismatch: Health checks failed with these codes:
 * [500]`). Pure: returns the same map when nothing new was seen.
 */
export function noteTargetReasons(
  seen: ReadonlyMap<string, string>,
  snapshot: Snapshot,
  newTaskDefinitionArn: string,
): ReadonlyMap<string, string> {
  const index = indexOf(snapshot);
  let next: Map<string, string> | undefined;
  for (const task of snapshot.tasks) {
    if (task.taskDefinitionArn !== newTaskDefinitionArn) continue;
    for (const a of index.addressesOf(task)) {
      const t = index.targetAt(a);
      if (!t || !UNHEALTHY_STATES.has(t.state) || !(t.reason || t.description)) continue;
      const key = addressKey(a);
      const words = `unhealthy in target group ${targetGroupName(t.targetGroupArn)} (${[t.reason, t.description].filter(Boolean).join(': ')})`;
      if (seen.get(key) === words) continue;
      next ??= new Map(seen);
      next.set(key, words);
    }
  }
  return next ?? seen;
}
