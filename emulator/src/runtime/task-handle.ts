// A running task as the scheduler sees it, the same for both runtimes: the stop sequence (SIGTERM,
// then SIGKILL after each container's stopTimeout), the essential-container rule, and each
// container's exit with its reason.
import type { Clock, ContainerExit, ContainerSpec, Log, TaskHandle, TaskSpec } from '../contracts.js';
import type { ContainerEnd, ContainerRun } from './container-run.js';

type Request = 'none' | 'stop' | 'kill' | 'stop-timeout';

/** Why a container ended, in the words ContainerExit.reason uses (undefined: a requested, clean stop). */
export function exitReason(
  container: Pick<ContainerSpec, 'essential'>,
  end: ContainerEnd,
  request: Request,
): string | undefined {
  if (request === 'stop-timeout') return 'SIGKILL after stop timeout';
  if (request === 'kill') return 'SIGKILL';
  if (request === 'stop') return undefined;
  if (end.error) return end.error;
  return container.essential ? 'Essential container exited' : 'Container exited';
}

export interface RunningTask extends TaskHandle {
  /** Resolves when every container has ended. */
  readonly ended: Promise<ContainerExit[]>;
}

export function createTaskHandle(spec: TaskSpec, runs: ContainerRun[], clock: Clock, log: Log): RunningTask {
  const requests: Request[] = runs.map(() => 'none');
  const exits: ContainerExit[] = [];
  const listeners: Array<(exit: ContainerExit) => void> = [];
  let stopping: Promise<ContainerExit[]> | undefined;

  const started = Promise.all(runs.map((run) => run.started)).then(() => undefined);
  const listening = Promise.all(runs.map((run) => run.ready)).then(() => undefined);
  // The scheduler may never await `started` or `listening` (it learns of a crash through onExit); a
  // rejection nobody handles must not take the emulator down.
  started.catch(() => {});
  listening.catch(() => {});

  const ended = Promise.all(
    runs.map((run, i) =>
      run.ended.then((end): ContainerExit => {
        const container = spec.containers[i] as ContainerSpec;
        const exit: ContainerExit = { containerName: container.name, exitCode: end.exitCode };
        const reason = exitReason(container, end, requests[i] ?? 'none');
        if (reason !== undefined) exit.reason = reason;
        if (requests[i] === 'none' || requests[i] === 'stop-timeout') {
          log(
            `task ${spec.taskId} container ${container.name} exited with code ${end.exitCode}${reason ? ` (${reason})` : ''}`,
          );
        }
        exits.push(exit);
        for (const listener of listeners) listener(exit);
        // ECS: "If the essential parameter of a container is marked as true, and that container
        // fails or stops for any reason, all other containers that are part of the task are stopped."
        if (container.essential && requests[i] === 'none') void handle.stop();
        return exit;
      }),
    ),
  );

  const handle: RunningTask = {
    started,
    listening,
    ended,
    onExit(listener) {
      listeners.push(listener);
      for (const exit of exits) listener(exit);
    },
    stop() {
      stopping ??= (() => {
        runs.forEach((run, i) => {
          if (requests[i] !== 'none') return;
          requests[i] = 'stop';
          const container = spec.containers[i] as ContainerSpec;
          run.terminate();
          const sigkill = clock.after(container.stopTimeoutSeconds, () => {
            requests[i] = 'stop-timeout';
            run.kill();
          });
          void run.ended.then(() => sigkill.cancel());
        });
        return ended;
      })();
      return stopping;
    },
    kill() {
      runs.forEach((run, i) => {
        if (requests[i] === 'kill' || requests[i] === 'stop-timeout') return;
        requests[i] = 'kill';
        run.kill();
      });
    },
  };
  return handle;
}
