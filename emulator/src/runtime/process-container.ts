// One container as a real child process running task-child.mjs with bare node (no TypeScript
// loader, so it starts in tens of milliseconds). The child exits when its IPC channel closes, so
// it cannot outlive the emulator even when the emulator is killed with SIGKILL.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Log } from '../contracts.js';
import { containerEnding, type ContainerLaunch, type ContainerRun } from './container-run.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./task-child.mjs', import.meta.url));

export function spawnContainer(
  launch: ContainerLaunch,
  environment: Record<string, string>,
  label: string,
  log: Log,
): ContainerRun & { readonly pid: number | undefined } {
  const child = spawn(process.execPath, [CHILD_SCRIPT], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // A container sees its task definition's environment, not the emulator's; NODE_* variables
    // would reconfigure the child's node itself, so they never pass.
    env: { ...withoutNodeOptions(environment), EMULATOR_TASK_CHILD: JSON.stringify(launch) },
  });

  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-500);
    for (const line of chunk.split('\n')) if (line.trim()) log(`${label}: ${line.trim()}`);
  });

  const { ended, end, hasEnded, endedBeforeListening } = containerEnding(label);

  /** Resolves at the child's IPC message `type` ('started', 'ready'); rejects if it ends first. */
  const told = (type: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      child.on('message', (message: unknown) => {
        if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type)
          resolve();
      });
      endedBeforeListening().catch(reject);
    });
  const started = told('started');
  const ready = told('ready');
  // Nothing may have to await `started`; an unawaited rejection must not take the emulator down.
  started.catch(() => {});

  child.on('exit', (code, signal) => {
    const exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null);
    // A listen failure is reported on stderr before exit 1; keep it as the container's reason.
    const listenError = /listen \S+: (\S+)/.exec(stderrTail)?.[0];
    end(exitCode !== 0 && listenError ? { exitCode, error: listenError } : { exitCode });
  });
  child.on('error', (error) => {
    // Spawn failed (EAGAIN, ENOMEM): the container never ran, as ECS's CannotStartContainerError.
    if (child.pid === undefined)
      end({ exitCode: null, error: `CannotStartContainerError: ${error.message}` });
  });

  const signal = (name: NodeJS.Signals): void => {
    if (!hasEnded() && child.exitCode === null && child.signalCode === null) child.kill(name);
  };
  return {
    pid: child.pid,
    started,
    ready,
    ended,
    terminate: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}

function withoutNodeOptions(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter(([name]) => !name.startsWith('NODE_')));
}
