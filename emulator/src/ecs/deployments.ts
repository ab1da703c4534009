// A service's ECS deployments (DescribeServices `deployments`: PRIMARY and ACTIVE, with their
// rolloutState), and the one move both rollbacks make on them: the circuit breaker's and
// StopServiceDeployment's. The history records AWS keeps of them (service deployments and
// revisions) are service-deployments.ts.
import { newDeploymentId } from './arns.js';
import type { DeploymentRecord, ServiceRecord } from './store.js';

export function newDeployment(
  taskDefinitionArn: string,
  serviceRevisionArn: string,
  desiredCount: number,
  now: number,
  reason?: string,
): DeploymentRecord {
  const id = newDeploymentId();
  return {
    id,
    status: 'PRIMARY',
    taskDefinitionArn,
    serviceRevisionArn,
    desiredCount,
    failedTasks: 0,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: reason ?? `ECS deployment ${id} in progress.`,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Make the service's last COMPLETED deployment PRIMARY and IN_PROGRESS again, and the current
 * PRIMARY an ACTIVE one, whose tasks the rolling update then stops as it stops any old
 * deployment's. Returns the deployment now PRIMARY, or undefined when there is nothing to go back
 * to (no deployment has completed, or the PRIMARY is that deployment).
 *
 * - Circuit breaker (page "How the Amazon ECS deployment circuit breaker detects failures"): "When
 *   the rollback starts, the deployment changes from a COMPLETED to IN_PROGRESS".
 * - StopServiceDeployment ROLLBACK (page "Stopping Amazon ECS service deployments"): "rolls back the
 *   service deployment to the previous service revision"; page "Amazon ECS service revisions":
 *   "Amazon ECS doesn't create a new service revision for a rollback operation. Amazon ECS uses
 *   the last successful service revision for the rollback."
 *
 * Both read as going back to what is still running, so the deployment that ran the source revision
 * is revived with the tasks it still has, and ECS starts tasks of it only to make up the desired
 * count. Only if that deployment is gone (none of its tasks left) does a deployment with its task
 * definition and service revision take its place. Its failedTasks start again from 0: the breaker
 * counts consecutive failures (API reference, Deployment `failedTasks`).
 */
export function reviveLastCompleted(
  service: ServiceRecord,
  now: number,
  reason: (revivedId: string) => string,
): DeploymentRecord | undefined {
  const target = service.lastCompleted;
  const primary = service.deployments[0];
  if (!target || !primary || target.id === primary.id) return undefined;
  // The primary is already a copy of the last completed deployment (an earlier rollback made it
  // when the original was gone): rolling back again would only start another copy, forever.
  if (
    primary.serviceRevisionArn === target.serviceRevisionArn &&
    primary.taskDefinitionArn === target.taskDefinitionArn
  )
    return undefined;
  const revived =
    service.deployments.find((d) => d.id === target.id) ??
    newDeployment(target.taskDefinitionArn, target.serviceRevisionArn, service.desiredCount, now);
  revived.status = 'PRIMARY';
  revived.rolloutState = 'IN_PROGRESS';
  revived.rolloutStateReason = reason(target.id);
  revived.desiredCount = service.desiredCount;
  revived.failedTasks = 0;
  revived.updatedAt = now;
  primary.status = 'ACTIVE';
  primary.updatedAt = now;
  service.deployments = [revived, ...service.deployments.filter((d) => d !== revived)];
  service.taskDefinitionArn = revived.taskDefinitionArn;
  service.steady = false;
  return revived;
}
