// `npm run bench:decide`: how long the engine's pure per-snapshot work takes on a large fleet. The loop
// runs decide() (src/rollout/decide.ts) on every snapshot of a rollout, and restoreStatus()
// (src/rollout/restore.ts) on every snapshot of a restore; trackDrains() (drains.ts) is the other
// per-snapshot fold, timed too. Synthetic snapshots of N tasks behind 2 target groups, mid-rollout:
// a quarter new and healthy, a quarter of old tasks draining, the rest old and running, plus N
// STOPPED tasks of an earlier deploy (ECS keeps them about an hour). Each timing is on a fresh
// snapshot object, so the per-snapshot index (snapshot-index.ts, cached per object) is rebuilt as it
// is for every real snapshot. Median of RUNS runs after WARMUP; nothing asserted.
import { decide, type DecideContext } from '../src/rollout/decide.js';
import { EMPTY_LEDGER, trackDrains } from '../src/rollout/drains.js';
import { planBatches } from '../src/rollout/plan.js';
import { restoreStatus } from '../src/rollout/restore.js';
import type { Snapshot, TargetView, TaskView } from '../src/rollout/snapshot.js';
import { START } from '../src/rollout/progress.js';

const RUNS = 15;
const WARMUP = 3;
const OLD = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1';
const NEW = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:2';
const GROUPS = [1, 2].map(
  (i) => `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-${i}/0${i}`,
);

function snapshotOf(n: number, at: number): Snapshot {
  const tasks: TaskView[] = [];
  const targets: TargetView[] = [];
  const ip = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  for (let i = 0; i < 2 * n; i++) {
    // i < n/4: new, healthy; < n/2: old, draining; < n: old, running; then STOPPED from earlier.
    const kind = i < n / 4 ? 'new' : i < n / 2 ? 'draining' : i < n ? 'old' : 'stopped';
    const task: TaskView = {
      arn: `arn:aws:ecs:us-east-1:000000000000:task/bench/${i.toString(16).padStart(32, '0')}`,
      id: i.toString(16).padStart(32, '0'),
      taskDefinitionArn: kind === 'new' ? NEW : OLD,
      lastStatus: kind === 'stopped' ? 'STOPPED' : kind === 'draining' ? 'DEACTIVATING' : 'RUNNING',
      desiredStatus: kind === 'new' || kind === 'old' ? 'RUNNING' : 'STOPPED',
      ip: ip(i),
      createdAt: at - 600_000,
      containers: [{ name: 'web', lastStatus: kind === 'stopped' ? 'STOPPED' : 'RUNNING' }],
      ...(kind === 'stopped' ? { stoppedAt: at - 3_000_000, stoppedReason: 'Scaling activity' } : {}),
    };
    tasks.push(task);
    if (kind === 'stopped') continue;
    for (const group of GROUPS)
      targets.push({
        targetGroupArn: group,
        id: ip(i),
        port: 8080,
        state: kind === 'draining' ? 'draining' : 'healthy',
      });
  }
  return {
    at,
    service: {
      arn: 'arn:aws:ecs:us-east-1:000000000000:service/bench/web',
      name: 'web',
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/bench',
      status: 'ACTIVE',
      desiredCount: n,
      runningCount: n,
      pendingCount: 0,
      taskDefinitionArn: NEW,
      settings: { maximumPercent: 100, minimumHealthyPercent: 100 },
      deployments: [
        {
          id: 'ecs-svc/2',
          status: 'PRIMARY',
          taskDefinitionArn: NEW,
          desiredCount: n,
          pendingCount: 0,
          runningCount: n / 4,
          failedTasks: 0,
          rolloutState: 'IN_PROGRESS',
        },
        {
          id: 'ecs-svc/1',
          status: 'ACTIVE',
          taskDefinitionArn: OLD,
          desiredCount: n,
          pendingCount: 0,
          runningCount: n / 2,
          failedTasks: 0,
          rolloutState: 'COMPLETED',
        },
      ],
      events: Array.from({ length: 100 }, (_, i) => ({
        id: `e${i}`,
        createdAt: at - i * 1000,
        message: 'has started 2 tasks',
      })),
      targetGroupArns: GROUPS,
      deploymentController: 'ECS',
    },
    tasks,
    targets,
  };
}

/** Median milliseconds of `fn` over fresh copies of `snapshot`. */
function time(snapshot: Snapshot, fn: (s: Snapshot) => unknown): number {
  const samples: number[] = [];
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const fresh = { ...snapshot };
    const t = performance.now();
    fn(fresh);
    if (run >= WARMUP) samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

function main(): void {
  console.log(
    `decide-scale: median of ${RUNS} runs (after ${WARMUP} warm-up), node ${process.version}, ms per call\n`,
  );
  console.log('| tasks (+ as many STOPPED) | targets | decide | restoreStatus | trackDrains | all three |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const n of [1_000, 5_000]) {
    const now = Date.now();
    const snapshot = snapshotOf(n, now);
    const plan = planBatches({
      desired: n,
      batchSize: { kind: 'percent', value: 25 },
      maxUnavailable: { kind: 'count', value: 0 },
    });
    const drainCtx = { newTaskDefinitionArn: NEW, released: [plan.batches[0] ?? 0], since: now - 600_000 };
    const drains = trackDrains(EMPTY_LEDGER, snapshot, drainCtx);
    const ctx: DecideContext = {
      plan,
      newTaskDefinitionArn: NEW,
      position: { ...START, batch: 1, stage: 'held', releasedAt: now - 60_000, launchedAt: now - 50_000 },
      rolloutStartedAt: now - 600_000,
      batchTimeoutMs: 600_000,
      rolloutTimeoutMs: 3_600_000,
      bakeMs: 0,
      overlap: true,
      drains,
      deploymentId: 'ecs-svc/2',
    };
    const d = time(snapshot, (s) => decide(s, ctx));
    const r = time(snapshot, (s) => restoreStatus(s, OLD));
    const t = time(snapshot, (s) => trackDrains(drains, s, drainCtx));
    const all = time(snapshot, (s) => [
      trackDrains(drains, s, drainCtx),
      decide(s, ctx),
      restoreStatus(s, OLD),
    ]);
    const f = (ms: number): string => ms.toFixed(2);
    console.log(`| ${n} | ${snapshot.targets.length} | ${f(d)} | ${f(r)} | ${f(t)} | ${f(all)} |`);
    if (n === 5_000) console.log(`\ndecision at 5,000 tasks: ${decide({ ...snapshot }, ctx).kind}`);
  }
}

main();
