// ECS container health checks (task definition `healthCheck`), as the ECS documentation describes
// them: developer guide "Determine Amazon ECS task health using container health checks", API
// reference "HealthCheck", and the Task / Container `healthStatus` members of DescribeTasks.
//
// - Parameters and defaults (API reference HealthCheck; botocore's ECS model): interval 30 s
//   (5-300), timeout 5 s (2-60 in the model; ECS rejects others at RegisterTaskDefinition),
//   retries 3 (1-10), startPeriod 0 = off (0-300).
// - A container's healthStatus is UNKNOWN while being evaluated (or with no check), HEALTHY once a
//   check passes, UNHEALTHY after `retries` consecutive failures. Failures inside startPeriod do not
//   count, unless a check has already passed ("If a health check succeeds within the startPeriod,
//   then the container is considered healthy and any subsequent failures count toward the maximum
//   number of retries"). As in Docker, the first check runs one interval after the container starts.
// - The task's healthStatus: only containers with a health check command are considered; essential
//   ones decide (nonessential ones only when no essential container has a check); priority
//   UNHEALTHY > UNKNOWN > HEALTHY.
// - "For tasks that are part of a service, if the task reports as unhealthy then the task will be
//   stopped and the service scheduler will replace it" (scheduler.ts; stoppedReason
//   `Task failed container health checks`, re:Post "Why is my Amazon ECS task stopped?").
//
// How the emulator runs the command (its own rule, as the app's behaviour is): a command naming a
// URL on localhost or 127.0.0.1 (`CMD-SHELL curl -f http://localhost:8080/health || exit 1`) is one
// HTTP GET to that port and path at the task's own address, passing on a status below 400 (curl
// -f) within the timeout; `exit 0` / `true` always pass and `exit <n>` / `false` always fail; any
// other command passes or fails as the container's behaviour says its health path would answer
// (image tag or EMULATOR_BEHAVIOR: `unhealthy`, `unhealthy-after-<s>`).

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

export interface HealthCheckSpec {
  command: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

export const HEALTH_CHECK_RANGES = {
  interval: { min: 5, max: 300, default: 30 },
  timeout: { min: 2, max: 60, default: 5 },
  retries: { min: 1, max: 10, default: 3 },
  startPeriod: { min: 0, max: 300, default: 0 },
} as const;

/** The container definition's health check with ECS's defaults filled in; undefined without a command. */
export function healthCheckOf(def: Record<string, unknown>): HealthCheckSpec | undefined {
  const hc = def['healthCheck'];
  if (typeof hc !== 'object' || hc === null) return undefined;
  const h = hc as Record<string, unknown>;
  const command = Array.isArray(h['command']) ? h['command'].map(String) : [];
  if (command.length === 0) return undefined;
  const num = (key: keyof typeof HEALTH_CHECK_RANGES): number =>
    typeof h[key] === 'number' ? (h[key] as number) : HEALTH_CHECK_RANGES[key].default;
  return {
    command,
    intervalSeconds: num('interval'),
    timeoutSeconds: num('timeout'),
    retries: num('retries'),
    startPeriodSeconds: num('startPeriod'),
  };
}

/** What RegisterTaskDefinition refuses (ClientException), or undefined. */
export function healthCheckProblem(def: Record<string, unknown>): string | undefined {
  const hc = def['healthCheck'];
  if (hc === undefined) return undefined;
  const name = String(def['name'] ?? '');
  const h = (typeof hc === 'object' && hc !== null ? hc : {}) as Record<string, unknown>;
  if (!Array.isArray(h['command']) || h['command'].length === 0)
    return `Container '${name}': healthCheck.command must not be empty.`;
  for (const [key, range] of Object.entries(HEALTH_CHECK_RANGES)) {
    const value = h[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max)
      return `Container '${name}': healthCheck.${key} must be between ${range.min} and ${range.max}, got ${String(value)}.`;
  }
  return undefined;
}

/** One container's check state between checks. */
export interface CheckState {
  status: HealthStatus;
  /** Consecutive failures that count toward `retries`. */
  failures: number;
  /** A check has passed since the container started (start period over for failures). */
  passedOnce: boolean;
}

export const INITIAL_CHECK: CheckState = { status: 'UNKNOWN', failures: 0, passedOnce: false };

/** The state after one check that `passed` or not, `sinceStartSeconds` after the container started. */
export function nextCheckState(
  state: CheckState,
  passed: boolean,
  sinceStartSeconds: number,
  spec: Pick<HealthCheckSpec, 'retries' | 'startPeriodSeconds'>,
): CheckState {
  if (passed) return { status: 'HEALTHY', failures: 0, passedOnce: true };
  if (!state.passedOnce && sinceStartSeconds < spec.startPeriodSeconds) return state;
  const failures = state.failures + 1;
  return { ...state, failures, status: failures >= spec.retries ? 'UNHEALTHY' : state.status };
}

/** The task's healthStatus from its containers (see the rule at the top). */
export function taskHealthStatus(
  containers: readonly { essential: boolean; checked: boolean; healthStatus: HealthStatus }[],
): HealthStatus {
  const checked = containers.filter((c) => c.checked);
  const essential = checked.filter((c) => c.essential);
  const considered = essential.length > 0 ? essential : checked;
  if (considered.length === 0) return 'UNKNOWN';
  if (considered.some((c) => c.healthStatus === 'UNHEALTHY')) return 'UNHEALTHY';
  if (considered.some((c) => c.healthStatus === 'UNKNOWN')) return 'UNKNOWN';
  return 'HEALTHY';
}

export type HealthProbe =
  { kind: 'http'; port: number; path: string } | { kind: 'exit'; passes: boolean } | { kind: 'behavior' };

/** How the emulator evaluates a health check command (see the rule at the top). */
export function probeOf(command: readonly string[]): HealthProbe {
  const [mode, ...rest] = command;
  const text = (mode === 'CMD' || mode === 'CMD-SHELL' ? rest : command).join(' ').trim();
  const url = /https?:\/\/(?:localhost|127\.0\.0\.1)(?::(\d+))?(\/[^\s'"|;&]*)?/.exec(text);
  if (url) return { kind: 'http', port: Number(url[1] ?? 80), path: url[2] ?? '/' };
  if (/^(true|exit 0)$/.test(text)) return { kind: 'exit', passes: true };
  if (/^(false|exit [1-9]\d*)$/.test(text)) return { kind: 'exit', passes: false };
  return { kind: 'behavior' };
}
