// Puts a service back on its previous task definition and waits, with a bound, until it is there:
// every task runs the previous revision with healthy targets and no other revision is left. Then
// puts back the service's own deployment settings. Used by runRollout on failure and by the post
// step after a cancellation.
import type { ServiceDriver } from '../platform/service-driver.js';
import { healthyInEveryGroup } from './decide.js';
import { describeServiceState, taskDefinitionName } from './describe-state.js';
import { formatDuration } from './gates.js';
import {
  afterObservation,
  DEFAULT_POLL_POLICY,
  INITIAL_POLL_STATE,
  nextDelay,
  type PollPolicy,
} from './poll.js';
import { callWithRetry, errorMessage, retryingWords, sleepQuietly } from './retry.js';
import type { Clock, DeploymentSettings, Snapshot } from './types.js';

export interface RestoreOptions {
  driver: ServiceDriver;
  clock: Clock;
  previousTaskDefinitionArn: string;
  /** The service's own deployment settings, put back at the end. */
  originalSettings: DeploymentSettings;
  /** Bound on the wait for the previous revision to be healthy everywhere. */
  timeoutMs: number;
  /** The maximumPercent the rollout used; the restore may surge as much. */
  surgePercent?: number;
  /**
   * The minimumHealthyPercent the rollout used; the restore keeps at least that many tasks healthy
   * (ECS may replace tasks of the previous revision too when it gets a new deployment of it).
   */
  floorPercent?: number;
  /** Called with what the restore waits for, when that changes and at least every 20 s. */
  onProgress?: (waitingFor: string) => void;
  /** Stops the wait (not the settings restore); the result then says where the service is. */
  signal?: AbortSignal;
  pollPolicy?: PollPolicy;
  random?: () => number;
}

export interface RestoreResult {
  ok: boolean;
  message: string;
  durationMs: number;
  settingsRestored: { ok: boolean; message: string };
}

export interface RestoreStatus {
  settled: boolean;
  waitingFor: string;
}

const HEARTBEAT_MS = 20_000;

/**
 * Done when the PRIMARY deployment runs the previous revision, exactly desiredCount tasks are
 * live, all of that revision and RUNNING with a healthy target in every target group, and no
 * target of a gone task is left in a group (ECS stops a task only after its target has drained).
 */
export function restoreStatus(snapshot: Snapshot, previousArn: string): RestoreStatus {
  const { service } = snapshot;
  const groups = service.targetGroupArns;
  const prevName = taskDefinitionName(previousArn);
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  const live = snapshot.tasks.filter((t) => t.lastStatus !== 'STOPPED');
  const others = live.filter((t) => t.taskDefinitionArn !== previousArn);
  const prev = live.filter((t) => t.taskDefinitionArn === previousArn);
  const healthy = prev.filter(
    (t) =>
      t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING' && healthyInEveryGroup(t, snapshot, groups),
  ).length;
  const liveIps = new Set(live.map((t) => t.ip));
  const lingering = snapshot.targets.filter(
    (t) => groups.includes(t.targetGroupArn) && !liveIps.has(t.id) && t.state !== 'unused',
  ).length;
  const desired = service.desiredCount;

  const parts = [`${healthy}/${desired} tasks of ${prevName} healthy`];
  if (primary?.taskDefinitionArn !== previousArn) parts.push(`ECS to make ${prevName} PRIMARY`);
  if (others.length > 0)
    parts.push(`${others.length} ${plural(others.length, 'task')} of other revisions to stop`);
  if (prev.length > desired)
    parts.push(
      `${prev.length - desired} extra ${plural(prev.length - desired, 'task')} of ${prevName} to stop`,
    );
  if (lingering > 0) parts.push(`${lingering} ${plural(lingering, 'target')} to drain`);
  const settled =
    primary?.taskDefinitionArn === previousArn &&
    others.length === 0 &&
    prev.length === desired &&
    healthy === desired &&
    lingering === 0;
  return { settled, waitingFor: `rollback: ${parts.join(', ')}` };
}

/**
 * The settings the restore runs under: never a lower floor than the service's own or the rollout's
 * (so capacity does not drop below what the rollout kept), and room to surge at least one task
 * (maximumPercent rounds down, so 100 + ceil(100 / N) is the smallest that starts one).
 */
export function restoreSettings(
  original: DeploymentSettings,
  desired: number,
  surgePercent?: number,
  floorPercent?: number,
): DeploymentSettings {
  const oneTask = desired > 0 ? 100 + Math.ceil(100 / desired) : 200;
  const settings: DeploymentSettings = {
    maximumPercent: Math.max(original.maximumPercent, surgePercent ?? 0, oneTask),
    minimumHealthyPercent: Math.max(original.minimumHealthyPercent, floorPercent ?? 0),
  };
  if (original.circuitBreaker) settings.circuitBreaker = { ...original.circuitBreaker };
  return settings;
}

export async function restorePrevious(opts: RestoreOptions): Promise<RestoreResult> {
  const { driver, clock, previousTaskDefinitionArn: prevArn } = opts;
  const policy = opts.pollPolicy ?? DEFAULT_POLL_POLICY;
  const started = clock.now();
  const prevName = taskDefinitionName(prevArn);
  let last: Snapshot | undefined;
  let ok = false;
  let problem = '';
  // What was last said, and when: a long back-off on throttling still gets a line every 20 s.
  let lastWords = `rollback: UpdateService to ${prevName}`;
  let lastSaidAt = clock.now();
  const onRetry = (r: { delayMs: number; error: unknown }): void => {
    const now = clock.now();
    if (now + r.delayMs - lastSaidAt < HEARTBEAT_MS) return;
    lastSaidAt = now;
    safely(() => opts.onProgress?.(retryingWords(lastWords, r)));
  };
  const retry = { clock, policy, onRetry, ...(opts.random ? { random: opts.random } : {}) };

  let observedFrom = clock.now();
  try {
    last = await callWithRetry('DescribeServices', () => driver.observe(), retry);
    const primary = last.service.deployments.find((d) => d.status === 'PRIMARY');
    // ECS's circuit breaker may already be rolling back to this revision: then only the settings change.
    const alreadyPrimary = primary?.taskDefinitionArn === prevArn && primary.rolloutState !== 'FAILED';
    const settings = restoreSettings(
      opts.originalSettings,
      last.service.desiredCount,
      opts.surgePercent,
      opts.floorPercent,
    );
    await callWithRetry(
      'UpdateService',
      () => driver.updateService(alreadyPrimary ? { settings } : { taskDefinitionArn: prevArn, settings }),
      retry,
    );

    let poll = INITIAL_POLL_STATE;
    for (;;) {
      const status = restoreStatus(last, prevArn);
      if (status.settled) {
        ok = true;
        break;
      }
      const changed = status.waitingFor !== lastWords;
      if (changed || last.at - lastSaidAt >= HEARTBEAT_MS) {
        safely(() => opts.onProgress?.(status.waitingFor));
        lastSaidAt = last.at;
      }
      if (opts.signal?.aborted) {
        problem = `the wait was cancelled, waiting for ${status.waitingFor}`;
        break;
      }
      if (last.at - started >= opts.timeoutMs) {
        problem = `it did not settle within ${formatDuration(opts.timeoutMs)}, waiting for ${status.waitingFor}`;
        break;
      }
      poll = afterObservation(poll, changed);
      lastWords = status.waitingFor;
      const now = clock.now();
      // Measured from the start of the last snapshot, as in the rollout loop.
      const untilNext = Math.min(
        nextDelay(poll, policy, 0) - (now - observedFrom),
        started + opts.timeoutMs - now,
        lastSaidAt + HEARTBEAT_MS - now,
      );
      await sleepQuietly(clock, Math.max(0, untilNext), opts.signal);
      observedFrom = clock.now();
      last = await callWithRetry('DescribeServices', () => driver.observe(), retry);
    }
  } catch (err) {
    problem = errorMessage(err);
  }

  // The service's own settings go back in every case: after a failed restore too, so ECS paces
  // whatever it still does the way the service owner configured it.
  const settingsRestored = await putBackSettings(driver, opts.originalSettings, retry);
  const durationMs = clock.now() - started;
  const message = ok
    ? `rolled back to ${prevName}: all ${last?.service.desiredCount ?? 0} tasks healthy on it (${formatDuration(durationMs)})`
    : `rollback to ${prevName} failed: ${problem}. Service state: ${last ? describeServiceState(last) : 'unknown (could not observe it)'}`;
  return { ok, message, durationMs, settingsRestored };
}

/** UpdateService with the service's own deployment settings; says what happened either way. */
export async function putBackSettings(
  driver: ServiceDriver,
  original: DeploymentSettings,
  retry: { clock: Clock; policy?: PollPolicy; random?: () => number },
): Promise<{ ok: boolean; message: string }> {
  const words = `maximumPercent ${original.maximumPercent}, minimumHealthyPercent ${original.minimumHealthyPercent}`;
  try {
    await callWithRetry(
      'UpdateService (deployment settings)',
      () => driver.updateService({ settings: original }),
      retry,
    );
    return { ok: true, message: `restored the service's deployment settings (${words})` };
  } catch (err) {
    return {
      ok: false,
      message: `could not restore the service's deployment settings (${words}): ${errorMessage(err)}`,
    };
  }
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // A progress callback must not break the restore.
  }
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
