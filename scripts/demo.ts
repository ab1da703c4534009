// `npm run demo`: the whole product on this machine, no AWS account. Starts the emulator with the demo
// scenario (6 tasks of web:1 behind an ALB), sends steady traffic through its listener, then runs the
// bundled action (dist/main, as a runner would) twice: a healthy web:2, and a broken web:3 that fails
// its health checks and is rolled back. Prints each outcome, which revision served the requests, the
// failed-request count and where each job summary was written.
//
// `npm run demo -- --scene worker`: the same two deploys against a queue worker with no load
// balancer (service `worker`, 4 tasks, a container health check `curl -f http://localhost:8080/health`):
// a healthy worker:2, and a worker whose health check fails, rolled back naming the container.
// `npm run demo -- --scene bridge`: the same two rollouts on the EC2 launch type: 3 container
// instances, 6 bridge-mode tasks on dynamic host ports behind an `instance` target group, each task
// followed by its instance id and host port.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { startEmulator, type Emulator } from '../emulator/src/index.js';
import { createScenario } from '../emulator/src/scenario.js';
import type { ScenarioInfo } from '../emulator/src/scenario.js';
import { BRIDGE_DEMO_TASK_DEFINITION, seedBridgeDemo } from '../emulator/src/seed.js';
import { runAction } from '../tools/run-action.js';
import { startTraffic } from '../tools/traffic.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const outDir = join(root, '.tmp', 'demo');
const started = Date.now();
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (line: string): void => console.log(`[demo ${elapsed()}] ${line}`);

interface Step {
  title: string;
  image: string;
  expect: string;
}

const steps: Step[] = [
  { title: 'deploy a healthy version', image: 'public.ecr.aws/demo/web:2', expect: 'succeeded' },
  {
    title: 'deploy a broken version (its /health answers 500)',
    image: 'public.ecr.aws/demo/web:unhealthy',
    expect: 'rolled-back',
  },
];

const workerSteps: Step[] = [
  { title: 'deploy a healthy worker', image: 'public.ecr.aws/demo/worker:2', expect: 'succeeded' },
  {
    title: 'deploy a broken worker (its container health check fails)',
    image: 'public.ecr.aws/demo/worker:unhealthy',
    expect: 'rolled-back',
  },
];

/**
 * The scenes `--scene` chooses: the default (Fargate, awsvpc, behind an ALB), `worker` (no load
 * balancer, container health checks) and `bridge` (EC2, bridge mode, an `instance` target group).
 */
const SCENES = ['default', 'worker', 'bridge'] as const;
type Scene = (typeof SCENES)[number];

function sceneOf(args: readonly string[]): Scene {
  const at = args.indexOf('--scene');
  const given = at >= 0 ? args[at + 1] : 'default';
  if (!SCENES.includes(given as Scene))
    throw new Error(`--scene must be one of ${SCENES.join(', ')}, not ${String(given)}`);
  return given as Scene;
}

/** The emulator with the scene's service, and the task definition file the action deploys. */
async function setUp(
  scene: Scene,
): Promise<{ emulator: Emulator; demo: ScenarioInfo; taskDefinitionFile: string }> {
  if (scene === 'bridge') {
    say(
      'starting the emulator: cluster demo, 3 container instances (EC2), service web, 6 bridge tasks on dynamic host ports...',
    );
    const emulator = await startEmulator();
    try {
      const demo = await seedBridgeDemo(emulator.endpoint, { region: emulator.region });
      const taskDefinitionFile = join(outDir, 'web-bridge.json');
      writeFileSync(taskDefinitionFile, JSON.stringify(BRIDGE_DEMO_TASK_DEFINITION, null, 2));
      say(
        `container instances ${demo.ec2InstanceIds?.join(', ') ?? '?'}; the targets are instance-id:host-port`,
      );
      return { emulator, demo, taskDefinitionFile };
    } catch (error) {
      await emulator.stop();
      throw error;
    }
  }
  say('starting the ECS + ELBv2 emulator with the demo scenario (cluster demo, service web, 6 tasks)...');
  const emulator = await startEmulator({ seed: 'demo' });
  const demo = emulator.demo;
  if (!demo) throw new Error('the emulator did not seed the demo scenario');
  const taskDefinitionFile = join(outDir, 'web.json');
  cpSync(join(root, 'examples', 'task-definitions', 'web.json'), taskDefinitionFile);
  return { emulator, demo, taskDefinitionFile };
}

/** The worker scene: no load balancer, so no traffic; each step's outcome and failure reason. */
async function workerScene(): Promise<number> {
  mkdirSync(outDir, { recursive: true });
  say(
    'starting the ECS emulator with a worker service (cluster demo, service worker, 4 tasks, no load balancer)...',
  );
  const emulator: Emulator = await startEmulator({});
  let ok = true;
  try {
    const file = join(root, 'examples', 'task-definitions', 'worker.json');
    const definition = JSON.parse(readFileSync(file, 'utf8')) as RegisterTaskDefinitionCommandInput;
    const info = await createScenario(emulator.endpoint, {
      cluster: 'demo',
      service: 'worker',
      desiredCount: 4,
      targetGroups: 0,
      taskDefinition: definition,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
      waitForSteadyState: true,
      waitTimeoutMs: 60_000,
    });
    say(
      `emulator endpoint ${emulator.endpoint}; ${info.service} runs 4 tasks of worker:1, each HEALTHY in its container health check`,
    );
    const taskDefinitionFile = join(outDir, 'worker.json');
    cpSync(file, taskDefinitionFile);
    for (const [index, step] of workerSteps.entries()) {
      say(`--- ${index + 1}/${workerSteps.length}: ${step.title}: image ${step.image}`);
      const summaryDir = join(outDir, `worker-step-${index + 1}`);
      mkdirSync(summaryDir, { recursive: true });
      const run = await runAction({
        workDir: summaryDir,
        inputs: {
          cluster: info.cluster,
          service: info.service,
          'task-definition': taskDefinitionFile,
          'container-name': info.containerName,
          image: step.image,
          'batch-size': '2',
          'batch-timeout': '3m',
          'rollout-timeout': '15m',
          report: 'none',
        },
        env: { AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: emulator.region },
        onLine: (line) => {
          if (!line.startsWith('::debug::')) console.log(`    | ${line}`);
        },
        timeoutMs: 5 * 60_000,
      });
      const outcome = run.outputs['outcome'] ?? '(none)';
      say(`outcome: ${outcome} (expected ${step.expect}); exit code ${run.exitCode}`);
      if (run.outputs['failure-reason']) say(`failure reason: ${run.outputs['failure-reason']}`);
      say(
        `task definition: ${run.outputs['previous-task-definition-arn'] ?? '?'} -> ${run.outputs['task-definition-arn'] ?? '?'}`,
      );
      say(`job summary: ${join(summaryDir, 'summary-main.md')}`);
      if (outcome !== step.expect) ok = false;
    }
  } finally {
    await emulator.stop();
  }
  say(
    ok ? 'demo finished: every outcome as expected' : 'demo finished with an unexpected result (see above)',
  );
  return ok ? 0 : 1;
}

async function main(): Promise<number> {
  const scene = sceneOf(process.argv.slice(2));
  if (scene === 'worker') return workerScene();
  mkdirSync(outDir, { recursive: true });
  const { emulator, demo, taskDefinitionFile } = await setUp(scene);
  say(`emulator endpoint ${emulator.endpoint}; load balancer listener ${demo.listenerUrl}`);

  let ok = true;
  try {
    for (const [index, step] of steps.entries()) {
      say(`--- ${index + 1}/${steps.length}: ${step.title}: image ${step.image}`);
      const traffic = startTraffic(demo.listenerUrl, { ratePerSecond: 25, maxDurationMs: 5 * 60_000 });
      const summaryDir = join(outDir, `step-${index + 1}`);
      mkdirSync(summaryDir, { recursive: true });
      const run = await runAction({
        workDir: summaryDir,
        inputs: {
          cluster: demo.cluster,
          service: demo.service,
          'task-definition': taskDefinitionFile,
          'container-name': demo.containerName,
          image: step.image,
          'batch-size': '2',
          'batch-timeout': '3m',
          'rollout-timeout': '15m',
          report: 'none',
        },
        env: { AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: emulator.region },
        onLine: (line) => {
          if (!line.startsWith('::debug::')) console.log(`    | ${line}`);
        },
        timeoutMs: 5 * 60_000,
      });
      const report = await traffic.stop();
      const outcome = run.outputs['outcome'] ?? '(none)';
      say(`outcome: ${outcome} (expected ${step.expect}); exit code ${run.exitCode}`);
      if (run.outputs['failure-reason']) say(`failure reason: ${run.outputs['failure-reason']}`);
      say(
        `task definition: ${run.outputs['previous-task-definition-arn'] ?? '?'} -> ${run.outputs['task-definition-arn'] ?? '?'}`,
      );
      const served = Object.entries(report.byTaskDefinition)
        .map(([revision, count]) => `${revision}: ${count}`)
        .join(', ');
      say(
        `traffic: ${report.sent} requests at ${report.achievedRatePerSecond.toFixed(1)}/s; served by ${served || 'nobody'}; failed: ${report.failed}`,
      );
      for (const failure of report.failures.slice(0, 5)) say(`  failed request: ${failure}`);
      const summaryFile = join(summaryDir, 'summary-main.md');
      say(`job summary: ${summaryFile}`);
      if (outcome !== step.expect || report.failed > 0) ok = false;
    }
  } finally {
    await emulator.stop();
  }
  say(
    ok
      ? 'demo finished: every outcome as expected, no failed request'
      : 'demo finished with an unexpected result (see above)',
  );
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
