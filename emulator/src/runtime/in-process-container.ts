// One container as a real HTTP server inside the emulator's own process, for fleets too big for a
// process each (hundreds of tasks on two cores). Same app code as a child process (task-app.mjs),
// and the exits a process would have: crash -> 1, SIGTERM -> graceful close -> 0, SIGKILL -> 137.
import { containerEnding, type ContainerLaunch, type ContainerRun } from './container-run.js';
import { createTaskApp } from './task-app.mjs';

const SIGKILL_EXIT = 137;
const SIGTERM_EXIT = 143;

export function runContainerInProcess(launch: ContainerLaunch, label: string): ContainerRun {
  // A process ends asynchronously; so does this, so listeners see the same order in both runtimes.
  const {
    ended,
    end,
    hasEnded,
    endedBeforeListening: endedEarly,
  } = containerEnding(label, (deliver) => setImmediate(deliver));

  // Inside this process a container runs, with its stop handling in place, from the moment it exists.
  const started = Promise.resolve();

  if (launch.crashOnStart) {
    end({ exitCode: 1 });
    return { started: endedEarly(), ready: endedEarly(), ended, terminate: () => {}, kill: () => {} };
  }

  if (launch.job) {
    // A one-off command: runs, then exits with its code; SIGTERM ends it as a process without a
    // handler would end (128 + 15).
    const { exitCode, runMs } = launch.job;
    const timer = setTimeout(() => end({ exitCode }), runMs);
    const endWith = (code: number): void => {
      clearTimeout(timer);
      end({ exitCode: code });
    };
    return {
      started,
      ready: Promise.resolve(),
      ended,
      terminate: () => endWith(SIGTERM_EXIT),
      kill: () => endWith(SIGKILL_EXIT),
    };
  }

  if (!launch.app) {
    // A container without a port: nothing to serve, it just runs until stopped.
    return {
      started,
      ready: Promise.resolve(),
      ended,
      terminate: () => end({ exitCode: 0 }),
      kill: () => end({ exitCode: SIGKILL_EXIT }),
    };
  }

  const app = createTaskApp(launch.app);
  const address = `${launch.app.ip}:${launch.app.port}`;
  const ready = Promise.race([
    app.listening.then(
      // false: stopped during its slow start, so it ended without ever listening.
      (listened) => (listened ? undefined : endedEarly()),
      (error: NodeJS.ErrnoException) => {
        end({ exitCode: 1, error: `listen ${address}: ${error.code ?? error.message}` });
        return endedEarly();
      },
    ),
    endedEarly(),
  ]);
  return {
    started,
    ready,
    ended,
    terminate: () => {
      if (!hasEnded()) void app.close().then(() => end({ exitCode: 0 }));
    },
    kill: () => {
      if (hasEnded()) return;
      app.destroy();
      end({ exitCode: SIGKILL_EXIT });
    },
  };
}
