// The ECS service scheduler for services with the ECS (rolling update) deployment controller. One
// reconcile per service per tick: find tasks that failed ELB health checks, trip the deployment
// circuit breaker, launch and stop per the rolling-update arithmetic (rolling.ts), retire drained
// deployments, and mark COMPLETED / steady state. It reacts every ~75 ms of real time, and at once
// when a task or a target changes.
import type { Clock, Log, TargetRegistry } from '../contracts.js';
import { reviveLastCompleted } from './deployments.js';
import { addEvent, taskList } from './events.js';
import { circuitBreakerThreshold, countsTowardMaximum, failingToStop, rollingStep } from './rolling.js';
import {
  beginServiceDeployments,
  breakerTripped,
  deploymentCompleted,
  forgetService,
} from './service-deployments.js';
import type { EcsStore, ServiceRecord, TaskRecord } from './store.js';
import type { TaskLifecycle } from './tasks.js';

export interface SchedulerDeps {
  clock: Clock;
  log: Log;
  targets: TargetRegistry;
  store: EcsStore;
  lifecycle: TaskLifecycle;
  /** Whether a task ECS is stopping counts toward maximumPercent (see rolling.ts, countsTowardMaximum). */
  drainingCountsTowardMaximum: boolean;
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

/** A task counts healthy when RUNNING and healthy in every target group of its service. */
export function isTaskHealthy(task: TaskRecord, service: ServiceRecord, targets: TargetRegistry): boolean {
  if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return false;
  return service.loadBalancers.every(
    (lb) =>
      !targets.targetGroup(lb.targetGroupArn) ||
      targets.health(lb.targetGroupArn, { id: task.ip, port: lb.containerPort }).state === 'healthy',
  );
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { clock, store, targets, lifecycle } = deps;
  let scheduled: NodeJS.Immediate | undefined;
  let stopped = false;
  /** Tasks whose unhealthy event has been posted, so it is posted once per task. */
  const reported = new Set<string>();
  const passListeners = new Set<() => void>();

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

    const failing = elbFailures(service, tasks, now);
    tripCircuitBreaker(service, now);
    const current = service.deployments[0]!;

    const desired = service.status === 'ACTIVE' ? service.desiredCount : 0;
    const up = tasks.filter((t) => t.desiredStatus === 'RUNNING');
    const counted = tasks.filter((t) => countsTowardMaximum(t.lastStatus, deps.drainingCountsTowardMaximum));
    const stoppingCount = tasks.filter(
      (t) => t.desiredStatus === 'STOPPED' && t.lastStatus !== 'STOPPED',
    ).length;
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
        const started = [];
        for (let i = 0; i < decision.launch; i++)
          started.push(lifecycle.launch(service, current, definition).id);
        addEvent(service, `has started ${started.length} tasks: ${taskList(started)}.`, now);
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
      if (task.lastStatus === 'STOPPED') reported.delete(task.arn);
      if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') continue;
      if (task.startedAt !== undefined && now - task.startedAt < grace) continue;
      for (const target of task.targets) {
        const health = targets.health(target.targetGroupArn, { id: task.ip, port: target.port });
        if (health.state !== 'unhealthy') continue;
        failing.set(task.arn, target);
        if (!reported.has(task.arn)) {
          reported.add(task.arn);
          const why = health.description ?? health.reason ?? 'unhealthy';
          addEvent(
            service,
            `(task ${task.id}) (port ${target.port}) is unhealthy in (target-group ${target.targetGroupArn}) due to (reason ${why}).`,
            now,
          );
        }
        break;
      }
    }
    return failing;
  }

  function stopFailed(
    service: ServiceRecord,
    task: TaskRecord | undefined,
    target: { targetGroupArn: string } | undefined,
    now: number,
  ): void {
    if (!task || !target) return;
    reported.delete(task.arn);
    lifecycle.countFailure(task);
    addEvent(service, `has stopped 1 running tasks: ${taskList([task.id])}.`, now);
    lifecycle.stop(
      task,
      `Task failed ELB health checks in (target-group ${target.targetGroupArn})`,
      'ServiceSchedulerInitiated',
    );
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

  function settleDeployments(service: ServiceRecord, now: number): void {
    const tasks = [...store.tasks.values()].filter((t) => t.serviceArn === service.arn);
    const live = tasks.filter((t) => t.lastStatus !== 'STOPPED');
    const primary = service.deployments[0]!;

    // An older deployment is done (INACTIVE, dropped from the list) once none of its tasks is left.
    service.deployments = service.deployments.filter((d, i) => {
      if (i === 0) return true;
      d.desiredCount = tasks.filter((t) => t.deploymentId === d.id && t.desiredStatus === 'RUNNING').length;
      const left = live.some((t) => t.deploymentId === d.id);
      if (!left) d.status = 'INACTIVE';
      return left;
    });
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
    if (settled && primary.rolloutState === 'IN_PROGRESS') {
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
