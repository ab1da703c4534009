// One benchmark row: a fresh emulator and service, one way of deploying one version, one observer.
//
// The observer is the same for every row: the real AWS SDK polling DescribeServices and
// DescribeTargetHealth every 50 ms real. "Settled" is what a user means by done: one deployment, on
// the expected task definition (the new one, or the previous one after a rollback), desiredCount
// RUNNING and nothing PENDING, and exactly desiredCount targets in every group, all healthy (a target
// still draining is not done). Time runs from the first UpdateService that names a task definition
// (from the emulator's call log: the action's own call, or ours for ECS alone) to the first sample
// that saw the service settled; task counts come from ListTasks/DescribeTasks at the end.
import {
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/src/index.js';
import type { Emulator } from '../emulator/src/index.js';
import { createScenario, describeServiceTasks, emulatorClients } from '../emulator/src/scenario.js';
import type { ScenarioInfo } from '../emulator/src/scenario.js';
import { dimensionValueOfArn } from '../emulator/src/cloudwatch/index.js';
import { startAction } from '../tools/run-action.js';
import { startTraffic, type Traffic, type TrafficReport } from '../tools/traffic.js';
import { BASE_IMAGE, DESIRED, taskDefinition, type Profile } from './profiles.js';

export type Method =
  | {
      kind: 'action';
      overlap: boolean;
      /** The `batch-size` input; undefined: not given, so action.yml's default (a runner sets it). */
      batchSize?: string;
      /** The `bake-time` input; undefined: not given. */
      bakeTime?: string;
      /** Gate on the row's 5xx alarm (`alarms` input); the row must have `alarm`. */
      alarms?: boolean;
    }
  | {
      kind: 'ecs';
      maximumPercent: number;
      circuitBreaker: boolean;
      /** deploymentConfiguration.alarms naming the row's 5xx alarm, with rollback (the row must have `alarm`). */
      deploymentAlarms?: boolean;
    };

/** The service a row deploys to: how many tasks, and how the emulator runs them. */
export interface Shape {
  desired: number;
  /** `in-process` for large fleets (one process per task would swamp 2 cores). */
  taskRuntime?: 'process' | 'in-process';
}

export const DEMO_SHAPE: Shape = { desired: DESIRED };

export interface RowSpec {
  id: string;
  label: string;
  method: Method;
  image: string;
  /** Where the service should end: the new version, or back on the previous one. */
  expect: 'new' | 'previous';
  /**
   * Users: steady HTTP traffic through the load balancer for the whole row (ALARM_TRAFFIC_PER_SECOND
   * real requests a second), and a CloudWatch alarm ALARM_NAME on the target group's 5xx count that
   * the emulator's CloudWatch evaluates from that traffic.
   */
  alarm?: boolean;
}

/** The rows' 5xx alarm: Sum of HTTPCode_Target_5XX_Count >= 5 in one 60 s period, missing data OK. */
export const ALARM_NAME = 'web-5xx';
/** Real requests a second of an `alarm` row's traffic. */
export const ALARM_TRAFFIC_PER_SECOND = 40;

export interface Measure {
  /** AWS seconds from the first UpdateService naming a task definition to settled; null: never. */
  settledSeconds: number | null;
  /** The action's step, process start to exit, AWS seconds. */
  stepSeconds?: number;
  newLaunched: number;
  /** Tasks of the previous revision that were running before and were stopped during the run. */
  previousReplaced: number;
  /** Tasks of the previous revision started during the run. */
  previousLaunched: number;
  /** Most RUNNING + PENDING tasks over all deployments (DescribeServices). */
  peakTasks: number;
  /** Fewest healthy targets in a group. */
  fewestHealthy: number;
  /** The action's `outcome` output, or what ECS did. */
  outcome: string;
  /** The action's `batches` output (batches whose verdict is in). */
  batches?: number;
  /**
   * Per release after the first: ms from the moment the previous batch's new targets were all
   * healthy (the verdict could be in) to the action's release of the next batch. The action's own
   * per-batch overhead: poll lag, the lease read-back, the UpdateService round trip.
   */
  verdictToReleaseMs?: number[];
  /** An `alarm` row's traffic: from the deploy's start until the service was settled, and in all. */
  users?: { untilSettled: TrafficReport; total: TrafficReport };
}

/** What every row starts; stopped by its own `finally`, or by the signal handler. */
const running = new Set<() => Promise<void>>();

/** Stops whatever a row has running (emulator, task processes, the action's process). */
export async function stopEverything(): Promise<void> {
  await Promise.allSettled([...running].map((stop) => stop()));
}

const SAMPLE_MS = 50;

export async function measureRow(
  profile: Profile,
  row: RowSpec,
  verbose = false,
  shape: Shape = DEMO_SHAPE,
): Promise<Measure> {
  const scale = profile.timeScale;
  const desired = shape.desired;
  const emulator = await startEmulator({
    timeScale: scale,
    ...(shape.taskRuntime ? { taskRuntime: shape.taskRuntime } : {}),
    drainingCountsTowardMaximum: profile.drainingCountsTowardMaximum,
    ...(profile.taskStartSeconds !== undefined ? { taskStartSeconds: profile.taskStartSeconds } : {}),
  });
  const work = mkdtempSync(join(tmpdir(), 'ecs-rolling-bench-'));
  let stopAction: (() => void) | undefined;
  const stop = async (): Promise<void> => {
    stopAction?.();
    await emulator.stop();
  };
  running.add(stop);
  const { ecs, elbv2 } = emulatorClients(emulator.endpoint, emulator.region);
  let observer: ServiceWatch | undefined;
  let traffic: Traffic | undefined;
  let cloudwatch: CloudWatchClient | undefined;
  try {
    const scenario = await createScenario(emulator.endpoint, {
      cluster: 'bench',
      service: 'web',
      desiredCount: desired,
      healthCheck: profile.healthCheck,
      deregistrationDelaySeconds: profile.deregistrationDelaySeconds,
      // The demo service's own settings (seed.ts); ECS-alone rows set theirs with their UpdateService.
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
      taskDefinition: taskDefinition(BASE_IMAGE),
      waitForSteadyState: true,
      waitTimeoutMs: 60_000 + 600_000 * scale,
    });
    const before = new Set(
      (await describeServiceTasks(ecs, scenario.cluster, scenario.service, ['RUNNING'])).map(
        (t) => t.taskArn ?? '',
      ),
    );
    // Far above any row's time; the bound only keeps a broken row from hanging the bench.
    const boundMs = 3_000 * 1000 * scale + 30_000;
    if (row.alarm) {
      cloudwatch = new CloudWatchClient({
        endpoint: emulator.endpoint,
        region: emulator.region,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 2,
      });
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: ALARM_NAME,
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'HTTPCode_Target_5XX_Count',
          Dimensions: [
            { Name: 'TargetGroup', Value: dimensionValueOfArn(scenario.targetGroupArns[0] ?? '') },
            { Name: 'LoadBalancer', Value: dimensionValueOfArn(scenario.loadBalancerArn) },
          ],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 5,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        }),
      );
      traffic = startTraffic(scenario.listenerUrl, {
        ratePerSecond: ALARM_TRAFFIC_PER_SECOND,
        maxDurationMs: boundMs + 60_000,
      });
      // A whole alarm evaluation on the healthy version first (the alarm leaves INSUFFICIENT_DATA).
      await sleep(Math.max(500, 20_000 * scale));
    }
    const trafficAtStart = traffic?.snapshot();
    let trafficAtSettled: TrafficReport | undefined;
    emulator.clearCalls();
    observer = watchService(ecs, elbv2, scenario, row.expect, desired, () => {
      trafficAtSettled = traffic?.snapshot();
    });
    const healthyNew = watchNewHealthy(emulator, scenario);
    const started = Date.now();
    let stepSeconds: number | undefined;
    let batches: number | undefined;
    let outcome: string;
    if (row.method.kind === 'action') {
      writeFileSync(join(work, 'task-definition.json'), JSON.stringify(taskDefinition(BASE_IMAGE)));
      const action = startAction({
        workDir: work,
        workspace: work,
        inputs: {
          cluster: scenario.cluster,
          service: scenario.service,
          'task-definition': 'task-definition.json',
          'container-name': scenario.containerName,
          image: row.image,
          ...(row.method.batchSize !== undefined ? { 'batch-size': row.method.batchSize } : {}),
          ...(row.method.bakeTime !== undefined ? { 'bake-time': row.method.bakeTime } : {}),
          ...(row.method.alarms ? { alarms: ALARM_NAME } : {}),
          'drain-overlap': String(row.method.overlap),
          report: 'none',
        },
        env: { AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: emulator.region },
        timeoutMs: boundMs,
        ...(verbose
          ? { onLine: (line: string) => console.log(`    ${awsClock(started, scale)} | ${line}`) }
          : {}),
      });
      stopAction = () => action.child.kill('SIGKILL');
      const run = await action.done;
      stepSeconds = (Date.now() - started) / 1000 / scale;
      outcome = run.outputs['outcome'] ?? `no outcome (exit ${run.exitCode ?? run.signal})`;
      if (run.outputs['batches'] !== undefined) batches = Number(run.outputs['batches']);
      // The action waits for what the observer waits for; a moment more for the last sample.
      await observer.settled(Math.max(2_000, 30_000 * scale));
    } else {
      const registered = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(row.image)));
      await ecs.send(
        new UpdateServiceCommand({
          cluster: scenario.cluster,
          service: scenario.service,
          taskDefinition: registered.taskDefinition?.taskDefinitionArn,
          deploymentConfiguration: {
            maximumPercent: row.method.maximumPercent,
            minimumHealthyPercent: 100,
            deploymentCircuitBreaker: {
              enable: row.method.circuitBreaker,
              rollback: row.method.circuitBreaker,
            },
            ...(row.method.deploymentAlarms
              ? { alarms: { alarmNames: [ALARM_NAME], enable: true, rollback: true } }
              : {}),
          },
        }),
      );
      const settled = await observer.settled(boundMs);
      outcome = settled === null ? 'not settled' : row.expect === 'new' ? 'steady' : 'rolled back by ECS';
      if (settled !== null && row.method.deploymentAlarms) outcome += await failedBy(ecs, scenario);
    }
    const settledAt = await observer.stop();
    const t0 = emulator
      .calls()
      .find((c) => c.operation === 'UpdateService' && c.params['taskDefinition'] !== undefined)?.time;
    const counts = await countTasks(ecs, scenario, before);
    const gaps = row.method.kind === 'action' ? verdictGaps(emulator, healthyNew.stop()) : [];
    const total = await traffic?.stop();
    const users =
      total && trafficAtStart
        ? {
            untilSettled: since(trafficAtStart, trafficAtSettled ?? total),
            total: since(trafficAtStart, total),
          }
        : undefined;
    return {
      ...(batches !== undefined ? { batches } : {}),
      ...(gaps.length > 0 ? { verdictToReleaseMs: gaps } : {}),
      settledSeconds: settledAt === null || t0 === undefined ? null : (settledAt - t0) / 1000 / scale,
      ...(stepSeconds !== undefined ? { stepSeconds } : {}),
      ...counts,
      peakTasks: observer.peakTasks(),
      fewestHealthy: observer.fewestHealthy(),
      outcome: outcome + restoredBy(emulator, row),
      ...(users ? { users } : {}),
    };
  } finally {
    await observer?.stop();
    await traffic?.stop();
    cloudwatch?.destroy();
    ecs.destroy();
    elbv2.destroy();
    await stop();
    running.delete(stop);
    rmSync(work, { recursive: true, force: true });
  }
}

/** Requests between two snapshots of one traffic run. */
function since(from: TrafficReport, to: TrafficReport): TrafficReport {
  return {
    ...to,
    sent: to.sent - from.sent,
    succeeded: to.succeeded - from.succeeded,
    failed: to.failed - from.failed,
    durationMs: to.durationMs - from.durationMs,
  };
}

/** Why ECS failed the deployment it rolled back, from its service events (newest first). */
async function failedBy(ecs: ECSClient, scenario: ScenarioInfo): Promise<string> {
  const described = await ecs.send(
    new DescribeServicesCommand({ cluster: scenario.cluster, services: [scenario.service] }),
  );
  const events = described.services?.[0]?.events ?? [];
  const failed = events.find((e) => /deployment failed: /.test(e.message ?? ''));
  return failed?.message ? ` (${failed.message.replace(/^.*deployment failed: /, '')})` : '';
}

function awsClock(started: number, scale: number): string {
  return `${((Date.now() - started) / 1000 / scale).toFixed(0).padStart(5)} s`;
}

/** How the action's restore asked ECS, from the call log. */
function restoredBy(emulator: Emulator, row: RowSpec): string {
  if (row.method.kind !== 'action' || row.expect !== 'previous') return '';
  const calls = emulator.calls();
  if (calls.some((c) => c.operation === 'StopServiceDeployment' && c.status === 200))
    return ' (StopServiceDeployment)';
  const updates = calls.filter((c) => c.operation === 'UpdateService' && c.params['taskDefinition']);
  return updates.length > 1 ? ' (UpdateService)' : '';
}

async function countTasks(
  ecs: ECSClient,
  scenario: ScenarioInfo,
  before: ReadonlySet<string>,
): Promise<Pick<Measure, 'newLaunched' | 'previousReplaced' | 'previousLaunched'>> {
  const tasks = await describeServiceTasks(ecs, scenario.cluster, scenario.service);
  const previous = tasks.filter((t) => t.taskDefinitionArn === scenario.taskDefinitionArn);
  return {
    newLaunched: tasks.length - previous.length,
    previousReplaced: previous.filter((t) => before.has(t.taskArn ?? '') && t.desiredStatus !== 'RUNNING')
      .length,
    previousLaunched: previous.filter((t) => !before.has(t.taskArn ?? '')).length,
  };
}

interface ServiceWatch {
  /** Resolves with when the service was first seen settled, or null after `boundMs`. */
  settled(boundMs: number): Promise<number | null>;
  peakTasks(): number;
  fewestHealthy(): number;
  /** Ends the polling (after the sample in flight); the settled time, if any. */
  stop(): Promise<number | null>;
}

function watchService(
  ecs: ECSClient,
  elbv2: ElasticLoadBalancingV2Client,
  scenario: ScenarioInfo,
  expect: RowSpec['expect'],
  desired: number,
  onSettled?: () => void,
): ServiceWatch {
  const previous = scenario.taskDefinitionArn;
  let peak = 0;
  let fewest = Number.POSITIVE_INFINITY;
  let changed = false;
  let settledAt: number | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped && settledAt === null) {
      const at = Date.now();
      try {
        const [described, ...health] = await Promise.all([
          ecs.send(new DescribeServicesCommand({ cluster: scenario.cluster, services: [scenario.service] })),
          ...scenario.targetGroupArns.map((arn) =>
            elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })),
          ),
        ]);
        const service = described.services?.[0];
        const deployments = service?.deployments ?? [];
        const targets = health.map((h) => h.TargetHealthDescriptions ?? []);
        const healthy = targets.map((t) => t.filter((d) => d.TargetHealth?.State === 'healthy').length);
        peak = Math.max(
          peak,
          deployments.reduce((sum, d) => sum + (d.runningCount ?? 0) + (d.pendingCount ?? 0), 0),
        );
        fewest = Math.min(fewest, ...healthy);
        const only = deployments.length === 1 ? deployments[0] : undefined;
        if (!only || only.taskDefinition !== previous) changed = true;
        const onExpected =
          only !== undefined &&
          (expect === 'new' ? only.taskDefinition !== previous : only.taskDefinition === previous);
        if (
          changed &&
          onExpected &&
          only.runningCount === desired &&
          only.pendingCount === 0 &&
          targets.every((t) => t.length === desired) &&
          healthy.every((n) => n === desired)
        ) {
          settledAt = at;
          onSettled?.();
        }
      } catch {
        // A failed read is a missed sample; the next one is 50 ms away.
      }
      await sleep(Math.max(0, SAMPLE_MS - (Date.now() - at)));
    }
  })();
  return {
    async settled(boundMs) {
      const deadline = Date.now() + boundMs;
      while (settledAt === null && !stopped && Date.now() < deadline) await sleep(SAMPLE_MS);
      return settledAt;
    },
    peakTasks: () => peak,
    fewestHealthy: () => (Number.isFinite(fewest) ? fewest : 0),
    async stop() {
      stopped = true;
      await loop;
      return settledAt;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One change the emulator made: new-version tasks launched so far, and healthy now. */
interface NewTasksSample {
  at: number;
  launched: number;
  healthy: number;
}

/**
 * New-version tasks launched and healthy (in the first target group) at every change the emulator
 * makes (its change hook: every scheduler pass and target health transition), so no moment is
 * sampled late. The new version is every task not of the scenario's own revision.
 */
function watchNewHealthy(emulator: Emulator, scenario: ScenarioInfo): { stop(): NewTasksSample[] } {
  const group = `service:${scenario.service}`;
  const [targetGroupArn] = scenario.targetGroupArns;
  const samples: NewTasksSample[] = [];
  const launched = new Set<string>();
  const take = (): void => {
    const { ecs, elbv2 } = emulator.state() as {
      ecs: {
        tasks: {
          taskArn: string;
          taskDefinitionArn: string;
          group: string;
          desiredStatus: string;
          privateIPv4Address: string;
        }[];
      };
      elbv2: { targetGroups: { arn: string; targets: { id: string; state: string }[] }[] };
    };
    const healthyIps = new Set(
      (elbv2.targetGroups.find((g) => g.arn === targetGroupArn)?.targets ?? [])
        .filter((t) => t.state === 'healthy')
        .map((t) => t.id),
    );
    let healthy = 0;
    for (const t of ecs.tasks) {
      if (t.group !== group || t.taskDefinitionArn === scenario.taskDefinitionArn) continue;
      launched.add(t.taskArn);
      if (t.desiredStatus === 'RUNNING' && healthyIps.has(t.privateIPv4Address)) healthy += 1;
    }
    const last = samples.at(-1);
    if (!last || last.launched !== launched.size || last.healthy !== healthy)
      samples.push({ at: Date.now(), launched: launched.size, healthy });
  };
  const unsubscribe = emulator.onChange(take);
  return {
    stop() {
      unsubscribe();
      return samples;
    },
  };
}

/**
 * For each release after the first: ms from the moment every new task launched before it was
 * healthy (the previous batch's verdict could be in) to the release.
 */
function verdictGaps(emulator: Emulator, samples: NewTasksSample[]): number[] {
  // The action's UpdateServices without a task definition alternate release, hold, release, hold,
  // ..., then the put-back of the service's own settings (the call log keeps no bodies here).
  const changes = emulator
    .calls()
    .filter(
      (c) => c.operation === 'UpdateService' && c.status === 200 && c.params['taskDefinition'] === undefined,
    )
    .map((c) => c.time);
  const releases = changes.slice(0, -1).filter((_, i) => i % 2 === 0);
  const gaps: number[] = [];
  for (let i = 1; i < releases.length; i++) {
    const [from, at] = [releases[i - 1]!, releases[i]!];
    // The first moment after the previous release at which every new task so far was healthy.
    const ready = samples.find((s) => s.at > from && s.at <= at && s.launched > 0 && s.healthy >= s.launched);
    if (ready) gaps.push(at - ready.at);
  }
  return gaps;
}
