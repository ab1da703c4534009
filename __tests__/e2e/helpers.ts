// Shared by the end-to-end tests: each test starts its own emulator and scenario, runs the BUNDLED
// action (dist/main, dist/post) as a runner would, and then inspects the service through the real
// AWS SDK, the same view a user has in AWS. Every wait here is bounded; every emulator is stopped.
import { expect } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeContainerInstancesCommand, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import type { DeploymentConfiguration, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startEmulator, createScenario } from '../../emulator/src/index.js';
import type { Emulator, EmulatorOptions, ScenarioInfo, ScenarioSpec } from '../../emulator/src/index.js';
import { describeServiceTasks, emulatorClients } from '../../emulator/src/scenario.js';
import type { CallRecord } from '../../emulator/src/contracts.js';
import { startAction, runAction } from '../../tools/run-action.js';
import { writeCallRecords } from '../helpers/aws-model/index.js';
import type { ActionRun, ActionRunOptions, RunningAction } from '../../tools/run-action.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Real seconds per AWS second. With a 10 s task start, the health check below (every 5 s; a new
 * target is healthy after one passing check) and a 10 s deregistration delay, a batch passes in
 * about a real second, while the health check's 4 s timeout (200 ms real) still leaves a busy
 * 2-core machine room to answer.
 */
export const TIME_SCALE = 0.05;

/**
 * AWS seconds from a task's launch to its containers starting (Fargate's provisioning and image
 * pull). Besides being realistic, it is the window in which the action, having released a batch,
 * sees it launched and holds the service again (500 ms real here; tens of seconds on AWS).
 */
export const TASK_START_SECONDS = 10;

/** Where every harness's emulator calls go, for the `records` checks run after the e2e group. */
export const CALLS_DIR = join(repoRoot, '.tmp', 'e2e-calls');
let dumped = 0;

export const HEALTH_CHECK = {
  intervalSeconds: 5,
  timeoutSeconds: 4,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
};
export const DEREGISTRATION_DELAY_SECONDS = 10;

/**
 * The service's own settings before any rollout: deliberately not the action's batch settings nor
 * ECS's defaults, so "restored" cannot pass by accident.
 */
export const ORIGINAL_DEPLOYMENT_CONFIGURATION: DeploymentConfiguration = {
  maximumPercent: 200,
  minimumHealthyPercent: 50,
  deploymentCircuitBreaker: { enable: false, rollback: false },
};

export const CONTAINER = 'web';
export const CONTAINER_PORT = 8080;

/** Bound for one action run; far above what any scenario needs, far below the test timeout. */
export const RUN_TIMEOUT_MS = 120_000;

/** A Fargate task definition of one `web` container; its image tag picks the app's behaviour. */
export function taskDefinition(image: string, family = 'web'): RegisterTaskDefinitionCommandInput {
  return {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: CONTAINER,
        image,
        essential: true,
        portMappings: [{ containerPort: CONTAINER_PORT, protocol: 'tcp' }],
        environment: [{ name: 'GREETING', value: 'hello' }],
        // Small, so a stopped task does not keep a process for 30 s (AWS's default).
        stopTimeout: 2,
      },
    ],
  };
}

export interface Harness {
  emulator: Emulator;
  info: ScenarioInfo;
  /** Scratch folder for task definition files and runner files; removed by stop(). */
  dir: string;
  /** The JSON task definition file the action is given (the scenario's definition, image `web:1`). */
  taskDefinitionFile: string;
  /** AWS seconds from a task's launch to its containers starting, for every task the action starts. */
  taskStartSeconds: number;
  /** The inputs every deploy needs; a test adds or overrides. */
  inputs(extra?: Record<string, string>): Record<string, string>;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  desiredCount?: number;
  targetGroups?: number;
  emulator?: EmulatorOptions;
  scenario?: Partial<ScenarioSpec>;
  /** The service's task definition, also written as the action's file (default: `web:1` above). */
  taskDefinition?: RegisterTaskDefinitionCommandInput;
}

/**
 * Creates a scenario with the harness's health check, drain and deployment settings and waits for
 * its steady fleet, built with tasks that start at once; then gives the emulator back the task
 * start the test rolls out under. The fleet is the fixture: how its tasks came to run is not what
 * any test asserts, and at 10 AWS s a start it cost half a second of every test's setup.
 */
async function steadyFleet(
  emulator: Emulator,
  taskStartSeconds: number,
  spec: ScenarioSpec,
): Promise<ScenarioInfo> {
  emulator.setTaskStartSeconds(0);
  try {
    return await createScenario(emulator.endpoint, {
      healthCheck: HEALTH_CHECK,
      deregistrationDelaySeconds: DEREGISTRATION_DELAY_SECONDS,
      deploymentConfiguration: ORIGINAL_DEPLOYMENT_CONFIGURATION,
      waitForSteadyState: true,
      waitTimeoutMs: 60_000,
      ...spec,
    });
  } finally {
    emulator.setTaskStartSeconds(taskStartSeconds);
  }
}

/** The emulator behind each harness's scenario, so a watcher given only `info` can subscribe to it. */
const emulators = new WeakMap<ScenarioInfo, Emulator>();

/** Starts an emulator and a steady service of `desiredCount` healthy `web:1` tasks behind an ALB. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  requireDist();
  const taskStartSeconds = options.emulator?.taskStartSeconds ?? TASK_START_SECONDS;
  const emulator = await startEmulator({
    port: 0,
    timeScale: TIME_SCALE,
    recordWire: true,
    ...options.emulator,
    taskStartSeconds,
  });
  const dir = mkdtempSync(join(tmpdir(), 'ecs-rolling-deploy-e2e-'));
  let dumpedHere = false;
  const stop = async (): Promise<void> => {
    try {
      // Every call of the run, checked against AWS's models (and docs/iam.md's IAM policy) by the
      // `records` group after the e2e group.
      if (!dumpedHere) {
        dumpedHere = true;
        const test = (expect.getState().testPath ?? 'e2e').replace(/^.*\//, '').replace(/\.test\.ts$/, '');
        writeCallRecords(CALLS_DIR, `${test}-${process.pid}-${++dumped}`, emulator.calls());
      }
      await emulator.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const definition = options.taskDefinition ?? taskDefinition('public.ecr.aws/demo/web:1');
    const info = await steadyFleet(emulator, taskStartSeconds, {
      cluster: 'e2e',
      service: 'web',
      desiredCount: options.desiredCount ?? 6,
      taskDefinition: definition,
      targetGroups: options.targetGroups ?? 1,
      ...options.scenario,
    });
    // The scenario's own setup calls are not what a test asserts on.
    emulator.clearCalls();
    // The step names it relative to the workspace (GITHUB_WORKSPACE), as a workflow does.
    const taskDefinitionFile = join(dir, 'task-definition.json');
    writeFileSync(
      taskDefinitionFile,
      JSON.stringify(options.scenario?.taskDefinition ?? definition, null, 2),
    );
    const env = { AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: emulator.region };
    const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
      cluster: info.cluster,
      service: info.service,
      'task-definition': 'task-definition.json',
      'container-name': CONTAINER,
      'batch-size': '2',
      'batch-timeout': '60s',
      'rollout-timeout': '5m',
      // No GitHub API on this machine: reporting is the GitHub-side tests' business.
      report: 'none',
      ...extra,
    });
    emulators.set(info, emulator);
    return { emulator, info, dir, taskDefinitionFile, taskStartSeconds, inputs, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A second service on the harness's emulator, in the same cluster, behind its own load balancer and
 * target group (named after it), with its own task definition family and file in the harness's
 * folder. The returned harness shares the emulator: stop the first one only.
 */
export async function addService(
  h: Harness,
  options: { service: string; family: string; desiredCount?: number; scenario?: Partial<ScenarioSpec> },
): Promise<Harness> {
  const definition = taskDefinition('public.ecr.aws/demo/web:1', options.family);
  const info = await steadyFleet(h.emulator, h.taskStartSeconds, {
    cluster: h.info.cluster,
    service: options.service,
    desiredCount: options.desiredCount ?? 4,
    taskDefinition: definition,
    ...options.scenario,
  });
  h.emulator.clearCalls();
  const taskDefinitionFile = join(h.dir, `${options.family}.json`);
  writeFileSync(taskDefinitionFile, JSON.stringify(definition, null, 2));
  emulators.set(info, h.emulator);
  return { ...h, info, taskDefinitionFile };
}

export function requireDist(): void {
  for (const entry of ['main', 'post']) {
    const file = join(repoRoot, 'dist', entry, 'index.js');
    if (!existsSync(file))
      throw new Error(`${file} does not exist: run \`npm run build\` first (npm run test:e2e does)`);
  }
}

/** Runs the bundled action against the harness's emulator, collecting its lines. */
export function deploy(
  h: Harness,
  inputs: Record<string, string>,
  options: Partial<ActionRunOptions> = {},
): Promise<ActionRun> {
  return runAction(actionOptions(h, inputs, options));
}

/** Runs the bundled post entry with the state a main run saved, as the runner does after main. */
export function runPost(
  h: Harness,
  inputs: Record<string, string>,
  state: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction(actionOptions(h, inputs, { entry: 'post', state, env }));
}

export function startDeploy(
  h: Harness,
  inputs: Record<string, string>,
  options: Partial<ActionRunOptions> = {},
): RunningAction {
  return startAction(actionOptions(h, inputs, options));
}

function actionOptions(
  h: Harness,
  inputs: Record<string, string>,
  options: Partial<ActionRunOptions>,
): ActionRunOptions {
  return {
    inputs,
    timeoutMs: RUN_TIMEOUT_MS,
    workspace: h.dir,
    ...options,
    env: { ...h.env, ...options.env },
  };
}

/**
 * Runs `during` while the action runs, then waits for the action to end. When `during` throws, the
 * action is killed first, so a failed step never leaves it running to its own time-out.
 */
export async function whileRunning(action: RunningAction, during: () => Promise<void>): Promise<ActionRun> {
  // An action that ends before the test's step is done (bad input, a crash) fails the test at once,
  // with what the run said, instead of leaving the step to wait out its own bound.
  const step = during();
  const endedEarly = action.done.then(async (run) => {
    // A signal the test sent itself is part of its step.
    if (action.child.killed) return step;
    throw new Error(`the action ended before the test's step was done\n${describeRun(run)}`);
  });
  endedEarly.catch(() => undefined);
  try {
    await Promise.race([step, endedEarly]);
  } catch (error) {
    action.child.kill('SIGKILL');
    await action.done;
    throw error;
  }
  return action.done;
}

/** The error annotations the action wrote (`::error ...::message`), unescaped as the runner shows them. */
export function errorAnnotations(run: ActionRun): string[] {
  return run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
    .map((line) =>
      line
        .slice(line.indexOf('::', 2) + 2)
        .replace(/%0D/g, '\r')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%'),
    );
}

/** What a failed assertion should show of a run: outputs, and the end of stdout and stderr. */
export function describeRun(run: ActionRun): string {
  const tail = (text: string): string => text.split('\n').slice(-60).join('\n');
  return [
    `exit ${run.exitCode}${run.signal ? ` (signal ${run.signal})` : ''}${run.timedOut ? ' TIMED OUT' : ''}`,
    `outputs ${JSON.stringify(run.outputs, null, 2)}`,
    `--- stdout (tail)\n${tail(run.stdout)}`,
    `--- stderr (tail)\n${tail(run.stderr)}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The service as the SDK sees it.

export interface TaskSeen {
  arn: string;
  taskDefinitionArn: string;
  lastStatus: string;
  desiredStatus: string;
  ip?: string;
  /** Bridge and host tasks (EC2 launch type): `instance-id:host-port`, their target in `instance` groups. */
  instanceTarget?: string;
  /** ms since the epoch. */
  createdAt?: number;
  stoppedReason?: string;
}

export interface TargetSeen {
  targetGroupArn: string;
  id: string;
  port: number;
  state: string;
  reason?: string;
}

export interface FleetView {
  desiredCount: number;
  taskDefinitionArn: string;
  deploymentConfiguration: {
    maximumPercent?: number;
    minimumHealthyPercent?: number;
    deploymentCircuitBreaker?: { enable?: boolean; rollback?: boolean };
  };
  deployments: { status: string; taskDefinitionArn: string; rolloutState?: string }[];
  /** Every task ECS reports for the service: desired RUNNING and recently STOPPED. */
  tasks: TaskSeen[];
  targets: TargetSeen[];
}

/** One look at the service, its tasks (both desired statuses, paginated) and every target group. */
export async function observeFleet(info: ScenarioInfo): Promise<FleetView> {
  const { ecs, elbv2 } = emulatorClients(info.endpoint, info.region);
  try {
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: info.cluster, services: [info.service] }),
    );
    const service = services?.[0];
    if (!service) throw new Error(`DescribeServices found no service ${info.service}`);
    const tasks: TaskSeen[] = [];
    const described = await describeServiceTasks(ecs, info.cluster, info.service);
    const instanceArns = [
      ...new Set(described.flatMap((t) => (t.containerInstanceArn ? [t.containerInstanceArn] : []))),
    ];
    const ec2Ids = new Map<string, string>();
    for (let i = 0; i < instanceArns.length; i += 100) {
      const { containerInstances = [] } = await ecs.send(
        new DescribeContainerInstancesCommand({
          cluster: info.cluster,
          containerInstances: instanceArns.slice(i, i + 100),
        }),
      );
      for (const ci of containerInstances) ec2Ids.set(ci.containerInstanceArn ?? '', ci.ec2InstanceId ?? '');
    }
    for (const t of described) {
      const hostPort = t.containers?.[0]?.networkBindings?.[0]?.hostPort;
      const ec2Id = t.containerInstanceArn ? ec2Ids.get(t.containerInstanceArn) : undefined;
      const instanceTarget = ec2Id && hostPort !== undefined ? `${ec2Id}:${hostPort}` : undefined;
      const ip =
        t.attachments?.flatMap((a) => a.details ?? []).find((d) => d.name === 'privateIPv4Address')?.value ??
        t.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address;
      tasks.push({
        arn: t.taskArn ?? '',
        taskDefinitionArn: t.taskDefinitionArn ?? '',
        lastStatus: t.lastStatus ?? '',
        desiredStatus: t.desiredStatus ?? '',
        ...(ip ? { ip } : {}),
        ...(instanceTarget ? { instanceTarget } : {}),
        ...(t.createdAt ? { createdAt: t.createdAt.getTime() } : {}),
        ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
      });
    }
    const targets: TargetSeen[] = [];
    for (const targetGroupArn of info.targetGroupArns) {
      const { TargetHealthDescriptions = [] } = await elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
      );
      for (const d of TargetHealthDescriptions) {
        targets.push({
          targetGroupArn,
          id: d.Target?.Id ?? '',
          port: d.Target?.Port ?? 0,
          state: d.TargetHealth?.State ?? '',
          ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
        });
      }
    }
    const dc = service.deploymentConfiguration ?? {};
    return {
      desiredCount: service.desiredCount ?? -1,
      taskDefinitionArn: service.taskDefinition ?? '',
      deploymentConfiguration: {
        ...(dc.maximumPercent !== undefined ? { maximumPercent: dc.maximumPercent } : {}),
        ...(dc.minimumHealthyPercent !== undefined
          ? { minimumHealthyPercent: dc.minimumHealthyPercent }
          : {}),
        ...(dc.deploymentCircuitBreaker
          ? {
              deploymentCircuitBreaker: {
                enable: dc.deploymentCircuitBreaker.enable,
                rollback: dc.deploymentCircuitBreaker.rollback,
              },
            }
          : {}),
      } as FleetView['deploymentConfiguration'],
      deployments: (service.deployments ?? []).map((d) => ({
        status: d.status ?? '',
        taskDefinitionArn: d.taskDefinition ?? '',
        ...(d.rolloutState ? { rolloutState: d.rolloutState } : {}),
      })),
      tasks,
      targets,
    };
  } finally {
    ecs.destroy();
    elbv2.destroy();
  }
}

/**
 * Why the fleet is not steady on `taskDefinitionArn` (empty when it is): the service points at it,
 * exactly `desired` tasks are meant to run and all of them RUNNING on it, each one's target healthy
 * in every group, and no task of another revision still meant to run.
 */
export function steadyProblems(
  fleet: FleetView,
  taskDefinitionArn: string,
  desired: number,
  targetGroupArns: string[],
): string[] {
  const problems: string[] = [];
  if (fleet.taskDefinitionArn !== taskDefinitionArn)
    problems.push(`service is on ${fleet.taskDefinitionArn}, not ${taskDefinitionArn}`);
  if (fleet.desiredCount !== desired) problems.push(`desiredCount is ${fleet.desiredCount}, not ${desired}`);
  const live = fleet.tasks.filter((t) => t.desiredStatus === 'RUNNING');
  const strays = live.filter((t) => t.taskDefinitionArn !== taskDefinitionArn);
  if (strays.length > 0)
    problems.push(
      `${strays.length} task(s) of other revisions still meant to run: ${strays.map((t) => `${t.taskDefinitionArn} ${t.lastStatus}`).join(', ')}`,
    );
  const running = live.filter((t) => t.taskDefinitionArn === taskDefinitionArn && t.lastStatus === 'RUNNING');
  if (running.length !== desired) problems.push(`${running.length} task(s) RUNNING on it, not ${desired}`);
  // A task's target: its IP in an `ip` group, `instance-id:host-port` in an `instance` group.
  const targetOf = (t: TaskSeen): string | undefined => t.instanceTarget ?? t.ip;
  for (const group of targetGroupArns) {
    const healthy = new Set(
      fleet.targets
        .filter((t) => t.targetGroupArn === group && t.state === 'healthy')
        .map((t) => (t.id.startsWith('i-') ? `${t.id}:${t.port}` : t.id)),
    );
    const unhealthyRunning = running.filter((t) => !targetOf(t) || !healthy.has(targetOf(t) ?? ''));
    if (unhealthyRunning.length > 0) {
      // What the group says of each, so a failure tells a flapping check from a missing target.
      const seen = unhealthyRunning.map((t) => {
        const target = fleet.targets.find(
          (x) =>
            x.targetGroupArn === group &&
            (x.id.startsWith('i-') ? `${x.id}:${x.port}` : x.id) === targetOf(t),
        );
        return `${targetOf(t) ?? t.arn} ${target ? `${target.state}${target.reason ? ` ${target.reason}` : ''}` : 'not registered'}`;
      });
      problems.push(`${unhealthyRunning.length} running task(s) not healthy in ${group}: ${seen.join(', ')}`);
    }
    const foreign = [...healthy].filter((ip) => !running.some((t) => targetOf(t) === ip));
    if (foreign.length > 0)
      problems.push(`healthy targets in ${group} that are not running tasks of it: ${foreign.join(', ')}`);
  }
  return problems;
}

/** Polls `check` (problems, empty = done) until it passes or `timeoutMs` runs out; returns the last problems. */
export async function waitUntil(
  check: () => Promise<string[]>,
  timeoutMs: number,
  everyMs = 250,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let problems = await check();
  while (problems.length > 0 && Date.now() < deadline) {
    await sleep(everyMs);
    problems = await check();
  }
  return problems;
}

/**
 * Tasks of `taskDefinitionArn` that have not reached STOPPED. Right after the action reports, a
 * replaced task may still be draining or in its stop timeout, which is ECS's business and bounded.
 */
export function notStopped(fleet: FleetView, taskDefinitionArn: string): TaskSeen[] {
  return fleet.tasks.filter((t) => t.taskDefinitionArn === taskDefinitionArn && t.lastStatus !== 'STOPPED');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

// ---------------------------------------------------------------------------------------------
// Watching a rollout from outside while it runs.

export interface Sample {
  at: number;
  /** Tasks ECS means to run (desiredStatus RUNNING), any revision: what maximumPercent bounds. */
  live: number;
  /** Healthy targets in the first target group: what minimumHealthyPercent protects. */
  healthy: number;
}

/**
 * Records the service after every change the emulator makes (each ECS scheduler pass, where tasks
 * are launched and stopped, and each target health transition: Emulator.onChange), until stopped.
 * Nothing is sampled, so nothing is missed: the maximum and minimum over the samples are the
 * maximum and minimum the service went through, however slowly a loaded machine ran the rollout.
 */
export function startSampler(info: ScenarioInfo): { stop(): Promise<Sample[]> } {
  const emulator = emulators.get(info);
  if (!emulator) throw new Error('startSampler: this scenario was not started by startHarness');
  const group = `service:${info.service}`;
  const [targetGroupArn] = info.targetGroupArns;
  const take = (): Sample => {
    const { ecs, elbv2 } = emulator.state() as {
      ecs: { tasks: { clusterArn: string; group: string; desiredStatus: string }[] };
      elbv2: { targetGroups: { arn: string; targets: { state: string }[] }[] };
    };
    return {
      at: Date.now(),
      live: ecs.tasks.filter(
        (t) =>
          t.clusterArn.endsWith(`/${info.cluster}`) && t.group === group && t.desiredStatus === 'RUNNING',
      ).length,
      healthy:
        elbv2.targetGroups.find((g) => g.arn === targetGroupArn)?.targets.filter((t) => t.state === 'healthy')
          .length ?? 0,
    };
  };
  const samples: Sample[] = [take()];
  const unsubscribe = emulator.onChange(() => samples.push(take()));
  return {
    stop() {
      unsubscribe();
      samples.push(take());
      return Promise.resolve(samples);
    },
  };
}

/** Resolves when a line matching `pattern` has been seen (through `lineWatcher().onLine`); rejects after `timeoutMs`. */
export function lineWatcher(): {
  onLine: (line: string) => void;
  lines: string[];
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
} {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  return {
    lines,
    onLine(line) {
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    },
    waitFor(pattern, timeoutMs) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolveLine, reject) => {
        const waiter = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolveLine(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${lines.slice(-20).join('\n')}`,
            ),
          );
        }, timeoutMs);
        // A test that failed another way does not wait for this bound to end.
        timer.unref();
        waiters.push(waiter);
      });
    },
  };
}

/**
 * Turns the health path of a running task's app failing (or passing again) through the emulator's
 * test-only control path (emulator/src/runtime/task-app.mjs). Real apps have no such thing.
 */
export async function setTaskHealth(ip: string, port: number, health: 'fail' | 'pass'): Promise<void> {
  const response = await fetch(`http://${ip}:${port}/_emulator/health/${health}`, {
    method: 'POST',
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok)
    throw new Error(`POST /_emulator/health/${health} on ${ip}:${port} answered ${response.status}`);
}

// ---------------------------------------------------------------------------------------------
// The call log.

/**
 * Makes the oldest `count` running tasks of the new revision fail their health checks (a version
 * that turns bad after it passed): returns how many it found, for the caller to check.
 */
export async function failOldestNewTasks(h: Harness, count: number): Promise<number> {
  const fleet = await observeFleet(h.info);
  const oldest = fleet.tasks
    .filter(
      (t) =>
        t.taskDefinitionArn !== h.info.taskDefinitionArn && t.lastStatus === 'RUNNING' && t.ip !== undefined,
    )
    .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))
    .slice(0, count);
  await Promise.all(oldest.map((t) => setTaskHealth(t.ip ?? '', CONTAINER_PORT, 'fail')));
  return oldest.length;
}

export function mutatingCalls(calls: CallRecord[]): string[] {
  return calls
    .filter((c) => c.mutating)
    .map((c) => `${c.service}:${c.operation} ${JSON.stringify(c.params)}`);
}

const THROTTLING_CODES = new Set(['ThrottlingException', 'Throttling']);

export function throttledCalls(calls: CallRecord[]): CallRecord[] {
  return calls.filter((c) => c.errorCode !== undefined && THROTTLING_CODES.has(c.errorCode));
}

// ---------------------------------------------------------------------------------------------
// The pace of a rollout, from outside: every change the emulator makes, and the action's settings.

export interface PaceSample {
  at: number;
  /** Tasks ECS means to run (desiredStatus RUNNING, not STOPPED): what maximumPercent bounds. */
  up: number;
  /** Tasks not STOPPED, draining and stopping ones included. */
  live: number;
  /** Tasks RUNNING and healthy in the first target group. */
  healthy: number;
}

export interface PaceRecord {
  samples: PaceSample[];
  /** When each task of `taskDefinitionArn` was first seen, by ARN. */
  launched: Map<string, number>;
  /** Every task of the service: its revision, when it was first seen, when ECS was first seen to stop it. */
  tasks: Map<string, { taskDefinitionArn: string; seenAt: number; stopAt?: number }>;
}

/**
 * Records the service at every change the emulator makes (Emulator.onChange), and when each task of
 * `taskDefinitionArn` first appeared. Nothing is sampled on a timer, so nothing is missed.
 */
export function startPaceWatch(
  h: Harness,
  taskDefinitionArn: () => string | undefined,
): { stop(): PaceRecord } {
  const group = `service:${h.info.service}`;
  const [targetGroupArn] = h.info.targetGroupArns;
  const launched = new Map<string, number>();
  const seen: PaceRecord['tasks'] = new Map();
  const samples: PaceSample[] = [];
  const take = (): void => {
    const { ecs, elbv2 } = h.emulator.state() as {
      ecs: {
        tasks: {
          taskArn: string;
          taskDefinitionArn: string;
          group: string;
          desiredStatus: string;
          lastStatus: string;
          privateIPv4Address: string;
        }[];
      };
      elbv2: { targetGroups: { arn: string; targets: { id: string; state: string }[] }[] };
    };
    const tasks = ecs.tasks.filter((t) => t.group === group);
    const healthyIps = new Set(
      (elbv2.targetGroups.find((g) => g.arn === targetGroupArn)?.targets ?? [])
        .filter((t) => t.state === 'healthy')
        .map((t) => t.id),
    );
    const arn = taskDefinitionArn();
    for (const t of tasks) {
      if (arn !== undefined && t.taskDefinitionArn === arn && !launched.has(t.taskArn))
        launched.set(t.taskArn, Date.now());
      const known = seen.get(t.taskArn) ?? { taskDefinitionArn: t.taskDefinitionArn, seenAt: Date.now() };
      if (known.stopAt === undefined && t.desiredStatus === 'STOPPED') known.stopAt = Date.now();
      seen.set(t.taskArn, known);
    }
    samples.push({
      at: Date.now(),
      up: tasks.filter((t) => t.desiredStatus === 'RUNNING' && t.lastStatus !== 'STOPPED').length,
      live: tasks.filter((t) => t.lastStatus !== 'STOPPED').length,
      healthy: tasks.filter(
        (t) =>
          t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING' && healthyIps.has(t.privateIPv4Address),
      ).length,
    });
  };
  take();
  const unsubscribe = h.emulator.onChange(take);
  return {
    stop() {
      unsubscribe();
      take();
      return { samples, launched, tasks: seen };
    },
  };
}

/** The deployment settings the action sent with each UpdateService, in order, with when (ms). */
export function settingsSent(
  calls: CallRecord[],
): { at: number; maximumPercent?: number; minimumHealthyPercent?: number; taskDefinition?: string }[] {
  return calls
    .filter((c) => c.operation === 'UpdateService' && c.status === 200 && c.wire?.request)
    .map((c) => {
      const body = JSON.parse(c.wire?.request ?? '{}') as {
        taskDefinition?: string;
        deploymentConfiguration?: { maximumPercent?: number; minimumHealthyPercent?: number };
      };
      return {
        at: c.time,
        ...(body.deploymentConfiguration?.maximumPercent !== undefined
          ? { maximumPercent: body.deploymentConfiguration.maximumPercent }
          : {}),
        ...(body.deploymentConfiguration?.minimumHealthyPercent !== undefined
          ? { minimumHealthyPercent: body.deploymentConfiguration.minimumHealthyPercent }
          : {}),
        ...(body.taskDefinition !== undefined ? { taskDefinition: body.taskDefinition } : {}),
      };
    });
}

/**
 * When the action released the service: settings above 100% (no task definition) that it held
 * again right after (100/100). The final put-back of the service's own settings is not one.
 */
export function releaseTimes(calls: CallRecord[]): number[] {
  const sent = settingsSent(calls);
  return sent
    .filter((s, i) => {
      const next = sent[i + 1];
      return (
        s.taskDefinition === undefined &&
        (s.maximumPercent ?? 0) > 100 &&
        next?.maximumPercent === 100 &&
        next.minimumHealthyPercent === 100
      );
    })
    .map((s) => s.at);
}

/**
 * New-revision tasks launched in each release window: from a release to the next release. The
 * action promises no more than the batch's size.
 */
export function launchedPerRelease(calls: CallRecord[], launched: Map<string, number>): number[] {
  const releases = releaseTimes(calls);
  const times = [...launched.values()];
  return releases.map((from, i) => {
    const to = releases[i + 1] ?? Number.POSITIVE_INFINITY;
    return times.filter((t) => t >= from && t < to).length;
  });
}
