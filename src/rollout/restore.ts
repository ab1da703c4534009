// Pure rules of putting a service back on its previous task definition: when it is back, and the
// deployment settings ECS gets to do it.
import { indexOf } from './snapshot-index.js';
import type { DeploymentSettings } from './types.js';
import { plural, taskDefinitionName } from './words.js';
import type { Snapshot } from './snapshot.js';

export interface RestoreStatus {
  settled: boolean;
  waitingFor: string;
  /** Tasks of the previous revision that are RUNNING and healthy everywhere. */
  healthy: number;
}

/**
 * Done when the PRIMARY deployment runs the previous revision, exactly desiredCount tasks are
 * live, all of that revision and RUNNING with a healthy target in every target group and every
 * container named in `containerChecks` HEALTHY (a worker: RUNNING and its container health), and
 * no target of a gone task is left in a group (ECS stops a task only after its target has drained).
 */
export function restoreStatus(
  snapshot: Snapshot,
  previousArn: string,
  containerChecks?: readonly string[],
): RestoreStatus {
  const { service } = snapshot;
  const index = indexOf(snapshot);
  const prevName = taskDefinitionName(previousArn);
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  let others = 0;
  let prev = 0;
  let healthy = 0;
  for (const t of snapshot.tasks) {
    if (t.lastStatus === 'STOPPED') continue;
    if (t.taskDefinitionArn !== previousArn) {
      others += 1;
      continue;
    }
    prev += 1;
    if (index.healthy(t, containerChecks)) healthy += 1;
  }
  let lingering = 0;
  for (const t of snapshot.targets) {
    if (index.groups.includes(t.targetGroupArn) && !index.isLive(t) && t.state !== 'unused') lingering += 1;
  }
  const desired = service.desiredCount;

  const parts = [`${healthy}/${desired} tasks of ${prevName} healthy`];
  if (primary?.taskDefinitionArn !== previousArn) parts.push(`ECS to make ${prevName} PRIMARY`);
  if (others > 0) parts.push(`${plural(others, 'task')} of other revisions to stop`);
  if (prev > desired) parts.push(`${plural(prev - desired, 'extra task')} of ${prevName} to stop`);
  if (lingering > 0) parts.push(`${plural(lingering, 'target')} to drain`);
  const settled =
    primary?.taskDefinitionArn === previousArn &&
    others === 0 &&
    prev === desired &&
    healthy === desired &&
    lingering === 0;
  return { settled, waitingFor: parts.join(', '), healthy };
}

/**
 * The settings the restore runs under: never a lower floor than the service's own or the rollout's
 * (so capacity does not drop below what the rollout kept), and room to surge at least one task
 * (maximumPercent rounds down, so 100 + ceil(100 / N) is the smallest that starts one).
 */
export function restoreSettings(
  original: DeploymentSettings,
  desired: number,
  surgePercent?: number,
  floorPercent?: number,
): DeploymentSettings {
  const oneTask = desired > 0 ? 100 + Math.ceil(100 / desired) : 200;
  const settings: DeploymentSettings = {
    maximumPercent: Math.max(original.maximumPercent, surgePercent ?? 0, oneTask),
    minimumHealthyPercent: Math.max(original.minimumHealthyPercent, floorPercent ?? 0),
  };
  if (original.circuitBreaker) settings.circuitBreaker = { ...original.circuitBreaker };
  return settings;
}

/** ECS service deployment states in which a ROLLBACK has been asked for or is done. */
export const ROLLBACK_STATES = new Set([
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
]);

/** States in which StopServiceDeployment can still stop (roll back) a deployment. */
export const STOPPABLE_STATES = new Set(['PENDING', 'IN_PROGRESS']);
