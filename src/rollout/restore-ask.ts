// Asking ECS to put a service back, each ask one change under the lease (session.change): roll
// back the rollout's service deployment (StopServiceDeployment, ROLLBACK), and put back the
// service's own deployment settings. restore-run.ts decides when, and waits.
import { LeaseLost } from './guard.js';
import { errorCode, type ServiceDeploymentView } from './port.js';
import { ROLLBACK_STATES, STOPPABLE_STATES } from './restore.js';
import type { Session } from './session.js';
import type { DeploymentSettings } from './types.js';
import { errorMessage } from './words.js';

export type RestoreHow = 'stop-deployment' | 'update-service' | 'none';

export interface SettingsResult {
  ok: boolean;
  message: string;
  /** Another run holds the service: its settings are that run's to manage. */
  takenOver?: boolean;
}

/** Which service deployment to roll back: the one found, or the one to find. */
export interface DeploymentToRollBack {
  serviceDeploymentArn?: string;
  newTaskDefinitionArn?: string;
  rolloutStartedAt: number;
}

/** The restore's calls say nothing of their back-off (its wait says what it waits for). */
export const SILENT = { silent: true } as const;

/**
 * StopServiceDeployment (ROLLBACK) on the rollout's service deployment; `none` (with why in
 * `notes`) when ECS has none to stop or refuses, so the caller falls back to UpdateService.
 */
export async function rollBackDeployment(
  session: Session,
  opts: DeploymentToRollBack,
  notes: string[],
): Promise<{ how: RestoreHow; deployment?: ServiceDeploymentView }> {
  const { driver } = session;
  let deployment: ServiceDeploymentView | undefined;
  try {
    if (opts.serviceDeploymentArn) {
      const arn = opts.serviceDeploymentArn;
      deployment = await session.call(
        'DescribeServiceDeployments',
        () => driver.describeServiceDeployment(arn),
        SILENT,
      );
    } else if (opts.newTaskDefinitionArn) {
      const target = opts.newTaskDefinitionArn;
      deployment = await session.call(
        'ListServiceDeployments',
        () => driver.findServiceDeployment(target, opts.rolloutStartedAt),
        SILENT,
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
    await session.change(
      'StopServiceDeployment',
      () => driver.rollBackServiceDeployment(deployment.arn),
      SILENT,
    );
    return { how: 'stop-deployment', deployment };
  } catch (error) {
    if (error instanceof LeaseLost) throw error;
    notes.push(`ECS refused StopServiceDeployment: ${refusalWords(error)}`);
    return { how: 'none', deployment };
  }
}

/** ECS can neither start a task nor stop a healthy one: the service's own circuit breaker kept. */
export function holdSettings(original: DeploymentSettings): DeploymentSettings {
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

/** UpdateService with the service's own deployment settings, within the session's bound; says what happened. */
export async function putBackSettings(
  session: Session,
  original: DeploymentSettings,
): Promise<SettingsResult> {
  const o = original;
  const words = `maximumPercent ${o.maximumPercent}, minimumHealthyPercent ${o.minimumHealthyPercent}`;
  try {
    await session.change(
      'UpdateService (deployment settings)',
      () => session.driver.updateService({ settings: o }),
      SILENT,
    );
    return { ok: true, message: `restored the service's deployment settings (${words})` };
  } catch (error) {
    if (error instanceof LeaseLost) return takenOverSettings();
    return {
      ok: false,
      message: `could not restore the service's deployment settings (${words}): ${errorMessage(error)}`,
    };
  }
}

export function takenOverSettings(): SettingsResult {
  return {
    ok: false,
    takenOver: true,
    message: 'left the deployment settings alone: another run holds the service now',
  };
}
