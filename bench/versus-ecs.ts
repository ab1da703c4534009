// `npm run bench`: the action against ECS's own rolling update (what the official deploy action
// relies on: UpdateService, then wait for the service to be stable, with the deployment circuit
// breaker set to roll back). Same emulator settings, same service, same version, one run each, in
// fresh emulators. It prints what was measured and the ratios; it asserts nothing about speed.
//
// For each version it measures, with one observer polling the service through the SDK for both:
// - time until the service is back to one deployment, on one task definition, at its desired count
//   with every target healthy (AWS seconds: real seconds / time scale);
// - how many tasks of the new version were launched (ListTasks RUNNING + STOPPED, DescribeTasks);
// - the most tasks running at once, and the fewest healthy targets, while it ran;
// - failed requests of a steady load through the listener.
// BENCH_VERBOSE=1 also prints the action's own log lines, stamped in AWS seconds.
import {
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { ECSClient, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/src/index.js';
import { createScenario, describeServiceTasks, emulatorClients } from '../emulator/src/scenario.js';
import { DEMO_TASK_DEFINITION } from '../emulator/src/seed.js';
import type { ScenarioInfo } from '../emulator/src/scenario.js';
import { runAction } from '../tools/run-action.js';
import { startTraffic } from '../tools/traffic.js';

const TIME_SCALE = 0.05;
const DESIRED = 8;
const BASE_IMAGE = 'public.ecr.aws/demo/web:1';

interface Version {
  name: string;
  image: string;
}

const versions: Version[] = [
  { name: 'healthy', image: 'public.ecr.aws/demo/web:2' },
  { name: 'health check fails', image: 'public.ecr.aws/demo/web:unhealthy' },
  { name: 'crashes at start', image: 'public.ecr.aws/demo/web:crash' },
];

interface Measure {
  settledAwsSeconds: number | null;
  newTasksLaunched: number;
  maxTasks: number;
  minHealthy: number;
  failedRequests: number;
  requests: number;
  finalTaskDefinition: string;
}

type Method = 'action' | 'ecs';

async function main(): Promise<void> {
  const rows: Array<{ version: string; action: Measure; ecs: Measure }> = [];
  for (const version of versions) {
    const action = await measure('action', version);
    const ecs = await measure('ecs', version);
    rows.push({ version: version.name, action, ecs });
  }
  const aws = (s: number | null): string => (s === null ? 'not settled' : `${s.toFixed(0)} s`);
  const ratio = (a: number | null, b: number | null): string =>
    a === null || b === null || a === 0 ? '-' : `${(b / a).toFixed(2)}x`;
  console.log(
    `\n${DESIRED} tasks, time scale ${TIME_SCALE} (figures in AWS seconds = real / scale), one run each.`,
  );
  console.log(
    'action: this action, batch-size 25%; ecs: UpdateService + wait for steady state, circuit breaker with rollback.\n',
  );
  console.log(
    '| version | method | settled after | new-version tasks launched | most tasks at once | fewest healthy | failed requests | final task definition |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    for (const method of ['action', 'ecs'] as const) {
      const m = row[method];
      console.log(
        `| ${row.version} | ${method} | ${aws(m.settledAwsSeconds)} | ${m.newTasksLaunched} | ${m.maxTasks} | ${m.minHealthy} | ${m.failedRequests}/${m.requests} | ${m.finalTaskDefinition} |`,
      );
    }
  }
  console.log('\nRatios (ecs / action; above 1 means the action took less):');
  for (const row of rows) {
    console.log(
      `- ${row.version}: time to settle ${ratio(row.action.settledAwsSeconds, row.ecs.settledAwsSeconds)}, new-version tasks launched ${ratio(row.action.newTasksLaunched, row.ecs.newTasksLaunched)}`,
    );
  }
}

async function measure(method: Method, version: Version): Promise<Measure> {
  const emulator = await startEmulator({ timeScale: TIME_SCALE });
  const work = mkdtempSync(join(tmpdir(), 'ecs-rolling-bench-'));
  try {
    const scenario = await createScenario(emulator.endpoint, {
      cluster: 'bench',
      service: 'web',
      desiredCount: DESIRED,
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 3 },
      deregistrationDelaySeconds: 20,
      healthCheckGracePeriodSeconds: 0,
      deploymentConfiguration: {
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
      taskDefinition: taskDefinition(BASE_IMAGE),
      waitForSteadyState: true,
    });
    const { ecs, elbv2 } = emulatorClients(emulator.endpoint, emulator.region);
    const traffic = startTraffic(scenario.listenerUrl, { ratePerSecond: 20, maxDurationMs: 10 * 60_000 });
    const observer = observe(ecs, elbv2, scenario);
    const started = Date.now();
    let settledAt: number | null;
    if (method === 'action') {
      const file = join(work, 'task-definition.json');
      writeFileSync(file, JSON.stringify(taskDefinition(BASE_IMAGE)));
      await runAction({
        workDir: work,
        inputs: {
          cluster: scenario.cluster,
          service: scenario.service,
          'task-definition': file,
          'container-name': scenario.containerName,
          image: version.image,
          'batch-size': '25%',
          'batch-timeout': '10m',
          report: 'none',
        },
        env: { AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: emulator.region },
        timeoutMs: 8 * 60_000,
        ...(process.env['BENCH_VERBOSE']
          ? {
              onLine: (line: string) =>
                console.log(
                  `  ${((Date.now() - started) / 1000 / TIME_SCALE).toFixed(0).padStart(4)} s | ${line}`,
                ),
            }
          : {}),
      });
      settledAt = await observer.settledAfter(started, 60_000);
    } else {
      const registered = await register(ecs, version.image);
      await ecs.send(
        new UpdateServiceCommand({
          cluster: scenario.cluster,
          service: scenario.service,
          taskDefinition: registered,
        }),
      );
      settledAt = await observer.settledAfter(started, 8 * 60_000);
    }
    const report = await traffic.stop();
    await observer.stop();
    const launched = await newVersionTasks(ecs, scenario);
    return {
      settledAwsSeconds: settledAt === null ? null : (settledAt - started) / 1000 / TIME_SCALE,
      newTasksLaunched: launched,
      maxTasks: observer.maxTasks(),
      minHealthy: observer.minHealthy(),
      failedRequests: report.failed,
      requests: report.sent,
      finalTaskDefinition: (await currentTaskDefinition(ecs, scenario)).split('/').pop() ?? '?',
    };
  } finally {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The demo's web task definition (emulator/src/seed.ts) with `image`, and a 10 s stop timeout. */
function taskDefinition(image: string): RegisterTaskDefinitionCommandInput {
  return {
    ...DEMO_TASK_DEFINITION,
    containerDefinitions: (DEMO_TASK_DEFINITION.containerDefinitions ?? []).map((c) => ({
      ...c,
      image,
      stopTimeout: 10,
    })),
  };
}

async function register(ecs: ECSClient, image: string): Promise<string> {
  const answer = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(image)));
  const arn = answer.taskDefinition?.taskDefinitionArn;
  if (!arn) throw new Error('RegisterTaskDefinition returned no ARN');
  return arn;
}

async function currentTaskDefinition(ecs: ECSClient, scenario: ScenarioInfo): Promise<string> {
  const answer = await ecs.send(
    new DescribeServicesCommand({ cluster: scenario.cluster, services: [scenario.service] }),
  );
  return answer.services?.[0]?.taskDefinition ?? '?';
}

async function newVersionTasks(ecs: ECSClient, scenario: ScenarioInfo): Promise<number> {
  const tasks = await describeServiceTasks(ecs, scenario.cluster, scenario.service);
  return tasks.filter((t) => t.taskDefinitionArn !== scenario.taskDefinitionArn).length;
}

/** One observer for both methods: polls the service and the target groups every 100 ms real. */
function observe(ecs: ECSClient, elbv2: ElasticLoadBalancingV2Client, scenario: ScenarioInfo) {
  let maxTasks = 0;
  let minHealthy = Number.POSITIVE_INFINITY;
  let changed = false;
  let settledSince: number | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const [services, health] = await Promise.all([
          ecs.send(new DescribeServicesCommand({ cluster: scenario.cluster, services: [scenario.service] })),
          Promise.all(
            scenario.targetGroupArns.map((arn) =>
              elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })),
            ),
          ),
        ]);
        const service = services.services?.[0];
        const deployments = service?.deployments ?? [];
        const running = deployments.reduce(
          (sum, d) => sum + (d.runningCount ?? 0) + (d.pendingCount ?? 0),
          0,
        );
        const healthy = Math.min(
          ...health.map(
            (h) =>
              (h.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').length,
          ),
        );
        maxTasks = Math.max(maxTasks, running);
        minHealthy = Math.min(minHealthy, healthy);
        if (deployments.length > 1 || service?.taskDefinition !== scenario.taskDefinitionArn) changed = true;
        const steady =
          changed &&
          deployments.length === 1 &&
          deployments[0]?.rolloutState === 'COMPLETED' &&
          deployments[0]?.runningCount === DESIRED &&
          healthy === DESIRED &&
          health.every((h) => (h.TargetHealthDescriptions ?? []).length === DESIRED);
        if (steady) settledSince ??= Date.now();
        else settledSince = null;
      } catch {
        // A throttled or failed read is just a missed sample.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async settledAfter(since: number, boundMs: number): Promise<number | null> {
      while (Date.now() - since < boundMs) {
        if (settledSince !== null) return settledSince;
        await new Promise((r) => setTimeout(r, 100));
      }
      return null;
    },
    maxTasks: () => maxTasks,
    minHealthy: () => (Number.isFinite(minHealthy) ? minHealthy : 0),
    /** Ends the polling and waits for the sample in flight. */
    async stop(): Promise<void> {
      stopped = true;
      await loop;
    },
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
