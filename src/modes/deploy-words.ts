// What a deploy says beside its result: the step's one failure annotation, and the warning for a
// worker gated on little.
import type { RolloutResult } from '../rollout/types.js';
import { formatDuration } from '../rollout/words.js';
import type { Settings } from '../settings.js';

/** The failure, then what was done about it, in the words a reader of the failed step needs. */
export function stepFailure(rollout: RolloutResult): string | undefined {
  if (rollout.outcome === 'succeeded') return undefined;
  const why = rollout.failure?.message ?? `the rollout ended ${rollout.outcome}`;
  const parts = [
    `Rollout ${rollout.outcome === 'rolled-back' ? 'failed and was rolled back' : rollout.outcome}: ${why}`,
  ];
  if (rollout.rollback) parts.push(`Rollback: ${rollout.rollback.message}`);
  else if (rollout.serviceLeft) parts.push(rollout.serviceLeft);
  if (!rollout.settingsRestored.ok && !rollout.settingsRestored.takenOver)
    parts.push(rollout.settingsRestored.message);
  if (!rollout.settled)
    parts.push('The post step of this job will try again to finish putting the service back.');
  return parts.join('\n');
}

/**
 * A worker (no target group) whose new task definition has no container health check is gated on
 * its tasks being RUNNING and staying so through bake-time, and nothing else: say so, once.
 */
export function workerGateWarning(
  targetGroups: number,
  containerChecks: readonly string[],
  settings: Pick<Settings, 'bakeTimeMs' | 'healthCheckUrls'>,
): string | undefined {
  if (targetGroups > 0 || containerChecks.length > 0) return undefined;
  const urls = settings.healthCheckUrls.length > 0 ? ' and the health-check-url checks' : '';
  return (
    `The service has no load balancer and the task definition has no container healthCheck: a batch passes when its tasks are RUNNING${urls} ` +
    `and stay so through bake-time (${formatDuration(settings.bakeTimeMs)}). ` +
    'Add a healthCheck to the essential container (e.g. "command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]) ' +
    'so that a version that runs but does not work fails the batch; with none, set a bake-time long enough for a broken version to exit.'
  );
}
