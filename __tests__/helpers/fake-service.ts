// An in-memory ServiceDriver for the engine's tests: one ECS service behind one or more ELBv2
// target groups, simulated step by step on a fake clock. It models the documented ECS rolling
// update ("Deploy Amazon ECS services by replacing tasks"):
//   - maximumPercent caps the tasks meant to run (RUNNING + PENDING) at floor(N*max/100); whether a
//     draining task counts too is not documented: `drainingCounts` chooses (default: it does not);
//   - minimumHealthyPercent keeps ceil(N*min/100) tasks healthy (RUNNING, healthy in every group);
//     unhealthy old tasks may go at once, healthy ones only above that floor;
//   - a stopped task is first deregistered (target `draining` for the deregistration delay, still
//     RUNNING), then STOPPING, then STOPPED; a RUNNING task's target goes `initial` -> `healthy`;
//   - ECS stops a task whose target is `unhealthy` (failed ELB health checks) and replaces it;
//   - the deployment circuit breaker (threshold 0.5 x N, clamped to 3..200) fails the deployment
//     and, with rollback, makes the last COMPLETED task definition PRIMARY again;
//   - service deployments (ListServiceDeployments, StopServiceDeployment ROLLBACK): a rollback makes
//     the source deployment PRIMARY again, keeping its running tasks.
// Time moves only when the code under test sleeps on the FakeClock; the service catches up with
// the clock on every call. Also builders for hand-made snapshots (decide and gates tests).
import {
  DriverError,
  type ServiceDeploymentView,
  type ServiceDriver,
  type TargetGroupFacts,
  type TaskDefinitionRecord,
} from '../../src/rollout/port.js';
import type { Clock, DeploymentSettings } from '../../src/rollout/types.js';
import type {
  DeploymentView,
  ServiceView,
  Snapshot,
  TargetView,
  TaskView,
} from '../../src/rollout/snapshot.js';

export const T0 = 1_700_000_000_000;
export const TG1 = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1111';
export const TG2 = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/admin/2222';
export const tdArn = (rev: number): string => `arn:aws:ecs:us-east-1:000000000000:task-definition/web:${rev}`;
export const OLD = tdArn(1);
export const NEW = tdArn(2);

// -----------------------------------------------------------------------------------------------
// The clock.

/** Sleeping moves time forward at once; an aborted signal ends a sleep with an AbortError. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError();
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
    // Let other promise chains (listeners) run, as a real timer would.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw abortError();
  }
}

function abortError(): Error {
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}

// -----------------------------------------------------------------------------------------------
// How the tasks of one task definition behave.

export interface Behavior {
  /** PROVISIONING/PENDING -> RUNNING. */
  startMs?: number;
  /** RUNNING -> target `healthy` (health-check interval x healthy threshold), per target group. */
  healthyAfterMs?: number | Record<string, number>;
  /** Targets go `unhealthy` instead of healthy, after this long. */
  unhealthyAfterMs?: number;
  /** The essential container exits this long after RUNNING. */
  crashAfterMs?: number;
  exitCode?: number;
  /** From this absolute (fake) time, healthy targets of this revision turn unhealthy. */
  unhealthyFrom?: number;
}

const DEFAULT_BEHAVIOR = { startMs: 3_000, healthyAfterMs: 10_000 };

export interface FakeServiceOptions {
  clock: FakeClock;
  desired: number;
  taskDefinitionArn?: string;
  targetGroups?: string[];
  settings?: DeploymentSettings;
  behaviors?: Record<string, Behavior>;
  /** Target group deregistration delay (draining), ms. */
  deregistrationDelayMs?: number;
  /** STOPPING -> STOPPED (SIGTERM, stop timeout, deprovisioning), ms. */
  stopMs?: number;
  /** How long ECS takes to notice a failed ELB health check and stop the task. */
  elbReplaceLagMs?: number;
  /**
   * Whether a new deployment of a task definition that running tasks already use keeps those tasks
   * (true) or replaces them like any older deployment's (false, what the emulator does).
   */
  adoptSameRevision?: boolean;
  /** Whether a task being stopped still counts toward maximumPercent (undocumented; default false). */
  drainingCounts?: boolean;
  /** How StopServiceDeployment answers: it works, the caller may not (AccessDenied), or it fails its rollback. */
  stopDeployment?: 'works' | 'denied' | 'rollback-fails';
  tickMs?: number;
}

interface TargetRec {
  state: string;
  since: number;
  reason?: string;
  description?: string;
}

interface TaskRec {
  id: string;
  arn: string;
  td: string;
  deploymentId: string;
  ip: string;
  lastStatus: string;
  desiredStatus: string;
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  stoppingAt?: number;
  stoppedReason?: string;
  stopCode?: string;
  exitCode?: number;
  /** Per target group, while registered. */
  targets: Map<string, TargetRec>;
  unhealthySince?: number;
}

interface DeploymentRec extends DeploymentView {
  createdAt: number;
  /** The service deployment that brought it: ARN and status (ECS since 2024). */
  serviceDeploymentArn: string;
  sdStatus: string;
  /** For a rolled-back one: the deployment it returns to. */
  rollbackTo?: string;
}

export type FakeOp =
  | 'observe'
  | 'updateService'
  | 'describeService'
  | 'readServiceTags'
  | 'tagService'
  | 'untagService'
  | 'findServiceDeployment'
  | 'describeServiceDeployment'
  | 'rollBackServiceDeployment';

export interface UpdateCall {
  at: number;
  taskDefinitionArn?: string;
  settings?: DeploymentSettings;
}

/** What the platform throws for AWS's ThrottlingException. */
export function throttlingError(): DriverError {
  return new DriverError('ThrottlingException: Rate exceeded', {
    kind: 'throttled',
    code: 'ThrottlingException',
    httpStatus: 400,
  });
}

/** What the platform throws for a 500 InternalFailure. */
export function serverError(): DriverError {
  return new DriverError('InternalFailure (HTTP 500): We encountered an internal error', {
    kind: 'transient',
    code: 'InternalFailure',
    httpStatus: 500,
  });
}

/** What the platform throws for a connection dropped without an answer. */
export function networkError(): DriverError {
  return new DriverError('ECONNRESET: socket hang up', { kind: 'transient', networkCode: 'ECONNRESET' });
}

export function accessDenied(what = 'ecs:DescribeServices'): DriverError {
  return new DriverError(`AccessDeniedException: User is not authorized to perform: ${what}`, {
    kind: 'fatal',
    code: 'AccessDeniedException',
    httpStatus: 400,
  });
}

export class FakeService implements ServiceDriver {
  readonly cluster = 'prod';
  readonly service = 'web';
  readonly clock: FakeClock;
  readonly updates: UpdateCall[] = [];
  /** Every call in the order it was made, to check what was asked before what. */
  readonly callOrder: FakeOp[] = [];
  readonly callCounts: Record<FakeOp, number> = {
    observe: 0,
    updateService: 0,
    describeService: 0,
    readServiceTags: 0,
    tagService: 0,
    untagService: 0,
    findServiceDeployment: 0,
    describeServiceDeployment: 0,
    rollBackServiceDeployment: 0,
  };
  /** The service's tags. */
  readonly tags = new Map<string, string>();
  /** Tasks launched, by revision, in order: what a test counts per batch. */
  readonly launches: { td: string; at: number }[] = [];
  /** Every task ECS decided to stop: its revision, when, and why. */
  readonly stops: { td: string; at: number; reason: string }[] = [];
  settings: DeploymentSettings;
  desired: number;
  /**
   * Lowest count of ECS-healthy tasks, highest count of live tasks (not STOPPED, draining ones
   * included) and of tasks meant to run (desiredStatus RUNNING) seen on any tick.
   */
  minHealthySeen = Infinity;
  maxLiveSeen = 0;
  maxUpSeen = 0;
  readonly behaviors: Record<string, Behavior>;
  private readonly opts: FakeServiceOptions;
  private readonly groups: string[];
  private readonly tasks: TaskRec[] = [];
  private deployments: DeploymentRec[] = [];
  /** Every deployment ever made, newest first, kept after ECS drops it from the service. */
  private allDeployments: DeploymentRec[] = [];
  private events: { id: string; createdAt: number; message: string }[] = [];
  private lastCompletedTd: string | undefined;
  private simTime: number;
  private seq = 0;
  private readonly faults: Record<FakeOp, unknown[]> = {
    observe: [],
    updateService: [],
    describeService: [],
    readServiceTags: [],
    tagService: [],
    untagService: [],
    findServiceDeployment: [],
    describeServiceDeployment: [],
    rollBackServiceDeployment: [],
  };
  /** Ops that fail every time, until cleared. */
  private readonly down = new Map<FakeOp, () => unknown>();
  private readonly hooks: { at: number; run: () => void }[] = [];

  constructor(opts: FakeServiceOptions) {
    this.opts = opts;
    this.clock = opts.clock;
    this.desired = opts.desired;
    this.groups = opts.targetGroups ?? [TG1];
    this.settings = opts.settings ?? { maximumPercent: 200, minimumHealthyPercent: 100 };
    this.behaviors = opts.behaviors ?? {};
    this.simTime = opts.clock.now();
    const td = opts.taskDefinitionArn ?? OLD;
    // A steady service: every task RUNNING and healthy, its deployment COMPLETED.
    const d = this.newDeployment(td, 'COMPLETED');
    this.lastCompletedTd = td;
    for (let i = 0; i < opts.desired; i++) {
      const t = this.launch(d, td);
      t.lastStatus = 'RUNNING';
      t.startedAt = this.simTime;
      for (const g of this.groups) t.targets.set(g, { state: 'healthy', since: this.simTime });
    }
    this.launches.length = 0;
  }

  // ---- test controls --------------------------------------------------------------------------

  /** The next calls of `op` fail with these errors, one each, in order. */
  fail(op: FakeOp, ...errors: unknown[]): void {
    this.faults[op].push(...errors);
  }

  /** Every call of `op` fails (with a fresh error each time) until `restore(op)`. */
  breakOp(op: FakeOp, error: () => unknown): void {
    this.down.set(op, error);
  }

  restore(op: FakeOp): void {
    this.down.delete(op);
  }

  /** The service deployment records, newest first (as ListServiceDeployments would list them). */
  serviceDeployments(): { arn: string; td: string; status: string }[] {
    return this.allDeployments.map((d) => ({
      arn: d.serviceDeploymentArn,
      td: d.taskDefinitionArn,
      status: d.sdStatus,
    }));
  }

  /** Runs `run` once the simulation reaches fake time `at`. */
  at(at: number, run: () => void): void {
    this.hooks.push({ at, run });
    this.hooks.sort((a, b) => a.at - b.at);
  }

  /** ECS's circuit breaker trips now, whatever the failure count (rolls back if the settings say so). */
  tripCircuitBreaker(): void {
    const primary = this.deployments[0];
    if (primary) primary.failedTasks = Math.max(primary.failedTasks, 200);
    this.circuitBreaker();
  }

  liveTasks(): { td: string; lastStatus: string; desiredStatus: string }[] {
    return this.tasks
      .filter((t) => t.lastStatus !== 'STOPPED')
      .map((t) => ({ td: t.td, lastStatus: t.lastStatus, desiredStatus: t.desiredStatus }));
  }

  primaryTaskDefinition(): string | undefined {
    return this.deployments[0]?.taskDefinitionArn;
  }

  /** Lets the simulation run on (with no caller polling) until `until`. */
  runUntil(until: number): void {
    if (this.clock.t < until) this.clock.t = until;
    this.advance();
  }

  // ---- ServiceDriver ----------------------------------------------------------------------------

  async describeService(): Promise<ServiceView> {
    this.call('describeService');
    return this.view();
  }

  async describeTargetGroups(arns: readonly string[]): Promise<TargetGroupFacts[]> {
    return arns.map((arn) => ({
      arn,
      name: arn.split('/')[1] ?? arn,
      targetType: 'ip',
      healthCheck: {
        protocol: 'HTTP',
        port: 'traffic-port',
        path: '/health',
        intervalSeconds: 5,
        timeoutSeconds: 2,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        matcher: '200-399',
      },
      deregistrationDelaySeconds: (this.opts.deregistrationDelayMs ?? 15_000) / 1000,
    }));
  }

  async describeTaskDefinition(ref: string): Promise<TaskDefinitionRecord> {
    return {
      arn: ref,
      family: 'web',
      revision: Number(ref.split(':').pop()),
      status: 'ACTIVE',
      body: {},
      tags: {},
    };
  }

  async listTaskDefinitionArns(): Promise<string[]> {
    return [NEW, OLD];
  }

  async registerTaskDefinition(): Promise<TaskDefinitionRecord> {
    return this.describeTaskDefinition(NEW);
  }

  async updateService(change: { taskDefinitionArn?: string; settings?: DeploymentSettings }): Promise<void> {
    this.call('updateService');
    const call: UpdateCall = { at: this.clock.now() };
    if (change.taskDefinitionArn !== undefined) call.taskDefinitionArn = change.taskDefinitionArn;
    if (change.settings) call.settings = structuredClone(change.settings);
    this.updates.push(call);
    if (change.settings) this.settings = structuredClone(change.settings);
    // UpdateService with a task definition makes a new PRIMARY deployment; the one before becomes
    // ACTIVE and the scheduler replaces its tasks.
    if (
      change.taskDefinitionArn !== undefined &&
      change.taskDefinitionArn !== this.deployments[0]?.taskDefinitionArn
    ) {
      for (const d of this.deployments) d.status = 'ACTIVE';
      const d = this.newDeployment(change.taskDefinitionArn, 'IN_PROGRESS');
      if (this.opts.adoptSameRevision) {
        for (const t of this.tasks) if (t.td === change.taskDefinitionArn) t.deploymentId = d.id;
      }
      this.event(`(service web) updated to task definition ${change.taskDefinitionArn.split('/').pop()}.`);
    }
  }

  async observe(): Promise<Snapshot> {
    this.call('observe');
    const service = this.view();
    const tasks: TaskView[] = this.tasks.map((t) => {
      const v: TaskView = {
        arn: t.arn,
        id: t.id,
        taskDefinitionArn: t.td,
        lastStatus: t.lastStatus,
        desiredStatus: t.desiredStatus,
        startedBy: t.deploymentId,
        ip: t.ip,
        createdAt: t.createdAt,
        containers: [{ name: 'web', lastStatus: t.lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING' }],
      };
      if (t.startedAt !== undefined) v.startedAt = t.startedAt;
      if (t.stoppedAt !== undefined) v.stoppedAt = t.stoppedAt;
      if (t.stoppedReason !== undefined) v.stoppedReason = t.stoppedReason;
      if (t.stopCode !== undefined) v.stopCode = t.stopCode;
      if (t.exitCode !== undefined)
        v.containers = [{ name: 'web', exitCode: t.exitCode, lastStatus: 'STOPPED' }];
      return v;
    });
    const targets: TargetView[] = [];
    for (const t of this.tasks) {
      for (const [g, rec] of t.targets) {
        const v: TargetView = { targetGroupArn: g, id: t.ip, port: 8080, state: rec.state };
        if (rec.reason !== undefined) v.reason = rec.reason;
        if (rec.description !== undefined) v.description = rec.description;
        targets.push(v);
      }
    }
    return { at: this.clock.now(), service, tasks, targets };
  }

  async readServiceTags(): Promise<Record<string, string>> {
    this.call('readServiceTags');
    return Object.fromEntries(this.tags);
  }

  async tagService(tags: Record<string, string>): Promise<void> {
    this.call('tagService');
    for (const [k, v] of Object.entries(tags)) this.tags.set(k, v);
  }

  async untagService(keys: readonly string[]): Promise<void> {
    this.call('untagService');
    for (const k of keys) this.tags.delete(k);
  }

  async findServiceDeployment(td: string, since: number): Promise<ServiceDeploymentView | undefined> {
    this.call('findServiceDeployment');
    const d = this.allDeployments.find((x) => x.taskDefinitionArn === td && x.createdAt >= since - 60_000);
    return d ? this.deploymentView(d) : undefined;
  }

  async describeServiceDeployment(arn: string): Promise<ServiceDeploymentView | undefined> {
    this.call('describeServiceDeployment');
    const d = this.allDeployments.find((x) => x.serviceDeploymentArn === arn);
    return d ? this.deploymentView(d) : undefined;
  }

  async rollBackServiceDeployment(arn: string): Promise<void> {
    this.call('rollBackServiceDeployment');
    if (this.opts.stopDeployment === 'denied') throw accessDenied('ecs:StopServiceDeployment');
    const d = this.allDeployments.find((x) => x.serviceDeploymentArn === arn);
    if (!d || !['PENDING', 'IN_PROGRESS'].includes(d.sdStatus))
      throw new DriverError(`ConflictException: service deployment ${arn} cannot be stopped`, {
        kind: 'fatal',
        code: 'ConflictException',
      });
    // "Uses the last successful service revision": the source deployment is PRIMARY again and keeps its tasks.
    const source = this.deployments.find((x) => x !== d && x.taskDefinitionArn === this.lastCompletedTd);
    d.sdStatus = 'ROLLBACK_IN_PROGRESS';
    d.status = 'ACTIVE';
    if (source) {
      d.rollbackTo = source.id;
      source.status = 'PRIMARY';
      source.rolloutState = 'IN_PROGRESS';
      this.deployments = [source, ...this.deployments.filter((x) => x !== source)];
    } else if (this.lastCompletedTd) {
      const revived = this.newDeployment(this.lastCompletedTd, 'IN_PROGRESS');
      d.rollbackTo = revived.id;
    }
    this.event(`(service web) rolling back deployment ${d.id}.`);
  }

  private deploymentView(d: DeploymentRec): ServiceDeploymentView {
    return {
      arn: d.serviceDeploymentArn,
      status: d.sdStatus,
      targetTaskDefinitionArn: d.taskDefinitionArn,
      createdAt: d.createdAt,
      ...(d.sdStatus.startsWith('ROLLBACK')
        ? { rollback: { reason: 'StopServiceDeployment', startedAt: d.updatedAt ?? d.createdAt } }
        : {}),
    };
  }

  // ---- the simulation ---------------------------------------------------------------------------

  private call(op: FakeOp): void {
    this.advance();
    this.callCounts[op] += 1;
    this.callOrder.push(op);
    const fault = this.faults[op].shift();
    if (fault !== undefined) throw fault;
    const broken = this.down.get(op);
    if (broken) throw broken();
  }

  private view(): ServiceView {
    const live = this.tasks.filter((t) => t.lastStatus !== 'STOPPED');
    return {
      arn: 'arn:aws:ecs:us-east-1:000000000000:service/prod/web',
      name: 'web',
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/prod',
      status: 'ACTIVE',
      desiredCount: this.desired,
      runningCount: live.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingCount: live.filter((t) => t.lastStatus !== 'RUNNING').length,
      taskDefinitionArn: this.deployments[0]?.taskDefinitionArn ?? OLD,
      settings: structuredClone(this.settings),
      deployments: this.deployments.map((d) => {
        const mine = live.filter((t) => t.deploymentId === d.id);
        return {
          ...d,
          runningCount: mine.filter((t) => t.lastStatus === 'RUNNING').length,
          pendingCount: mine.filter((t) => t.lastStatus !== 'RUNNING').length,
        };
      }),
      events: [...this.events].reverse(),
      targetGroupArns: [...this.groups],
      deploymentController: 'ECS',
    };
  }

  private advance(): void {
    const tick = this.opts.tickMs ?? 100;
    while (this.simTime + tick <= this.clock.now()) {
      this.simTime += tick;
      while (this.hooks[0] && this.hooks[0].at <= this.simTime) this.hooks.shift()?.run();
      this.step();
    }
  }

  private behavior(td: string): Behavior {
    return this.behaviors[td] ?? {};
  }

  private healthyAfter(td: string, group: string): number {
    const h = this.behavior(td).healthyAfterMs ?? DEFAULT_BEHAVIOR.healthyAfterMs;
    return typeof h === 'number' ? h : (h[group] ?? DEFAULT_BEHAVIOR.healthyAfterMs);
  }

  private ecsHealthy(t: TaskRec): boolean {
    return (
      t.lastStatus === 'RUNNING' &&
      t.desiredStatus === 'RUNNING' &&
      this.groups.every((g) => t.targets.get(g)?.state === 'healthy')
    );
  }

  private step(): void {
    const now = this.simTime;
    const drainMs = this.opts.deregistrationDelayMs ?? 15_000;
    const stopMs = this.opts.stopMs ?? 2_000;
    for (const t of this.tasks) {
      if (t.lastStatus === 'STOPPED') continue;
      const b = this.behavior(t.td);
      // Lifecycle of a task that is to stop: drain its targets, then stop.
      if (t.desiredStatus === 'STOPPED') {
        for (const [g, rec] of t.targets) {
          if (rec.state !== 'draining' && rec.state !== 'unhealthy.draining')
            t.targets.set(g, { state: 'draining', since: now });
          else if (now - rec.since >= drainMs) t.targets.delete(g);
        }
        if (t.targets.size === 0 && t.stoppingAt === undefined) {
          t.stoppingAt = now;
          t.lastStatus = 'STOPPING';
        }
        if (t.stoppingAt !== undefined && now - t.stoppingAt >= stopMs) {
          t.lastStatus = 'STOPPED';
          t.stoppedAt = now;
        }
        continue;
      }
      if (t.lastStatus !== 'RUNNING') {
        if (now - t.createdAt >= (b.startMs ?? DEFAULT_BEHAVIOR.startMs)) {
          t.lastStatus = 'RUNNING';
          t.startedAt = now;
          for (const g of this.groups)
            t.targets.set(g, { state: 'initial', since: now, reason: 'Elb.RegistrationInProgress' });
        } else {
          t.lastStatus = now - t.createdAt < 1_000 ? 'PROVISIONING' : 'PENDING';
        }
        continue;
      }
      const up = now - (t.startedAt ?? now);
      if (b.crashAfterMs !== undefined && up >= b.crashAfterMs) {
        t.exitCode = b.exitCode ?? 1;
        this.stopTask(t, 'Essential container in task exited', 'EssentialContainerExited');
        // The container is gone: ELB has nothing left to drain through it.
        t.targets.clear();
        this.countFailure(t);
        continue;
      }
      for (const [g, rec] of t.targets) {
        if (rec.state === 'initial') {
          if (b.unhealthyAfterMs !== undefined && up >= b.unhealthyAfterMs) this.markUnhealthy(t, g, now);
          else if (b.unhealthyAfterMs === undefined && up >= this.healthyAfter(t.td, g)) {
            t.targets.set(g, { state: 'healthy', since: now });
          }
        } else if (rec.state === 'healthy' && b.unhealthyFrom !== undefined && now >= b.unhealthyFrom) {
          this.markUnhealthy(t, g, now);
        }
      }
      // Service load balancing: ECS stops a task that fails ELB health checks, and replaces it.
      if (t.unhealthySince !== undefined && now - t.unhealthySince >= (this.opts.elbReplaceLagMs ?? 3_000)) {
        this.event(
          `(service web) (task ${t.id}) (port 8080) is unhealthy in (target-group ${this.groups[0]}) ` +
            'due to (reason Health checks failed with these codes: [500]).',
        );
        this.stopTask(
          t,
          `Task failed ELB health checks in (target-group ${this.groups[0]})`,
          'ServiceSchedulerInitiated',
        );
        this.countFailure(t);
      }
    }
    this.circuitBreaker();
    this.rollingStep();
    this.settle();
    const live = this.tasks.filter((t) => t.lastStatus !== 'STOPPED').length;
    const healthy = this.tasks.filter((t) => this.ecsHealthy(t)).length;
    this.minHealthySeen = Math.min(this.minHealthySeen, healthy);
    this.maxLiveSeen = Math.max(this.maxLiveSeen, live);
    const up = this.tasks.filter((t) => t.lastStatus !== 'STOPPED' && t.desiredStatus === 'RUNNING').length;
    this.maxUpSeen = Math.max(this.maxUpSeen, up);
  }

  private markUnhealthy(t: TaskRec, g: string, now: number): void {
    t.targets.set(g, {
      state: 'unhealthy',
      since: now,
      reason: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [500]',
    });
    t.unhealthySince ??= now;
  }

  private countFailure(t: TaskRec): void {
    const d = this.deployments.find((x) => x.id === t.deploymentId);
    if (d) d.failedTasks += 1;
  }

  private circuitBreaker(): void {
    const primary = this.deployments[0];
    const cb = this.settings.circuitBreaker;
    if (!primary || !cb?.enable || primary.rolloutState !== 'IN_PROGRESS') return;
    if (primary.failedTasks < Math.min(200, Math.max(3, Math.ceil(this.desired / 2)))) return;
    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    this.event(`(service web) (deployment ${primary.id}) deployment failed: tasks failed to start.`);
    if (
      cb.rollback &&
      this.lastCompletedTd !== undefined &&
      this.lastCompletedTd !== primary.taskDefinitionArn
    ) {
      primary.status = 'ACTIVE';
      const revived = this.newDeployment(this.lastCompletedTd, 'IN_PROGRESS');
      // Recorded as ECS records a circuit-breaker rollback: on the failed service deployment.
      primary.sdStatus = 'ROLLBACK_IN_PROGRESS';
      primary.rollbackTo = revived.id;
    }
  }

  /** One step of the rolling update under the current deployment settings. */
  private rollingStep(): void {
    const primary = this.deployments[0];
    if (!primary) return;
    const n = this.desired;
    const maxTasks = Math.floor((n * this.settings.maximumPercent) / 100);
    const minHealthy = Math.ceil((n * this.settings.minimumHealthyPercent) / 100);
    const up = this.tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus !== 'STOPPED');
    const mine = up.filter((t) => t.deploymentId === primary.id);
    const older = up.filter((t) => t.deploymentId !== primary.id);
    let healthy = up.filter((t) => this.ecsHealthy(t)).length;
    const mayLaunch = primary.rolloutState !== 'FAILED';
    // A lowered desired count (scale-in): surplus tasks of the primary go, not-yet-healthy ones first.
    const surplus = [...mine].sort((a, b) => Number(this.ecsHealthy(a)) - Number(this.ecsHealthy(b)));
    for (const t of surplus.slice(0, Math.max(0, mine.length - n))) {
      if (this.ecsHealthy(t)) healthy -= 1;
      this.stopTask(t, this.scaling(primary), 'ServiceSchedulerInitiated');
      mine.splice(mine.indexOf(t), 1);
    }
    if (mayLaunch) {
      for (const t of older.filter((x) => !this.ecsHealthy(x)))
        this.stopTask(t, this.scaling(primary), 'ServiceSchedulerInitiated');
      for (const t of older.filter((x) => this.ecsHealthy(x))) {
        if (healthy - 1 < minHealthy) break;
        this.stopTask(t, this.scaling(primary), 'ServiceSchedulerInitiated');
        healthy -= 1;
      }
    }
    const counted = this.tasks.filter(
      (t) => t.lastStatus !== 'STOPPED' && (this.opts.drainingCounts || t.desiredStatus === 'RUNNING'),
    ).length;
    const launch = mayLaunch ? Math.max(0, Math.min(n - mine.length, maxTasks - counted)) : 0;
    const started: string[] = [];
    for (let i = 0; i < launch; i++) started.push(this.launch(primary, primary.taskDefinitionArn).id);
    if (started.length > 0)
      this.event(
        `(service web) has started ${started.length} tasks: ${started.map((id) => `(task ${id})`).join(' ')}.`,
      );
  }

  private scaling(primary: DeploymentRec): string {
    return `Scaling activity initiated by (deployment ${primary.id})`;
  }

  private settle(): void {
    const live = this.tasks.filter((t) => t.lastStatus !== 'STOPPED');
    this.deployments = this.deployments.filter(
      (d, i) => i === 0 || live.some((t) => t.deploymentId === d.id),
    );
    const primary = this.deployments[0];
    if (!primary || primary.rolloutState !== 'IN_PROGRESS') return;
    const mine = live.filter((t) => t.deploymentId === primary.id);
    const rolledBack = this.allDeployments.filter(
      (d) => d.sdStatus === 'ROLLBACK_IN_PROGRESS' && d.rollbackTo === primary.id,
    );
    if (this.opts.stopDeployment === 'rollback-fails') {
      for (const d of rolledBack) d.sdStatus = 'ROLLBACK_FAILED';
    }
    if (
      this.deployments.length === 1 &&
      live.length === this.desired &&
      mine.length === this.desired &&
      mine.every((t) => this.ecsHealthy(t))
    ) {
      primary.rolloutState = 'COMPLETED';
      primary.sdStatus = 'SUCCESSFUL';
      for (const d of rolledBack)
        if (d.sdStatus === 'ROLLBACK_IN_PROGRESS') d.sdStatus = 'ROLLBACK_SUCCESSFUL';
      primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
      this.lastCompletedTd = primary.taskDefinitionArn;
      this.event(`(service web) (deployment ${primary.id}) deployment completed.`);
      this.event('(service web) has reached a steady state.');
    }
  }

  private stopTask(t: TaskRec, reason: string, code: string): void {
    if (t.desiredStatus === 'STOPPED') return;
    t.desiredStatus = 'STOPPED';
    this.stops.push({ td: t.td, at: this.simTime, reason });
    t.stoppedReason = reason;
    t.stopCode = code;
    this.event(`(service web) has stopped 1 running tasks: (task ${t.id}).`);
  }

  private launch(d: DeploymentRec, td: string): TaskRec {
    this.seq += 1;
    const id = `${this.seq.toString(16).padStart(4, '0')}a1b2c3d4e5f60718293a4b5c6d7e`.slice(0, 32);
    const t: TaskRec = {
      id,
      arn: `arn:aws:ecs:us-east-1:000000000000:task/prod/${id}`,
      td,
      deploymentId: d.id,
      ip: `10.0.${Math.floor(this.seq / 250)}.${(this.seq % 250) + 1}`,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      createdAt: this.simTime,
      targets: new Map(),
    };
    this.tasks.push(t);
    this.launches.push({ td, at: this.simTime });
    return t;
  }

  private newDeployment(td: string, rolloutState: string): DeploymentRec {
    this.seq += 1;
    const d: DeploymentRec = {
      id: `ecs-svc/${String(this.seq).padStart(19, '0')}`,
      status: 'PRIMARY',
      taskDefinitionArn: td,
      desiredCount: this.desired,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      rolloutState,
      createdAt: this.simTime,
      updatedAt: this.simTime,
      serviceDeploymentArn: `arn:aws:ecs:us-east-1:000000000000:service-deployment/prod/web/sd${this.seq}`,
      sdStatus: rolloutState === 'COMPLETED' ? 'SUCCESSFUL' : 'IN_PROGRESS',
    };
    for (const old of this.deployments)
      if (old.sdStatus === 'IN_PROGRESS' || old.sdStatus === 'PENDING') old.sdStatus = 'STOPPED';
    this.deployments.unshift(d);
    this.allDeployments.unshift(d);
    return d;
  }

  private event(message: string): void {
    this.seq += 1;
    this.events.push({ id: `ev-${this.seq}`, createdAt: this.simTime, message });
  }
}

// -----------------------------------------------------------------------------------------------
// Hand-made snapshots for the pure modules' table tests.

export interface TaskSpec {
  id: string;
  td?: string;
  lastStatus?: string;
  desiredStatus?: string;
  /** Target state in every group, or per group; undefined: not registered. */
  target?: string | Record<string, string> | undefined;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
  containers?: TaskView['containers'];
  /** The task's ECS healthStatus (container health checks); undefined: not reported. */
  healthStatus?: string;
}

export interface SnapshotSpec {
  at?: number;
  desired?: number;
  groups?: string[];
  tasks: TaskSpec[];
  deployments?: Partial<DeploymentView>[];
  /** Targets of no task (e.g. of a task already gone). */
  extraTargets?: TargetView[];
  events?: { createdAt: number; message: string }[];
  targetReason?: { reason: string; description: string };
}

/** `old(3)` -> three RUNNING healthy tasks of OLD, ids o1..o3; `fresh(2, {...})` likewise of NEW. */
export function old(count: number, over: Partial<TaskSpec> = {}, from = 1): TaskSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `o${from + i}`,
    td: OLD,
    target: 'healthy',
    ...over,
  }));
}

export function fresh(count: number, over: Partial<TaskSpec> = {}, from = 1): TaskSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `n${from + i}`,
    td: NEW,
    target: 'healthy',
    ...over,
  }));
}

export function snapshot(spec: SnapshotSpec): Snapshot {
  const groups = spec.groups ?? [TG1];
  const deployments: DeploymentView[] = (
    spec.deployments ?? [
      { id: 'ecs-svc/new', status: 'PRIMARY', taskDefinitionArn: NEW, rolloutState: 'IN_PROGRESS' },
      { id: 'ecs-svc/old', status: 'ACTIVE', taskDefinitionArn: OLD, rolloutState: 'COMPLETED' },
    ]
  ).map((d) => ({
    id: 'ecs-svc/x',
    status: 'PRIMARY',
    taskDefinitionArn: NEW,
    desiredCount: spec.desired ?? 0,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    ...d,
  }));
  const tasks: TaskView[] = [];
  const targets: TargetView[] = [...(spec.extraTargets ?? [])];
  for (const s of spec.tasks) {
    const ip = `10.1.0.${tasks.length + 1}`;
    const t: TaskView = {
      arn: `arn:aws:ecs:us-east-1:000000000000:task/prod/${s.id}`,
      id: s.id,
      taskDefinitionArn: s.td ?? NEW,
      lastStatus: s.lastStatus ?? 'RUNNING',
      desiredStatus: s.desiredStatus ?? 'RUNNING',
      ip,
      containers: s.containers ?? [{ name: 'web' }],
    };
    if (s.stoppedAt !== undefined) t.stoppedAt = s.stoppedAt;
    if (s.stoppedReason !== undefined) t.stoppedReason = s.stoppedReason;
    if (s.stopCode !== undefined) t.stopCode = s.stopCode;
    if (s.healthStatus !== undefined) t.healthStatus = s.healthStatus;
    tasks.push(t);
    if (s.target === undefined) continue;
    for (const g of groups) {
      const state = typeof s.target === 'string' ? s.target : s.target[g];
      if (state === undefined) continue;
      const v: TargetView = { targetGroupArn: g, id: ip, port: 8080, state };
      if (state.startsWith('unhealthy') && spec.targetReason) {
        v.reason = spec.targetReason.reason;
        v.description = spec.targetReason.description;
      }
      targets.push(v);
    }
  }
  const at = spec.at ?? T0 + 60_000;
  return {
    at,
    service: {
      arn: 'arn:aws:ecs:us-east-1:000000000000:service/prod/web',
      name: 'web',
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/prod',
      status: 'ACTIVE',
      desiredCount: spec.desired ?? tasks.length,
      runningCount: 0,
      pendingCount: 0,
      taskDefinitionArn: deployments[0]?.taskDefinitionArn ?? NEW,
      settings: { maximumPercent: 134, minimumHealthyPercent: 100 },
      deployments,
      events: (spec.events ?? []).map((e, i) => ({ id: `e${i}`, ...e })).reverse(),
      targetGroupArns: groups,
      deploymentController: 'ECS',
    },
    tasks,
    targets,
  };
}
