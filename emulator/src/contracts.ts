// The seams between the emulator's parts. Each part (protocol server, ECS API + scheduler, ELBv2 API +
// health checks + listeners, task runtimes) is written against these types only, so the parts can
// be built and tested apart. Change a type here only together with every part that uses it.

/** Thrown by any handler; the protocol layer turns it into AWS's error shape for its protocol. */
export class AwsError extends Error {
  constructor(
    /** AWS's error code, e.g. `ClusterNotFoundException` (ECS) or `TargetGroupNotFound` (ELBv2). */
    readonly code: string,
    message: string,
    /** HTTP status AWS answers with for this code (400 for most client errors, 500 server). */
    readonly httpStatus = 400,
    /** ELBv2's `<Type>`: Sender for client faults, Receiver for server faults. */
    readonly fault: 'Sender' | 'Receiver' = httpStatus >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * Emulated time. AWS durations (health-check interval, deregistration delay, grace period, stop
 * timeout, task start) are given in AWS seconds and multiplied by `scale` to get real time, so a
 * test can run a whole rollout in seconds. Timestamps reported to clients are real wall time.
 */
export interface Clock {
  /** Real seconds per AWS second: 1 = real time, 0.05 = twenty times faster. */
  readonly scale: number;
  /** Real milliseconds for a duration given in AWS seconds. */
  ms(awsSeconds: number): number;
  /** Wall-clock now, in ms since the epoch. */
  now(): number;
  /** setTimeout for an AWS duration; the timer is unref'd and cancelled by `dispose()`. */
  after(awsSeconds: number, fn: () => void): { cancel(): void };
  /** Every `awsSeconds`, until cancelled or disposed. */
  every(awsSeconds: number, fn: () => void): { cancel(): void };
  /**
   * Real ms this process's event loop has run late since the clock began watching (on first ask):
   * time in which nothing here, neither a load balancer's check nor an in-process target, could
   * run. Waits that model a remote party's deadline credit it back (see health-checker.ts).
   */
  stalledMs(): number;
  /** Cancel every timer this clock made (called by `stop()`). */
  dispose(): void;
}

/** What a request handler is told about the request it serves. */
export interface RequestContext {
  region: string;
  accountId: string; // always 000000000000
  requestId: string;
}

/**
 * One AWS service on the shared endpoint. The server finds the service (ECS: `X-Amz-Target`
 * header; ELBv2: form body with `Action=`), applies throttling and faults, logs the call, then:
 * parse -> invoke -> serialize, or serializeError for an AwsError (any other error is a 500
 * InternalFailure).
 */
export interface ServiceProtocol {
  readonly service: 'ecs' | 'elbv2' | 'cloudwatch';
  /** The operation named by the request, or undefined when this protocol does not own it. */
  operationOf(headers: Record<string, string | undefined>, body: string): string | undefined;
  /** Decode the request body into the operation's input; throws AwsError on malformed input. */
  parse(operation: string, body: string): unknown;
  /** The few parameters worth keeping in the call log (cluster, service, taskDefinition, ...). */
  keyParams(operation: string, input: unknown): Record<string, string>;
  invoke(operation: string, input: unknown, ctx: RequestContext): Promise<unknown>;
  serialize(operation: string, output: unknown, ctx: RequestContext): HttpAnswer;
  serializeError(error: AwsError, ctx: RequestContext): HttpAnswer;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One line of the call log that tests assert on. */
export interface CallRecord {
  time: number;
  service: 'ecs' | 'elbv2' | 'cloudwatch';
  operation: string;
  params: Record<string, string>;
  status: number;
  errorCode?: string;
  /** True for operations that change state (Create*, Register*, Update*, ...). */
  mutating: boolean;
  /**
   * The caller's User-Agent (the SDK's, with its app id: this action's clients say
   * `ecs-rolling-deploy/<version>`), so a test can tell the action's calls from its own.
   */
  userAgent?: string;
  /** Only with the emulator's `recordWire` option: the bodies as they crossed the wire. */
  wire?: WireCapture;
}

/**
 * One call's bodies, kept so tests can check the emulator's traffic against AWS's own service
 * models (ECS JSON 1.1 bodies; ELBv2 form-encoded requests and XML answers). Off by default: a long
 * run would keep every body it ever answered.
 */
export interface WireCapture {
  /** The request body as received (a Query request sent as GET: its query string). */
  request: string;
  /** The answer's body as sent (its status is the record's `status`); absent for a dropped connection. */
  response?: string;
  /** The answer was an error a test injected (fault injection), not one the emulator chose. */
  injected?: boolean;
}

// ---------------------------------------------------------------------------------------------
// ELBv2 as the ECS scheduler sees it. ECS registers and deregisters a service's tasks itself and
// reads their health; the ELBv2 part implements this over its target groups.

export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

export interface TargetHealthView {
  state: TargetState;
  /** ELBv2 reason code, e.g. `Elb.InitialHealthChecking`, `Target.ResponseCodeMismatch`. */
  reason?: string;
  description?: string;
}

export interface TargetRef {
  /** For `ip` target groups: the task's private IPv4 address; `instance` groups: the EC2 instance id. */
  id: string;
  port: number;
}

/** Where a target is reached: its IP (`ip` groups), or its instance's address (`instance` groups). */
export type InstanceAddress = (ec2InstanceId: string) => string | undefined;

export interface TargetRegistry {
  /** undefined when no such target group exists. */
  targetGroup(arn: string):
    | {
        arn: string;
        port: number;
        targetType: string;
        deregistrationDelaySeconds: number;
        /** Load balancers whose listeners forward to the group; ECS's CreateService rejects a group with none. */
        loadBalancerArns?: string[];
      }
    | undefined;
  /** Registering starts health checks (state `initial`). Idempotent per (id, port). */
  register(targetGroupArn: string, targets: TargetRef[]): void;
  /** Starts draining for the group's deregistration delay, after which the target is gone. */
  deregister(targetGroupArn: string, targets: TargetRef[]): void;
  /** Health of one target; `unused` / `Target.NotRegistered` when it is not registered. */
  health(targetGroupArn: string, target: TargetRef): TargetHealthView;
  /** Subscribe to health transitions (the scheduler reacts to `unhealthy` and to drain end). */
  onChange(listener: (targetGroupArn: string, target: TargetRef, health: TargetHealthView) => void): void;
}

// ---------------------------------------------------------------------------------------------
// Task runtimes. The scheduler asks a runtime to run a task's containers; the runtime reports exits.

/**
 * How an emulated app behaves, chosen by the task definition (see emulator/README.md):
 * container environment `EMULATOR_BEHAVIOR`, else the image tag, else `healthy`.
 * Durations are AWS seconds (scaled by the clock).
 */
export interface AppBehavior {
  /** Health path answers 500 from the start. */
  unhealthy: boolean;
  /** Process exits with code 1 right after start. */
  crashOnStart: boolean;
  /** Seconds before the app starts listening. */
  slowStartSeconds: number;
  /** Health path starts answering 500 this many seconds after listening (undefined = never). */
  unhealthyAfterSeconds?: number;
  /** Fraction (0..1) of non-health requests answered 500, evenly spread (every 1/f-th request). */
  errorRate: number;
  /** Seconds every non-health request is held before its answer (`slow-<s>`); health stays fast. */
  latencySeconds?: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  essential: boolean;
  /** Container port the app listens on, if any (first portMapping). */
  port?: number;
  environment: Record<string, string>;
  behavior: AppBehavior;
  /** Seconds between SIGTERM and SIGKILL (container stopTimeout, default 30). */
  stopTimeoutSeconds: number;
  /**
   * Set when the container runs a one-off command instead of serving (runtime/behavior.ts jobOf):
   * it never listens, and exits with `exitCode` after `runSeconds` AWS seconds.
   */
  job?: ContainerJob;
}

export interface ContainerJob {
  exitCode: number;
  runSeconds: number;
}

export interface TaskSpec {
  taskArn: string;
  taskId: string;
  /** e.g. `web:3`, answered by the app with every response. */
  taskDefinition: string;
  revision: number;
  /** Private IPv4 address, a distinct 127.x.y.z loopback address per task. */
  ip: string;
  containers: ContainerSpec[];
}

export interface ContainerExit {
  containerName: string;
  exitCode: number | null;
  /** e.g. `Essential container exited`, `SIGKILL after stop timeout`. */
  reason?: string;
}

export interface TaskHandle {
  /**
   * Resolves once every container runs with its stop handling in place (a process: its SIGTERM
   * handler), before any slow start ends; rejects if one exits first. A test hook: the scheduler
   * does not use it; a test awaits it to stop a task during its slow start, not during boot.
   */
  readonly started: Promise<void>;
  /** Resolves once every container with a port listens (after any slow start); rejects if one exits first. */
  readonly listening: Promise<void>;
  /** Each container's exit, once. */
  onExit(listener: (exit: ContainerExit) => void): void;
  /** SIGTERM every container, SIGKILL after its stopTimeout; resolves when all have exited. */
  stop(): Promise<ContainerExit[]>;
  /** SIGKILL at once (used by emulator stop()). */
  kill(): void;
}

export interface TaskRuntime {
  readonly kind: 'process' | 'in-process';
  start(spec: TaskSpec): TaskHandle;
  /** Kill every task still running; no child process may outlive this. */
  shutdown(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The parts, as `startEmulator` (emulator/src/index.ts) wires them:
//   clock    = createClock(scale)                                    emulator/src/clock.ts
//   runtime  = createTaskRuntime(kind, { clock, log })                emulator/src/runtime/index.ts
//   elbv2    = createElbv2({ clock, log })                            emulator/src/elbv2/index.ts
//   ecs      = createEcs({ clock, log, runtime, targets: elbv2.targets }) emulator/src/ecs/index.ts
//   server   = startServer({ port, host, protocols: [ecs.protocol, elbv2.protocol], ... })

export type Log = (line: string) => void;

export interface ListenerEndpoint {
  listenerArn: string;
  loadBalancerArn: string;
  loadBalancerName: string;
  /** The port the listener was created with (as AWS reports it, e.g. 80). */
  port: number;
  /** Where the local proxy really listens, e.g. http://127.0.0.1:41234 */
  url: string;
}

export interface Elbv2Part {
  protocol: ServiceProtocol;
  targets: TargetRegistry;
  listeners(): ListenerEndpoint[];
  /** JSON-able view of load balancers, target groups (with attributes), listeners, targets. */
  state(): unknown;
  stop(): Promise<void>;
}

export interface EcsPart {
  protocol: ServiceProtocol;
  /** JSON-able view of clusters, task definitions, services (with deployments), tasks. */
  state(): unknown;
  /** Test hook: `listener` runs after every scheduler pass (see Scheduler.onPass); returns the unsubscribe. */
  onSchedulerPass(listener: () => void): () => void;
  /** The loopback address of the container instance with this EC2 id (EC2 launch type). */
  instanceAddress?: InstanceAddress;
  /** AWS seconds from launch to the containers starting, for the tasks launched from now on. */
  setTaskStartSeconds(seconds: number): void;
  stop(): Promise<void>;
}
