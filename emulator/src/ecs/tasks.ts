// The life of one task, following the ECS developer guide page "Amazon ECS task lifecycle", through
// the states in the order task-lifecycle.ts lists them. ACTIVATING is where ECS registers the task
// in its service's target groups; DEACTIVATING is where it deregisters it and waits for the targets
// to finish draining (page "Service load balancing": ECS waits the target group's deregistration
// delay before it stops the task); STOPPING sends SIGTERM and, after the container's stopTimeout,
// SIGKILL (page "Task lifecycle", and the container definition's stopTimeout, default 30 s).
import type { Clock, ContainerExit, ContainerSpec, Log, TaskRuntime, TargetRegistry } from '../contracts.js';
import { probe } from '../elbv2/health-checker.js';
import { behaviorOf, jobOf } from '../runtime/behavior.js';
import { newTaskId, taskArn } from './arns.js';
import {
  healthCheckOf,
  INITIAL_CHECK,
  nextCheckState,
  probeOf,
  taskHealthStatus,
  type CheckState,
  type HealthCheckSpec,
} from './container-health.js';
import { addEvent } from './events.js';
import type { IpAllocator } from './ips.js';
import { placeTask, portNeedsOf } from './placement.js';
import type {
  ContainerRecord,
  DeploymentRecord,
  EcsStore,
  ServiceRecord,
  TaskDefinitionRecord,
  TaskRecord,
} from './store.js';
import { failureCounted } from './service-deployment-events.js';
import { isLive } from './task-lifecycle.js';
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

/** A task ECS could not place (EC2 launch type): the service event's words for why. */
export interface Unplaced {
  unplaced: string;
}

/** A standalone task's start (RunTask): everything a service would otherwise give. */
export interface StandaloneLaunch {
  clusterArn: string;
  clusterName: string;
  region: string;
  launchType: string;
  startedBy?: string;
  group: string;
  /** Container name -> the command that replaces its own (containerOverrides). */
  commands: ReadonlyMap<string, readonly string[]>;
  tags: { key: string; value: string }[];
}

export interface TaskLifecycle {
  launch(
    service: ServiceRecord,
    deployment: DeploymentRecord,
    definition: TaskDefinitionRecord,
  ): TaskRecord | Unplaced;
  /** RunTask: one task of no service, started at once (its start follows the same lifecycle). */
  runStandalone(launch: StandaloneLaunch, definition: TaskDefinitionRecord): TaskRecord;
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
  /** From now on, tasks launched spend `seconds` AWS seconds before their containers start. */
  setStartSeconds(seconds: number): void;
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
  command?: unknown;
}

export function containerSpecsOf(
  definition: TaskDefinitionRecord,
  commands: ReadonlyMap<string, readonly string[]> = new Map(),
): ContainerSpec[] {
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
    const overridden = commands.get(spec.name);
    const own = Array.isArray(def.command) ? (def.command as unknown[]).map(String) : undefined;
    const job = jobOf(overridden ?? own, overridden !== undefined);
    if (job) spec.job = job;
    return spec;
  });
}

/**
 * The app of a bridge or host task listens where the load balancer reaches it: the instance's
 * address at the host port bound to the container's first container port (the emulator has no
 * Docker port forwarding; the app stands for container and forward together).
 */
function listeningSpec(task: TaskRecord, spec: ContainerSpec): ContainerSpec {
  if (task.containerInstanceArn === undefined || spec.port === undefined) return spec;
  const container = task.containers.find((c) => c.name === spec.name);
  const binding = container?.networkBindings?.find((b) => b.containerPort === spec.port);
  return binding ? { ...spec, port: binding.hostPort } : spec;
}

/** The containers of a new task as DescribeTasks shows them, from their specs and definitions. */
function containerRecordsOf(
  id: string,
  specs: ContainerSpec[],
  body: Record<string, unknown>,
): ContainerRecord[] {
  return specs.map((spec, i): ContainerRecord => {
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
    const healthCheck = healthCheckOf(def);
    if (healthCheck) container.healthCheck = healthCheck;
    if (def['memory'] !== undefined) container.memory = String(def['memory']);
    if (def['memoryReservation'] !== undefined)
      container.memoryReservation = String(def['memoryReservation']);
    return container;
  });
}

export function createTaskLifecycle(deps: TaskLifecycleDeps): TaskLifecycle {
  const { clock, store, targets } = deps;
  let startSeconds = deps.taskStartSeconds ?? DEFAULT_TASK_START_SECONDS;
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
  ): TaskRecord | Unplaced {
    const id = newTaskId();
    const now = clock.now();
    const specs = containerSpecsOf(definition);
    const body = definition.body;
    const networkMode = String(body['networkMode'] ?? 'bridge');
    // awsvpc: the task's own ENI address. Bridge and host: a container instance of the cluster
    // with every host port the task needs free (placement.ts), whose address the task shares.
    let placed:
      { arn: string; ip: string; ports: Map<number, string>; bindings: Map<string, number[][]> } | undefined;
    if (networkMode !== 'awsvpc') {
      const instances = [...store.containerInstances.values()].filter(
        (ci) => ci.clusterArn === service.clusterArn && ci.status === 'ACTIVE',
      );
      const load = new Map<string, number>();
      for (const t of store.tasks.values())
        if (t.containerInstanceArn && isLive(t.lastStatus))
          load.set(t.containerInstanceArn, (load.get(t.containerInstanceArn) ?? 0) + 1);
      const placement = placeTask(
        instances.map((ci) => ({ arn: ci.arn, id: ci.id, used: ci.ports, tasks: load.get(ci.arn) ?? 0 })),
        portNeedsOf(body),
      );
      if (!placement.placed) return { unplaced: placement.message };
      const instance = store.containerInstances.get(placement.instance.arn)!;
      const bindings = new Map<string, number[][]>();
      for (const b of placement.bindings) {
        const list = bindings.get(b.containerName) ?? [];
        list.push([b.containerPort, b.hostPort]);
        bindings.set(b.containerName, list);
      }
      placed = { arn: instance.arn, ip: instance.ip, ports: instance.ports, bindings };
    }
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
      ip: placed ? placed.ip : deps.ips.take(),
      networkMode,
      ...(placed ? { containerInstanceArn: placed.arn } : {}),
      launchType: service.launchType,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      startedBy: deployment.id,
      group: `service:${service.name}`,
      createdAt: now,
      containers: containerRecordsOf(id, specs, body).map((container) => {
        const bound = placed?.bindings.get(container.name);
        if (bound) {
          container.networkBindings = bound.map(([containerPort, hostPort]) => ({
            containerPort: containerPort!,
            hostPort: hostPort!,
          }));
        }
        return container;
      }),
      attachmentId: randomUUID(),
      targets: [],
      tags: service.propagateTags === 'SERVICE' ? service.tags.map((t) => ({ ...t })) : [],
    };
    if (typeof body['cpu'] === 'string') task.cpu = body['cpu'];
    if (typeof body['memory'] === 'string') task.memory = body['memory'];
    if (placed)
      for (const c of task.containers)
        for (const b of c.networkBindings ?? []) placed.ports.set(b.hostPort, task.arn);
    store.tasks.set(task.arn, task);

    scheduleStart(task, definition, specs);
    return task;
  }

  function scheduleStart(task: TaskRecord, definition: TaskDefinitionRecord, specs: ContainerSpec[]): void {
    const id = task.id;
    // Page "Amazon ECS task lifecycle": PROVISIONING (the awsvpc ENI is attached), then PENDING
    // (the image is pulled), then the containers start. On Fargate that takes tens of seconds
    // (AWS publishes no figure); the emulator spends `taskStartSeconds` (half provisioning, half
    // pulling) before it starts the task's processes, and PENDING lasts until every app listens.
    if (startSeconds <= 0) {
      startContainers(task, definition, specs);
      return;
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
  }

  function runStandalone(launch: StandaloneLaunch, definition: TaskDefinitionRecord): TaskRecord {
    const id = newTaskId();
    const specs = containerSpecsOf(definition, launch.commands);
    const body = definition.body;
    const task: TaskRecord = {
      arn: taskArn(launch.region, launch.clusterName, id),
      id,
      region: launch.region,
      clusterArn: launch.clusterArn,
      clusterName: launch.clusterName,
      taskDefinitionArn: definition.arn,
      family: definition.family,
      revision: definition.revision,
      ip: deps.ips.take(),
      // RunTask here takes awsvpc tasks only (api-tasks.ts refuses the others).
      networkMode: 'awsvpc',
      launchType: launch.launchType,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      ...(launch.startedBy !== undefined ? { startedBy: launch.startedBy } : {}),
      group: launch.group,
      createdAt: clock.now(),
      containers: containerRecordsOf(id, specs, body),
      attachmentId: randomUUID(),
      targets: [],
      tags: launch.tags.map((t) => ({ ...t })),
    };
    for (const container of task.containers) {
      const command = launch.commands.get(container.name);
      if (command) container.command = [...command];
    }
    if (typeof body['cpu'] === 'string') task.cpu = body['cpu'];
    if (typeof body['memory'] === 'string') task.memory = body['memory'];
    store.tasks.set(task.arn, task);
    scheduleStart(task, definition, specs);
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
        containers: specs.map((spec) => listeningSpec(task, spec)),
      });
    } catch (error) {
      deps.log(`ecs: task ${id} failed to start: ${error instanceof Error ? error.message : String(error)}`);
      countFailure(task);
      stop(task, 'Task failed to start', 'TaskFailedToStart');
      return;
    }
    task.handle.onExit((exit) => guard(`container exit of task ${id}`, () => containerExited(task, exit)));
    task.handle.listening.then(
      () => guard(`activating task ${id}`, () => activate(task, specs)),
      () => undefined, // the container's exit, reported through onExit, stops the task
    );
    deps.poke();
  }

  function activate(task: TaskRecord, specs: ContainerSpec[]): void {
    if (task.desiredStatus !== 'RUNNING' || task.lastStatus !== 'PENDING') return;
    const now = clock.now();
    task.pullStoppedAt = now;
    for (const container of task.containers)
      if (container.lastStatus === 'PENDING') container.lastStatus = 'RUNNING';
    const service = serviceOf(task);
    task.lastStatus = 'ACTIVATING';
    // Page "Service load balancing": ECS registers each task's IP (awsvpc, target type ip) at the
    // container port named in the service's loadBalancers, in every target group of the service;
    // a bridge or host task ("Use a Network Load Balancer for Amazon ECS": "registered ... as an
    // instance ID and port combination") as its container instance's EC2 id at the host port
    // bound to that container port.
    for (const lb of service?.loadBalancers ?? []) {
      if (!targets.targetGroup(lb.targetGroupArn)) continue;
      const container = task.containers.find((c) => c.name === lb.containerName);
      if (!container) continue;
      const ref = targetRefOf(task, container, lb.containerPort);
      if (!ref) continue;
      targets.register(lb.targetGroupArn, [ref]);
      task.targets.push({ targetGroupArn: lb.targetGroupArn, ...ref });
      if (service) addEvent(service, `registered 1 targets in (target-group ${lb.targetGroupArn})`, now);
    }
    task.lastStatus = 'RUNNING';
    task.startedAt = now;
    startHealthChecks(task, specs);
    deps.poke();
  }

  /** Per task: the timers of its containers' health checks (container-health.ts). */
  const healthTimers = new Map<string, { cancel(): void }[]>();

  /**
   * Runs each container's health check every `interval` from the moment the containers run (the
   * first one interval in, as Docker does), and keeps the container's and the task's healthStatus.
   */
  function startHealthChecks(task: TaskRecord, specs: ContainerSpec[]): void {
    const startedAt = clock.now();
    const timers: { cancel(): void }[] = [];
    task.containers.forEach((container, i) => {
      const check = container.healthCheck;
      if (!check) return;
      container.healthStatus = 'UNKNOWN';
      let state: CheckState = INITIAL_CHECK;
      let inFlight = false;
      const behavior = specs[i]?.behavior;
      const run = (): void => {
        if (inFlight || task.desiredStatus !== 'RUNNING' || container.lastStatus !== 'RUNNING') return;
        inFlight = true;
        const sinceStart = (): number => (clock.now() - startedAt) / clock.ms(1);
        void runHealthCheck(task, check, behavior, sinceStart()).then((passed) =>
          guard(`health check of task ${task.id} container ${container.name}`, () => {
            inFlight = false;
            if (task.desiredStatus !== 'RUNNING') return;
            state = nextCheckState(state, passed, sinceStart(), check);
            if (state.status === container.healthStatus) return;
            container.healthStatus = state.status;
            task.healthStatus = taskHealthStatus(
              task.containers.map((c) => ({
                essential: c.essential,
                checked: c.healthCheck !== undefined,
                healthStatus: c.healthStatus ?? 'UNKNOWN',
              })),
            );
            if (state.status === 'UNHEALTHY')
              deps.log(
                `task ${task.id} container ${container.name} is UNHEALTHY (${check.retries} failed health checks)`,
              );
            deps.poke();
          }),
        );
      };
      timers.push(clock.every(check.intervalSeconds, run));
    });
    if (timers.length > 0) {
      task.healthStatus = 'UNKNOWN';
      healthTimers.set(task.arn, timers);
    }
  }

  function stopHealthChecks(task: TaskRecord): void {
    for (const timer of healthTimers.get(task.arn) ?? []) timer.cancel();
    healthTimers.delete(task.arn);
  }

  /** One check, by the emulator's rule for the command (container-health.ts, probeOf). Never rejects. */
  function runHealthCheck(
    task: TaskRecord,
    check: HealthCheckSpec,
    behavior: ContainerSpec['behavior'] | undefined,
    sinceStartSeconds: number,
  ): Promise<boolean> {
    const how = probeOf(check.command);
    if (how.kind === 'exit') return Promise.resolve(how.passes);
    if (how.kind === 'behavior') {
      const after = behavior?.unhealthyAfterSeconds;
      return Promise.resolve(!behavior?.unhealthy && !(after !== undefined && sinceStartSeconds >= after));
    }
    return probe(
      {
        host: task.ip,
        port: how.port,
        path: how.path,
        timeoutSeconds: check.timeoutSeconds,
        matcher: (s) => s < 400,
      },
      clock,
    ).outcome.then((o) => o.ok);
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
    const service = serviceOf(task);
    const deployment = deploymentOf(task);
    if (service && deployment) {
      deployment.failedTasks += 1;
      deployment.updatedAt = clock.now();
      failureCounted(store, service, deployment);
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
      stopHealthChecks(task);
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
          targets.deregister(target.targetGroupArn, [{ id: target.id, port: target.port }]),
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
          targets.health(t.targetGroupArn, { id: t.id, port: t.port }).state === 'unused',
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
          releaseAddress(task);
          deps.poke();
        });
      });
  }

  /** The ELB target of `container`'s `containerPort`: the task's IP (awsvpc) or instance id and host port. */
  function targetRefOf(
    task: TaskRecord,
    container: ContainerRecord,
    containerPort: number,
  ): { id: string; port: number } | undefined {
    if (task.containerInstanceArn === undefined) return { id: task.ip, port: containerPort };
    const instance = store.containerInstances.get(task.containerInstanceArn);
    const binding = container.networkBindings?.find((b) => b.containerPort === containerPort);
    return instance && binding ? { id: instance.ec2InstanceId, port: binding.hostPort } : undefined;
  }

  /** A stopped task gives back its ENI address, or its host ports on its container instance. */
  function releaseAddress(task: TaskRecord): void {
    if (task.containerInstanceArn === undefined) {
      deps.ips.release(task.ip);
      return;
    }
    const ports = store.containerInstances.get(task.containerInstanceArn)?.ports;
    for (const c of task.containers)
      for (const b of c.networkBindings ?? [])
        if (ports?.get(b.hostPort) === task.arn) ports.delete(b.hostPort);
  }

  function killAll(): void {
    killed = true;
    for (const timers of healthTimers.values()) for (const timer of timers) timer.cancel();
    healthTimers.clear();
    for (const task of store.tasks.values()) {
      if (task.handle && isLive(task.lastStatus)) {
        try {
          task.handle.kill();
        } catch {
          // already gone
        }
      }
    }
  }

  return {
    launch,
    runStandalone,
    stop,
    stopMany,
    advance,
    countFailure,
    killAll,
    setStartSeconds: (seconds) => {
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new Error(`a task start takes 0 or more AWS seconds, not ${seconds}`);
      startSeconds = seconds;
    },
  };
}
