// The seam between a task handle (stop semantics, exits, reasons: task-handle.ts) and the two ways
// of running one container (a child process, or servers inside the emulator's process).
import type { Clock, ContainerSpec, TaskSpec } from '../contracts.js';
import type { TaskAppConfig } from './task-app.mjs';

export interface ContainerEnd {
  /** As Docker reports it: the process's code, or 128 + signal number (SIGKILL = 137). null = never started. */
  exitCode: number | null;
  /** Why it could not run (listen error, spawn failure), when that is the cause. */
  error?: string;
}

export interface ContainerRun {
  /**
   * Resolves once the container runs with its SIGTERM handler in place (before any slow start
   * ends); rejects if it ends first. Nothing in the emulator waits on it: a test does, to stop a
   * container in its slow start rather than while its process is still booting.
   */
  readonly started: Promise<void>;
  /** Resolves once the app listens (an idle container: once it runs); rejects if it ends first. */
  readonly ready: Promise<void>;
  /** Resolves once, when the container has ended. */
  readonly ended: Promise<ContainerEnd>;
  /** SIGTERM: a graceful stop. */
  terminate(): void;
  /** SIGKILL: ends it at once. */
  kill(): void;
}

/** A container's end, settled once (the first end() wins), for both ways of running one. */
export interface ContainerEnding {
  readonly ended: Promise<ContainerEnd>;
  end(result: ContainerEnd): void;
  hasEnded(): boolean;
  /** Rejects once the container has ended: for a `ready` that the end cut short. */
  endedBeforeListening(): Promise<never>;
}

/** `settle` delivers the end (the in-process runtime defers it, as a process's exit is asynchronous). */
export function containerEnding(
  label: string,
  settle: (deliver: () => void) => void = (deliver) => deliver(),
): ContainerEnding {
  let endedOnce = false;
  let resolveEnded!: (end: ContainerEnd) => void;
  const ended = new Promise<ContainerEnd>((resolve) => (resolveEnded = resolve));
  return {
    ended,
    end(result) {
      if (endedOnce) return;
      endedOnce = true;
      settle(() => resolveEnded(result));
    },
    hasEnded: () => endedOnce,
    endedBeforeListening: () =>
      ended.then(({ exitCode, error }) => {
        throw new Error(
          `${label} ended before listening (exit code ${exitCode})${error ? `: ${error}` : ''}`,
        );
      }),
  };
}

/** What a container runs, with every AWS duration turned into real milliseconds by the clock. */
export interface ContainerLaunch {
  crashOnStart: boolean;
  /** A one-off command: never listens, exits with `exitCode` after `runMs` real ms. */
  job?: { exitCode: number; runMs: number };
  /** null: the container has no port and runs idle. */
  app: TaskAppConfig | null;
}

export function launchOf(task: TaskSpec, container: ContainerSpec, clock: Clock): ContainerLaunch {
  const { behavior } = container;
  if (container.job)
    return {
      crashOnStart: false,
      job: { exitCode: container.job.exitCode, runMs: clock.ms(container.job.runSeconds) },
      app: null,
    };
  if (container.port === undefined) return { crashOnStart: behavior.crashOnStart, app: null };
  const app: TaskAppConfig = {
    ip: task.ip,
    port: container.port,
    taskDefinition: task.taskDefinition,
    revision: task.revision,
    taskId: task.taskId,
    container: container.name,
    unhealthy: behavior.unhealthy,
    slowStartMs: clock.ms(behavior.slowStartSeconds),
    errorRate: behavior.errorRate,
  };
  if (behavior.unhealthyAfterSeconds !== undefined)
    app.unhealthyAfterMs = clock.ms(behavior.unhealthyAfterSeconds);
  if (behavior.latencySeconds !== undefined && behavior.latencySeconds > 0)
    app.latencyMs = clock.ms(behavior.latencySeconds);
  return { crashOnStart: behavior.crashOnStart, app };
}
