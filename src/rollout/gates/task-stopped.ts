// A new task that ECS stopped, and what ELB said about it before it went.
import { addressKey, indexOf } from '../snapshot-index.js';
import type { ServiceView, Snapshot, TaskView } from '../snapshot.js';
import type { RolloutFailure } from '../types.js';
import { shortId, targetGroupName } from '../words.js';
import { batchLabel, containerExits, eventsSince, type GateContext } from './context.js';

/**
 * A task of the new revision that ECS stopped or is stopping since the rollout began. Our rollout
 * never scales in, so any such task means the new version failed: its essential container exited,
 * or ECS stopped it for failing ELB health checks (ECS sets desiredStatus STOPPED and
 * stoppedReason first, lastStatus follows). The one exception is a scale-in someone else asked for
 * (the desired count lowered mid-rollout): ECS stops surplus tasks with its scheduler's reason,
 * which says nothing against the new version.
 */
export function taskStoppedGate(snapshot: Snapshot, ctx: GateContext): RolloutFailure | undefined {
  const stopped = snapshot.tasks.find(
    (t) =>
      t.taskDefinitionArn === ctx.newTaskDefinitionArn &&
      (t.lastStatus === 'STOPPED' || t.desiredStatus === 'STOPPED') &&
      // ECS keeps stopped tasks visible for a while; ignore ones from an earlier attempt.
      (t.stoppedAt === undefined || t.stoppedAt >= ctx.rolloutStartedAt) &&
      !scaledIn(t),
  );
  if (!stopped) return undefined;
  const reason =
    stopped.stoppedReason ?? (stopped.lastStatus === 'STOPPED' ? 'no reason given' : 'being stopped');
  const exits = containerExits(stopped);
  // An `instance` target is not the task's own address: say which one it was (instance:port).
  const instanceTargets = indexOf(snapshot)
    .addressesOf(stopped)
    .filter((a) => a.port !== undefined)
    .map(addressKey);
  const seen = seenReasonOf(snapshot, stopped, ctx.seenReasons);
  const elb =
    seen ??
    elbFailureOf(snapshot.service, stopped.id, ctx.rolloutStartedAt, indexOf(snapshot).addressesOf(stopped));
  const failure: RolloutFailure = {
    batch: ctx.batch,
    kind: 'task-stopped',
    message:
      `${batchLabel(ctx)}: task ${shortId(stopped.id)} stopped${ctx.during ? ` ${ctx.during}` : ''}: ${shortenTargetGroups(reason)}` +
      (exits ? ` (${exits})` : '') +
      (instanceTargets.length > 0 ? ` (target ${instanceTargets.join(', ')})` : '') +
      (elb ? `; ELB said: ${elb}` : ''),
    taskArn: stopped.arn,
    serviceEvents: eventsSince(snapshot.service, ctx.rolloutStartedAt),
  };
  if (stopped.stopCode) failure.reasonCode = stopped.stopCode;
  return failure;
}

/** The reason the action last saw for any of `task`'s targets. */
function seenReasonOf(
  snapshot: Snapshot,
  task: TaskView,
  seen: ReadonlyMap<string, string> | undefined,
): string | undefined {
  if (!seen || seen.size === 0) return undefined;
  for (const a of indexOf(snapshot).addressesOf(task)) {
    const words = seen.get(addressKey(a));
    if (words !== undefined) return words;
  }
  return undefined;
}

/**
 * ECS's stoppedReason for a task its service scheduler stops to meet a lower desired count
 * ("Scaling activity initiated by (deployment ecs-svc/...)"); a task that failed its ELB health
 * checks or whose essential container exited says so instead.
 */
export function scaledIn(task: TaskView): boolean {
  return task.stoppedReason?.startsWith('Scaling activity initiated by') === true;
}

/**
 * When ECS stops a task for failing ELB health checks, its target is already draining and has lost
 * its reason code; ECS's service event keeps it: `(service web) (task 3f2a…) (port 8080) is
 * unhealthy in (target-group arn:…) due to (reason Health checks failed with these codes: [500]).`
 * An `instance` target is named by its instance instead ("Amazon ECS service event messages"):
 * `(service web) (instance i-0abc…) (port 32768) is unhealthy in …`; `addresses` are the task's.
 */
function elbFailureOf(
  service: ServiceView,
  taskId: string,
  since: number,
  addresses: readonly { id: string; port?: number }[] = [],
): string | undefined {
  const pattern = /is unhealthy in \(target-group ([^)]+)\) due to \(reason (.*)\)\.?$/;
  const names = [
    `(task ${taskId})`,
    ...addresses.filter((a) => a.port !== undefined).map((a) => `(instance ${a.id}) (port ${a.port})`),
  ];
  const event = service.events.find(
    (e) => e.createdAt >= since && names.some((n) => e.message.includes(n)) && pattern.test(e.message),
  );
  const m = event ? pattern.exec(event.message) : null;
  if (!m) return undefined;
  return `unhealthy in target group ${targetGroupName(m[1] ?? '')} (${m[2]})`;
}

/** `(target-group arn:aws:elasticloadbalancing:…:targetgroup/web/0123)` reads better as `web`. */
function shortenTargetGroups(text: string): string {
  return text.replace(/arn:aws[\w-]*:elasticloadbalancing:[^\s)]*targetgroup\/([^/\s)]+)\/[^\s)]+/g, '$1');
}
