// Preflight: everything a rollout needs to know, read before anything changes. The service exists,
// is ACTIVE, uses the ECS controller and has target groups (the driver checks); no deployment is in
// progress and no other run holds the service's lease (or, with wait-for-idle, both are waited for,
// bounded by rollout-timeout); every target group exists. Read-only.
import type { ServiceGuard } from './rollout/guard.js';
import { describeLease } from './rollout/lease.js';
import type { ServiceDriver, TargetGroupFacts, TaskDefinitionRecord } from './rollout/port.js';
import { retrying } from './rollout/retry.js';
import type { Clock, DeploymentSettings, DeploymentView, ServiceView } from './rollout/types.js';
import { watch, type Heartbeat } from './rollout/watch.js';
import { capitalise, formatDuration, taskDefinitionName } from './rollout/words.js';
import type { Settings } from './settings.js';

export interface PreflightOptions {
  settings: Pick<Settings, 'cluster' | 'service' | 'waitForIdle' | 'rolloutTimeoutMs'>;
  driver: ServiceDriver;
  clock: Clock;
  guard: ServiceGuard;
  heartbeat: Heartbeat;
  log: { line(text: string): void; warning(text: string): void };
  signal?: AbortSignal;
  /** How long each read may keep retrying throttling and 5xx. */
  callBoundMs?: number;
  serverUrl?: string;
}

export interface Preflight {
  service: ServiceView;
  current: TaskDefinitionRecord;
  targetGroups: TargetGroupFacts[];
  /**
   * The service's own deployment settings: as recorded on the service by an earlier run that did
   * not finish putting them back, else as the service has them.
   */
  ownSettings: DeploymentSettings;
}

const CALL_BOUND_MS = 120_000;

/**
 * Deployments other than the PRIMARY one mean a rollout is under way (ECS keeps the ACTIVE one
 * until its tasks are gone, per the Deployment docs). A lone PRIMARY still IN_PROGRESS is a service
 * reaching steady state for the first time, or a rollout that just finished its last stop.
 */
export function deploymentInProgress(service: ServiceView): DeploymentView[] {
  if (service.deployments.length > 1) return service.deployments;
  return service.deployments.filter((d) => d.rolloutState === 'IN_PROGRESS');
}

export function describeDeployments(deployments: readonly DeploymentView[]): string {
  return deployments
    .map(
      (d) =>
        `${d.id} (${d.status}, ${taskDefinitionName(d.taskDefinitionArn)}, ${d.runningCount}/${d.desiredCount} running` +
        `${d.rolloutState ? `, ${d.rolloutState}` : ''})`,
    )
    .join('; ');
}

export async function preflight(opts: PreflightOptions): Promise<Preflight> {
  const { settings, driver, clock, guard, log } = opts;
  const where = `service "${settings.service}" in cluster "${settings.cluster}"`;
  const bound = opts.callBoundMs ?? CALL_BOUND_MS;
  const read = <T>(label: string, call: () => Promise<T>): Promise<T> =>
    retrying(label, call, {
      clock,
      deadline: clock.now() + bound,
      onRetry: (r) => opts.heartbeat.retrying(r.delayMs, r.error, clock.now()),
    });

  const started = clock.now();
  opts.heartbeat.setSink((words) => log.line(words));
  let recorded: DeploymentSettings | undefined;
  const service = await watch<
    { service: ServiceView; record: Awaited<ReturnType<ServiceGuard['read']>> },
    ServiceView
  >({
    clock,
    heartbeat: opts.heartbeat,
    ...(opts.signal ? { signal: opts.signal } : {}),
    deadline: () => started + Math.max(bound, settings.rolloutTimeoutMs),
    observe: async () => ({ service: await driver.describeService(), record: await guard.read() }),
    step: ({ service: s, record }) => {
      recorded = record.recordedSettings;
      const busy = deploymentInProgress(s);
      const holder = record.holder;
      if (busy.length === 0 && holder.kind !== 'other') return { done: s };
      const rolling = busy.length > 1;
      const other = holder.kind === 'other' ? describeLease(holder.lease, opts.serverUrl) : undefined;
      // Another run, or a rollout by someone else: refuse unless asked to wait. A lone settling
      // deployment is waited for (bounded), since it changes nothing we would have to undo.
      if ((other || rolling) && !settings.waitForIdle) {
        throw new Error(
          other
            ? `Another rollout holds ${where}: ${other}. Nothing was changed. Wait for it to finish and run again, or set wait-for-idle: true.`
            : `A deployment is already in progress on ${where}: ${describeDeployments(busy)}. Nothing was changed. Wait for it to finish and run again, or set wait-for-idle: true.`,
        );
      }
      const freeWithin =
        other || rolling ? settings.rolloutTimeoutMs : Math.min(settings.rolloutTimeoutMs, 10 * 60_000);
      if (clock.now() - started >= freeWithin) {
        throw new Error(
          `${capitalise(where)} did not become free within ${formatDuration(freeWithin)}: ` +
            `${other ? `another rollout holds it (${other})` : describeDeployments(busy)}. Nothing was changed.`,
        );
      }
      return {
        wait: other
          ? `waiting for another rollout to finish (${other})`
          : `waiting for the deployment in progress to finish: ${describeDeployments(busy)}`,
      };
    },
    onCancel: () => {
      throw new Error('Cancelled while waiting for the service to become free; nothing was changed.');
    },
    onReadFailure: (error) => {
      throw error;
    },
  });

  // Every target group must exist: the gate reads them all.
  const targetGroups = await read('DescribeTargetGroups', () =>
    driver.describeTargetGroups(service.targetGroupArns),
  );
  // The gate follows each task's own target by its awsvpc IP address: an `instance` (bridge/host
  // network) or other target type would never show a new task healthy, and every batch would time out.
  const notIp = targetGroups.filter((g) => g.targetType !== 'ip');
  if (notIp.length > 0) {
    throw new Error(
      `${capitalise(where)} is behind ${notIp.map((g) => `target group ${g.name} of target type ${g.targetType || 'unknown'}`).join(', ')}: ` +
        'this action follows each task by its own target, so it needs target type ip (awsvpc network mode, as on Fargate). Nothing was changed.',
    );
  }
  const current = await read('DescribeTaskDefinition', () =>
    driver.describeTaskDefinition(service.taskDefinitionArn),
  );
  if (recorded) {
    log.warning(
      `${where} carries the deployment settings an earlier run recorded and did not put back ` +
        `(maximumPercent ${recorded.maximumPercent}, minimumHealthyPercent ${recorded.minimumHealthyPercent}); ` +
        `they are taken as the service's own, not its current ${service.settings.maximumPercent}/${service.settings.minimumHealthyPercent}.`,
    );
  }
  return { service, current, targetGroups, ownSettings: recorded ?? service.settings };
}
