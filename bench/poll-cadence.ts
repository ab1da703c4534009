// `npx tsx bench/poll-cadence.ts` (after `npm run build`): how the action reads the world during a
// rollout, measured from the emulator's call log. It deploys a healthy version to a service of N
// tasks behind 2 target groups at the emulator's default time scale and prints, per snapshot, the
// calls it took (DescribeServices, ListTasks pages, DescribeTasks chunks, DescribeTargetHealth per
// group), and the gaps between snapshots: the detection latency the action can have. Nothing is
// asserted; it prints what it measured in this one run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, DEFAULT_TIME_SCALE } from '../emulator/src/index.js';
import { createScenario } from '../emulator/src/scenario.js';
import { DEMO_TASK_DEFINITION } from '../emulator/src/seed.js';
import type { CallRecord } from '../emulator/src/contracts.js';
import { runAction } from '../tools/run-action.js';

const DESIRED = Number(process.env['TASKS'] ?? 150);

async function main(): Promise<void> {
  const emulator = await startEmulator({ taskRuntime: 'in-process' });
  const work = mkdtempSync(join(tmpdir(), 'ecs-rolling-cadence-'));
  try {
    const taskDefinition = DEMO_TASK_DEFINITION;
    const scenario = await createScenario(emulator.endpoint, {
      cluster: 'cadence',
      service: 'web',
      desiredCount: DESIRED,
      targetGroups: 2,
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 3 },
      deregistrationDelaySeconds: 20,
      taskDefinition,
      waitForSteadyState: true,
      waitTimeoutMs: 120_000,
    });
    const file = join(work, 'task-definition.json');
    writeFileSync(file, JSON.stringify(taskDefinition));
    emulator.clearCalls();
    const run = await runAction({
      workDir: work,
      inputs: {
        cluster: scenario.cluster,
        service: scenario.service,
        'task-definition': file,
        'container-name': 'web',
        image: 'public.ecr.aws/demo/web:2',
        'batch-size': '25%',
        report: 'none',
      },
      env: { AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: emulator.region },
      timeoutMs: 10 * 60_000,
    });
    const calls = emulator.calls();
    report(calls, run.outputs['outcome'] ?? '(none)', run.outputs['duration-seconds'] ?? '?');
  } finally {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function report(calls: CallRecord[], outcome: string, seconds: string): void {
  // A snapshot starts with its DescribeServices; the calls up to the next one belong to it.
  const snapshots: CallRecord[][] = [];
  for (const call of calls) {
    if (call.operation === 'DescribeServices') snapshots.push([]);
    snapshots.at(-1)?.push(call);
  }
  const reads = snapshots.filter((s) => s.some((c) => c.operation === 'DescribeTargetHealth'));
  const shape = new Map<string, number>();
  for (const snapshot of reads) {
    const counts = new Map<string, number>();
    for (const c of snapshot) counts.set(c.operation, (counts.get(c.operation) ?? 0) + 1);
    const key = [...counts].map(([op, n]) => `${n} ${op}`).join(', ');
    shape.set(key, (shape.get(key) ?? 0) + 1);
  }
  const gaps = reads
    .slice(1)
    .map((s, i) => (s[0]?.time ?? 0) - (reads[i]?.[0]?.time ?? 0))
    .sort((a, b) => a - b);
  const pct = (p: number): number => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] ?? 0;
  console.log(
    `\n${DESIRED} tasks, 2 target groups, time scale ${DEFAULT_TIME_SCALE}; outcome ${outcome} in ${seconds} s`,
  );
  console.log(`${calls.length} API calls in all; ${reads.length} snapshots`);
  console.log('calls per snapshot (how many snapshots had that shape):');
  for (const [key, n] of [...shape].sort((a, b) => b[1] - a[1])) console.log(`  ${n} x  ${key}`);
  console.log(
    `gap between snapshots, real ms: median ${pct(0.5)}, p90 ${pct(0.9)}, max ${gaps.at(-1) ?? 0} ` +
      `(AWS seconds at this scale: median ${(pct(0.5) / 1000 / DEFAULT_TIME_SCALE).toFixed(1)}, max ${((gaps.at(-1) ?? 0) / 1000 / DEFAULT_TIME_SCALE).toFixed(1)})`,
  );
  const mutating = calls.filter((c) => c.mutating).map((c) => c.operation);
  console.log(`mutating calls: ${mutating.join(', ')}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
