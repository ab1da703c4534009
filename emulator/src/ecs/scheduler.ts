// The ECS service scheduler for services with the ECS (rolling update) deployment controller. One
// reconcile per service per tick: find tasks that failed ELB or container health checks, trip the deployment
// circuit breaker, launch and stop per the rolling-update arithmetic (rolling.ts), retire drained
// deployments, and mark COMPLETED / steady state. It reacts every ~75 ms of real time, and at once
// when a task or a target changes.
import type { Clock, Log, TargetRegistry } from '../contracts.js';
import { bakeSeconds, triggeredAlarms, watchedAlarms, type AlarmLookup } from './deployment-alarms.js';
import { reviveLastCompleted } from './deployments.js';
import { addEvent, taskList } from './events.js';
import { circuitBreakerThreshold, countsTowardMaximum, failingToStop, rollingStep } from './rolling.js';
import {
  alarmsTripped,
  beginServiceDeployments,
  breakerTripped,
  deploymentCompleted,
  forgetService,
} from './service-deployment-events.js';
import type { EcsStore, ServiceRecord, TaskRecord } from './store.js';
import { isLive } from './task-lifecycle.js';
import type { TaskLifecycle } from './tasks.js';

export interface SchedulerDeps {
  clock: Clock;
  log: Log;
  targets: TargetRegistry;
  store: EcsStore;
  lifecycle: TaskLifecycle;
  /** Whether a task ECS is stopping counts toward maximumPercent (see rolling.ts, countsTowardMaximum). */
  drainingCountsTowardMaximum: boolean;
  /** CloudWatch alarms by name, for deployment alarms (deployment-alarms.ts); none when absent. */
  alarms?: AlarmLookup;
}

export interface Scheduler {
  /** Run a reconcile soon (coalesced). */
  poke(): void;
  /**
   * Calls `listener` after every pass (every service reconciled once). A test hook: a pass is when
   * the scheduler launches and stops tasks, so "nothing launched after N passes" is a window the
   * scheduler defines, and an observer sees every state it leaves. Returns the unsubscribe.
   */
  onPass(listener: () => void): () => void;
  stop(): void;
}

/** Real milliseconds between reconciles when nothing pokes the scheduler. */
export const TICK_REAL_MS = 75;

/**
 * A task counts healthy when RUNNING, healthy in every target group of its service, and, when its
 * containers have health checks, HEALTHY: API reference DeploymentConfiguration, minimumHealthyPercent
 * ("If a task has an essential container with a health check defined, the service scheduler will
 * wait for both the task to reach a healthy status and the load balancer target group health check
 * to return a healthy status").
 */
export function isTaskHealthy(task: TaskRecord, service: ServiceRecord, targets: TargetRegistry): boolean {
  if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return false;
  if (task.containers.some((c) => c.healthCheck !== undefined) && task.healthStatus !== 'HEALTHY')
    return false;
  return service.loadBalancers.every(
    (lb) =>
      !targets.targetGroup(lb.targetGroupArn) ||
      task.targets.some(
        (t) =>
          t.targetGroupArn === lb.targetGroupArn &&
          targets.health(t.targetGroupArn, { id: t.id, port: t.port }).state === 'healthy',
      ),
  );
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { clock, store, targets, lifecycle } = deps;
  /** Per service, the placement failure last said (said once until a task is placed again). */
  const unplacedSaid = new Map<string, string>();
  let scheduled: NodeJS.Immediate | undefined;
  let stopped = false;
  /** Tasks whose unhealthy event has been posted, so it is posted once per task. */
  const reported = new Set<string>();
  const passListeners = new Set<() => void>();
  /**
   * Per deployment id: when ECS began watching its deployment alarms (it became an IN_PROGRESS
   * PRIMARY; a rollback revives a deployment under its old id, so the entry goes when it stops being
   * one), and when it last settled (the bake time runs from there).
   */
  const alarmWatch = new Map<string, { since: number; settledAt?: number }>();
  const lookupAlarm: AlarmLookup = (name) => deps.alarms?.(name);

  const tick = (): void => {
    scheduled = undefined;
    if (stopped) return;
    try {
      lifecycle.advance();
      for (const service of store.services.values()) {
        if (service.status !== 'INACTIVE') reconcile(service);
      }
    } catch (error) {
      // A timer must never throw: log it and try again on the next tick.
      deps.log(
        `ecs: scheduler tick failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    for (const listener of passListeners) {
      try {
        listener();
      } catch (error) {
        deps.log(
          `ecs: a scheduler pass listener threw: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  };
  const timer = clock.every(TICK_REAL_MS / 1000 / clock.scale, tick);

  function reconcile(service: ServiceRecord): void {
    const now = clock.now();
    const tasks = [...store.tasks.values()].filter((t) => t.serviceArn === service.arn);
    const primary = service.deployments[0];
    if (!primary) return;
    beginServiceDeployments(store, service, now);

    const failing = new Map<string, string>();
    for (const [arn, target] of elbFailures(service, tasks, now))
      failing.set(arn, `Task failed ELB health checks in (target-group ${target.targetGroupArn})`);
    for (const arn of containerFailures(service, tasks, now))
      if (!failing.has(arn)) failing.set(arn, 'Task failed container health checks');
    tripCircuitBreaker(service, now);
    tripDeploymentAlarms(service, now);
    const current = service.deployments[0]!;

    const desired = service.status === 'ACTIVE' ? service.desiredCount : 0;
    const up = tasks.filter((t) => t.desiredStatus === 'RUNNING');
    const counted = tasks.filter((t) => countsTowardMaximum(t.lastStatus, deps.drainingCountsTowardMaximum));
    const stoppingCount = tasks.filter((t) => t.desiredStatus === 'STOPPED' && isLive(t.lastStatus)).length;
    // A failing task is neither one the deployment keeps nor one it replaces by rolling: it is
    // replaced start-first (failingToStop), so the rolling arithmetic sees only the others.
    const kept = up.filter((t) => !failing.has(t.arn));
    const healthyOf = new Map(kept.map((t) => [t.arn, isTaskHealthy(t, service, targets)]));
    const view = (t: TaskRecord): { arn: string; healthy: boolean } => ({
      arn: t.arn,
      healthy: healthyOf.get(t.arn) ?? false,
    });
    const primaryKept = kept.filter((t) => t.deploymentId === current.id);
    const rolloutState = current.rolloutState;
    const mayLaunch = rolloutState !== 'FAILED';
    const decision = rollingStep({
      desired,
      maximumPercent: service.deploymentConfiguration.maximumPercent,
      minimumHealthyPercent: service.deploymentConfiguration.minimumHealthyPercent,
      liveCount: counted.length,
      primary: primaryKept.map(view),
      old: kept.filter((t) => t.deploymentId !== current.id).map(view),
      mayLaunch,
    });
    const stopping = new Set(decision.stop);
    const failed = failingToStop({
      desired,
      maximumPercent: service.deploymentConfiguration.maximumPercent,
      minimumHealthyPercent: service.deploymentConfiguration.minimumHealthyPercent,
      liveCount: counted.length,
      stoppingCount,
      healthy: kept.filter((t) => healthyOf.get(t.arn) === true && !stopping.has(t.arn)).length,
      running: up.filter((t) => t.lastStatus === 'RUNNING' && !stopping.has(t.arn)).length,
      missing: Math.max(0, desired - primaryKept.filter((t) => !stopping.has(t.arn)).length),
      starting: primaryKept.filter((t) => healthyOf.get(t.arn) !== true).length,
      mayLaunch,
      failing: [...failing.keys()],
    });
    if (failed.length > 0) {
      for (const arn of failed) stopFailed(service, store.tasks.get(arn), failing.get(arn), now);
      // The failures just counted may trip the breaker: decide again on the next tick, as ECS
      // launches nothing more for a deployment once it is FAILED.
      tripCircuitBreaker(service, now);
      if (service.deployments[0] !== current || current.rolloutState !== rolloutState) {
        settleDeployments(service, now);
        return;
      }
    }

    const toStop = decision.stop
      .map((arn) => store.tasks.get(arn))
      .filter((t): t is TaskRecord => t !== undefined);
    if (toStop.length > 0) {
      addEvent(
        service,
        `has stopped ${toStop.length} running tasks: ${taskList(toStop.map((t) => t.id))}.`,
        now,
      );
      // ECS's stoppedReason for tasks its scheduler replaces or scales in.
      lifecycle.stopMany(
        toStop,
        `Scaling activity initiated by (deployment ${current.id})`,
        'ServiceSchedulerInitiated',
      );
    }

    if (decision.launch > 0) {
      const definition = store.taskDefinitions.get(current.taskDefinitionArn);
      if (definition) {
        const started: string[] = [];
        let unplaced: string | undefined;
        for (let i = 0; i < decision.launch; i++) {
          const launched = lifecycle.launch(service, current, definition);
          if ('unplaced' in launched) {
            unplaced = launched.unplaced;
            break;
          }
          started.push(launched.id);
        }
        if (started.length > 0)
          addEvent(service, `has started ${started.length} tasks: ${taskList(started)}.`, now);
        // Page "Amazon ECS service event messages": the same placement message is not repeated
        // until its cause is resolved (or six hours pass).
        if (unplaced === undefined) unplacedSaid.delete(service.arn);
        else if (unplacedSaid.get(service.arn) !== unplaced) {
          unplacedSaid.set(service.arn, unplaced);
          addEvent(service, unplaced, now);
        }
      }
    }

    settleDeployments(service, now);
  }

  /**
   * Pages "Service load balancing" and "Health check grace period": a task whose target is
   * unhealthy in any of the service's target groups has failed ELB health checks, unless the
   * service's healthCheckGracePeriodSeconds since the task started has not yet passed. Returns
   * those tasks (oldest first) with the target that failed; failingToStop decides when each goes.
   */
  function elbFailures(
    service: ServiceRecord,
    tasks: TaskRecord[],
    now: number,
  ): Map<string, { targetGroupArn: string; port: number }> {
    const grace = clock.ms(service.healthCheckGracePeriodSeconds ?? 0);
    const failing = new Map<string, { targetGroupArn: string; port: number }>();
    for (const task of [...tasks].sort((a, b) => a.createdAt - b.createdAt)) {
      if (!isLive(task.lastStatus)) reported.delete(task.arn);
      if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') continue;
      if (task.startedAt !== undefined && now - task.startedAt < grace) continue;
      for (const target of task.targets) {
        const health = targets.health(target.targetGroupArn, { id: target.id, port: target.port });
        if (health.state !== 'unhealthy') continue;
        failing.set(task.arn, target);
        if (!reported.has(task.arn)) {
          reported.add(task.arn);
          const why = health.description ?? health.reason ?? 'unhealthy';
          // Page "Amazon ECS service event messages": an `ip` target is named by its task, an
          // `instance` target by its EC2 instance id (both with the port).
          const who =
            task.containerInstanceArn === undefined ? `(task ${task.id})` : `(instance ${target.id})`;
          addEvent(
            service,
            `${who} (port ${target.port}) is unhealthy in (target-group ${target.targetGroupArn}) due to (reason ${why}).`,
            now,
          );
        }
        break;
      }
    }
    return failing;
  }

  /**
   * API reference HealthCheck: "For tasks that are part of a service, if the task reports as
   * unhealthy then the task will be stopped and the service scheduler will replace it"; the
   * service's healthCheckGracePeriodSeconds covers container health checks too (API reference
   * CreateService). Replaced start-first like an ELB failure (failingToStop). Oldest first.
   */
  function containerFailures(service: ServiceRecord, tasks: TaskRecord[], now: number): string[] {
    const grace = clock.ms(service.healthCheckGracePeriodSeconds ?? 0);
    return [...tasks]
      .sort((a, b) => a.createdAt - b.createdAt)
      .filter(
        (t) =>
          t.lastStatus === 'RUNNING' &&
          t.desiredStatus === 'RUNNING' &&
          t.healthStatus === 'UNHEALTHY' &&
          !(t.startedAt !== undefined && now - t.startedAt < grace),
      )
      .map((t) => t.arn);
  }

  function stopFailed(
    service: ServiceRecord,
    task: TaskRecord | undefined,
    reason: string | undefined,
    now: number,
  ): void {
    if (!task || !reason) return;
    reported.delete(task.arn);
    lifecycle.countFailure(task);
    addEvent(service, `has stopped 1 running tasks: ${taskList([task.id])}.`, now);
    lifecycle.stop(task, reason, 'ServiceSchedulerInitiated');
  }

  /**
   * Page "How the Amazon ECS deployment circuit breaker detects failures": once the PRIMARY
   * deployment's failed tasks reach the threshold it becomes FAILED and stops launching; with
   * rollback on, the service goes back to the most recent COMPLETED deployment (deployments.ts,
   * reviveLastCompleted). Its service deployment records the trip (service-deployments.ts).
   */
  function tripCircuitBreaker(service: ServiceRecord, now: number): void {
    const primary = service.deployments[0]!;
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    if (!breaker.enable || primary.rolloutState !== 'IN_PROGRESS') return;
    if (primary.failedTasks < circuitBreakerThreshold(service.desiredCount)) return;

    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    primary.updatedAt = now;
    addEvent(service, `(deployment ${primary.id}) deployment failed: tasks failed to start.`, now);
    const revived = breaker.rollback
      ? reviveLastCompleted(
          service,
          now,
          (id) => `ECS deployment circuit breaker: rolling back to deploymentId ${id}.`,
        )
      : undefined;
    breakerTripped(store, service, primary, revived, now);
    if (revived) addEvent(service, `rolling back to deployment ${revived.id}.`, now);
  }

  /**
   * Page "How CloudWatch alarms detect Amazon ECS deployment failures" (deployment-alarms.ts): while
   * the PRIMARY deployment is IN_PROGRESS (rolling, then baking), an alarm of the service's
   * deploymentConfiguration.alarms that goes into ALARM fails it; with rollback on, the service goes
   * back to the most recent COMPLETED deployment, as the circuit breaker's rollback does. Service
   * events as ECS writes them ("deployment failed: alarm detected.", "rolling back to deployment").
   */
  function tripDeploymentAlarms(service: ServiceRecord, now: number): void {
    const primary = service.deployments[0]!;
    const alarms = watchedAlarms(service.deploymentConfiguration);
    if (primary.rolloutState !== 'IN_PROGRESS') {
      alarmWatch.delete(primary.id);
      return;
    }
    let watch = alarmWatch.get(primary.id);
    if (!watch) {
      watch = { since: now };
      alarmWatch.set(primary.id, watch);
    }
    if (!alarms) return;
    const triggered = triggeredAlarms(alarms, lookupAlarm, watch.since);
    if (triggered.length === 0) return;

    alarmWatch.delete(primary.id);
    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = `ECS deployment ${primary.id} failed: alarm detected (${triggered.join(', ')}).`;
    primary.updatedAt = now;
    addEvent(service, `(deployment ${primary.id}) deployment failed: alarm detected.`, now);
    const revived = alarms.rollback
      ? reviveLastCompleted(
          service,
          now,
          (id) => `ECS deployment alarms: rolling back to deploymentId ${id}.`,
        )
      : undefined;
    if (revived) alarmWatch.set(revived.id, { since: now });
    alarmsTripped(store, service, primary, revived, triggered, now);
    if (revived) addEvent(service, `rolling back to deployment ${revived.id}.`, now);
  }

  /** Whether the settled PRIMARY still bakes: its deployment alarms' bake time since it settled. */
  function baking(service: ServiceRecord, deploymentId: string, now: number): boolean {
    const alarms = watchedAlarms(service.deploymentConfiguration);
    const watch = alarmWatch.get(deploymentId);
    if (!alarms || !watch) return false;
    watch.settledAt ??= now;
    return now - watch.settledAt < clock.ms(bakeSeconds(alarms, lookupAlarm));
  }

  function settleDeployments(service: ServiceRecord, now: number): void {
    const tasks = [...store.tasks.values()].filter((t) => t.serviceArn === service.arn);
    const live = tasks.filter((t) => isLive(t.lastStatus));
    const primary = service.deployments[0]!;

    // An older deployment is done (INACTIVE, dropped from the list) once none of its tasks is left.
    service.deployments = service.deployments.filter((d, i) => {
      if (i === 0) return true;
      d.desiredCount = tasks.filter((t) => t.deploymentId === d.id && t.desiredStatus === 'RUNNING').length;
      const left = live.some((t) => t.deploymentId === d.id);
      if (!left) d.status = 'INACTIVE';
      return left;
    });
    // API reference, Deployment: desiredCount is "the most recent desired count of tasks that was
    // specified for the service", so a desiredCount changed mid-deployment (Application Auto
    // Scaling's UpdateService) is the PRIMARY's at once; reconcile applies maximumPercent and
    // minimumHealthyPercent to it (DeploymentConfiguration: "a percentage of the desiredCount").
    primary.desiredCount = service.status === 'ACTIVE' ? service.desiredCount : 0;

    if (service.status === 'DRAINING') {
      if (live.length === 0) {
        service.status = 'INACTIVE';
        forgetService(store, service);
      }
      return;
    }

    const primaryUp = tasks.filter((t) => t.deploymentId === primary.id && t.desiredStatus === 'RUNNING');
    const settled =
      service.deployments.length === 1 &&
      primaryUp.length === service.desiredCount &&
      live.length === service.desiredCount &&
      primaryUp.every((t) => isTaskHealthy(t, service, targets));
    const watch = alarmWatch.get(primary.id);
    if (!settled && watch) delete watch.settledAt;
    if (settled && primary.rolloutState === 'IN_PROGRESS' && baking(service, primary.id, now)) {
      service.steady = false;
      return;
    }
    if (settled && primary.rolloutState === 'IN_PROGRESS') {
      alarmWatch.delete(primary.id);
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
      primary.updatedAt = now;
      service.lastCompleted = {
        id: primary.id,
        taskDefinitionArn: primary.taskDefinitionArn,
        serviceRevisionArn: primary.serviceRevisionArn,
      };
      deploymentCompleted(store, service, primary, now);
      addEvent(service, `(deployment ${primary.id}) deployment completed.`, now);
    }
    const steady = settled && primary.rolloutState === 'COMPLETED';
    if (steady && !service.steady) addEvent(service, 'has reached a steady state.', now);
    service.steady = steady;
  }

  return {
    poke() {
      if (!stopped && scheduled === undefined) scheduled = setImmediate(tick);
    },
    onPass(listener) {
      passListeners.add(listener);
      return () => passListeners.delete(listener);
    },
    stop() {
      stopped = true;
      timer.cancel();
      if (scheduled !== undefined) clearImmediate(scheduled);
      scheduled = undefined;
    },
  };
}
