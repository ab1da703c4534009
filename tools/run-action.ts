// Runs a bundled entry of the action (dist/main or dist/post) as a separate Node process, the way a
// GitHub runner does: inputs as INPUT_<NAME> variables (name upper-cased, spaces to underscores,
// hyphens kept), GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files, and, for the post step,
// the saved state handed back as STATE_<name> variables. Used by the end-to-end tests, the demo and
// the benchmarks; it is not part of the action.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeForDist } from './node-runtime.js';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface ActionRunOptions {
  entry?: 'main' | 'post';
  inputs: Record<string, string>;
  /** Extra environment (AWS_ENDPOINT_URL, AWS_REGION, GITHUB_* ...). */
  env?: Record<string, string>;
  /** Saved state from a previous main run (post step). */
  state?: Record<string, string>;
  /** A folder for the runner files; a fresh temporary one by default. */
  workDir?: string;
  /** Called with each line the action prints, as it prints it. */
  onLine?: (line: string) => void;
  /** Kill the action (SIGKILL) if it runs longer than this. */
  timeoutMs?: number;
}

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  workDir: string;
  timedOut: boolean;
}

export interface RunningAction {
  child: ChildProcess;
  done: Promise<ActionRun>;
}

/** GITHUB_OUTPUT / GITHUB_STATE file syntax that @actions/core writes: `name<<DELIM\nvalue\nDELIM`. */
export function parseCommandFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
      result[name as string] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      result[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return result;
}

export function startAction(options: ActionRunOptions): RunningAction {
  const entry = options.entry ?? 'main';
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'ecs-rolling-deploy-run-'));
  const files = {
    output: join(workDir, `output-${entry}`),
    state: join(workDir, `state-${entry}`),
    summary: join(workDir, `summary-${entry}.md`),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? workDir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: workDir,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    AWS_ACCESS_KEY_ID: 'AKIAEMULATOR0000000',
    AWS_SECRET_ACCESS_KEY: 'emulator-secret-key',
    AWS_REGION: 'us-east-1',
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const script = join(repoRoot, 'dist', entry, 'index.js');
  if (!existsSync(script)) throw new Error(`${script} does not exist: run \`npm run build\` first`);
  const child = spawn(nodeForDist().path, [script], {
    env,
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!options.onLine) return;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) options.onLine(line);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let timedOut = false;
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs)
    : undefined;

  const done = new Promise<ActionRun>((resolveRun) => {
    child.on('close', (exitCode, signal) => {
      if (timer) clearTimeout(timer);
      if (options.onLine && pending) options.onLine(pending);
      resolveRun({
        exitCode,
        signal,
        stdout,
        stderr,
        outputs: parseCommandFile(readFileSync(files.output, 'utf8')),
        state: parseCommandFile(readFileSync(files.state, 'utf8')),
        summary: readFileSync(files.summary, 'utf8'),
        workDir,
        timedOut,
      });
    });
  });
  return { child, done };
}

export function runAction(options: ActionRunOptions): Promise<ActionRun> {
  return startAction(options).done;
}

export function removeRunDir(run: ActionRun): void {
  rmSync(run.workDir, { recursive: true, force: true });
}
