import type { Snapshot, TargetAddress, TargetView, TaskView } from './snapshot.js';
// Lookups into one snapshot, built once per snapshot (and shared by every rule that reads it), so
// a decision over a fleet of thousands of tasks costs linear time, not tasks × targets.
//
// A task is matched to its targets by address (TargetAddress): in an `ip` group by its awsvpc IP
// alone, in an `instance` group by the EC2 instance id and the host port (several bridge-mode tasks
// share one instance, each on its own host port).

export interface SnapshotIndex {
  /** The service's target groups. */
  groups: readonly string[];
  /** The target of `ip` in `group`, if registered there (`ip` groups). */
  target(group: string, ip: string): TargetView | undefined;
  /** Every target of `ip`, in the service's groups (`ip` groups). */
  targetsOf(ip: string): readonly TargetView[];
  /** Where each of the service's groups reaches `task` (its awsvpc IP in every group by default). */
  addressesOf(task: TaskView): readonly TargetAddress[];
  /** The target registered at `address`, if any. */
  targetAt(address: TargetAddress): TargetView | undefined;
  /** Every registered target of `task`, in the service's groups. */
  targetsOfTask(task: TaskView): readonly TargetView[];
  /**
   * RUNNING, meant to run, `healthy` in every target group of the service, and HEALTHY in every
   * container named in `containerChecks` (containersHealthy).
   */
  healthy(task: TaskView, containerChecks?: readonly string[]): boolean;
  /** IPs of tasks that are not STOPPED. */
  liveIps: ReadonlySet<string>;
  /** Whether `target` is the target of a task that is not STOPPED (else it is an old one leaving). */
  isLive(target: TargetView): boolean;
}

/**
 * How a target is named to people and in the reasons the gates keep: `10.0.3.7` for an `ip` target
 * (its port adds nothing: one task per IP), `i-0abc…:32768` for an `instance` one.
 */
export function addressKey(address: { id: string; port?: number }): string {
  return address.port === undefined ? address.id : `${address.id}:${address.port}`;
}

const cache = new WeakMap<Snapshot, SnapshotIndex>();

export function indexOf(snapshot: Snapshot): SnapshotIndex {
  const known = cache.get(snapshot);
  if (known) return known;
  const groups = snapshot.service.targetGroupArns;
  const inGroups = new Set(groups);
  // `group|id` finds an `ip` target; `group|id|port` any target (an `instance` one needs the port).
  const byId = new Map<string, TargetView>();
  const byIdPort = new Map<string, TargetView>();
  const byIp = new Map<string, TargetView[]>();
  for (const t of snapshot.targets) {
    if (!inGroups.has(t.targetGroupArn)) continue;
    byId.set(`${t.targetGroupArn}|${t.id}`, t);
    byIdPort.set(`${t.targetGroupArn}|${t.id}|${t.port}`, t);
    const list = byIp.get(t.id);
    if (list) list.push(t);
    else byIp.set(t.id, [t]);
  }
  const keyOf = (a: TargetAddress): string =>
    a.port === undefined ? `${a.targetGroupArn}|${a.id}` : `${a.targetGroupArn}|${a.id}|${a.port}`;
  const addressesOf = (task: TaskView): readonly TargetAddress[] => {
    if (task.targets) return task.targets;
    const ip = task.ip;
    return ip === undefined ? [] : groups.map((g) => ({ targetGroupArn: g, id: ip }));
  };
  const targetAt = (a: TargetAddress): TargetView | undefined =>
    a.port === undefined ? byId.get(keyOf(a)) : byIdPort.get(keyOf(a));

  const liveIps = new Set<string>();
  const liveKeys = new Set<string>();
  for (const task of snapshot.tasks) {
    if (task.lastStatus === 'STOPPED') continue;
    if (task.ip) liveIps.add(task.ip);
    for (const a of addressesOf(task)) liveKeys.add(keyOf(a));
  }
  const index: SnapshotIndex = {
    groups,
    target: (group, ip) => byId.get(`${group}|${ip}`),
    targetsOf: (ip) => byIp.get(ip) ?? [],
    addressesOf,
    targetAt,
    targetsOfTask(task) {
      const found: TargetView[] = [];
      for (const a of addressesOf(task)) {
        const t = targetAt(a);
        if (t) found.push(t);
      }
      return found;
    },
    healthy(task, containerChecks) {
      if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return false;
      if (!containersHealthy(task, containerChecks)) return false;
      // With no target group (a queue worker), RUNNING and the container health checks are what ECS offers.
      if (groups.length === 0) return true;
      const addresses = addressesOf(task);
      return groups.every((g) =>
        addresses.some((a) => a.targetGroupArn === g && targetAt(a)?.state === 'healthy'),
      );
    },
    liveIps,
    isLive: (t) =>
      liveKeys.has(`${t.targetGroupArn}|${t.id}`) || liveKeys.has(`${t.targetGroupArn}|${t.id}|${t.port}`),
  };
  cache.set(snapshot, index);
  return index;
}

/**
 * Every container named in `checked` (the revision's containers with an ECS health check) reports
 * HEALTHY, and so does the task (ECS: the task is HEALTHY only when all such essential containers
 * are). UNKNOWN means still being evaluated: not yet healthy. No names: nothing to wait for.
 */
export function containersHealthy(task: TaskView, checked: readonly string[] | undefined): boolean {
  if (!checked || checked.length === 0) return true;
  if (task.healthStatus !== undefined && task.healthStatus !== 'HEALTHY') return false;
  return checked.every((name) => task.containers.find((c) => c.name === name)?.healthStatus === 'HEALTHY');
}
