// The life of one task, following the ECS developer guide page "Amazon ECS task lifecycle":
// PROVISIONING -> PENDING -> ACTIVATING -> RUNNING -> DEACTIVATING -> STOPPING -> DEPROVISIONING ->
// STOPPED. ACTIVATING is where ECS registers the task in its service's target groups; DEACTIVATING is
// where it deregisters it and waits for the targets to finish draining (page "Service load
// balancing": ECS waits the target group's deregistration delay before it stops the task); STOPPING
// sends SIGTERM and, after the container's stopTimeout, SIGKILL (page "Task lifecycle", and the
// container definition's stopTimeout, default 30 s).
import type { Clock, ContainerExit, ContainerSpec, Log, TaskRuntime, TargetRegistry } from '../contracts.js';
import { behaviorOf } from '../runtime/behavior.js';
import { newTaskId, taskArn } from './arns.js';
import { addEvent } from './events.js';
import type { IpAllocator } from './ips.js';
import type {
  ContainerRecord,
  DeploymentRecord,
  EcsStore,
  ServiceRecord,
  TaskDefinitionRecord,
  TaskRecord,
} from './store.js';
import { randomUUID } from 'node:crypto';

export interface TaskLifecycleDeps {
  clock: Clock;
  log: Log;
  runtime: TaskRuntime;
  targets: TargetRegistry;
  store: EcsStore;
  ips: IpAllocator;
  /** Something changed that the scheduler may want to react to. */
  poke: () => void;
  /** AWS seconds from launch to the containers starting (ENI, image pull); see DEFAULT_TASK_START_SECONDS. */
  taskStartSeconds?: number;
}

/**
 * A modest Fargate start (provisioning and an image pull from a nearby registry): AWS publishes no
 * figure; users see tens of seconds. Tests that need instant starts pass 0.
 */
export const DEFAULT_TASK_START_SECONDS = 4;

export interface TaskLifecycle {
  launch(service: ServiceRecord, deployment: DeploymentRecord, definition: TaskDefinitionRecord): TaskRecord;
  /** Begin stopping: no-op when the task is already on its way down. */
  stop(task: TaskRecord, reason: string, stopCode: string): void;
  /** Stop several tasks of one service at once, with one set of service events for them all. */
  stopMany(tasks: TaskRecord[], reason: string, stopCode: string): void;
  /** Count a failed task in its deployment's failedTasks (what the circuit breaker reads). */
  countFailure(task: TaskRecord): void;
  /** Move DEACTIVATING tasks whose targets are gone on to STOPPING. Called on every scheduler tick. */
  advance(): void;
  /** SIGKILL everything (emulator stop). */
  killAll(): void;
}

/** ECS's default stopTimeout when the container definition gives none. */
const DEFAULT_STOP_TIMEOUT_SECONDS = 30;
/** How long DEPROVISIONING (ENI detach on awsvpc) lasts, in AWS seconds. */
const DEPROVISIONING_SECONDS = 1;

interface ContainerDefinitionLike {
  name?: unknown;
  image?: unknown;
  essential?: unknown;
  portMappings?: unknown;
  environment?: unknown;
  stopTimeout?: unknown;
}

export function containerSpecsOf(definition: TaskDefinitionRecord): ContainerSpec[] {
  const defs = (definition.body['containerDefinitions'] ?? []) as ContainerDefinitionLike[];
  return defs.map((def) => {
    const environment: Record<string, string> = {};
    for (const pair of (def.environment ?? []) as { name?: string; value?: string }[]) {
      if (pair.name !== undefined) environment[pair.name] = pair.value ?? '';
    }
    const image = String(def.image ?? '');
    const firstPort = ((def.portMappings ?? []) as { containerPort?: number }[])[0]?.containerPort;
    const spec: ContainerSpec = {
      name: String(def.name ?? ''),
      image,
      essential: def.essential !== false,
      environment,
      behavior: behaviorOf(image, environment),
      stopTimeoutSeconds:
        typeof def.stopTimeout === 'number' ? def.stopTimeout : DEFAULT_STOP_TIMEOUT_SECONDS,
    };
    if (firstPort !== undefined) spec.port = firstPort;
    return spec;
  });
}

export function createTaskLifecycle(deps: TaskLifecycleDeps): TaskLifecycle {
  const { clock, store, targets } = deps;
  const serviceOf = (task: TaskRecord): ServiceRecord | undefined =>
    task.serviceArn === undefined ? undefined : store.services.get(task.serviceArn);
  const deploymentOf = (task: TaskRecord): DeploymentRecord | undefined =>
    serviceOf(task)?.deployments.find((d) => d.id === task.deploymentId);

  /** Runtime and ELBv2 callbacks run outside any request or tick: a failure is logged, never thrown. */
  function guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      deps.log(
        `ecs: ${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }

  function launch(
    service: ServiceRecord,
    deployment: DeploymentRecord,
    definition: TaskDefinitionRecord,
  ): TaskRecord {
    const id = newTaskId();
    const now = clock.now();
    const specs = containerSpecsOf(definition);
    const body = definition.body;
    const task: TaskRecord = {
      arn: taskArn(service.region, service.clusterName, id),
      id,
      region: service.region,
      clusterArn: service.clusterArn,
      clusterName: service.clusterName,
      serviceArn: service.arn,
      serviceName: service.name,
      deploymentId: deployment.id,
      serviceRevisionArn: deployment.serviceRevisionArn,
      taskDefinitionArn: definition.arn,
      family: definition.family,
      revision: definition.revision,
      ip: deps.ips.take(),
      launchType: service.launchType,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      startedBy: deployment.id,
      group: `service:${service.name}`,
      createdAt: now,
      containers: specs.map((spec, i): ContainerRecord => {
        const def = ((body['containerDefinitions'] ?? []) as Record<string, unknown>[])[i] ?? {};
        const container: ContainerRecord = {
          name: spec.name,
          image: spec.image,
          essential: spec.essential,
          ...(spec.port !== undefined ? { port: spec.port } : {}),
          lastStatus: 'PENDING',
          runtimeId: `${id}-${randomUUID().slice(0, 8)}`,
          cpu: String(def['cpu'] ?? 0),
        };
        if (def['memory'] !== undefined) container.memory = String(def['memory']);
        if (def['memoryReservation'] !== undefined)
          container.memoryReservation = String(def['memoryReservation']);
        return container;
      }),
      attachmentId: randomUUID(),
      targets: [],
      tags: service.propagateTags === 'SERVICE' ? service.tags.map((t) => ({ ...t })) : [],
    };
    if (typeof body['cpu'] === 'string') task.cpu = body['cpu'];
    if (typeof body['memory'] === 'string') task.memory = body['memory'];
    store.tasks.set(task.arn, task);

    // Page "Amazon ECS task lifecycle": PROVISIONING (the awsvpc ENI is attached), then PENDING
    // (the image is pulled), then the containers start. On Fargate that takes tens of seconds
    // (AWS publishes no figure); the emulator spends `taskStartSeconds` (half provisioning, half
    // pulling) before it starts the task's processes, and PENDING lasts until every app listens.
    const startSeconds = deps.taskStartSeconds ?? DEFAULT_TASK_START_SECONDS;
    if (startSeconds <= 0) {
      startContainers(task, definition, specs);
      return task;
    }
    clock.after(startSeconds / 2, () =>
      guard(`pulling the image of task ${id}`, () => {
        if (task.desiredStatus !== 'RUNNING' || task.lastStatus !== 'PROVISIONING') return;
        task.lastStatus = 'PENDING';
        task.pullStartedAt = clock.now();
        deps.poke();
      }),
    );
    clock.after(startSeconds, () =>
      guard(`starting task ${id}`, () => startContainers(task, definition, specs)),
    );
    return task;
  }

  function startContainers(task: TaskRecord, definition: TaskDefinitionRecord, specs: ContainerSpec[]): void {
    // Stopped before its containers started: nothing to run, nothing to drain. After killAll (the
    // emulator stopping) a start timer still due must start no process.
    if (task.desiredStatus !== 'RUNNING' || killed) return;
    const id = task.id;
    task.lastStatus = 'PENDING';
    task.pullStartedAt ??= clock.now();
    try {
      task.handle = deps.runtime.start({
        taskArn: task.arn,
        taskId: id,
        taskDefinition: `${definition.family}:${definition.revision}`,
        revision: definition.revision,
        ip: task.ip,
        containers: specs,
      });
    } catch (error) {
      deps.log(`ecs: task ${id} failed to start: ${error instanceof Error ? error.message : String(error)}`);
      countFailure(task);
      stop(task, 'Task failed to start', 'TaskFailedToStart');
      return;
    }
    task.handle.onExit((exit) => guard(`container exit of task ${id}`, () => containerExited(task, exit)));
    task.handle.listening.then(
      () => guard(`activating task ${id}`, () => activate(task)),
      () => undefined, // the container's exit, reported through onExit, stops the task
    );
    deps.poke();
  }

  function activate(task: TaskRecord): void {
    if (task.desiredStatus !== 'RUNNING' || task.lastStatus !== 'PENDING') return;
    const now = clock.now();
    task.pullStoppedAt = now;
    for (const container of task.containers)
      if (container.lastStatus === 'PENDING') container.lastStatus = 'RUNNING';
    const service = serviceOf(task);
    task.lastStatus = 'ACTIVATING';
    // Page "Service load balancing": ECS registers each task's IP (awsvpc, target type ip) at the
    // container port named in the service's loadBalancers, in every target group of the service.
    for (const lb of service?.loadBalancers ?? []) {
      if (!targets.targetGroup(lb.targetGroupArn)) continue;
      const container = task.containers.find((c) => c.name === lb.containerName);
      if (!container) continue;
      targets.register(lb.targetGroupArn, [{ id: task.ip, port: lb.containerPort }]);
      task.targets.push({ targetGroupArn: lb.targetGroupArn, port: lb.containerPort });
      if (service) addEvent(service, `registered 1 targets in (target-group ${lb.targetGroupArn})`, now);
    }
    task.lastStatus = 'RUNNING';
    task.startedAt = now;
    deps.poke();
  }

  function containerExited(task: TaskRecord, exit: ContainerExit): void {
    const container = task.containers.find((c) => c.name === exit.containerName);
    if (container) {
      container.lastStatus = 'STOPPED';
      if (exit.exitCode !== null) container.exitCode = exit.exitCode;
      if (exit.reason !== undefined) container.reason = exit.reason;
    }
    // Page "Task lifecycle" / stopped task errors: an essential container exiting stops the task
    // with "Essential container in task exited"; the circuit breaker counts it as a failed task.
    if (task.desiredStatus === 'RUNNING' && (container?.essential ?? true)) {
      countFailure(task);
      stop(task, 'Essential container in task exited', 'EssentialContainerExited');
    }
    deps.poke();
  }

  function countFailure(task: TaskRecord): void {
    const deployment = deploymentOf(task);
    if (deployment) {
      deployment.failedTasks += 1;
      deployment.updatedAt = clock.now();
    }
  }

  let killed = false;

  function stop(task: TaskRecord, reason: string, stopCode: string): void {
    stopMany([task], reason, stopCode);
  }

  function stopMany(tasks: TaskRecord[], reason: string, stopCode: string): void {
    const now = clock.now();
    // Per service: how many tasks began draining, and how many targets left each target group.
    const drained = new Map<ServiceRecord, { tasks: number; groups: Map<string, number> }>();
    for (const task of tasks) {
      if (task.desiredStatus === 'STOPPED') continue;
      task.desiredStatus = 'STOPPED';
      task.stoppingAt = now;
      task.stoppedReason = reason;
      task.stopCode = stopCode;
      if (task.targets.length === 0) {
        beginStopping(task);
        continue;
      }
      task.lastStatus = 'DEACTIVATING';
      const service = serviceOf(task);
      const counts = service
        ? (drained.get(service) ?? { tasks: 0, groups: new Map<string, number>() })
        : undefined;
      if (service && counts) drained.set(service, counts);
      if (counts) counts.tasks += 1;
      for (const target of task.targets) {
        guard(`deregistering task ${task.id}`, () =>
          targets.deregister(target.targetGroupArn, [{ id: task.ip, port: target.port }]),
        );
        counts?.groups.set(target.targetGroupArn, (counts.groups.get(target.targetGroupArn) ?? 0) + 1);
      }
    }
    // ECS's wording for these (page "Amazon ECS service event messages").
    for (const [service, counts] of drained) {
      for (const [group, n] of counts.groups)
        addEvent(service, `deregistered ${n} targets in (target-group ${group})`, now);
      addEvent(service, `has begun draining connections on ${counts.tasks} tasks.`, now);
    }
    deps.poke();
  }

  function advance(): void {
    for (const task of store.tasks.values()) {
      if (task.lastStatus !== 'DEACTIVATING') continue;
      // The target is gone once ELBv2 reports it unused (Target.NotRegistered) after the drain.
      const drained = task.targets.every(
        (t) =>
          !targets.targetGroup(t.targetGroupArn) ||
          targets.health(t.targetGroupArn, { id: task.ip, port: t.port }).state === 'unused',
      );
      if (drained) beginStopping(task);
    }
  }

  function beginStopping(task: TaskRecord): void {
    task.lastStatus = 'STOPPING';
    task.targets = [];
    const handle = task.handle;
    const stopped = handle ? handle.stop() : Promise.resolve([]);
    stopped
      .then((exits) => {
        for (const exit of exits) {
          const container = task.containers.find((c) => c.name === exit.containerName);
          if (container && container.exitCode === undefined && exit.exitCode !== null)
            container.exitCode = exit.exitCode;
          if (container && container.reason === undefined && exit.reason !== undefined)
            container.reason = exit.reason;
        }
      })
      .catch((error: unknown) =>
        deps.log(
          `ecs: stopping task ${task.id} failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      )
      .finally(() => {
        for (const container of task.containers) container.lastStatus = 'STOPPED';
        task.lastStatus = 'DEPROVISIONING';
        task.executionStoppedAt = clock.now();
        deps.poke();
        clock.after(DEPROVISIONING_SECONDS, () => {
          task.lastStatus = 'STOPPED';
          task.stoppedAt = clock.now();
          delete task.handle;
          deps.ips.release(task.ip);
          deps.poke();
        });
      });
  }

  function killAll(): void {
    killed = true;
    for (const task of store.tasks.values()) {
      if (task.handle && task.lastStatus !== 'STOPPED') {
        try {
          task.handle.kill();
        } catch {
          // already gone
        }
      }
    }
  }

  return { launch, stop, stopMany, advance, countFailure, killAll };
}
