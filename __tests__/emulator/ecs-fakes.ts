// Stand-ins for the ECS part's neighbours, so the ECS API and scheduler are tested apart from the
// real ELBv2 part and task runtimes: a task runtime whose "apps" follow the task definition's
// behaviour convention in memory, and a target registry whose health checks read that behaviour.
// Both record a timeline so tests can check ordering (no stop before a drain has ended).
import { createClock } from '../../emulator/src/clock.js';
import type {
  Clock,
  ContainerExit,
  RequestContext,
  TargetHealthView,
  TargetRef,
  TargetRegistry,
  TaskHandle,
  TaskRuntime,
  TaskSpec,
} from '../../emulator/src/contracts.js';
import { AwsError } from '../../emulator/src/contracts.js';
import { createEcs } from '../../emulator/src/ecs/index.js';
import type { EcsPart } from '../../emulator/src/contracts.js';

export interface FakeTask {
  spec: TaskSpec;
  startedAt: number;
  /** When the scheduler called stop() (SIGTERM), if it did. */
  stopCalledAt?: number;
  exited: boolean;
}

export interface FakeRuntime extends TaskRuntime {
  tasks: Map<string, FakeTask>;
  byIp(ip: string): FakeTask | undefined;
  /** Make a running task's essential container exit with this code, as a crash would. */
  crash(taskId: string, exitCode: number): void;
}

/** Task start takes 1 AWS second (plus any slow start); a stop takes 1 AWS second. */
export function fakeRuntime(clock: Clock): FakeRuntime {
  const tasks = new Map<string, FakeTask>();
  const exitListeners = new Map<string, ((exit: ContainerExit) => void)[]>();
  const emit = (taskId: string, exit: ContainerExit): void => {
    for (const listener of exitListeners.get(taskId) ?? []) listener(exit);
  };
  return {
    kind: 'in-process',
    tasks,
    byIp: (ip) => [...tasks.values()].find((t) => t.spec.ip === ip && !t.exited),
    crash(taskId, exitCode) {
      const task = tasks.get(taskId);
      if (!task || task.exited) return;
      task.exited = true;
      const container = task.spec.containers[0]!;
      emit(taskId, { containerName: container.name, exitCode, reason: 'Essential container exited' });
    },
    start(spec): TaskHandle {
      const task: FakeTask = { spec, startedAt: clock.now(), exited: false };
      tasks.set(spec.taskId, task);
      exitListeners.set(spec.taskId, []);
      const container = spec.containers[0]!;
      const listening = new Promise<void>((resolve, reject) => {
        clock.after(1 + container.behavior.slowStartSeconds, () => {
          if (task.exited) return reject(new Error('exited before listening'));
          if (container.behavior.crashOnStart) {
            task.exited = true;
            emit(spec.taskId, {
              containerName: container.name,
              exitCode: 1,
              reason: 'Essential container exited',
            });
            return reject(new Error('crashed on start'));
          }
          resolve();
        });
      });
      listening.catch(() => undefined);
      return {
        // These in-memory "apps" run, stop handling included, from the moment they exist.
        started: Promise.resolve(),
        listening,
        onExit: (listener) => exitListeners.get(spec.taskId)!.push(listener),
        stop: () =>
          new Promise<ContainerExit[]>((resolve) => {
            task.stopCalledAt = clock.now();
            clock.after(1, () => {
              task.exited = true;
              // SIGTERM handled: the app exits 0 (a graceful shutdown), as the real task app does.
              resolve([{ containerName: container.name, exitCode: 0 }]);
            });
          }),
        kill: () => {
          task.exited = true;
        },
      };
    },
    async shutdown() {
      for (const task of tasks.values()) task.exited = true;
    },
  };
}

export interface DrainRecord {
  ip: string;
  startedAt: number;
  endedAt?: number;
}

export interface FakeTargets extends TargetRegistry {
  addGroup(
    arn: string,
    options?: { targetType?: string; deregistrationDelaySeconds?: number; port?: number },
  ): void;
  drains: DrainRecord[];
  /** Current state of every registered target of a group, keyed by IP. */
  states(arn: string): Map<string, TargetHealthView>;
}

/**
 * Health checks every `interval` AWS seconds: a target turns healthy after 2 passing checks and
 * unhealthy after 2 failing ones; a check fails when the task's behaviour says its health path
 * answers 500 (`unhealthy`, or `unhealthy-after-S` once S seconds have passed since it started).
 */
export function fakeTargets(clock: Clock, runtime: FakeRuntime, interval = 1): FakeTargets {
  interface Target {
    ref: TargetRef;
    health: TargetHealthView;
    passes: number;
    fails: number;
  }
  const groups = new Map<
    string,
    {
      arn: string;
      port: number;
      targetType: string;
      deregistrationDelaySeconds: number;
      targets: Map<string, Target>;
    }
  >();
  const listeners: ((arn: string, target: TargetRef, health: TargetHealthView) => void)[] = [];
  const drains: DrainRecord[] = [];
  const key = (t: TargetRef): string => `${t.id}:${t.port}`;
  const set = (arn: string, target: Target, health: TargetHealthView): void => {
    target.health = health;
    for (const listener of listeners) listener(arn, target.ref, health);
  };
  const failing = (ip: string): boolean => {
    const task = runtime.byIp(ip);
    if (!task) return true;
    const behavior = task.spec.containers[0]!.behavior;
    if (behavior.unhealthy) return true;
    return (
      behavior.unhealthyAfterSeconds !== undefined &&
      clock.now() - task.startedAt >= clock.ms(behavior.unhealthyAfterSeconds)
    );
  };
  clock.every(interval, () => {
    for (const [arn, group] of groups) {
      for (const target of group.targets.values()) {
        if (target.health.state === 'draining') continue;
        if (failing(target.ref.id)) {
          target.passes = 0;
          target.fails += 1;
          if (target.fails >= 2 && target.health.state !== 'unhealthy') {
            set(arn, target, {
              state: 'unhealthy',
              reason: 'Target.ResponseCodeMismatch',
              description: 'Health checks failed with these codes: [500]',
            });
          }
        } else {
          target.fails = 0;
          target.passes += 1;
          if (target.passes >= 2 && target.health.state !== 'healthy') set(arn, target, { state: 'healthy' });
        }
      }
    }
  });
  return {
    drains,
    addGroup(arn, options = {}) {
      groups.set(arn, {
        arn,
        port: options.port ?? 8080,
        targetType: options.targetType ?? 'ip',
        deregistrationDelaySeconds: options.deregistrationDelaySeconds ?? 3,
        targets: new Map(),
      });
    },
    states(arn) {
      const out = new Map<string, TargetHealthView>();
      for (const target of groups.get(arn)?.targets.values() ?? []) out.set(target.ref.id, target.health);
      return out;
    },
    targetGroup(arn) {
      const group = groups.get(arn);
      return (
        group && {
          arn: group.arn,
          port: group.port,
          targetType: group.targetType,
          deregistrationDelaySeconds: group.deregistrationDelaySeconds,
        }
      );
    },
    register(arn, refs) {
      const group = groups.get(arn);
      if (!group) throw new AwsError('TargetGroupNotFound', `Target groups '${arn}' not found`);
      for (const ref of refs) {
        if (group.targets.has(key(ref))) continue;
        const target: Target = {
          ref,
          health: { state: 'initial', reason: 'Elb.RegistrationInProgress' },
          passes: 0,
          fails: 0,
        };
        group.targets.set(key(ref), target);
        set(arn, target, target.health);
      }
    },
    deregister(arn, refs) {
      const group = groups.get(arn);
      if (!group) return;
      for (const ref of refs) {
        const target = group.targets.get(key(ref));
        if (!target || target.health.state === 'draining') continue;
        const drain: DrainRecord = { ip: ref.id, startedAt: clock.now() };
        drains.push(drain);
        set(arn, target, { state: 'draining', reason: 'Target.DeregistrationInProgress' });
        clock.after(group.deregistrationDelaySeconds, () => {
          group.targets.delete(key(ref));
          drain.endedAt = clock.now();
          for (const listener of listeners)
            listener(arn, ref, { state: 'unused', reason: 'Target.NotRegistered' });
        });
      }
    },
    health(arn, ref) {
      const target = groups.get(arn)?.targets.get(key(ref));
      return target
        ? target.health
        : {
            state: 'unused',
            reason: 'Target.NotRegistered',
            description: 'Target is not registered to the target group',
          };
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}

export const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef';

export interface Harness {
  clock: Clock;
  runtime: FakeRuntime;
  targets: FakeTargets;
  ecs: EcsPart;
  /** parse -> invoke -> serialize through the ECS protocol, as the server does; the parsed answer. */
  call(
    operation: string,
    input: unknown,
    region?: string,
  ): Promise<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }>;
  /** Like call, but throws unless the answer is 200; returns the body. */
  ok<T = Record<string, unknown>>(operation: string, input: unknown): Promise<T>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  scale?: number;
  healthInterval?: number;
  /** TG_ARN's deregistration delay in AWS seconds (default 3). */
  deregistrationDelaySeconds?: number;
  drainingCountsTowardMaximum?: boolean;
  /** AWS seconds from launch to the containers starting (emulator/src/ecs/tasks.ts). */
  taskStartSeconds?: number;
}

export function harness(options: HarnessOptions = {}): Harness {
  const clock = createClock(options.scale ?? 0.02);
  const runtime = fakeRuntime(clock);
  const targets = fakeTargets(clock, runtime, options.healthInterval ?? 1);
  targets.addGroup(
    TG_ARN,
    options.deregistrationDelaySeconds === undefined
      ? {}
      : { deregistrationDelaySeconds: options.deregistrationDelaySeconds },
  );
  const ecs = createEcs({
    clock,
    log: () => undefined,
    runtime,
    targets,
    drainingCountsTowardMaximum: options.drainingCountsTowardMaximum ?? false,
    ...(options.taskStartSeconds !== undefined ? { taskStartSeconds: options.taskStartSeconds } : {}),
  });
  let n = 0;
  const call: Harness['call'] = async (operation, input, region = 'us-east-1') => {
    const ctx: RequestContext = { region, accountId: '000000000000', requestId: `req-${++n}` };
    const body = typeof input === 'string' ? input : JSON.stringify(input);
    const claimed = ecs.protocol.operationOf(
      { 'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}` },
      body,
    );
    if (claimed === undefined) throw new Error(`ECS protocol does not claim ${operation}`);
    let answer;
    try {
      const parsed = ecs.protocol.parse(operation, body);
      answer = ecs.protocol.serialize(operation, await ecs.protocol.invoke(operation, parsed, ctx), ctx);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      answer = ecs.protocol.serializeError(error, ctx);
    }
    return {
      status: answer.status,
      headers: answer.headers,
      body: JSON.parse(answer.body) as Record<string, unknown>,
    };
  };
  return {
    clock,
    runtime,
    targets,
    ecs,
    call,
    async ok<T>(operation: string, input: unknown): Promise<T> {
      const answer = await call(operation, input);
      if (answer.status !== 200)
        throw new Error(`${operation} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body as T;
    },
    async stop() {
      await ecs.stop();
      await runtime.shutdown();
      clock.dispose();
    },
  };
}

/** A task definition in the behaviour convention: the image tag chooses how the app behaves. */
export function webTaskDefinition(tag: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    family: 'web',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      { name: 'web', image: `demo/web:${tag}`, portMappings: [{ containerPort: 8080 }], stopTimeout: 5 },
    ],
    ...extra,
  };
}

export function serviceInput(
  taskDefinition: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    cluster: 'demo',
    serviceName: 'web',
    taskDefinition,
    desiredCount: 4,
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } },
    loadBalancers: [{ targetGroupArn: TG_ARN, containerName: 'web', containerPort: 8080 }],
    ...extra,
  };
}

/** Poll until `check` returns a value (not undefined), at most `timeoutMs`. */
export async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
