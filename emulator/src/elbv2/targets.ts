// Registered targets per target group, their health over time, and draining. This is the
// TargetRegistry the ECS scheduler registers tasks with, and what DescribeTargetHealth and the
// listeners read. Documented behaviour modelled (Application Load Balancers User Guide):
// - "Before the load balancer sends a health check request to a target, you must register it with a
//   target group, specify its target group in a listener rule ...": a target of a group no listener
//   uses is `unused` / Target.NotInUse and is not checked.
// - Health checks run every HealthCheckIntervalSeconds; "each health check request is independent
//   ... the time it takes for the target to respond does not affect the interval".
// - Deregistration delay: a deregistering target is `draining` (Target.DeregistrationInProgress)
//   until deregistration_delay.timeout_seconds has elapsed, then `unused` (Target.NotRegistered).
import type {
  Clock,
  InstanceAddress,
  Log,
  TargetHealthView,
  TargetRef,
  TargetRegistry,
} from '../contracts.js';
import { probe } from './health-checker.js';
import { deregistrationDelaySeconds } from './store.js';
import type { Elbv2Store, TargetGroup } from './store.js';
import {
  applyProbe,
  checkingStarted,
  parseHttpCodeMatcher,
  registered,
  sameView,
  view,
} from './target-health.js';
import type { HealthRecord } from './target-health.js';

/**
 * AWS publishes no figure for how long registration takes before the first health check; the
 * emulator spends this many AWS seconds in Elb.RegistrationInProgress so the state is observable.
 */
export const REGISTRATION_SECONDS = 1;

export interface TargetEntry {
  ref: TargetRef;
  availabilityZone: string;
  record: HealthRecord;
  /** When draining ends (ms since the epoch), while draining. */
  drainingUntil?: number;
}

interface LiveTarget extends TargetEntry {
  timers: { cancel(): void }[];
  cancelProbe?: () => void;
  /** Bumped whenever checking stops, so a late probe outcome is dropped. */
  generation: number;
}

type ChangeListener = (targetGroupArn: string, target: TargetRef, health: TargetHealthView) => void;

export interface Targets extends TargetRegistry {
  /** Registered targets of a group (draining ones included), in registration order. */
  list(targetGroupArn: string): TargetEntry[];
  /** A listener now forwards to this group: its registered targets start being health-checked. */
  groupInUse(targetGroupArn: string): void;
  /** The group is deleted: its checks and drains stop and its targets are forgotten, unreported. */
  forgetGroup(targetGroupArn: string): void;
  /**
   * Where a target of the group is reached: its id for `ip` groups; for `instance` groups the
   * address of the EC2 instance (undefined when no such instance is known: unreachable).
   */
  hostOf(targetGroupArn: string, id: string): string | undefined;
  stop(): void;
}

export function keyOf(target: TargetRef): string {
  return `${target.id}:${target.port}`;
}

export function createTargets(deps: {
  store: Elbv2Store;
  clock: Clock;
  log: Log;
  instanceAddress?: InstanceAddress;
}): Targets {
  const { store, clock, log } = deps;
  const hostOf = (targetGroupArn: string, id: string): string | undefined =>
    store.targetGroups.get(targetGroupArn)?.targetType === 'instance' ? deps.instanceAddress?.(id) : id;
  const groups = new Map<string, Map<string, LiveTarget>>();
  const listeners: ChangeListener[] = [];

  const targetsOf = (arn: string): Map<string, LiveTarget> => {
    let map = groups.get(arn);
    if (!map) {
      map = new Map();
      groups.set(arn, map);
    }
    return map;
  };

  const emit = (arn: string, ref: TargetRef, health: TargetHealthView): void => {
    for (const listener of listeners) {
      try {
        listener(arn, ref, health);
      } catch (err) {
        log(`elbv2: a target health listener threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };

  const setRecord = (arn: string, target: LiveTarget, record: HealthRecord): void => {
    const before = target.record.view;
    target.record = record;
    if (!sameView(before, record.view)) emit(arn, target.ref, record.view);
  };

  const quiesce = (target: LiveTarget): void => {
    for (const timer of target.timers) timer.cancel();
    target.timers = [];
    target.cancelProbe?.();
    delete target.cancelProbe;
    target.generation++;
  };

  const inUse = (group: TargetGroup): boolean => group.loadBalancerArns.length > 0;

  const runProbe = (group: TargetGroup, target: LiveTarget): void => {
    const matcher = parseHttpCodeMatcher(group.healthCheck.matcher) ?? ((s: number) => s === 200);
    const port = group.healthCheck.port === 'traffic-port' ? target.ref.port : Number(group.healthCheck.port);
    setRecord(group.arn, target, checkingStarted(target.record));
    target.cancelProbe?.();
    const thresholds = {
      healthy: group.healthCheck.healthyThreshold,
      unhealthy: group.healthCheck.unhealthyThreshold,
    };
    const host = hostOf(group.arn, target.ref.id);
    if (host === undefined) {
      // An instance id no container instance has: nothing answers there.
      setRecord(
        group.arn,
        target,
        applyProbe(target.record, { ok: false, kind: 'connection', detail: 'EHOSTUNREACH' }, thresholds),
      );
      return;
    }
    const sent = probe(
      {
        host,
        port,
        path: group.healthCheck.path,
        timeoutSeconds: group.healthCheck.timeoutSeconds,
        matcher,
      },
      clock,
    );
    target.cancelProbe = sent.cancel;
    const generation = target.generation;
    void sent.outcome.then((outcome) => {
      if (generation !== target.generation) return;
      setRecord(group.arn, target, applyProbe(target.record, outcome, thresholds));
    });
  };

  const startChecking = (group: TargetGroup, target: LiveTarget): void => {
    quiesce(target);
    setRecord(group.arn, target, registered());
    target.timers.push(
      clock.after(REGISTRATION_SECONDS, () => {
        runProbe(group, target);
        target.timers.push(clock.every(group.healthCheck.intervalSeconds, () => runProbe(group, target)));
      }),
    );
  };

  const notInUse = (group: TargetGroup, target: LiveTarget): void => {
    quiesce(target);
    setRecord(group.arn, target, { ...registered(), view: view('unused', 'Target.NotInUse') });
  };

  const removeTarget = (arn: string, key: string): void => {
    const map = groups.get(arn);
    const target = map?.get(key);
    if (!map || !target) return;
    quiesce(target);
    map.delete(key);
    emit(arn, target.ref, view('unused', 'Target.NotRegistered'));
  };

  return {
    hostOf,
    targetGroup(arn) {
      const group = store.targetGroups.get(arn);
      if (!group) return undefined;
      return {
        arn: group.arn,
        port: group.port,
        targetType: group.targetType,
        deregistrationDelaySeconds: deregistrationDelaySeconds(group),
        loadBalancerArns: [...group.loadBalancerArns],
      };
    },

    register(arn, refs) {
      const group = store.targetGroups.get(arn);
      if (!group) throw new Error(`no target group ${arn}`);
      const map = targetsOf(arn);
      for (const ref of refs) {
        const key = keyOf(ref);
        const existing = map.get(key);
        // Registering a registered target again changes nothing (RegisterTargets is idempotent);
        // registering a draining one puts it back through registration and initial checks.
        if (existing && existing.drainingUntil === undefined) continue;
        const target: LiveTarget = existing ?? {
          ref: { id: ref.id, port: ref.port },
          availabilityZone: `${group.region}a`,
          // The state before registration, so the first transition is reported like any other.
          record: { ...registered(), view: view('unused', 'Target.NotRegistered') },
          timers: [],
          generation: 0,
        };
        delete target.drainingUntil;
        if (!existing) map.set(key, target);
        if (inUse(group)) startChecking(group, target);
        else notInUse(group, target);
      }
    },

    deregister(arn, refs) {
      const group = store.targetGroups.get(arn);
      const map = groups.get(arn);
      if (!group || !map) return;
      const delay = deregistrationDelaySeconds(group);
      for (const ref of refs) {
        const key = keyOf(ref);
        const target = map.get(key);
        // "If the specified target does not exist, the action returns successfully."
        if (!target || target.drainingUntil !== undefined) continue;
        quiesce(target);
        target.drainingUntil = clock.now() + clock.ms(delay);
        setRecord(arn, target, {
          ...target.record,
          view: view('draining', 'Target.DeregistrationInProgress'),
        });
        target.timers.push(clock.after(delay, () => removeTarget(arn, key)));
      }
    },

    health(arn, ref) {
      const target = groups.get(arn)?.get(keyOf(ref));
      return target ? target.record.view : view('unused', 'Target.NotRegistered');
    },

    onChange(listener) {
      listeners.push(listener);
    },

    list(arn) {
      const map = groups.get(arn);
      if (!map) return [];
      return [...map.values()].map((t) => {
        const entry: TargetEntry = { ref: t.ref, availabilityZone: t.availabilityZone, record: t.record };
        if (t.drainingUntil !== undefined) entry.drainingUntil = t.drainingUntil;
        return entry;
      });
    },

    groupInUse(arn) {
      const group = store.targetGroups.get(arn);
      const map = groups.get(arn);
      if (!group || !map) return;
      for (const target of map.values()) {
        if (target.drainingUntil === undefined && target.record.view.reason === 'Target.NotInUse') {
          startChecking(group, target);
        }
      }
    },

    forgetGroup(arn) {
      for (const target of groups.get(arn)?.values() ?? []) quiesce(target);
      groups.delete(arn);
    },

    stop() {
      for (const map of groups.values()) for (const target of map.values()) quiesce(target);
    },
  };
}
