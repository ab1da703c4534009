// `npm run demo`: the whole product on this machine, no AWS account. Starts the emulator with the demo
// scenario (6 tasks of web:1 behind an ALB), sends steady traffic through its listener, then runs the
// bundled action (dist/main, as a runner would) twice: a healthy web:2, and a broken web:3 that fails
// its health checks and is rolled back. Prints each outcome, which revision served the requests, the
// failed-request count and where each job summary was written.
import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../emulator/src/index.js';
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

async function main(): Promise<number> {
  mkdirSync(outDir, { recursive: true });
  say('starting the ECS + ELBv2 emulator with the demo scenario (cluster demo, service web, 6 tasks)...');
  const emulator = await startEmulator({ seed: 'demo' });
  const demo = emulator.demo;
  if (!demo) throw new Error('the emulator did not seed the demo scenario');
  say(`emulator endpoint ${emulator.endpoint}; load balancer listener ${demo.listenerUrl}`);
  const taskDefinitionFile = join(outDir, 'web.json');
  cpSync(join(root, 'examples', 'task-definitions', 'web.json'), taskDefinitionFile);

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
