// Puts a service back on its previous task definition and waits, with a bound, until it is there;
// then puts back the service's own deployment settings. The one restore path: a failed rollout,
// a cancelled one, and the post step after a crash all come here.
//
// How: ECS's StopServiceDeployment with stopType ROLLBACK on the rollout's service deployment. It
// "rolls back the service deployment to the previous service revision" and "uses the last
// successful service revision" (API reference, StopServiceDeployment; developer guide, "Stopping
// Amazon ECS service deployments"): the previous revision's running tasks stay, and ECS starts
// only what is missing. Where that is refused (no permission, an API the account or region does
// not have, no service deployment found, one that can no longer be stopped), UpdateService back to
// the previous task definition, which is a new deployment: ECS then replaces the previous
// revision's tasks too (users report it: aws/containers-roadmap#117, aws/copilot-cli#4838).
import type { ServiceGuard } from './guard.js';
import { LeaseLost } from './guard.js';
import { errorCode, type ServiceDeploymentView, type ServiceDriver } from './port.js';
import { restoreSettings, restoreStatus, ROLLBACK_STATES, STOPPABLE_STATES } from './restore.js';
import { retrying } from './retry.js';
import type { Clock, DeploymentSettings, Snapshot } from './types.js';
import { Heartbeat, watch } from './watch.js';
import { describeServiceState } from './describe-state.js';
import { errorMessage, formatDuration, taskDefinitionName } from './words.js';

export interface RestoreOptions {
  driver: ServiceDriver;
  clock: Clock;
  heartbeat: Heartbeat;
  guard?: ServiceGuard;
  previousTaskDefinitionArn: string;
  /** The revision being rolled back, to find its service deployment. */
  newTaskDefinitionArn?: string;
  /** The service's own deployment settings, put back at the end. */
  originalSettings: DeploymentSettings;
  desiredCount: number;
  /** The rollout's release settings: the restore may surge as much and keeps at least its floor. */
  surgePercent?: number;
  floorPercent?: number;
  /** The rollout's service deployment, when it was found. */
  serviceDeploymentArn?: string;
  /** When the rollout began: its service deployment was created after. */
  rolloutStartedAt: number;
  /** Bound on the wait for the previous revision to be healthy everywhere. */
  timeoutMs: number;
  /** Bound on each call's retries (settings, stop, fallback). */
  callBoundMs?: number;
  /** Told what the restore waits for. */
  onProgress?: (waitingFor: string, at: number) => void;
  /** Told how the restore goes about it, once it has asked ECS. */
  onStarted?: (how: RestoreHow, words: string) => void;
  /**
   * Stops the wait (not the asking): the post step's, when the runner signals it before its kill,
   * so that the settings are still put back. Main's restore runs after its own cancellation and
   * takes none.
   */
  signal?: AbortSignal;
  random?: () => number;
}

export type RestoreHow = 'stop-deployment' | 'update-service' | 'none';

export interface SettingsResult {
  ok: boolean;
  message: string;
  /** Another run holds the service: its settings are that run's to manage. */
  takenOver?: boolean;
}

export interface RestoreResult {
  ok: boolean;
  /** True when the end state was observed (ok or not); false when reads kept failing or nothing could be asked. */
  confirmed: boolean;
  how: RestoreHow;
  message: string;
  durationMs: number;
  settingsRestored: SettingsResult;
  takenOver?: boolean;
  /** What ECS said of its rollback, when it was asked through StopServiceDeployment. */
  serviceDeployment?: ServiceDeploymentView;
}

const CALL_BOUND_MS = 120_000;

export async function restorePrevious(opts: RestoreOptions): Promise<RestoreResult> {
  const { driver, clock, guard } = opts;
  const started = clock.now();
  const prevName = taskDefinitionName(opts.previousTaskDefinitionArn);
  const bound = opts.callBoundMs ?? CALL_BOUND_MS;
  const retry = (): { clock: Clock; deadline: number; random?: () => number } => ({
    clock,
    deadline: clock.now() + bound,
    ...(opts.random ? { random: opts.random } : {}),
  });
  const settings = restoreSettings(
    opts.originalSettings,
    opts.desiredCount,
    opts.surgePercent,
    opts.floorPercent,
  );
  const notes: string[] = [];
  const finish = async (
    result: Omit<RestoreResult, 'durationMs' | 'settingsRestored'>,
  ): Promise<RestoreResult> => {
    // The service's own settings go back in every case, after a failed restore too, so ECS paces
    // whatever it still does the way the service owner configured it.
    const settingsRestored = result.takenOver
      ? takenOverSettings()
      : await putBackSettings({
          driver,
          clock,
          ...(guard ? { guard } : {}),
          original: opts.originalSettings,
          boundMs: bound,
        });
    return { ...result, durationMs: clock.now() - started, settingsRestored };
  };

  try {
    // 1. Hold first: while the failed revision is still PRIMARY, settings with room to surge would
    // let ECS start more of its tasks (the rollout may have failed right after a release).
    try {
      await guard?.confirm();
      await retrying(
        'UpdateService (hold)',
        () => driver.updateService({ settings: holdSettings(opts.originalSettings) }),
        retry(),
      );
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      notes.push(`could not hold the service first (${errorMessage(error)})`);
    }

    // 2. Ask ECS to roll back: StopServiceDeployment, or UpdateService to the previous revision.
    // 3. Then room to move back: held at 100/100 ECS could neither start a previous-revision task
    //    nor stop a new one. With UpdateService both go in one call.
    let how: RestoreHow = 'none';
    let deployment: ServiceDeploymentView | undefined;
    const tried = await rollBackDeployment(opts, retry, notes);
    how = tried.how;
    deployment = tried.deployment;
    if (how === 'stop-deployment') {
      try {
        await guard?.confirm();
        await retrying(
          'UpdateService (rollback settings)',
          () => driver.updateService({ settings }),
          retry(),
        );
      } catch (error) {
        if (error instanceof LeaseLost) throw error;
        notes.push(`could not set the rollback's deployment settings (${errorMessage(error)})`);
      }
    } else {
      try {
        await guard?.confirm();
        await retrying(
          'UpdateService (previous task definition)',
          () => driver.updateService({ taskDefinitionArn: opts.previousTaskDefinitionArn, settings }),
          retry(),
        );
        how = 'update-service';
      } catch (error) {
        if (error instanceof LeaseLost) throw error;
        // Said as a start too, so every reader sees a rollback begin before it ends.
        safely(() => opts.onStarted?.('none', `ECS could not be asked to return to ${prevName}`));
        return await finish({
          ok: false,
          confirmed: false,
          how,
          message: `rollback to ${prevName} could not be started: ${[...notes, errorMessage(error)].join('; ')}`,
        });
      }
    }
    safely(() =>
      opts.onStarted?.(
        how,
        how === 'stop-deployment'
          ? `StopServiceDeployment (ROLLBACK): ECS returns to ${prevName}, keeping its running tasks`
          : `UpdateService back to ${prevName}, a new deployment that replaces its tasks${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
      ),
    );

    // 4. Wait until the service is back.
    let last: Snapshot | undefined;
    const deploymentArn = deployment?.arn;
    const outcome = await watch<
      { snapshot: Snapshot; deployment?: ServiceDeploymentView },
      Omit<RestoreResult, 'durationMs' | 'settingsRestored'>
    >({
      clock,
      heartbeat: opts.heartbeat,
      ...(opts.signal ? { signal: opts.signal } : {}),
      onCancel: (waitingFor) => ({
        ok: false,
        confirmed: false,
        how,
        message: `rollback to ${prevName} was asked of ECS (${how}); the step was stopped while it waited for ${waitingFor || 'it'}`,
      }),
      deadline: () => started + opts.timeoutMs,
      observe: async () => {
        const snapshot = await driver.observe();
        let d: ServiceDeploymentView | undefined;
        if (how === 'stop-deployment' && deploymentArn) {
          // What ECS says of its rollback is a nicety on top of what the action sees itself.
          d = await driver.describeServiceDeployment(deploymentArn).catch(() => undefined);
        }
        return d ? { snapshot, deployment: d } : { snapshot };
      },
      step: async ({ snapshot, deployment: d }) => {
        last = snapshot;
        if (d) deployment = d;
        const status = restoreStatus(snapshot, opts.previousTaskDefinitionArn);
        if (d?.status === 'ROLLBACK_FAILED') {
          return {
            done: {
              ok: false,
              confirmed: true,
              how,
              message: `ECS's rollback of ${deploymentArn} failed${d.statusReason ? `: ${d.statusReason}` : ''}. Service state: ${describeServiceState(snapshot)}`,
            },
          };
        }
        const ecsDone = how !== 'stop-deployment' || !d || d.status === 'ROLLBACK_SUCCESSFUL';
        if (status.settled && ecsDone) {
          return {
            done: {
              ok: true,
              confirmed: true,
              how,
              message: `rolled back to ${prevName}: all ${snapshot.service.desiredCount} tasks healthy on it (${formatDuration(clock.now() - started)})`,
            },
          };
        }
        if (snapshot.at - started >= opts.timeoutMs) {
          return {
            done: {
              ok: false,
              confirmed: true,
              how,
              message: `rollback to ${prevName} did not settle within ${formatDuration(opts.timeoutMs)}, waiting for ${status.waitingFor}. Service state: ${describeServiceState(snapshot)}`,
            },
          };
        }
        const ecsWords = d && !ecsDone ? `; ECS: ${d.status}` : '';
        await guard?.keepAlive();
        return { wait: `rollback: ${status.waitingFor}${ecsWords}` };
      },
      onReadFailure: (error) => ({
        ok: false,
        confirmed: false,
        how,
        message:
          `rollback to ${prevName} was asked of ECS (${how}), but the action could not confirm it: ${errorMessage(error)}. ` +
          `Last seen: ${last ? describeServiceState(last) : 'nothing'}`,
      }),
    });
    return await finish({ ...outcome, ...(deployment ? { serviceDeployment: deployment } : {}) });
  } catch (error) {
    if (error instanceof LeaseLost) {
      return finish({
        ok: false,
        confirmed: false,
        how: 'none',
        takenOver: true,
        message:
          'another run took the service’s lease, so this run changed nothing more: the service is that run’s now',
      });
    }
    throw error;
  }
}

/**
 * StopServiceDeployment (ROLLBACK) on the rollout's service deployment; `none` (with why in
 * `notes`) when ECS has none to stop or refuses, so the caller falls back to UpdateService.
 */
async function rollBackDeployment(
  opts: RestoreOptions,
  retry: () => { clock: Clock; deadline: number; random?: () => number },
  notes: string[],
): Promise<{ how: RestoreHow; deployment?: ServiceDeploymentView }> {
  const { driver, guard } = opts;
  let deployment: ServiceDeploymentView | undefined;
  try {
    if (opts.serviceDeploymentArn) {
      deployment = await retrying(
        'DescribeServiceDeployments',
        () => driver.describeServiceDeployment(opts.serviceDeploymentArn ?? ''),
        retry(),
      );
    } else if (opts.newTaskDefinitionArn) {
      const target = opts.newTaskDefinitionArn;
      deployment = await retrying(
        'ListServiceDeployments',
        () => driver.findServiceDeployment(target, opts.rolloutStartedAt),
        retry(),
      );
    }
  } catch (error) {
    notes.push(`the rollout's service deployment could not be read (${refusalWords(error)})`);
    return { how: 'none' };
  }
  if (!deployment) {
    notes.push('ECS lists no service deployment for the rollout');
    return { how: 'none' };
  }
  // ECS (its circuit breaker) or an earlier attempt already rolls it back: follow that.
  if (ROLLBACK_STATES.has(deployment.status)) return { how: 'stop-deployment', deployment };
  if (!STOPPABLE_STATES.has(deployment.status)) {
    notes.push(
      `the rollout's service deployment is ${deployment.status}, which StopServiceDeployment cannot roll back`,
    );
    return { how: 'none', deployment };
  }
  try {
    await guard?.confirm();
    await retrying('StopServiceDeployment', () => driver.rollBackServiceDeployment(deployment.arn), retry());
    return { how: 'stop-deployment', deployment };
  } catch (error) {
    if (error instanceof LeaseLost) throw error;
    notes.push(`ECS refused StopServiceDeployment: ${refusalWords(error)}`);
    return { how: 'none', deployment };
  }
}

/** ECS can neither start a task nor stop a healthy one: the service's own circuit breaker kept. */
function holdSettings(original: DeploymentSettings): DeploymentSettings {
  return {
    maximumPercent: 100,
    minimumHealthyPercent: 100,
    ...(original.circuitBreaker ? { circuitBreaker: { ...original.circuitBreaker } } : {}),
  };
}

/** What AWS said (code and its own message), without the driver's account of which call it was. */
function refusalWords(error: unknown): string {
  const code = errorCode(error);
  const said =
    error instanceof Error && error.cause !== undefined ? errorMessage(error.cause) : errorMessage(error);
  return code && !said.includes(code) ? `${code}: ${said}` : said;
}

/** UpdateService with the service's own deployment settings, retried within a bound; says what happened. */
export async function putBackSettings(opts: {
  driver: ServiceDriver;
  clock: Clock;
  guard?: ServiceGuard;
  original: DeploymentSettings;
  boundMs?: number;
  random?: () => number;
}): Promise<SettingsResult> {
  const o = opts.original;
  const words = `maximumPercent ${o.maximumPercent}, minimumHealthyPercent ${o.minimumHealthyPercent}`;
  try {
    await opts.guard?.confirm();
    await retrying('UpdateService (deployment settings)', () => opts.driver.updateService({ settings: o }), {
      clock: opts.clock,
      deadline: opts.clock.now() + (opts.boundMs ?? CALL_BOUND_MS),
      ...(opts.random ? { random: opts.random } : {}),
    });
    return { ok: true, message: `restored the service's deployment settings (${words})` };
  } catch (error) {
    if (error instanceof LeaseLost) return takenOverSettings();
    return {
      ok: false,
      message: `could not restore the service's deployment settings (${words}): ${errorMessage(error)}`,
    };
  }
}

function takenOverSettings(): SettingsResult {
  return {
    ok: false,
    takenOver: true,
    message: 'left the deployment settings alone: another run holds the service now',
  };
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // A progress callback must not break the restore.
  }
}

export { Heartbeat };
