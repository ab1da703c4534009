// Preflight: everything a rollout needs to know, read before anything changes. The service exists,
// is ACTIVE, uses the ECS controller and has target groups (the driver checks); no deployment is in
// progress and no other run holds the service's lease (or, with wait-for-idle, both are waited for,
// bounded by rollout-timeout); every target group exists. Read-only.
import type { ServiceRecord } from '../rollout/guard.js';
import { describeLease } from '../rollout/lease.js';
import type { TargetGroupFacts, TaskDefinitionRecord } from '../rollout/port.js';
import type { Session } from '../rollout/session.js';
import type { DeploymentSettings } from '../rollout/types.js';
import type { DeploymentView, ServiceView } from '../rollout/snapshot.js';
import { alarmsAtStart } from '../rollout/alarm-start.js';
import { capitalise, formatDuration, taskDefinitionName } from '../rollout/words.js';
import type { Settings } from '../settings.js';

export interface PreflightOptions {
  settings: Pick<Settings, 'cluster' | 'service' | 'waitForIdle' | 'rolloutTimeoutMs'> &
    Partial<Pick<Settings, 'alarms' | 'useServiceAlarms' | 'ignoreAlarmsAtStart'>>;
  /** Its driver reads, its guard reads the lease; its call bound bounds each read. */
  session: Session;
  log: { line(text: string): void; warning(text: string): void };
  signal?: AbortSignal;
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
  /**
   * The alarm gate, when there are alarms to gate on: their names, and those already in ALARM that
   * ignore-alarms-at-start lets the rollout start with.
   */
  alarms?: { names: string[]; ignoredAtStart: string[] };
}

/** Target types whose targets are tasks, so the target-health gate can follow each task. */
export const GATED_TARGET_TYPES: ReadonlySet<string> = new Set(['ip', 'instance']);

/**
 * Deployments other than the PRIMARY one mean a rollout is under way (ECS keeps the ACTIVE one
 * until its tasks are gone, per the Deployment docs). A lone PRIMARY still IN_PROGRESS is a service
 * reaching steady state for the first time, or a rollout that just finished its last stop.
 */
function deploymentInProgress(service: ServiceView): DeploymentView[] {
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

/**
 * Strategies under which ECS itself shifts production traffic between two target groups once the
 * new revision runs at full size (API reference DeploymentConfiguration `strategy`; "Amazon ECS
 * blue/green deployments", "Amazon ECS linear deployments", "Amazon ECS canary deployments"):
 * batches of tasks paced by maximumPercent / minimumHealthyPercent do not apply there.
 */
const TRAFFIC_SHIFTING_STRATEGIES: readonly string[] = ['BLUE_GREEN', 'LINEAR', 'CANARY'];

/** Why this action must not deploy the service, when its deployment strategy shifts traffic itself. */
export function strategyRefusal(service: ServiceView, where: string): string | undefined {
  const strategy = service.deploymentStrategy;
  if (strategy === undefined || !TRAFFIC_SHIFTING_STRATEGIES.includes(strategy)) return undefined;
  return (
    `${capitalise(where)} uses the ${strategy} deployment strategy: there ECS itself starts the new revision at full size ` +
    'and shifts traffic between two target groups, so batches of tasks paced by maximumPercent/minimumHealthyPercent do not apply. ' +
    `Nothing was changed. Deploy it with ECS's own ${strategy} deployment (an UpdateService with the new task definition), ` +
    'or switch the service to the ROLLING strategy (deploymentConfiguration.strategy ROLLING) to deploy it with this action.'
  );
}

export async function preflight(opts: PreflightOptions): Promise<Preflight> {
  const { settings, session, log } = opts;
  const { driver, clock, guard } = session;
  if (!guard) throw new Error('preflight reads the service’s lease: the session needs its guard');
  const where = `service "${settings.service}" in cluster "${settings.cluster}"`;
  const read = <T>(label: string, call: () => Promise<T>): Promise<T> => session.call(label, call);

  const started = clock.now();
  let recorded: DeploymentSettings | undefined;
  // Refusals end the phase as values; preflight throws them (nothing was changed).
  const end = await session.phase<{ service: ServiceView; record: ServiceRecord }, ServiceView | Error>({
    says: (words) => log.line(words),
    ...(opts.signal ? { signal: opts.signal } : {}),
    deadline: () => started + Math.max(session.callBoundMs, settings.rolloutTimeoutMs),
    observe: async () => ({ service: await driver.describeService(), record: await guard.read() }),
    step: ({ service: s, record }) => {
      // Refused at the first look, before any wait or change: no waiting makes the strategy fit.
      const refused = strategyRefusal(s, where);
      if (refused) return { done: new Error(refused) };
      recorded = record.recordedSettings;
      const busy = deploymentInProgress(s);
      const holder = record.holder;
      if (busy.length === 0 && holder.kind !== 'other') return { done: s };
      const rolling = busy.length > 1;
      const other = holder.kind === 'other' ? describeLease(holder.lease, opts.serverUrl) : undefined;
      // Another run, or a rollout by someone else: refuse unless asked to wait. A lone settling
      // deployment is waited for (bounded), since it changes nothing we would have to undo.
      if ((other || rolling) && !settings.waitForIdle) {
        return {
          done: new Error(
            other
              ? `Another rollout holds ${where}: ${other}. Nothing was changed. Wait for it to finish and run again, or set wait-for-idle: true.`
              : `A deployment is already in progress on ${where}: ${describeDeployments(busy)}. Nothing was changed. Wait for it to finish and run again, or set wait-for-idle: true.`,
          ),
        };
      }
      const freeWithin =
        other || rolling ? settings.rolloutTimeoutMs : Math.min(settings.rolloutTimeoutMs, 10 * 60_000);
      if (clock.now() - started >= freeWithin) {
        return {
          done: new Error(
            `${capitalise(where)} did not become free within ${formatDuration(freeWithin)}: ` +
              `${other ? `another rollout holds it (${other})` : describeDeployments(busy)}. Nothing was changed.`,
          ),
        };
      }
      return {
        wait: other
          ? `waiting for another rollout to finish (${other})`
          : `waiting for the deployment in progress to finish: ${describeDeployments(busy)}`,
      };
    },
  });
  if ('cancelled' in end)
    throw new Error('Cancelled while waiting for the service to become free; nothing was changed.');
  if ('unreadable' in end) throw end.unreadable;
  if (end.done instanceof Error) throw end.done;
  const service = end.done;

  // Every target group must exist: the gate reads them all.
  const targetGroups = await read('DescribeTargetGroups', () =>
    driver.describeTargetGroups(service.targetGroupArns),
  );
  // The gate follows each task's own target: by its awsvpc IP in an `ip` group, by its container
  // instance's EC2 id and host port in an `instance` group. A `lambda` or `alb` group routes to no
  // task: no new task would ever show healthy there, and every batch would time out.
  const ungated = targetGroups.filter((g) => !GATED_TARGET_TYPES.has(g.targetType));
  if (ungated.length > 0) {
    throw new Error(
      `${capitalise(where)} is behind ${ungated.map((g) => `target group ${g.name} of target type ${g.targetType || 'unknown'}`).join(', ')}: ` +
        'this action follows each task by its own target, so it needs target type ip (awsvpc network mode, as on Fargate) ' +
        'or instance (EC2 launch type, bridge or host network mode). Point the service at such a target group. Nothing was changed.',
    );
  }
  const alarms = await checkAlarms(opts, service, read);
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
  return {
    service,
    current,
    targetGroups,
    ownSettings: recorded ?? service.settings,
    ...(alarms ? { alarms } : {}),
  };
}

/** Reads the alarms the rollout will gate on and applies alarmsAtStart: refuse, warn, or go on. */
async function checkAlarms(
  opts: PreflightOptions,
  service: ServiceView,
  read: <T>(label: string, call: () => Promise<T>) => Promise<T>,
): Promise<Preflight['alarms']> {
  const { settings, log } = opts;
  const { driver } = opts.session;
  const given = settings.alarms ?? [];
  const fromService = settings.useServiceAlarms ? (service.alarmNames ?? []) : [];
  const asked = [...new Set([...given, ...fromService])];
  if (asked.length === 0 || !driver.describeAlarms) return undefined;
  const describe = driver.describeAlarms.bind(driver);
  const found = await read('DescribeAlarms', () => describe(asked));
  const verdict = alarmsAtStart({ given, fromService }, found, settings.ignoreAlarmsAtStart ?? false);
  for (const warning of verdict.warnings) log.warning(warning);
  if (verdict.refusal) throw new Error(verdict.refusal);
  if (verdict.names.length === 0) return undefined;
  log.line(
    `gating every batch on ${verdict.names.length === 1 ? 'CloudWatch alarm' : `${verdict.names.length} CloudWatch alarms`} ` +
      found.map((a) => `${JSON.stringify(a.name)} (${a.state})`).join(', '),
  );
  return { names: verdict.names, ignoredAtStart: verdict.ignoredAtStart };
}
