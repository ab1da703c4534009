// Says in words what state a service is in, for messages a user acts on after a failed or
// unfinished rollback: which deployments, how many tasks of which revision, how many healthy.
import { indexOf } from './snapshot-index.js';
import { taskDefinitionName } from './words.js';
import type { Snapshot } from './snapshot.js';

export function describeServiceState(snapshot: Snapshot): string {
  const { service } = snapshot;
  const index = indexOf(snapshot);
  const deployments = service.deployments
    .map(
      (d) =>
        `${d.status} ${taskDefinitionName(d.taskDefinitionArn)}${d.rolloutState ? ` (${d.rolloutState})` : ''}`,
    )
    .join(', ');
  const byRevision = new Map<string, { live: number; healthy: number }>();
  for (const t of snapshot.tasks) {
    if (t.lastStatus === 'STOPPED') continue;
    const name = taskDefinitionName(t.taskDefinitionArn);
    const entry = byRevision.get(name) ?? { live: 0, healthy: 0 };
    entry.live += 1;
    if (index.healthy(t)) entry.healthy += 1;
    byRevision.set(name, entry);
  }
  const tasks = [...byRevision.entries()]
    .map(([name, c]) => `${c.live} of ${name} (${c.healthy} healthy)`)
    .join(', ');
  return (
    `service ${service.name} (desired ${service.desiredCount}): deployments ${deployments || 'none'}; ` +
    `tasks ${tasks || 'none'}`
  );
}
