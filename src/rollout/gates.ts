// Health verdicts with reasons. Pure: each gate reads one snapshot (or the HTTP-check streaks, or
// the time) and returns a RolloutFailure worded for the user, or undefined when it passes.
import { indexOf } from './snapshot-index.js';
import type { HttpCheckStreak, RolloutFailure, ServiceView, Snapshot, TaskView } from './types.js';
import { formatDuration, shortId, targetGroupName } from './words.js';

export interface GateContext {
  /** 1-based batch being watched (0 before the first). */
  batch: number;
  batches: number;
  newTaskDefinitionArn: string;
  rolloutStartedAt: number;
  /** Our deployment's id, once seen as PRIMARY. */
  deploymentId?: string;
  /**
   * The last unhealthy reason the action itself saw for each new task's target (by IP): when ECS
   * stops a task for failing ELB health checks its target is already draining and has lost its
   * reason code, and the service event that keeps it can scroll out of the 100 ECS returns.
   */
  seenReasons?: ReadonlyMap<string, string>;
  /** Words that say when the failure happened, e.g. `during the bake time`. */
  during?: string;
}

/** Target states in which ELB no longer sends traffic because health checks failed. */
const UNHEALTHY_STATES = new Set(['unhealthy', 'unhealthy.draining']);

/**
 * A task of the new revision that ECS stopped or is stopping since the rollout began. Our rollout
 * never scales in, so any such task means the new version failed: its essential container exited,
 * or ECS stopped it for failing ELB health checks (ECS sets desiredStatus STOPPED and
 * stoppedReason first, lastStatus follows).
 */
export function taskStoppedGate(snapshot: Snapshot, ctx: GateContext): RolloutFailure | undefined {
  const stopped = snapshot.tasks.find(
    (t) =>
      t.taskDefinitionArn === ctx.newTaskDefinitionArn &&
      (t.lastStatus === 'STOPPED' || t.desiredStatus === 'STOPPED') &&
      // ECS keeps stopped tasks visible for a while; ignore ones from an earlier attempt.
      (t.stoppedAt === undefined || t.stoppedAt >= ctx.rolloutStartedAt),
  );
  if (!stopped) return undefined;
  const reason =
    stopped.stoppedReason ?? (stopped.lastStatus === 'STOPPED' ? 'no reason given' : 'being stopped');
  const exits = containerExits(stopped);
  const seen = stopped.ip !== undefined ? ctx.seenReasons?.get(stopped.ip) : undefined;
  const elb = seen ?? elbFailureOf(snapshot.service, stopped.id, ctx.rolloutStartedAt);
  const failure: RolloutFailure = {
    batch: ctx.batch,
    kind: 'task-stopped',
    message:
      `${batchLabel(ctx)}: task ${shortId(stopped.id)} stopped${ctx.during ? ` ${ctx.during}` : ''}: ${shortenTargetGroups(reason)}` +
      (exits ? ` (${exits})` : '') +
      (elb ? `; ELB said: ${elb}` : ''),
    taskArn: stopped.arn,
    serviceEvents: eventsSince(snapshot.service, ctx.rolloutStartedAt),
  };
  if (stopped.stopCode) failure.reasonCode = stopped.stopCode;
  return failure;
}

/**
 * When ECS stops a task for failing ELB health checks, its target is already draining and has lost
 * its reason code; ECS's service event keeps it: `(service web) (task 3f2a…) (port 8080) is
 * unhealthy in (target-group arn:…) due to (reason Health checks failed with these codes: [500]).`
 */
export function elbFailureOf(service: ServiceView, taskId: string, since: number): string | undefined {
  const pattern = /is unhealthy in \(target-group ([^)]+)\) due to \(reason (.*)\)\.?$/;
  const event = service.events.find(
    (e) => e.createdAt >= since && e.message.includes(`(task ${taskId})`) && pattern.test(e.message),
  );
  const m = event ? pattern.exec(event.message) : null;
  if (!m) return undefined;
  return `unhealthy in target group ${targetGroupName(m[1] ?? '')} (${m[2]})`;
}

/** `(target-group arn:aws:elasticloadbalancing:…:targetgroup/web/0123)` reads better as `web`. */
function shortenTargetGroups(text: string): string {
  return text.replace(/arn:aws[\w-]*:elasticloadbalancing:[^\s)]*targetgroup\/([^/\s)]+)\/[^\s)]+/g, '$1');
}

/** A target of a new task that ELB marks unhealthy, in any target group of the service. */
export function targetHealthGate(snapshot: Snapshot, ctx: GateContext): RolloutFailure | undefined {
  const index = indexOf(snapshot);
  for (const task of snapshot.tasks) {
    if (task.taskDefinitionArn !== ctx.newTaskDefinitionArn || task.ip === undefined) continue;
    const bad = index.targetsOf(task.ip).find((t) => UNHEALTHY_STATES.has(t.state));
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
 * non-healthy reason per IP (`Target.ResponseCodeMismatch: Health checks failed with these codes:
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
    if (task.taskDefinitionArn !== newTaskDefinitionArn || task.ip === undefined) continue;
    for (const t of index.targetsOf(task.ip)) {
      if (!UNHEALTHY_STATES.has(t.state) || !(t.reason || t.description)) continue;
      const words = `unhealthy in target group ${targetGroupName(t.targetGroupArn)} (${[t.reason, t.description].filter(Boolean).join(': ')})`;
      if (seen.get(task.ip) === words) continue;
      next ??= new Map(seen);
      next.set(task.ip, words);
    }
  }
  return next ?? seen;
}

/** An HTTP check URL that failed `threshold` times in a row. */
export function httpCheckGate(
  streaks: readonly HttpCheckStreak[],
  threshold: number,
  ctx: GateContext,
  service?: ServiceView,
): RolloutFailure | undefined {
  const failing = streaks.find((s) => s.consecutiveFailures >= threshold);
  if (!failing) return undefined;
  const failure: RolloutFailure = {
    batch: ctx.batch,
    kind: 'http-check',
    message:
      `${batchLabel(ctx)}: health check ${failing.shown} failed ${failing.consecutiveFailures} times in a row` +
      (failing.last ? ` (last: ${failing.last})` : ''),
  };
  if (service) failure.serviceEvents = eventsSince(service, ctx.rolloutStartedAt);
  return failure;
}

/** The batch or the whole rollout ran past its bound; says what was still awaited. */
export function timeoutGate(
  at: number,
  t: { batchStartedAt: number; batchTimeoutMs: number; rolloutTimeoutMs: number; waitingFor: string },
  ctx: GateContext,
  service?: ServiceView,
): RolloutFailure | undefined {
  let failure: RolloutFailure | undefined;
  if (at - ctx.rolloutStartedAt >= t.rolloutTimeoutMs) {
    failure = {
      batch: ctx.batch,
      kind: 'rollout-timeout',
      message: `rollout timed out after ${formatDuration(t.rolloutTimeoutMs)} in ${batchLabel(ctx)}, waiting for ${t.waitingFor}`,
    };
  } else if (at - t.batchStartedAt >= t.batchTimeoutMs) {
    failure = {
      batch: ctx.batch,
      kind: 'batch-timeout',
      message: `${batchLabel(ctx)} timed out after ${formatDuration(t.batchTimeoutMs)}, waiting for ${t.waitingFor}`,
    };
  }
  if (failure && service) failure.serviceEvents = eventsSince(service, ctx.rolloutStartedAt);
  return failure;
}

/**
 * Our deployment is no longer the one ECS works on. Models two documented behaviours: the
 * deployment circuit breaker marks a deployment rolloutState FAILED (and, with rollback, makes a
 * new PRIMARY deployment of the last completed task definition); and any later UpdateService makes
 * a new PRIMARY deployment, turning ours ACTIVE.
 */
export function deploymentGate(snapshot: Snapshot, ctx: GateContext): RolloutFailure | undefined {
  const { service } = snapshot;
  const ours = service.deployments.find((d) =>
    ctx.deploymentId !== undefined
      ? d.id === ctx.deploymentId
      : d.taskDefinitionArn === ctx.newTaskDefinitionArn &&
        (d.createdAt === undefined || d.createdAt >= ctx.rolloutStartedAt),
  );
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  const events = eventsSince(service, ctx.rolloutStartedAt);
  if (ours?.rolloutState === 'FAILED') {
    const rolledBack = primary !== undefined && primary.id !== ours.id;
    return {
      batch: ctx.batch,
      kind: 'ecs-rollback',
      message:
        `${batchLabel(ctx)}: ECS's deployment circuit breaker failed deployment ${ours.id}` +
        (ours.rolloutStateReason ? ` (${ours.rolloutStateReason})` : '') +
        (rolledBack ? ` and rolled the service back to ${primary.taskDefinitionArn}` : ''),
      serviceEvents: events,
    };
  }
  if (ctx.deploymentId !== undefined && primary !== undefined && primary.id !== ctx.deploymentId) {
    return {
      batch: ctx.batch,
      kind: 'superseded',
      message:
        `${batchLabel(ctx)}: another deployment (${primary.id}, ${primary.taskDefinitionArn}) replaced ours ` +
        `(${ctx.deploymentId}): someone else updated the service`,
      serviceEvents: events,
    };
  }
  return undefined;
}

/** Is this HTTP answer healthy? Any status inside one of the inclusive ranges. */
export function statusAccepted(
  status: number | undefined,
  ranges: readonly { min: number; max: number }[],
): boolean {
  return status !== undefined && ranges.some((r) => status >= r.min && status <= r.max);
}

/** The streak after one more answer at `at`: reset on success, one more on failure. */
export function nextStreak(
  streak: HttpCheckStreak,
  answer: { status?: number; error?: string },
  ranges: readonly { min: number; max: number }[],
  at: number,
): HttpCheckStreak {
  const base = { url: streak.url, shown: streak.shown, checkedAt: at };
  if (statusAccepted(answer.status, ranges)) return { ...base, consecutiveFailures: 0, passed: true };
  const last = answer.error ?? (answer.status !== undefined ? `status ${answer.status}` : 'no answer');
  return { ...base, consecutiveFailures: streak.consecutiveFailures + 1, passed: false, last };
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
