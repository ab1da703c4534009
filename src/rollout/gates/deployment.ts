// ECS's side of the rollout: our deployment failed or replaced, and the rollout's time bounds.
import type { ServiceView, Snapshot } from '../snapshot.js';
import type { RolloutFailure } from '../types.js';
import { formatDuration } from '../words.js';
import { batchLabel, eventsSince, type GateContext } from './context.js';

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
    // The breaker's reason starts "ECS deployment circuit breaker:" (page "How the Amazon ECS
    // deployment circuit breaker detects failures"); another reason is ECS's deployment alarms
    // (page "How CloudWatch alarms detect Amazon ECS deployment failures"), named by the reason.
    const reason = ours.rolloutStateReason;
    const who =
      reason !== undefined && !reason.startsWith('ECS deployment circuit breaker')
        ? 'ECS'
        : "ECS's deployment circuit breaker";
    return {
      batch: ctx.batch,
      kind: 'ecs-rollback',
      message:
        `${batchLabel(ctx)}: ${who} failed deployment ${ours.id}` +
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
