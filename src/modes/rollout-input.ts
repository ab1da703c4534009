// The one place the inputs become the engine's input: the plan input (batch-size, max-unavailable,
// the service's circuit breaker), which deploy acts on and plan mode shows, and the rollout's spec
// (timeouts, bake-time, health-check-url, alarms). The circuit breaker is the service's own
// setting: deploy passes its own settings as preflight found them (recorded by an unfinished
// earlier run, else as the service has them); plan mode, which reads no lease, the service's.
import type { PlanInput } from '../rollout/plan.js';
import type { RolloutSpec } from '../rollout/rollout.js';
import type { BatchPlan, DeploymentSettings } from '../rollout/types.js';
import { redactUrl } from '../secrets.js';
import type { Settings } from '../settings.js';
import type { Preflight } from './preflight.js';

export type PlanInputSettings = Pick<Settings, 'batchSize' | 'maxUnavailable'> &
  Partial<Pick<Settings, 'batchSchedule'>>;

/** Kept whole by the rollout: the plan follows the desired count if Application Auto Scaling changes it. */
export function planInputOf(
  settings: PlanInputSettings,
  desired: number,
  own: Pick<DeploymentSettings, 'circuitBreaker'>,
): PlanInput {
  return {
    desired,
    batchSize: settings.batchSize,
    ...(settings.batchSchedule ? { schedule: settings.batchSchedule } : {}),
    maxUnavailable: settings.maxUnavailable,
    ...(own.circuitBreaker ? { circuitBreaker: own.circuitBreaker } : {}),
  };
}

/** What the rollout is asked to do, from the inputs and what preflight read. */
export function rolloutSpecOf(
  settings: Settings,
  pre: Preflight,
  made: { plan: BatchPlan; planInput: PlanInput; containerChecks: RolloutSpec['containerChecks'] },
): Omit<RolloutSpec, 'previousTaskDefinitionArn' | 'newTaskDefinitionArn'> {
  const delays = pre.targetGroups.map((g) => g.deregistrationDelaySeconds * 1000);
  return {
    plan: made.plan,
    planInput: made.planInput,
    originalSettings: pre.ownSettings,
    batchTimeoutMs: settings.batchTimeoutMs,
    rolloutTimeoutMs: settings.rolloutTimeoutMs,
    bakeMs: settings.bakeTimeMs,
    overlap: settings.drainOverlap,
    rollbackOnFailure: settings.rollbackOnFailure,
    ...(made.containerChecks ? { containerChecks: made.containerChecks } : {}),
    ...(delays.length > 0 ? { deregistrationDelayMs: Math.max(...delays) } : {}),
    ...(settings.healthCheckUrls.length > 0
      ? {
          healthChecks: {
            urls: settings.healthCheckUrls.map((url) => ({ url, shown: redactUrl(url) })),
            statuses: settings.healthCheckStatus,
            threshold: settings.healthCheckThreshold,
          },
        }
      : {}),
    ...(pre.alarms ? { alarms: { ignoredAtStart: pre.alarms.ignoredAtStart } } : {}),
  };
}
