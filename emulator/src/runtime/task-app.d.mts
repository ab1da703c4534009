/** What one container's app needs to know; durations already in real milliseconds. */
export interface TaskAppConfig {
  ip: string;
  /** Container port; a container without one runs idle and never calls createTaskApp. */
  port: number;
  taskDefinition: string;
  revision: number;
  taskId: string;
  container: string;
  unhealthy: boolean;
  slowStartMs: number;
  unhealthyAfterMs?: number;
  errorRate: number;
  /** Real ms every non-health request is held before its answer (behaviour `slow-<s>`). */
  latencyMs?: number;
}

export interface TaskApp {
  /** true once listening; false when closed before it ever listened; rejects on a listen error. */
  readonly listening: Promise<boolean>;
  /** Graceful stop: no new connections; in-flight requests finish; resolves when all have ended. */
  close(): Promise<void>;
  /** Abrupt stop, as SIGKILL: every connection dropped, in-flight requests included. */
  destroy(): void;
}

export function createTaskApp(config: TaskAppConfig, deps?: { now?: () => number }): TaskApp;
