// Lookups into one snapshot, built once per snapshot (and shared by every rule that reads it), so
// a decision over a fleet of thousands of tasks costs linear time, not tasks × targets.
import type { Snapshot, TargetView, TaskView } from './types.js';

export interface SnapshotIndex {
  /** The service's target groups. */
  groups: readonly string[];
  /** The target of `ip` in `group`, if registered there. */
  target(group: string, ip: string): TargetView | undefined;
  /** Every target of `ip`, in the service's groups. */
  targetsOf(ip: string): readonly TargetView[];
  /** RUNNING, meant to run, and `healthy` in every target group of the service. */
  healthy(task: TaskView): boolean;
  /** IPs of tasks that are not STOPPED. */
  liveIps: ReadonlySet<string>;
}

const cache = new WeakMap<Snapshot, SnapshotIndex>();

export function indexOf(snapshot: Snapshot): SnapshotIndex {
  const known = cache.get(snapshot);
  if (known) return known;
  const groups = snapshot.service.targetGroupArns;
  const inGroups = new Set(groups);
  const byKey = new Map<string, TargetView>();
  const byIp = new Map<string, TargetView[]>();
  for (const t of snapshot.targets) {
    if (!inGroups.has(t.targetGroupArn)) continue;
    byKey.set(`${t.targetGroupArn}|${t.id}`, t);
    const list = byIp.get(t.id);
    if (list) list.push(t);
    else byIp.set(t.id, [t]);
  }
  const liveIps = new Set<string>();
  for (const task of snapshot.tasks) if (task.lastStatus !== 'STOPPED' && task.ip) liveIps.add(task.ip);
  const index: SnapshotIndex = {
    groups,
    target: (group, ip) => byKey.get(`${group}|${ip}`),
    targetsOf: (ip) => byIp.get(ip) ?? [],
    healthy(task) {
      if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return false;
      // With no target group (not a case preflight lets through), RUNNING is the best ECS offers.
      if (groups.length === 0) return true;
      const ip = task.ip;
      if (ip === undefined) return false;
      return groups.every((g) => byKey.get(`${g}|${ip}`)?.state === 'healthy');
    },
    liveIps,
  };
  cache.set(snapshot, index);
  return index;
}
