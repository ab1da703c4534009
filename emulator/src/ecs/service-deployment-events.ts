// The events that move service deployments along (service-deployments.ts has the records): the
// scheduler's reconcile starts what is due, a failed task is counted, the circuit breaker or the
// deployment alarms trip, a deployment completes, a service is deleted. Each is called where the
// event happens, so the scheduler's every pass does no bookkeeping of its own. Pages: "View service
// history using Amazon ECS service deployments", "Stopping Amazon ECS service deployments".
import {
  finish,
  isFinished,
  isRollingBack,
  ongoingFor,
  requestRollback,
  serviceDeploymentsOf,
  type ServiceDeploymentRecord,
} from './service-deployments.js';
import type { DeploymentRecord, EcsStore, ServiceRecord } from './store.js';

/**
 * Called on every reconcile, before it acts; does something only when a service deployment of the
 * service is due (startServiceDeployment, requestRollback): a PENDING deployment whose ECS
 * deployment is PRIMARY starts (IN_PROGRESS, `startedAt`); a requested rollback starts
 * (ROLLBACK_IN_PROGRESS, `rollback.startedAt`).
 */
export function beginServiceDeployments(store: EcsStore, service: ServiceRecord, now: number): void {
  if (!store.serviceDeploymentsDue.delete(service.arn)) return;
  const primary = service.deployments[0];
  for (const record of serviceDeploymentsOf(store, service)) {
    if (record.status === 'PENDING' && record.deploymentId === primary?.id) {
      record.status = 'IN_PROGRESS';
      record.startedAt = now;
      record.updatedAt = now;
    } else if (record.status === 'ROLLBACK_REQUESTED' && record.rollback) {
      record.status = 'ROLLBACK_IN_PROGRESS';
      record.rollback.startedAt = now;
      record.updatedAt = now;
    } else if (record.status === 'PENDING') {
      // Its ECS deployment is not (yet) PRIMARY: look again on the next reconcile.
      store.serviceDeploymentsDue.add(service.arn);
    }
  }
}

/**
 * A task of `deployment` failed (its failedTasks went up): the service deployments still under way
 * for it keep the count, which they report after the ECS deployment is gone.
 */
export function failureCounted(store: EcsStore, service: ServiceRecord, deployment: DeploymentRecord): void {
  for (const record of serviceDeploymentsOf(store, service))
    if (record.deploymentId === deployment.id && !isFinished(record.status))
      record.failureCount = deployment.failedTasks;
}

/**
 * The circuit breaker tripped on `tripped` (page "How the Amazon ECS deployment circuit breaker
 * detects failures"). Its service deployment records it (`deploymentCircuitBreaker.status`
 * TRIGGERED) and: rolls back to `revived` when the breaker's rollback is on and there is a
 * deployment to go back to; is STOPPED when rollback is off (API reference ServiceDeployment
 * `stoppedAt`: "The rollback option is not in use for the failure detection mechanism ... and the
 * service fails"); is ROLLBACK_FAILED when rollback is on but no revision ever completed. A rollback
 * whose own deployment trips the breaker is ROLLBACK_FAILED: the service cannot get back to its
 * source revision (the emulator's reading; AWS does not document the case).
 */
export function breakerTripped(
  store: EcsStore,
  service: ServiceRecord,
  tripped: DeploymentRecord,
  revived: DeploymentRecord | undefined,
  now: number,
): void {
  monitorTripped(store, service, tripped, revived, now, {
    rollbackOn: service.deploymentConfiguration.deploymentCircuitBreaker.rollback,
    rollbackReason: (id) => `ECS deployment circuit breaker: rolling back to deploymentId ${id}.`,
    mark: (r) => {
      r.breakerTriggered = true;
      r.failureCount = tripped.failedTasks;
    },
    markRollback: () => undefined,
  });
}

/**
 * Deployment alarms failed `failed` (page "How CloudWatch alarms detect Amazon ECS deployment
 * failures"; deployment-alarms.ts). Its service deployment records the alarms (`alarms.status`
 * TRIGGERED, `triggeredAlarmNames`) and, as for the circuit breaker: rolls back to `revived` when the
 * alarms' rollback is on and a deployment completed before; is ROLLBACK_FAILED when rollback is on
 * but nothing completed; is STOPPED when rollback is off. A rollback that the alarms fail in turn is
 * ROLLBACK_FAILED.
 */
export function alarmsTripped(
  store: EcsStore,
  service: ServiceRecord,
  failed: DeploymentRecord,
  revived: DeploymentRecord | undefined,
  alarmNames: string[],
  now: number,
): void {
  const named = (r: ServiceDeploymentRecord): void => {
    r.triggeredAlarmNames = [...alarmNames];
  };
  monitorTripped(store, service, failed, revived, now, {
    rollbackOn: service.deploymentConfiguration.alarms?.rollback ?? false,
    rollbackReason: (id) => `ECS deployment alarms: rolling back to deploymentId ${id}.`,
    mark: named,
    markRollback: named,
  });
}

/**
 * What the circuit breaker and the deployment alarms do alike when they fail `failed`: a rollback
 * whose own deployment it is ends ROLLBACK_FAILED; the service deployment of `failed` rolls back
 * to `revived`, or is ROLLBACK_FAILED (rollback on, nothing completed), or STOPPED (rollback off).
 */
function monitorTripped(
  store: EcsStore,
  service: ServiceRecord,
  failed: DeploymentRecord,
  revived: DeploymentRecord | undefined,
  now: number,
  monitor: {
    rollbackOn: boolean;
    rollbackReason: (revivedId: string) => string;
    /** Records the trip on the failed deployment's service deployment. */
    mark: (record: ServiceDeploymentRecord) => void;
    /** Records the trip on a rollback it fails. */
    markRollback: (record: ServiceDeploymentRecord) => void;
  },
): void {
  const reason = failed.rolloutStateReason;
  for (const record of serviceDeploymentsOf(store, service)) {
    if (record.rollback?.deploymentId === failed.id && isRollingBack(record.status)) {
      monitor.markRollback(record);
      finish(store, service, record, 'ROLLBACK_FAILED', `${reason} (during the rollback)`, now);
    }
  }
  const record = ongoingFor(store, service, failed);
  if (!record) return;
  monitor.mark(record);
  if (revived) requestRollback(store, record, revived, monitor.rollbackReason(revived.id), now, false);
  else if (monitor.rollbackOn)
    finish(
      store,
      service,
      record,
      'ROLLBACK_FAILED',
      `${reason} No successful revision to roll back to.`,
      now,
    );
  else finish(store, service, record, 'STOPPED', reason, now);
}

/**
 * `deployment` reached COMPLETED (steady state). Its service deployment is SUCCESSFUL; a rollback
 * that went to it is ROLLBACK_SUCCESSFUL ("back at steady state on the source revision").
 */
export function deploymentCompleted(
  store: EcsStore,
  service: ServiceRecord,
  deployment: DeploymentRecord,
  now: number,
): void {
  for (const record of serviceDeploymentsOf(store, service)) {
    if (record.rollback?.deploymentId === deployment.id && isRollingBack(record.status)) {
      record.rollback.startedAt ??= now;
      finish(store, service, record, 'ROLLBACK_SUCCESSFUL', record.statusReason, now);
    } else if (
      record.deploymentId === deployment.id &&
      !isFinished(record.status) &&
      !isRollingBack(record.status)
    ) {
      finish(store, service, record, 'SUCCESSFUL', undefined, now);
    }
  }
}

/**
 * Pages "View service history ..." and "Amazon ECS service revisions": deleting a service deletes
 * its service deployments and revisions.
 */
export function forgetService(store: EcsStore, service: ServiceRecord): void {
  store.serviceDeploymentsDue.delete(service.arn);
  for (const [arn, record] of store.serviceDeployments)
    if (record.serviceArn === service.arn) store.serviceDeployments.delete(arn);
  for (const [arn, record] of store.serviceRevisions)
    if (record.serviceArn === service.arn) store.serviceRevisions.delete(arn);
}
