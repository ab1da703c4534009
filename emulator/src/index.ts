// startEmulator: wires clock, task runtime, ELBv2, ECS and the HTTP server (as the comment at the
// end of contracts.ts lays out) and returns one handle to inspect, steer and stop them.
import { createClock } from './clock.js';
import { startServer } from './server.js';
import type { RunningServer } from './server.js';
import { createThrottler, AWS_THROTTLE_DEFAULTS } from './throttle.js';
import type { ThrottleConfig } from './throttle.js';
import { createFaultInjector } from './faults.js';
import type { FaultRule } from './faults.js';
import { createCallLog } from './call-log.js';
import type {
  CallRecord,
  EcsPart,
  Elbv2Part,
  InstanceAddress,
  ListenerEndpoint,
  Log,
  TaskRuntime,
} from './contracts.js';
import { createTaskRuntime } from './runtime/index.js';
import { createElbv2 } from './elbv2/index.js';
import { createEcs } from './ecs/index.js';
import { createCloudWatch, type CloudWatchPart } from './cloudwatch/index.js';
import { claimAddressBlock, type AddressBlock } from './ecs/address-block.js';
import { seedDemo } from './seed.js';
import type { DemoInfo } from './seed.js';

export type { ThrottleConfig, BucketLimit } from './throttle.js';
export { AWS_THROTTLE_DEFAULTS } from './throttle.js';
export type { FaultRule } from './faults.js';
export type { DemoInfo } from './seed.js';
export { createScenario } from './scenario.js';
export type { ScenarioSpec, ScenarioInfo } from './scenario.js';

/**
 * Real seconds per AWS second unless told otherwise: ten times faster than AWS. With the demo
 * seed's target group (health check every 5 s, a new target healthy on its first passing check,
 * 20 s deregistration delay) a batch of the demo's rolling update takes about 35 AWS seconds, 3.5 s
 * real; the 6-task rollout finishes in well under a minute, while a health check timeout (4 s AWS,
 * 0.4 s real) still leaves a loaded 2-core machine room to answer.
 */
export const DEFAULT_TIME_SCALE = 0.1;

export interface EmulatorOptions {
  /** 0 (the default from code) = any free port; the CLI defaults to 4566. */
  port?: number;
  host?: string;
  /** Region for requests without a SigV4 credential scope, and for the seed. Default us-east-1. */
  region?: string;
  /** Real seconds per AWS second (see DEFAULT_TIME_SCALE). */
  timeScale?: number;
  /** `process` (default): one child process per task; `in-process`: servers in this process, for large fleets. */
  taskRuntime?: 'process' | 'in-process';
  /** true = AWS_THROTTLE_DEFAULTS; an object = those limits; false/absent = no throttling. */
  throttling?: boolean | ThrottleConfig;
  faults?: FaultRule[];
  /**
   * Whether a task ECS is stopping (DEACTIVATING while its targets drain, STOPPING) counts toward
   * maximumPercent. Default false: the API reference counts tasks "in the RUNNING or PENDING
   * state". AWS does not document it either way (see emulator/README.md).
   */
  drainingCountsTowardMaximum?: boolean;
  /**
   * AWS seconds from a task's launch to its containers starting (PROVISIONING, then PENDING while
   * the image is pulled); DEFAULT_TASK_START_SECONDS unless given. 0: at once.
   */
  taskStartSeconds?: number;
  seed?: 'demo';
  log?: Log;
  /**
   * Keep every call's request and response bodies in the call log (`CallRecord.wire`), so a test
   * can check them against AWS's service models. Off by default: it keeps every body.
   */
  recordWire?: boolean;
}

export interface Emulator {
  /** e.g. http://127.0.0.1:4566: give it to the SDK as `endpoint` or as AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly region: string;
  readonly timeScale: number;
  /** ECS, ELBv2 and CloudWatch state together, JSON-able. */
  state(): { ecs: unknown; elbv2: unknown; cloudwatch: unknown };
  calls(): CallRecord[];
  clearCalls(): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setThrottling(throttling: boolean | ThrottleConfig): void;
  /**
   * Test hook: AWS seconds from a task's launch to its containers starting, for tasks launched
   * from now on. A harness sets 0 while it builds its steady fleet (the fixture, not the subject:
   * how its tasks got to RUNNING is not what a test asserts), then the start a test rolls out under.
   */
  setTaskStartSeconds(seconds: number): void;
  listeners(): ListenerEndpoint[];
  /**
   * Test hook: `listener` runs after every ECS scheduler pass (when tasks are launched and stopped)
   * and every ELBv2 target health transition, so an observer that reads state() there sees every
   * state a rollout passes through instead of sampling some of them. Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void;
  /** What the demo seed made, when `seed: 'demo'`. */
  readonly demo?: DemoInfo;
  /** Closes the server, ECS, ELBv2 and the task runtime: no task process outlives it. */
  stop(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const region = options.region ?? 'us-east-1';
  const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
  const log: Log = options.log ?? (() => undefined);
  const clock = createClock(timeScale);
  // Both start empty: the seed's setup calls must be neither throttled nor faulted. Faults are
  // checked here, so a bad rule fails before anything starts.
  const throttler = createThrottler();
  const faults = createFaultInjector();
  createFaultInjector(options.faults ?? []);
  const callLog = createCallLog();

  // Built one by one so that a failure half-way still stops what was already started.
  let runtime: TaskRuntime | undefined;
  let addresses: AddressBlock | undefined;
  let elbv2: Elbv2Part | undefined;
  let ecs: EcsPart | undefined;
  let cloudwatch: CloudWatchPart | undefined;
  let server: RunningServer | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // Stop taking calls first, then the scheduler (so it starts nothing new), then health checks
      // and listeners, then every task process; the clock last, cancelling any timer left.
      const steps: (() => Promise<void> | void)[] = [
        () => server?.close(),
        () => ecs?.stop(),
        () => cloudwatch?.stop(),
        () => elbv2?.stop(),
        () => runtime?.shutdown(),
        // Only once no task holds an address of the block may another emulator take it.
        () => addresses?.release(),
        () => clock.dispose(),
      ];
      const failures: unknown[] = [];
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw new AggregateError(failures, 'emulator: stop() did not finish cleanly');
    })();
    return stopped;
  };

  try {
    runtime = await createTaskRuntime(options.taskRuntime ?? 'process', { clock, log });
    const cloudwatchPart = createCloudWatch({ clock, log });
    cloudwatch = cloudwatchPart;
    // ELBv2 reaches an `instance` target at its container instance's address, which ECS knows.
    const instances: { address?: InstanceAddress } = {};
    const elbv2Part = await createElbv2({
      clock,
      log,
      instanceAddress: (id) => instances.address?.(id),
      onRequest: (loadBalancerArn, request) => cloudwatchPart.alb.request(loadBalancerArn, request),
    });
    elbv2 = elbv2Part;
    addresses = await claimAddressBlock();
    const ecsPart = await createEcs({
      clock,
      log,
      runtime,
      addressBlock: addresses.block,
      targets: elbv2Part.targets,
      drainingCountsTowardMaximum: options.drainingCountsTowardMaximum ?? false,
      alarms: (name) => cloudwatchPart.alarm(name),
      ...(options.taskStartSeconds !== undefined ? { taskStartSeconds: options.taskStartSeconds } : {}),
    });
    ecs = ecsPart;
    if (ecsPart.instanceAddress) instances.address = ecsPart.instanceAddress;
    cloudwatchPart.startSampling({ elbv2State: () => elbv2Part.state(), ecsState: () => ecsPart.state() });
    const state = (): { ecs: unknown; elbv2: unknown; cloudwatch: unknown } => ({
      ecs: ecsPart.state(),
      elbv2: elbv2Part.state(),
      cloudwatch: cloudwatchPart.state(),
    });
    server = await startServer({
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      region,
      protocols: [ecsPart.protocol, elbv2Part.protocol, cloudwatchPart.protocol],
      throttler,
      faults,
      calls: callLog,
      recordWire: options.recordWire ?? false,
      inspection: { listeners: () => elbv2Part.listeners(), state, calls: () => callLog.all() },
      log,
    });
    const endpoint = server.endpoint;
    const changeListeners = new Set<() => void>();
    const changed = (): void => {
      for (const listener of changeListeners) listener();
    };
    ecsPart.onSchedulerPass(changed);
    elbv2Part.targets.onChange(changed);
    const emulator: Emulator = {
      endpoint,
      region,
      timeScale,
      state,
      calls: () => callLog.all(),
      clearCalls: () => callLog.clear(),
      injectFault: (rule) => faults.add(rule),
      clearFaults: () => faults.clear(),
      setThrottling: (throttling) => throttler.configure(throttleConfig(throttling)),
      setTaskStartSeconds: (seconds) => ecsPart.setTaskStartSeconds(seconds),
      listeners: () => elbv2Part.listeners(),
      onChange(listener) {
        changeListeners.add(listener);
        return () => changeListeners.delete(listener);
      },
      stop,
    };
    // The seed's own calls are setup, not something a test should find in the log.
    const demo = options.seed === 'demo' ? await seedDemo(endpoint, { region }) : undefined;
    callLog.clear();
    throttler.configure(throttleConfig(options.throttling));
    for (const rule of options.faults ?? []) faults.add(rule);
    return demo ? { ...emulator, demo } : emulator;
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

function throttleConfig(throttling: boolean | ThrottleConfig | undefined): ThrottleConfig | undefined {
  if (throttling === true) return AWS_THROTTLE_DEFAULTS;
  if (throttling === false || throttling === undefined) return undefined;
  return throttling;
}
