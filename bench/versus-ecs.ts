// `npm run bench`: this action against ECS's own rolling update, every row measured in this one run,
// each on a fresh emulator and service (6 tasks of the demo's web:1, batch size 2). It prints what it
// measured and ratios between rows of the same run; it asserts nothing.
//
// Healthy version (web:2):
//   action         this action, defaults (drain-overlap on)
//   overlap-off    this action, drain-overlap: false
//   ecs-same       ECS alone at the action's surge: UpdateService max 100 + ceil(100 b / N) = 134, min 100
//   ecs-200        ECS alone at 200/100 (ECS's default)
//   floor          ECS alone at 100 + 2 ceil(100 b / N) = 168/100: two batches in flight, which is what
//                  the action reaches at best with overlap (batch k+1 launching while batch k drains)
// Broken versions, until the service is back on healthy previous-revision tasks with nothing new left:
//   unhealthy-*    web:unhealthy (its /health answers 500)   crash-*   web:crash (exits at start)
//   *-action       this action (restore by StopServiceDeployment)
//   *-cb           ECS alone, UpdateService at 200/100 with the circuit breaker (enable, rollback), as
//                  the official deploy action leaves it to ECS
//
// Sets: demo          the demo's profile at time scale 0.1, every row;
//       demo-1x       the same at time scale 1 (the action's 800 ms poll is real time, as on AWS):
//                     action, floor, unhealthy-action, unhealthy-cb;
//       aws           AWS's defaults at time scale 0.05, every row;
//       aws-draining  the same, draining tasks counted toward maximumPercent: action, ecs-same, floor.
// About 11 minutes on 2 cores, the build included.
// Options: --sets demo,aws,...  --quick (= --sets demo, about a minute)  --full (every row in
//          every set, about 17 minutes)  --rows action,floor,... (these rows in each chosen set)
//          --scale <s> (time scale of the demo and aws sets)  --repeat <n> (median of n runs per
//          row)  --verbose (the action's log, stamped in AWS seconds)
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { nodeForDist } from '../tools/node-runtime.js';
import { measureRow, stopEverything, type Measure, type RowSpec } from './measure.js';
import { BATCH, DESIRED, PROFILES, describeProfile, type Profile } from './profiles.js';

const HEALTHY = 'public.ecr.aws/demo/web:2';
const UNHEALTHY = 'public.ecr.aws/demo/web:unhealthy';
const CRASH = 'public.ecr.aws/demo/web:crash';
const SURGE = 100 + Math.ceil((100 * BATCH) / DESIRED);
const FLOOR = 100 + 2 * Math.ceil((100 * BATCH) / DESIRED);

const ROWS: RowSpec[] = [
  {
    id: 'action',
    label: 'action, defaults (overlap on)',
    method: { kind: 'action', overlap: true },
    image: HEALTHY,
    expect: 'new',
  },
  {
    id: 'overlap-off',
    label: 'action, drain-overlap: false',
    method: { kind: 'action', overlap: false },
    image: HEALTHY,
    expect: 'new',
  },
  {
    id: 'ecs-same',
    label: `ECS alone ${SURGE}/100 (same surge)`,
    method: { kind: 'ecs', maximumPercent: SURGE, circuitBreaker: false },
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
    label: `ECS alone ${FLOOR}/100 (pipelined floor)`,
    method: { kind: 'ecs', maximumPercent: FLOOR, circuitBreaker: false },
    image: HEALTHY,
    expect: 'new',
  },
  {
    id: 'unhealthy-action',
    label: 'health check fails: action',
    method: { kind: 'action', overlap: true },
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
    label: 'crashes at start: action',
    method: { kind: 'action', overlap: true },
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
];
const ALL = ROWS.map((r) => r.id);

interface RowSet {
  id: string;
  profile: Profile;
  /** Rows of the default run. */
  rows: string[];
  /** Rows with --full. */
  full: string[];
}

const HEALTHY_ROWS = ['action', 'overlap-off', 'ecs-same', 'ecs-200', 'floor'];

function rowSets(scale: number | undefined): RowSet[] {
  const demo = { ...PROFILES.demo, timeScale: scale ?? 0.1, drainingCountsTowardMaximum: false };
  const aws = { ...PROFILES.aws, timeScale: scale ?? 0.05, drainingCountsTowardMaximum: false };
  return [
    { id: 'demo', profile: demo, rows: ALL, full: ALL },
    // Real time, so the action's own 800 ms poll pace (not scaled) weighs what it would on AWS.
    {
      id: 'demo-1x',
      profile: { ...demo, timeScale: 1 },
      rows: ['action', 'floor', 'unhealthy-action', 'unhealthy-cb'],
      full: ALL,
    },
    { id: 'aws', profile: aws, rows: ALL, full: ALL },
    {
      id: 'aws-draining',
      profile: { ...aws, drainingCountsTowardMaximum: true },
      rows: ['action', 'ecs-same', 'floor'],
      full: HEALTHY_ROWS,
    },
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sets: { type: 'string' },
      rows: { type: 'string' },
      scale: { type: 'string' },
      repeat: { type: 'string' },
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
  const wantedSets = (values.quick ? 'demo' : (values.sets ?? 'demo,demo-1x,aws,aws-draining')).split(',');
  const wantedRows = values.rows?.split(',');
  const sets = rowSets(scale).filter((s) => wantedSets.includes(s.id));
  for (const id of [...wantedSets, ...(wantedRows ?? [])])
    if (!sets.some((s) => s.id === id) && !ALL.includes(id)) throw new Error(`unknown set or row "${id}"`);

  const began = Date.now();
  console.log(
    `ecs-rolling-deploy benchmark, ${new Date().toISOString().slice(0, 10)}: ${DESIRED} tasks, batch size ${BATCH}; ` +
      `node ${process.version} (dist/ on ${nodeForDist().version}), ${availableParallelism()} cores; commit ${commit()}; ${load()}`,
  );
  console.log(
    `Figures are AWS seconds (real seconds / time scale); ${repeat === 1 ? 'one run' : `median of ${repeat} runs (min-max)`} per row, each on a fresh emulator.`,
  );
  for (const set of sets) {
    // --rows names rows to run in every chosen set, whether the set runs them by default or not.
    const chosen = wantedRows ?? (values.full ? set.full : set.rows);
    const rows = ROWS.filter((r) => chosen.includes(r.id));
    if (rows.length === 0) continue;
    console.log(`\n## ${set.id}\n${describeProfile(set.profile)}\n`);
    const measured = new Map<string, Measured>();
    for (const row of rows) {
      const runs: Measure[] = [];
      for (let i = 0; i < repeat; i++) {
        const t = Date.now();
        runs.push(await measureRow(set.profile, row, values.verbose));
        if (values.verbose) console.log(`  ${row.id}: ${((Date.now() - t) / 1000).toFixed(0)} s real`);
      }
      measured.set(row.id, medianRun(runs));
    }
    printTable(rows, measured);
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
    '| row | settled (AWS s) | action step (AWS s) | new-version tasks launched | previous tasks replaced | previous tasks launched | peak tasks | fewest healthy | outcome |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const row of rows) {
    const m = measured.get(row.id);
    if (!m) continue;
    console.log(
      `| ${row.label} | ${settled(m)} | ${secs(m.stepSeconds)} | ` +
        `${m.newLaunched} | ${m.previousReplaced} | ${m.previousLaunched} | ${m.peakTasks} | ${m.fewestHealthy} | ${m.outcome} |`,
    );
  }
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
  show('action / ECS same surge', 'action', 'ecs-same');
  const ecs200 = show('action / ECS 200/100', 'action', 'ecs-200');
  show('overlap-off / pipelined floor', 'overlap-off', 'floor');
  const broken = [
    { words: 'health check fails', action: 'unhealthy-action', cb: 'unhealthy-cb' },
    { words: 'crashes at start', action: 'crash-action', cb: 'crash-cb' },
  ].map((b) => ({ ...b, ratio: show(`${b.words}: action / circuit breaker`, b.action, b.cb) }));
  if (lines.length > 0) console.log(`\nRatios (time to settled, same run):\n${lines.join('\n')}`);

  // The issue's targets, reported as measured (not asserted).
  const targets: string[] = [];
  const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  if (set.profile.timeScale === 1 && floor !== null)
    targets.push(
      `- healthy rollout <= 1.05x the pipelined floor at time scale 1: ${floor.toFixed(2)}x, ${met(floor <= 1.05)}`,
    );
  if (set.profile.name === 'aws' && ecs200 !== null)
    targets.push(
      `- healthy rollout <= 1.5x ECS alone at 200/100: ${ecs200.toFixed(2)}x, ${met(ecs200 <= 1.5)}`,
    );
  for (const { words, action: id, ratio: r } of broken) {
    const action = measured.get(id);
    if (!action) continue;
    if (r !== null)
      targets.push(
        `- ${words}: back to healthy previous in <= 0.5x the circuit breaker: ${r.toFixed(2)}x, ${met(r <= 0.5)}`,
      );
    targets.push(
      `- ${words}: 0 previous-revision tasks replaced: ${action.previousReplaced}, ${met(action.previousReplaced === 0)}`,
    );
    targets.push(
      `- ${words}: at most ${BATCH} new-version tasks launched: ${action.newLaunched}, ${met(action.newLaunched <= BATCH)}`,
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
