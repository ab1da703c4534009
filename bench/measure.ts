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
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/src/index.js';
import type { Emulator } from '../emulator/src/index.js';
import { createScenario, describeServiceTasks, emulatorClients } from '../emulator/src/scenario.js';
import type { ScenarioInfo } from '../emulator/src/scenario.js';
import { startAction } from '../tools/run-action.js';
import { BASE_IMAGE, BATCH, DESIRED, taskDefinition, type Profile } from './profiles.js';

export type Method =
  { kind: 'action'; overlap: boolean } | { kind: 'ecs'; maximumPercent: number; circuitBreaker: boolean };

export interface RowSpec {
  id: string;
  label: string;
  method: Method;
  image: string;
  /** Where the service should end: the new version, or back on the previous one. */
  expect: 'new' | 'previous';
}

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
}

/** What every row starts; stopped by its own `finally`, or by the signal handler. */
const running = new Set<() => Promise<void>>();

/** Stops whatever a row has running (emulator, task processes, the action's process). */
export async function stopEverything(): Promise<void> {
  await Promise.allSettled([...running].map((stop) => stop()));
}

const SAMPLE_MS = 50;

export async function measureRow(profile: Profile, row: RowSpec, verbose = false): Promise<Measure> {
  const scale = profile.timeScale;
  const emulator = await startEmulator({
    timeScale: scale,
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
  try {
    const scenario = await createScenario(emulator.endpoint, {
      cluster: 'bench',
      service: 'web',
      desiredCount: DESIRED,
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
    emulator.clearCalls();
    observer = watchService(ecs, elbv2, scenario, row.expect);
    // Far above any row's time; the bound only keeps a broken row from hanging the bench.
    const boundMs = 3_000 * 1000 * scale + 30_000;
    const started = Date.now();
    let stepSeconds: number | undefined;
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
          'batch-size': String(BATCH),
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
          },
        }),
      );
      const settled = await observer.settled(boundMs);
      outcome = settled === null ? 'not settled' : row.expect === 'new' ? 'steady' : 'rolled back by ECS';
    }
    const settledAt = await observer.stop();
    const t0 = emulator
      .calls()
      .find((c) => c.operation === 'UpdateService' && c.params['taskDefinition'] !== undefined)?.time;
    const counts = await countTasks(ecs, scenario, before);
    return {
      settledSeconds: settledAt === null || t0 === undefined ? null : (settledAt - t0) / 1000 / scale,
      ...(stepSeconds !== undefined ? { stepSeconds } : {}),
      ...counts,
      peakTasks: observer.peakTasks(),
      fewestHealthy: observer.fewestHealthy(),
      outcome: outcome + restoredBy(emulator, row),
    };
  } finally {
    await observer?.stop();
    ecs.destroy();
    elbv2.destroy();
    await stop();
    running.delete(stop);
    rmSync(work, { recursive: true, force: true });
  }
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
          only.runningCount === DESIRED &&
          only.pendingCount === 0 &&
          targets.every((t) => t.length === DESIRED) &&
          healthy.every((n) => n === DESIRED)
        )
          settledAt = at;
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
