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
import { LeaseLost } from './guard.js';
import type { ServiceDeploymentView } from './port.js';
import { restoreSettings, restoreStatus } from './restore.js';
import {
  holdSettings,
  putBackSettings,
  rollBackDeployment,
  SILENT,
  takenOverSettings,
  type RestoreHow,
  type SettingsResult,
} from './restore-ask.js';
import { sessionOf, type SessionOrParts } from './session.js';
import type { DeploymentSettings } from './types.js';
import { describeServiceState } from './describe-state.js';
import { errorMessage, formatDuration, taskDefinitionName } from './words.js';
import type { Snapshot } from './snapshot.js';

export type RestoreOptions = SessionOrParts & {
  previousTaskDefinitionArn: string;
  /** The previous revision's containers with an ECS health check: back means HEALTHY there too. */
  previousContainerChecks?: readonly string[];
  /** The revision being rolled back, to find its service deployment. */
  newTaskDefinitionArn?: string;
  /** The service's own deployment settings, put back at the end. */
  originalSettings: DeploymentSettings;
  /**
   * The desired count last known. The restore follows the service's own from its first look on:
   * Application Auto Scaling may change it at any time (its scale-out goes on during deployments).
   */
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
  /** Told how the restore goes about it, once it has asked ECS. */
  onStarted?: (how: RestoreHow, words: string) => void;
  /**
   * Stops the wait (not the asking): the post step's, when the runner signals it before its kill,
   * so that the settings are still put back. Main's restore runs after its own cancellation and
   * takes none.
   */
  signal?: AbortSignal;
};

export type { RestoreHow, SettingsResult };

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

export async function restorePrevious(opts: RestoreOptions): Promise<RestoreResult> {
  const session = sessionOf(opts);
  const { driver, clock, guard } = session;
  const started = clock.now();
  const prevName = taskDefinitionName(opts.previousTaskDefinitionArn);
  const settingsFor = (desired: number): DeploymentSettings =>
    restoreSettings(opts.originalSettings, desired, opts.surgePercent, opts.floorPercent);
  const settings = settingsFor(opts.desiredCount);
  /** The settings last asked of ECS for the rollback, and the count they were made for. */
  let sent: { desired: number; settings: DeploymentSettings } | undefined;
  const notes: string[] = [];
  const finish = async (
    result: Omit<RestoreResult, 'durationMs' | 'settingsRestored'>,
  ): Promise<RestoreResult> => {
    // The service's own settings go back in every case, after a failed restore too, so ECS paces
    // whatever it still does the way the service owner configured it.
    const settingsRestored = result.takenOver
      ? takenOverSettings()
      : await putBackSettings(session, opts.originalSettings);
    return { ...result, durationMs: clock.now() - started, settingsRestored };
  };

  try {
    // 1. Hold first: while the failed revision is still PRIMARY, settings with room to surge would
    // let ECS start more of its tasks (the rollout may have failed right after a release).
    try {
      await session.change(
        'UpdateService (hold)',
        () => driver.updateService({ settings: holdSettings(opts.originalSettings) }),
        SILENT,
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
    const tried = await rollBackDeployment(session, opts, notes);
    how = tried.how;
    deployment = tried.deployment;
    if (how === 'stop-deployment') {
      try {
        await session.change(
          'UpdateService (rollback settings)',
          () => driver.updateService({ settings }),
          SILENT,
        );
        sent = { desired: opts.desiredCount, settings };
      } catch (error) {
        if (error instanceof LeaseLost) throw error;
        notes.push(`could not set the rollback's deployment settings (${errorMessage(error)})`);
      }
    } else {
      try {
        await session.change(
          'UpdateService (previous task definition)',
          () => driver.updateService({ taskDefinitionArn: opts.previousTaskDefinitionArn, settings }),
          SILENT,
        );
        sent = { desired: opts.desiredCount, settings };
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
    type Restored = Omit<RestoreResult, 'durationMs' | 'settingsRestored'>;
    const end = await session.phase<{ snapshot: Snapshot; deployment?: ServiceDeploymentView }, Restored>({
      ...(opts.signal ? { signal: opts.signal } : {}),
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
        // The desired count changed (Application Auto Scaling, or the count main knew is stale):
        // the settings' room to surge is a percent of it, so it is made again for the new count.
        const desired = snapshot.service.desiredCount;
        if (sent && sent.desired !== desired) {
          const next = settingsFor(desired);
          if (!sameSettings(next, sent.settings)) {
            try {
              await session.change(
                'UpdateService (rollback settings)',
                () => driver.updateService({ settings: next }),
                SILENT,
              );
              sent = { desired, settings: next };
            } catch (error) {
              if (error instanceof LeaseLost) throw error;
              // Tried again at the next look.
            }
          } else sent = { desired, settings: next };
        }
        const status = restoreStatus(snapshot, opts.previousTaskDefinitionArn, opts.previousContainerChecks);
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
    });
    const outcome: Restored =
      'done' in end
        ? end.done
        : 'cancelled' in end
          ? {
              ok: false,
              confirmed: false,
              how,
              message: `rollback to ${prevName} was asked of ECS (${how}); the step was stopped while it waited for ${end.waitingFor || 'it'}`,
            }
          : {
              ok: false,
              confirmed: false,
              how,
              message:
                `rollback to ${prevName} was asked of ECS (${how}), but the action could not confirm it: ${errorMessage(end.unreadable)}. ` +
                `Last seen: ${last ? describeServiceState(last) : 'nothing'}`,
            };
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

function sameSettings(a: DeploymentSettings, b: DeploymentSettings): boolean {
  return a.maximumPercent === b.maximumPercent && a.minimumHealthyPercent === b.minimumHealthyPercent;
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // A progress callback must not break the restore.
  }
}
