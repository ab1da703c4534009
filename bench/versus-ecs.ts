// `npm run bench`: this action against ECS's own rolling update, every row measured in this one run,
// each on a fresh emulator and service. It prints what it measured and ratios between rows of the
// same run; it asserts nothing.
//
// Healthy version (web:2):
//   action         this action: in the growth sets with its default batch schedule (batch-size not
//                  given), in the demo/aws sets with the fixed batch size (2)
//   action-fixed   this action with the fixed batch size (growth sets: --batch-size, default 25%)
//   overlap-off    this action, fixed batch size, drain-overlap: false
//   ecs-same       ECS alone at the fixed batch's surge: UpdateService max 100 + ceil(100 b / N), min 100
//   ecs-200        ECS alone at 200/100 (ECS's default)
//   floor          ECS alone at 100 + 2 ceil(100 b / N): two batches in flight, the "pipelined floor"
// Broken versions, until the service is back on healthy previous-revision tasks with nothing new left:
//   unhealthy-*    web:unhealthy (its /health answers 500)   crash-*   web:crash (exits at start)
//   *-action       this action, same batch size as `action` (restore by StopServiceDeployment)
//   *-cb           ECS alone, UpdateService at 200/100 with the circuit breaker (enable, rollback), as
//                  the official deploy action leaves it to ECS
// A version that passes its health checks but answers 500 to 20% of requests (web:error-rate-0.2),
// with users: steady traffic through the load balancer and a CloudWatch alarm on the target group's
// HTTPCode_Target_5XX_Count (measure.ts, `alarm`), until back on the previous revision:
//   alarm5xx-action  this action, fixed batch size, `alarms: web-5xx`, `bake-time: 2m` (two periods,
//                    as docs/inputs.md advises)
//   alarm5xx-ecs     ECS alone, UpdateService at 200/100 with deploymentConfiguration.alarms naming
//                    web-5xx (enable, rollback): ECS fails and rolls back the deployment itself
//
// Sets: grow-6, grow-20, grow-100  the demo profile at time scale 1 on 6, 20 and 100 tasks (100 with
//                     in-process tasks): action (default schedule), action-fixed (25%), ecs-same,
//                     floor, ecs-200, unhealthy-action, unhealthy-cb. The default run.
//       demo          the demo's profile at time scale 0.1, 6 tasks, batch size 2, every row;
//       demo-1x       the same at time scale 1: action, floor, unhealthy-action, unhealthy-cb;
//       aws           AWS's defaults at time scale 0.05, every row;
//       aws-draining  the same, draining tasks counted toward maximumPercent: action, ecs-same, floor.
//       alarm-5xx     the demo profile at time scale 0.1, 6 tasks, batch size 2: alarm5xx-action,
//                     alarm5xx-ecs, with the requests users sent and the 5xx they got.
// Options: --sets grow-20,demo,...  --quick (= --sets grow-6)  --full (every row in every set)
//          --rows action,floor,... (these rows in each chosen set)  --tasks N (every chosen set on
//          N tasks; in-process tasks above 50)  --batch-size <size or schedule> (the fixed batch
//          size: action-fixed in the growth sets, every action row in the others)  --scale <s>
//          (time scale of the demo and aws sets)  --repeat <n> (median of n runs per row)
//          --verbose (the action's log, stamped in AWS seconds)
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseTaskSchedule } from '../src/parse/quantity.js';
import { planBatches } from '../src/rollout/plan.js';
import { nodeForDist } from '../tools/node-runtime.js';
import {
  ALARM_NAME,
  ALARM_TRAFFIC_PER_SECOND,
  measureRow,
  stopEverything,
  type Measure,
  type RowSpec,
  type Shape,
} from './measure.js';
import { BATCH, DESIRED, PROFILES, describeProfile, type Profile } from './profiles.js';
import { DEFAULTS } from '../src/settings/inputs.js';

const HEALTHY = 'public.ecr.aws/demo/web:2';
const UNHEALTHY = 'public.ecr.aws/demo/web:unhealthy';
const CRASH = 'public.ecr.aws/demo/web:crash';
const ERRORS = 'public.ecr.aws/demo/web:error-rate-0.2';
/** Above this many tasks a set runs them in-process (one process per task would swamp 2 cores). */
const IN_PROCESS_ABOVE = 50;

/** A set's service and batch sizes. */
interface SetShape extends Shape {
  /** The fixed batch size (`2`, `25%`) of action-fixed, ecs-same and floor. */
  fixed: string;
  /** Whether `action` runs the default schedule (growth sets) or the fixed size (demo, aws). */
  actionDefault: boolean;
}

/** Tasks a fixed batch size starts per batch on n tasks, as the action plans it. */
function fixedBatch(shape: SetShape): number {
  const steps = parseTaskSchedule(shape.fixed);
  if (!steps.ok) throw new Error(`--batch-size ${shape.fixed}: ${steps.problem}`);
  const plan = planBatches({
    desired: shape.desired,
    batchSize: steps.value[0] ?? { kind: 'count', value: 1 },
    schedule: steps.value,
    maxUnavailable: { kind: 'count', value: 0 },
  });
  return plan.batches[0] ?? 1;
}

/** The first batch of the default schedule on n tasks: a broken version's blast radius. */
function defaultFirstBatch(n: number): number {
  const steps = parseTaskSchedule(DEFAULTS['batch-size'] ?? '');
  if (!steps.ok) throw new Error(`action.yml's batch-size default: ${steps.problem}`);
  const plan = planBatches({
    desired: n,
    batchSize: steps.value[0] ?? { kind: 'count', value: 1 },
    schedule: steps.value,
    maxUnavailable: { kind: 'count', value: 0 },
  });
  return plan.batches[0] ?? 1;
}

function makeRows(shape: SetShape): RowSpec[] {
  const n = shape.desired;
  const b = fixedBatch(shape);
  const surge = 100 + Math.ceil((100 * b) / n);
  const floor = 100 + 2 * Math.ceil((100 * b) / n);
  const main = shape.actionDefault ? undefined : shape.fixed;
  const mainWords = shape.actionDefault
    ? `default schedule ${DEFAULTS['batch-size'] ?? ''}`
    : `batch-size ${shape.fixed}`;
  return [
    {
      id: 'action',
      label: `action, ${mainWords} (overlap on)`,
      method: { kind: 'action', overlap: true, ...(main !== undefined ? { batchSize: main } : {}) },
      image: HEALTHY,
      expect: 'new',
    },
    {
      id: 'action-fixed',
      label: `action, fixed batch-size ${shape.fixed}`,
      method: { kind: 'action', overlap: true, batchSize: shape.fixed },
      image: HEALTHY,
      expect: 'new',
    },
    {
      id: 'overlap-off',
      label: `action, batch-size ${shape.fixed}, drain-overlap: false`,
      method: { kind: 'action', overlap: false, batchSize: shape.fixed },
      image: HEALTHY,
      expect: 'new',
    },
    {
      id: 'ecs-same',
      label: `ECS alone ${surge}/100 (same surge as ${shape.fixed})`,
      method: { kind: 'ecs', maximumPercent: surge, circuitBreaker: false },
      image: HEALTHY,
      expect: 'new',
    },
    {
      id: 'ecs-200',
      label: 'ECS alone 200/100',
      method: { kind: 'ecs', maximumPercent: 200, circuitBreaker: false },
      image: HEALTHY,
      expect: 'new',
    },
    {
      id: 'floor',
      label: `ECS alone ${floor}/100 (pipelined floor)`,
      method: { kind: 'ecs', maximumPercent: floor, circuitBreaker: false },
      image: HEALTHY,
      expect: 'new',
    },
    {
      id: 'unhealthy-action',
      label: `health check fails: action, ${mainWords}`,
      method: { kind: 'action', overlap: true, ...(main !== undefined ? { batchSize: main } : {}) },
      image: UNHEALTHY,
      expect: 'previous',
    },
    {
      id: 'unhealthy-cb',
      label: 'health check fails: ECS 200/100 + circuit breaker',
      method: { kind: 'ecs', maximumPercent: 200, circuitBreaker: true },
      image: UNHEALTHY,
      expect: 'previous',
    },
    {
      id: 'crash-action',
      label: `crashes at start: action, ${mainWords}`,
      method: { kind: 'action', overlap: true, ...(main !== undefined ? { batchSize: main } : {}) },
      image: CRASH,
      expect: 'previous',
    },
    {
      id: 'crash-cb',
      label: 'crashes at start: ECS 200/100 + circuit breaker',
      method: { kind: 'ecs', maximumPercent: 200, circuitBreaker: true },
      image: CRASH,
      expect: 'previous',
    },
    {
      id: 'alarm5xx-action',
      label: `5xx on 20%: action, batch-size ${shape.fixed}, alarms ${ALARM_NAME}, bake-time 2m`,
      method: { kind: 'action', overlap: true, batchSize: shape.fixed, bakeTime: '2m', alarms: true },
      image: ERRORS,
      expect: 'previous',
      alarm: true,
    },
    {
      id: 'alarm5xx-ecs',
      label: `5xx on 20%: ECS 200/100 + deployment alarms (${ALARM_NAME}, rollback)`,
      method: { kind: 'ecs', maximumPercent: 200, circuitBreaker: false, deploymentAlarms: true },
      image: ERRORS,
      expect: 'previous',
      alarm: true,
    },
  ];
}
const ALARM_ROWS = ['alarm5xx-action', 'alarm5xx-ecs'];
const ALL = makeRows({ desired: DESIRED, fixed: String(BATCH), actionDefault: false }).map((r) => r.id);
const LEGACY = ALL.filter((id) => id !== 'action-fixed' && !ALARM_ROWS.includes(id));

interface RowSet {
  id: string;
  profile: Profile;
  shape: SetShape;
  /** Rows of the default run. */
  rows: string[];
  /** Rows with --full. */
  full: string[];
}

const HEALTHY_ROWS = ['action', 'overlap-off', 'ecs-same', 'ecs-200', 'floor'];
const GROWTH_ROWS = [
  'action',
  'action-fixed',
  'ecs-same',
  'floor',
  'ecs-200',
  'unhealthy-action',
  'unhealthy-cb',
];

function rowSets(
  scale: number | undefined,
  tasks: number | undefined,
  batchSize: string | undefined,
): RowSet[] {
  const demo = { ...PROFILES.demo, timeScale: scale ?? 0.1, drainingCountsTowardMaximum: false };
  const aws = { ...PROFILES.aws, timeScale: scale ?? 0.05, drainingCountsTowardMaximum: false };
  const legacy = (): SetShape => shapeOf(tasks ?? DESIRED, batchSize ?? String(BATCH), false);
  const growth = (n: number): SetShape => shapeOf(tasks ?? n, batchSize ?? '25%', true);
  const realTime = { ...demo, timeScale: 1 };
  return [
    ...[6, 20, 100].map((n) => ({
      id: `grow-${n}`,
      profile: realTime,
      shape: growth(n),
      rows: GROWTH_ROWS,
      full: ALL.filter((id) => !ALARM_ROWS.includes(id)),
    })),
    { id: 'demo', profile: demo, shape: legacy(), rows: LEGACY, full: LEGACY },
    // Real time, so the action's own 800 ms poll pace (not scaled) weighs what it would on AWS.
    {
      id: 'demo-1x',
      profile: realTime,
      shape: legacy(),
      rows: ['action', 'floor', 'unhealthy-action', 'unhealthy-cb'],
      full: LEGACY,
    },
    { id: 'aws', profile: aws, shape: legacy(), rows: LEGACY, full: LEGACY },
    { id: 'alarm-5xx', profile: demo, shape: legacy(), rows: ALARM_ROWS, full: ALARM_ROWS },
    {
      id: 'aws-draining',
      profile: { ...aws, drainingCountsTowardMaximum: true },
      shape: legacy(),
      rows: ['action', 'ecs-same', 'floor'],
      full: HEALTHY_ROWS,
    },
  ];
}

function shapeOf(desired: number, fixed: string, actionDefault: boolean): SetShape {
  return {
    desired,
    fixed,
    actionDefault,
    ...(desired > IN_PROCESS_ABOVE ? { taskRuntime: 'in-process' as const } : {}),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sets: { type: 'string' },
      rows: { type: 'string' },
      scale: { type: 'string' },
      repeat: { type: 'string' },
      tasks: { type: 'string' },
      'batch-size': { type: 'string' },
      quick: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  const scale = values.scale !== undefined ? Number(values.scale) : undefined;
  if (scale !== undefined && !(scale > 0 && scale <= 1))
    throw new Error(`--scale must be in (0, 1], got ${values.scale}`);
  const repeat = Number(values.repeat ?? 1);
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new Error(`--repeat must be a whole number >= 1, got ${values.repeat}`);
  const tasks = values.tasks !== undefined ? Number(values.tasks) : undefined;
  if (tasks !== undefined && !(Number.isInteger(tasks) && tasks >= 1 && tasks <= 1000))
    throw new Error(`--tasks must be a whole number in 1..1000, got ${values.tasks}`);
  const batchSize = values['batch-size'];
  if (batchSize !== undefined && !parseTaskSchedule(batchSize).ok)
    throw new Error(`--batch-size must be a batch size or schedule (e.g. 25% or 1, 50%), got ${batchSize}`);
  const wantedSets = (values.quick ? 'grow-6' : (values.sets ?? 'grow-6,grow-20,grow-100')).split(',');
  const wantedRows = values.rows?.split(',');
  const sets = rowSets(scale, tasks, batchSize).filter((s) => wantedSets.includes(s.id));
  for (const id of [...wantedSets, ...(wantedRows ?? [])])
    if (!sets.some((s) => s.id === id) && !ALL.includes(id)) throw new Error(`unknown set or row "${id}"`);

  const began = Date.now();
  console.log(
    `ecs-rolling-deploy benchmark, ${new Date().toISOString().slice(0, 10)}; the action's default batch-size ${DEFAULTS['batch-size'] ?? ''}; ` +
      `node ${process.version} (dist/ on ${nodeForDist().version}), ${availableParallelism()} cores; commit ${commit()}; ${load()}`,
  );
  console.log(
    `Figures are AWS seconds (real seconds / time scale); ${repeat === 1 ? 'one run' : `median of ${repeat} runs (min-max)`} per row, each on a fresh emulator.`,
  );
  for (const set of sets) {
    // --rows names rows to run in every chosen set, whether the set runs them by default or not.
    const chosen = wantedRows ?? (values.full ? set.full : set.rows);
    const rows = makeRows(set.shape).filter((r) => chosen.includes(r.id));
    if (rows.length === 0) continue;
    console.log(
      `\n## ${set.id}\n${describeProfile(set.profile)}; ${set.shape.desired} tasks` +
        `${set.shape.taskRuntime === 'in-process' ? ' (in-process)' : ''}, fixed batch-size ${set.shape.fixed} (${fixedBatch(set.shape)} tasks)\n`,
    );
    const measured = new Map<string, Measured>();
    for (const row of rows) {
      const runs: Measure[] = [];
      for (let i = 0; i < repeat; i++) {
        const t = Date.now();
        runs.push(await measureRow(set.profile, row, values.verbose, set.shape));
        if (values.verbose) console.log(`  ${row.id}: ${((Date.now() - t) / 1000).toFixed(0)} s real`);
      }
      measured.set(row.id, medianRun(runs));
    }
    printTable(rows, measured);
    printUsers(set, rows, measured);
    printRatios(set, measured);
  }
  console.log(`\nbench finished in ${((Date.now() - began) / 1000).toFixed(0)} s real; ${load()}`);
}

// The machine's load says how much else competed for the cores (timings are real-time scaled).
const load = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The run with the median settled time (its other columns with it), and the spread of all runs. */
interface Measured extends Measure {
  spread?: [number, number];
}

function medianRun(runs: Measure[]): Measured {
  const sorted = [...runs].sort(
    (a, b) => (a.settledSeconds ?? Number.POSITIVE_INFINITY) - (b.settledSeconds ?? Number.POSITIVE_INFINITY),
  );
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as Measure;
  const low = sorted[0]?.settledSeconds;
  const high = sorted.at(-1)?.settledSeconds;
  return runs.length > 1 && low != null && high != null ? { ...median, spread: [low, high] } : median;
}

const secs = (s: number | null | undefined): string => (s === null || s === undefined ? '-' : s.toFixed(0));
const settled = (m: Measured): string =>
  m.settledSeconds === null
    ? 'not settled'
    : `${secs(m.settledSeconds)}${m.spread ? ` (${secs(m.spread[0])}-${secs(m.spread[1])})` : ''}`;

function printTable(rows: RowSpec[], measured: ReadonlyMap<string, Measured>): void {
  console.log(
    '| row | settled (AWS s) | action step (AWS s) | batches | verdict → next release (ms, per batch) | new-version tasks launched | previous tasks replaced | previous tasks launched | peak tasks | fewest healthy | outcome |',
  );
  console.log('| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const row of rows) {
    const m = measured.get(row.id);
    if (!m) continue;
    console.log(
      `| ${row.label} | ${settled(m)} | ${secs(m.stepSeconds)} | ${m.batches ?? '-'} | ${m.verdictToReleaseMs?.join(', ') ?? '-'} | ` +
        `${m.newLaunched} | ${m.previousReplaced} | ${m.previousLaunched} | ${m.peakTasks} | ${m.fewestHealthy} | ${m.outcome} |`,
    );
  }
}

/** What users got in the rows with traffic: requests sent and failed until the service was back. */
function printUsers(set: RowSet, rows: RowSpec[], measured: ReadonlyMap<string, Measured>): void {
  const withUsers = rows.filter((r) => measured.get(r.id)?.users);
  if (withUsers.length === 0) return;
  console.log(
    `\nUsers: ${ALARM_TRAFFIC_PER_SECOND} requests a real second (${(ALARM_TRAFFIC_PER_SECOND * set.profile.timeScale).toFixed(0)} an AWS second) ` +
      `through the load balancer, from the first change until the service was back on the previous revision ` +
      `(failed = HTTP 5xx or no answer):\n`,
  );
  console.log(
    '| row | requests sent | failed (5xx) | failed % | time until back (AWS s) | new-version tasks launched | outcome |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  const ratio: number[] = [];
  for (const row of withUsers) {
    const m = measured.get(row.id)!;
    const u = m.users!.untilSettled;
    ratio.push(u.failed);
    console.log(
      `| ${row.label} | ${u.sent} | ${u.failed} | ${u.sent > 0 ? ((100 * u.failed) / u.sent).toFixed(1) : '-'} | ` +
        `${settled(m)} | ${m.newLaunched} | ${m.outcome} |`,
    );
  }
  const [action, ecs] = [measured.get('alarm5xx-action')?.users, measured.get('alarm5xx-ecs')?.users];
  if (action && ecs && ecs.untilSettled.failed > 0)
    console.log(
      `\n- 5xx users got: action / ECS deployment alarms: ${(action.untilSettled.failed / ecs.untilSettled.failed).toFixed(2)}x`,
    );
}

/**
 * The action's structural bound at k batches: k gate times g (task start + the first passing check,
 * 1 s after registration) + the deregistration delay D + about 1 s to stop, with overlap.
 */
function actionBound(profile: Profile, k: number): number {
  const g = (profile.taskStartSeconds ?? 4) + 1;
  return k * g + profile.deregistrationDelaySeconds + 1;
}

function printRatios(set: RowSet, measured: ReadonlyMap<string, Measured>): void {
  const time = (id: string): number | null => measured.get(id)?.settledSeconds ?? null;
  const ratio = (a: string, b: string): number | null => {
    const x = time(a);
    const y = time(b);
    return x === null || y === null || y === 0 ? null : x / y;
  };
  const lines: string[] = [];
  const show = (words: string, a: string, b: string): number | null => {
    const r = ratio(a, b);
    if (measured.has(a) && measured.has(b))
      lines.push(`- ${words}: ${r === null ? '-' : `${r.toFixed(2)}x`}`);
    return r;
  };
  const floor = show('action / pipelined floor', 'action', 'floor');
  show('action, fixed / pipelined floor', 'action-fixed', 'floor');
  show('action / ECS same surge', 'action', 'ecs-same');
  show('action, fixed / ECS same surge', 'action-fixed', 'ecs-same');
  const ecs200 = show('action / ECS 200/100', 'action', 'ecs-200');
  show('overlap-off / pipelined floor', 'overlap-off', 'floor');
  show('5xx on 20%: action / ECS deployment alarms', 'alarm5xx-action', 'alarm5xx-ecs');
  const broken = [
    { words: 'health check fails', action: 'unhealthy-action', cb: 'unhealthy-cb' },
    { words: 'crashes at start', action: 'crash-action', cb: 'crash-cb' },
  ].map((b) => ({ ...b, ratio: show(`${b.words}: action / circuit breaker`, b.action, b.cb) }));
  if (lines.length > 0) console.log(`\nRatios (time to settled, same run):\n${lines.join('\n')}`);

  // Each healthy action row against its own bound: what the action adds per batch.
  const bounds: string[] = [];
  for (const id of ['action', 'action-fixed', 'overlap-off']) {
    const m = measured.get(id);
    if (!m || m.batches === undefined || m.settledSeconds === null || id === 'overlap-off') continue;
    const bound = actionBound(set.profile, m.batches);
    const gaps = m.verdictToReleaseMs ?? [];
    const mean = gaps.length > 0 ? gaps.reduce((a, x) => a + x, 0) / gaps.length : 0;
    bounds.push(
      `- ${id}: ${m.batches} batches, bound k·g + D + 1 = ${bound} s, settled ${secs(m.settledSeconds)} s ` +
        `(${(m.settledSeconds - bound).toFixed(1)} s above); verdict → next release ${gaps.length > 0 ? `mean ${mean.toFixed(0)} ms, max ${Math.max(...gaps)} ms` : '-'}`,
    );
  }
  if (bounds.length > 0 && set.profile.timeScale === 1)
    console.log(
      `\nThe action against its bound (g = ${actionBound(set.profile, 1) - set.profile.deregistrationDelaySeconds - 1} s, D = ${set.profile.deregistrationDelaySeconds} s):\n${bounds.join('\n')}`,
    );

  // The issue's targets, reported as measured (not asserted).
  const targets: string[] = [];
  const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const growth = set.shape.actionDefault;
  if (growth && floor !== null) {
    const limit = set.shape.desired <= 6 ? 1.1 : 1.0;
    targets.push(
      `- default schedule, healthy rollout <= ${limit.toFixed(1)}x the pipelined floor: ${floor.toFixed(2)}x, ${met(floor <= limit + 0.005)}`,
    );
  } else if (set.profile.timeScale === 1 && floor !== null) {
    targets.push(
      `- healthy rollout <= 1.05x the pipelined floor at time scale 1: ${floor.toFixed(2)}x, ${met(floor <= 1.05)}`,
    );
  }
  if (set.profile.name === 'aws' && ecs200 !== null)
    targets.push(
      `- healthy rollout <= 1.5x ECS alone at 200/100: ${ecs200.toFixed(2)}x, ${met(ecs200 <= 1.5)}`,
    );
  const blast = growth ? defaultFirstBatch(set.shape.desired) : fixedBatch(set.shape);
  for (const { words, action: id, ratio: r } of broken) {
    const action = measured.get(id);
    if (!action) continue;
    if (r !== null)
      targets.push(
        growth
          ? `- ${words}: back on the previous revision no later than the circuit breaker: ${r.toFixed(2)}x, ${met(r <= 1.0)}`
          : `- ${words}: back to healthy previous in <= 0.5x the circuit breaker: ${r.toFixed(2)}x, ${met(r <= 0.5)}`,
      );
    targets.push(
      `- ${words}: 0 previous-revision tasks replaced: ${action.previousReplaced}, ${met(action.previousReplaced === 0)}`,
    );
    targets.push(
      `- ${words}: at most ${blast} new-version tasks launched (the first ${growth ? 'step' : 'batch'}): ${action.newLaunched}, ${met(action.newLaunched <= blast)}`,
    );
  }
  if (targets.length > 0) console.log(`\nIssue targets (reported, not asserted):\n${targets.join('\n')}`);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping every emulator, task and action process...`);
    void stopEverything().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    await stopEverything();
    process.exit(1);
  },
);
