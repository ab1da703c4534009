// Runs a bundled entry of the action (dist/main or dist/post) as a separate Node process, exactly as
// a GitHub runner runs a `uses:` step. The one way the end-to-end tests, the demo and the benchmarks
// run the action:
//   - every input action.yml declares WITH A DEFAULT is set as INPUT_<NAME> (name upper-cased,
//     spaces to `_`, hyphens kept), whether the step names it or not; `${{ github.token }}` becomes
//     a token. Then the step's `with:` on top. An input without a default that the step does not
//     name is not set at all — that is what a runner does.
//   - GITHUB_ACTIONS=true, CI, RUNNER_TEMP, RUNNER_OS, GITHUB_WORKSPACE (also the working directory),
//     GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY / GITHUB_ENV / GITHUB_PATH files, and the
//     workflow run's GITHUB_* context; for the post step, main's saved state as STATE_<name>.
// Compared with @github/local-action (checked against its src/commands/run.ts and stubs/core): that
// tool imports the entrypoint's run() into its own process with @actions/core stubbed, and its
// getInput falls back to action.yml's default only when the variable is unset — the same value
// reaches the action, but `${{ github.token }}` arrives as that literal text, outputs and state stay
// in memory (no GITHUB_OUTPUT/GITHUB_STATE files), and there is no post step and no signal handling.
// A bundled dist/ in a child process with the runner's files is what this action needs tested.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { nodeForDist } from './node-runtime.js';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** What a runner puts for `${{ github.token }}`: a token of the installation's shape. */
export const RUNNER_TOKEN = 'ghs_RunnerFaithfulFakeToken0000000000000';

export interface ActionInputSpec {
  description?: string;
  required?: boolean;
  default?: unknown;
}

/** The inputs action.yml declares, by name. */
export function actionInputs(actionYmlPath = join(repoRoot, 'action.yml')): Record<string, ActionInputSpec> {
  const parsed = parseYaml(readFileSync(actionYmlPath, 'utf8')) as {
    inputs?: Record<string, ActionInputSpec>;
  };
  return parsed.inputs ?? {};
}

/** `INPUT_<NAME>` as the runner spells it: upper-cased, spaces to `_`, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * The INPUT_* variables a runner sets for a step: every declared default (expressions evaluated as
 * a runner would for the ones this action uses), then the step's `with:` on top.
 */
export function runnerInputs(
  withInputs: Readonly<Record<string, string>>,
  inputs: Readonly<Record<string, ActionInputSpec>> = actionInputs(),
  token = RUNNER_TOKEN,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    if (spec.default === undefined || spec.default === null) continue;
    env[inputVariable(name)] = String(spec.default).replace(/\$\{\{\s*github\.token\s*\}\}/g, token);
  }
  for (const [name, value] of Object.entries(withInputs)) env[inputVariable(name)] = value;
  return env;
}

export interface ActionRunOptions {
  entry?: 'main' | 'post';
  /** The step's `with:`, laid over every default action.yml declares. */
  inputs: Record<string, string>;
  /** Extra environment (AWS_ENDPOINT_URL, AWS_REGION, GITHUB_API_URL ...), laid over the runner's. */
  env?: Record<string, string>;
  /** Saved state from a previous main run (post step). */
  state?: Record<string, string>;
  /** GITHUB_WORKSPACE and the working directory; the repository root by default. */
  workspace?: string;
  /** A folder for the runner files (RUNNER_TEMP); a fresh temporary one by default. */
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
  /** The environment the action ran with (tests assert on it). */
  env: Record<string, string>;
  /** The node that ran it. */
  node: string;
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

/** The runner's own environment for one step: files, workspace and the workflow run's context. */
export function runnerEnv(
  workDir: string,
  workspace: string,
  entry: 'main' | 'post',
): Record<string, string> {
  const files = runnerFiles(workDir, entry);
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? workDir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: workDir,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_REPOSITORY: 'octo-org/web',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTION: 'ecs-rolling-deploy',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.com',
    // No GitHub here: a closed loopback port, so a report the step did not switch off fails at once.
    GITHUB_API_URL: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'AKIAEMULATOR0000000',
    AWS_SECRET_ACCESS_KEY: 'emulator-secret-key',
    AWS_REGION: 'us-east-1',
  };
}

function runnerFiles(
  workDir: string,
  entry: 'main' | 'post',
): Record<'output' | 'state' | 'summary' | 'env' | 'path', string> {
  return {
    output: join(workDir, `output-${entry}`),
    state: join(workDir, `state-${entry}`),
    summary: join(workDir, `summary-${entry}.md`),
    env: join(workDir, `env-${entry}`),
    path: join(workDir, `path-${entry}`),
  };
}

export function startAction(options: ActionRunOptions): RunningAction {
  const entry = options.entry ?? 'main';
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'ecs-rolling-deploy-run-'));
  const workspace = options.workspace ?? repoRoot;
  const files = runnerFiles(workDir, entry);
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: Record<string, string> = {
    ...runnerEnv(workDir, workspace, entry),
    ...options.env,
    ...runnerInputs(options.inputs),
  };
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const script = join(repoRoot, 'dist', entry, 'index.js');
  if (!existsSync(script)) throw new Error(`${script} does not exist: run \`npm run build\` first`);
  const node = nodeForDist();
  const child = spawn(node.path, [script], { env, cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] });
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
        env,
        node: node.version,
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
