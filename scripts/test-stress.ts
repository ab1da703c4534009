// `npm run test:stress`: the whole suite, several times in a row, while a second process keeps one
// core busy: the conditions of a 2-core CI machine shared with other work. A test that synchronises
// with a sleep, or asserts that something did not happen within a guessed time, fails here sooner or
// later; one that waits for what it observes does not.
//
// Builds dist/ once, then runs the three jest groups of `npm test` (unit, emulator, e2e) per run, and
// prints each run's duration and result. Full output: .tmp/stress/run-<n>-<group>.log.
// Options: --runs N (default 5). Exit code 0 only when every run passed. The CPU burner is stopped
// in every case: at the end, on an error, and on Ctrl-C / SIGTERM (it also exits by itself if this
// process dies, and after a hard limit).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const logDir = join(root, '.tmp', 'stress');
const GROUPS = ['test:unit', 'test:emulator', 'test:e2e:only'] as const;
/** The burner exits by itself after this long, whatever happens to this process. */
const BURNER_LIMIT_MS = 3 * 60 * 60 * 1000;

function runsOption(argv: string[]): number {
  const at = argv.indexOf('--runs');
  if (at === -1) return 5;
  const runs = Number(argv[at + 1]);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs wants a positive whole number, got ${argv[at + 1]}`);
  return runs;
}

/**
 * One core kept busy: spins in 50 ms slices and yields between them, so it still hears its parent
 * go away (the IPC channel closes) and exits; it also stops after BURNER_LIMIT_MS.
 */
function startBurner(): ChildProcess {
  const code = `
    process.on('disconnect', () => process.exit(0));
    const stopAt = Date.now() + ${BURNER_LIMIT_MS};
    const spin = () => {
      const until = Date.now() + 50;
      while (Date.now() < until) {}
      if (Date.now() > stopAt) process.exit(0);
      setImmediate(spin);
    };
    spin();`;
  return spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

function stopBurner(burner: ChildProcess): Promise<void> {
  if (burner.exitCode !== null || burner.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    burner.once('exit', () => done());
    burner.kill('SIGKILL');
  });
}

interface GroupResult {
  group: string;
  ok: boolean;
  seconds: number;
  /** jest's closing lines: "Tests: ..." and "Test Suites: ...". */
  summary: string;
}

/** The npm run in progress, so a signal stops it too. */
let current: ChildProcess | undefined;

/** Runs `npm run <script>`, its output to `log`; resolves with its exit status and jest's summary. */
function npmRun(script: string, log: string): Promise<{ ok: boolean; summary: string }> {
  return new Promise((done, fail) => {
    const out = createWriteStream(log);
    // Its own process group, so a signal reaches jest and everything jest started, not only npm.
    const child = spawn('npm', ['run', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    current = child;
    let tail = '';
    const keep = (chunk: Buffer): void => {
      out.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', fail);
    child.on('close', (code) => {
      current = undefined;
      out.end();
      const summary = tail
        .split('\n')
        .filter((line) => /^Tests:/.test(line))
        .join(' ')
        .replace(/\s+/g, ' ');
      done({ ok: code === 0, summary: summary || `exit ${code}` });
    });
  });
}

async function main(): Promise<number> {
  const runs = runsOption(process.argv.slice(2));
  mkdirSync(logDir, { recursive: true });
  console.log(
    `[stress] ${cpus().length} cores; one kept busy by a second process; ${runs} runs of unit, emulator, e2e`,
  );

  // Installed before the first child starts: a signal at any moment stops the npm run in
  // progress (its whole process group) and the burner, if it is running yet.
  const started: { burner?: ChildProcess } = {};
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    if (current?.pid !== undefined) {
      try {
        process.kill(-current.pid, signal);
      } catch {
        // the group is already gone
      }
    }
    void (started.burner ? stopBurner(started.burner) : Promise.resolve()).then(() =>
      process.exit(signal === 'SIGINT' ? 130 : 143),
    );
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const build = await npmRun('build', join(logDir, 'build.log'));
  if (!build.ok) {
    console.log(`[stress] npm run build failed: see ${join(logDir, 'build.log')}`);
    return 1;
  }

  const burner = startBurner();
  started.burner = burner;
  const results: { run: number; ok: boolean; seconds: number; groups: GroupResult[] }[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const runStarted = Date.now();
      const groups: GroupResult[] = [];
      for (const group of GROUPS) {
        const started = Date.now();
        const log = join(logDir, `run-${run}-${group.replace(/:/g, '-')}.log`);
        const { ok, summary } = await npmRun(group, log);
        groups.push({ group, ok, seconds: (Date.now() - started) / 1000, summary });
        if (!ok) console.log(`[stress] run ${run}: ${group} FAILED, see ${log}`);
      }
      const ok = groups.every((g) => g.ok);
      const seconds = (Date.now() - runStarted) / 1000;
      results.push({ run, ok, seconds, groups });
      console.log(
        `[stress] run ${run}/${runs}: ${ok ? 'passed' : 'FAILED'} in ${seconds.toFixed(0)} s (` +
          groups
            .map(
              (g) =>
                `${g.group.replace('test:', '').replace(':only', '')} ${g.seconds.toFixed(0)} s: ${g.summary}`,
            )
            .join('; ') +
          ')',
      );
    }
  } finally {
    await stopBurner(burner);
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
  }

  const passed = results.filter((r) => r.ok).length;
  console.log(`\n[stress] ${passed} of ${runs} runs passed with one core busy`);
  console.log('| run | duration | result |\n| --- | --- | --- |');
  for (const r of results)
    console.log(`| ${r.run} | ${r.seconds.toFixed(0)} s | ${r.ok ? 'passed' : 'FAILED'} |`);
  return passed === runs ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[stress] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
