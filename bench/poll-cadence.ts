// `npm run bench:poll`: how the action reads a large service, from the emulator's call log. 1,000
// tasks behind 2 target groups (in-process task runtime), AWS's throttling on (token buckets of
// emulator/src/throttle.ts: ECS DescribeServices, ListTasks, DescribeTasks 20/s sustained, burst 50;
// ELBv2 Describe* 10/s, burst 40, shared). Two deploys in a row (web:2, then web:3 "within the
// hour", when the first deploy's 1,000 STOPPED tasks are still listed). For each it prints the calls
// per snapshot by operation (first snapshots, last snapshots, and every shape seen), throttled
// answers, the peak calls in any 1-second window per operation against AWS's sustained rate, and the
// gap between snapshots. Time scale 1 (AWS seconds = real seconds): the action's pace is real time.
// Nothing is asserted. TASKS=<n> for another fleet size.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/src/index.js';
import type { Emulator } from '../emulator/src/index.js';
import { createScenario } from '../emulator/src/scenario.js';
import type { CallRecord } from '../emulator/src/contracts.js';
import { startAction } from '../tools/run-action.js';
import { BASE_IMAGE, taskDefinition } from './profiles.js';

const DESIRED = Number(process.env['TASKS'] ?? 1000);
/** Calls per second AWS sustains per operation (bucket refill), as the emulator models them. */
const SUSTAINED: Record<string, number> = {
  DescribeServices: 20,
  ListTasks: 20,
  DescribeTasks: 20,
  DescribeTargetHealth: 10,
};
const WATCHED = Object.keys(SUSTAINED);

let emulator: Emulator | undefined;
let stopAction: (() => void) | undefined;

async function main(): Promise<void> {
  emulator = await startEmulator({ taskRuntime: 'in-process', timeScale: 1 });
  const work = mkdtempSync(join(tmpdir(), 'ecs-rolling-cadence-'));
  try {
    const scenario = await createScenario(emulator.endpoint, {
      cluster: 'cadence',
      service: 'web',
      desiredCount: DESIRED,
      targetGroups: 2,
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 3 },
      deregistrationDelaySeconds: 20,
      taskDefinition: taskDefinition(BASE_IMAGE),
      waitForSteadyState: true,
      waitTimeoutMs: 300_000,
    });
    writeFileSync(join(work, 'task-definition.json'), JSON.stringify(taskDefinition(BASE_IMAGE)));
    // Set up unthrottled (as the seed is); the action meets AWS's limits from its first call.
    emulator.setThrottling(true);
    console.log(
      `${DESIRED} tasks, 2 target groups, in-process tasks, time scale 1, throttling on; batch-size 25%\n`,
    );
    for (const image of ['public.ecr.aws/demo/web:2', 'public.ecr.aws/demo/web:3']) {
      emulator.clearCalls();
      const action = startAction({
        workDir: work,
        workspace: work,
        inputs: {
          cluster: scenario.cluster,
          service: scenario.service,
          'task-definition': 'task-definition.json',
          'container-name': 'web',
          image,
          'batch-size': '25%',
          report: 'none',
        },
        env: { AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: emulator.region },
        timeoutMs: 15 * 60_000,
      });
      stopAction = () => action.child.kill('SIGKILL');
      const run = await action.done;
      stopAction = undefined;
      const actionCalls = emulator.calls().filter((c) => c.userAgent?.includes('ecs-rolling-deploy'));
      console.log(
        `## deploy ${image.split(':').pop() ?? ''}: outcome ${run.outputs['outcome'] ?? '(none)'} in ${run.outputs['duration-seconds'] ?? '?'} s`,
      );
      report(actionCalls);
    }
  } finally {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function report(calls: CallRecord[]): void {
  // A snapshot starts with DescribeServices and holds the reads up to the next one; only those that
  // read target health are snapshots (preflight and restore read the service alone too). The changes
  // the action makes between two snapshots (UpdateService, the lease's tags) are counted apart.
  const groups: CallRecord[][] = [];
  for (const call of calls) {
    if (call.operation === 'DescribeServices' && !call.errorCode) groups.push([]);
    groups.at(-1)?.push(call);
  }
  const snapshots = groups.filter((s) => s.some((c) => c.operation === 'DescribeTargetHealth'));
  const shape = (s: CallRecord[]): string => {
    const parts = WATCHED.map((op) => {
      const n = s.filter((c) => c.operation === op && !c.errorCode).length;
      const throttled = s.filter((c) => c.operation === op && c.errorCode).length;
      return `${n} ${op}${throttled > 0 ? ` (+${throttled} throttled)` : ''}`;
    });
    return parts.join(', ');
  };
  const other = calls.filter((c) => !WATCHED.includes(c.operation)).map((c) => c.operation);
  console.log(`${calls.length} calls by the action, ${snapshots.length} snapshots; calls per snapshot:`);
  for (const [words, list] of [
    ['first', snapshots.slice(0, 3)],
    ['last', snapshots.slice(-2)],
  ] as const) {
    for (const s of list) console.log(`  ${words.padEnd(5)} ${shape(s)}`);
  }
  const shapes = new Map<string, number>();
  for (const s of snapshots) shapes.set(shape(s), (shapes.get(shape(s)) ?? 0) + 1);
  console.log('every snapshot (how many times that shape):');
  for (const [key, n] of [...shapes].sort((a, b) => b[1] - a[1]))
    console.log(`  ${String(n).padStart(3)} x  ${key}`);
  console.log(`other calls: ${[...count(other)].map(([op, n]) => `${n} ${op}`).join(', ')}`);

  console.log(
    '\n| operation | calls | throttled | peak in any 1 s | peak mean /s over any 10 s | mean /s, first to last call | AWS sustained /s |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const span = ((calls.at(-1)?.time ?? 0) - (calls[0]?.time ?? 0)) / 1000 || 1;
  for (const op of WATCHED) {
    const times = calls.filter((c) => c.operation === op).map((c) => c.time);
    const throttled = calls.filter((c) => c.operation === op && c.errorCode?.startsWith('Throttling')).length;
    console.log(
      `| ${op} | ${times.length} | ${throttled} | ${peakIn(times, 1000)} | ${(peakIn(times, 10_000) / 10).toFixed(1)} | ` +
        `${(times.length / span).toFixed(1)} | ${SUSTAINED[op] ?? '-'} |`,
    );
  }
  const starts = snapshots.map((s) => s[0]?.time ?? 0);
  const gaps = starts
    .slice(1)
    .map((t, i) => t - (starts[i] ?? t))
    .sort((a, b) => a - b);
  const pct = (p: number): number => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] ?? 0;
  // Under the fast pace (800 ms): the loop looked again at once after changing something (release,
  // hold, verdict), or soon after a release.
  const quick = gaps.filter((g) => g < 800).length;
  console.log(
    `\ngap between snapshot starts, ms: min ${gaps[0] ?? 0}, median ${pct(0.5)}, p90 ${pct(0.9)}, max ${gaps.at(-1) ?? 0}; ` +
      `${quick} of ${gaps.length} gaps under 800 ms\n`,
  );
}

function count(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/** The most calls whose times fall within any window of `windowMs`. */
function peakIn(times: readonly number[], windowMs: number): number {
  let peak = 0;
  let from = 0;
  for (let i = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[from] ?? 0) >= windowMs) from++;
    peak = Math.max(peak, i - from + 1);
  }
  return peak;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAction?.();
    void (emulator?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    stopAction?.();
    await emulator?.stop().catch(() => undefined);
    process.exit(1);
  },
);
