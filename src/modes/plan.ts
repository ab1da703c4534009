// Plan mode (`mode: plan`): what a deploy would do, without doing any of it. Only read calls reach
// AWS (DescribeServices, DescribeTaskDefinition, DescribeTargetGroups + attributes, ListTasks +
// DescribeTasks + DescribeTargetHealth for the task start measurement); nothing is registered,
// updated or tagged.
//
// Usage in main.ts:
//   const plan = await runPlan({ settings, driver, log: core });
//   await reporter.finish('planned', plan.markdown);   // the check run concludes `neutral`
//   await core.summary.addRaw(plan.markdown).write();
// What a deploy would deploy is resolved by resolveTarget (src/modes/target.ts), the same call deploy makes.
import { strategyRefusal } from './preflight.js';
import { healthCheckedContainers, healthCheckedNames } from '../container-checks.js';
import { formatTaskSchedule } from '../parse/quantity.js';
import { planBatches } from '../rollout/plan.js';
import { planInputOf } from './rollout-input.js';
import { GATED_TARGET_TYPES } from './preflight.js';
import type { ServiceDriver, TargetGroupFacts } from '../rollout/port.js';
import type { BatchPlan } from '../rollout/types.js';
import { taskDefinitionName } from '../rollout/words.js';
import type { Settings } from '../settings.js';
import { loadTargetFile, resolveTarget } from './target.js';
import {
  estimateDuration,
  measuredTaskStartSeconds,
  renderEstimate,
  renderEstimateGantt,
  type Estimate,
} from '../estimate.js';
import { diffTaskDefinitions, renderTaskDefinitionDiff, type TaskDefinitionDiff } from '../taskdef-diff.js';
import type { ServiceView } from '../rollout/snapshot.js';

export type PlanSettings = Pick<
  Settings,
  | 'mode'
  | 'cluster'
  | 'service'
  | 'taskDefinition'
  | 'images'
  | 'rollbackTo'
  | 'batchSize'
  | 'maxUnavailable'
  | 'bakeTimeMs'
  | 'drainOverlap'
> &
  Partial<Pick<Settings, 'batchSchedule'>>;

export interface RunPlanOptions {
  settings: PlanSettings;
  driver: ServiceDriver;
  log?: { info(message: string): void; warning(message: string): void };
}

export interface PlanResult {
  markdown: string;
  currentTaskDefinitionArn: string;
  /** The ARN a deploy would use as is (a registered revision, or the current one when unchanged). */
  reusesTaskDefinitionArn?: string;
  diff: TaskDefinitionDiff;
  plan: BatchPlan;
  estimate: Estimate;
}

export async function runPlan(options: RunPlanOptions): Promise<PlanResult> {
  const { settings, driver } = options;
  // The file first, as a deploy reads it: a file ECS would refuse is refused before any AWS call.
  const file = await loadTargetFile({ ...settings, mode: 'deploy' });
  const service = await driver.describeService();
  // A deploy would refuse the service in preflight: the plan says so rather than plan batches.
  const refused = strategyRefusal(service, `service "${driver.service}" in cluster "${driver.cluster}"`);
  if (refused) throw new Error(refused);
  const current = await driver.describeTaskDefinition(service.taskDefinitionArn);
  // The same resolution a deploy acts on (target.ts), so the plan says what a deploy would do.
  const target = await resolveTarget({ ...settings, mode: 'deploy' }, driver, current, file);
  const next = target.runs;
  const diff = diffTaskDefinitions(current.body, next);
  const unchanged = target.unchanged;
  const reuses = target.arn;

  const plan = planBatches(planInputOf(settings, service.desiredCount, service.settings));
  const groups =
    service.targetGroupArns.length > 0 ? await driver.describeTargetGroups(service.targetGroupArns) : [];
  const start = await taskStart(driver, options.log);
  const estimate = estimateDuration({
    batches: plan.batches,
    targetGroups: groups,
    ...(start.seconds !== undefined
      ? { taskStartSeconds: start.seconds, taskStartSource: start.source }
      : {}),
    ...stopTimeout(next),
    containerChecks: healthCheckedContainers(next),
    bakeSeconds: settings.bakeTimeMs / 1000,
    overlap: settings.drainOverlap,
  });

  const markdown = renderPlan({
    settings,
    service,
    currentArn: current.arn,
    reuses,
    unchanged,
    diff,
    plan,
    groups,
    containerChecks: healthCheckedNames(next),
    estimate,
  });
  options.log?.info(markdown);
  return {
    markdown,
    currentTaskDefinitionArn: current.arn,
    ...(reuses ? { reusesTaskDefinitionArn: reuses } : {}),
    diff,
    plan,
    estimate,
  };
}

async function taskStart(
  driver: ServiceDriver,
  log: RunPlanOptions['log'],
): Promise<{ seconds?: number; source?: string }> {
  try {
    const snapshot = await driver.observe();
    const running = snapshot.tasks.filter((t) => t.lastStatus === 'RUNNING');
    const seconds = measuredTaskStartSeconds(running);
    if (seconds === undefined) return {};
    return { seconds, source: `median of the ${running.length} running tasks, created → started` };
  } catch (err) {
    // A measurement is a nicety: without it the estimate assumes a typical start time.
    log?.warning(
      `Could not look at the service's tasks to measure their start time: ${err instanceof Error ? err.message : String(err)}`,
    );
    return {};
  }
}

function stopTimeout(body: Record<string, unknown>): { stopTimeoutSeconds?: number } {
  const containers = Array.isArray(body['containerDefinitions'])
    ? (body['containerDefinitions'] as unknown[])
    : [];
  const values = containers
    .map((c) =>
      typeof c === 'object' && c !== null ? (c as Record<string, unknown>)['stopTimeout'] : undefined,
    )
    .filter((v): v is number => typeof v === 'number');
  return values.length > 0 ? { stopTimeoutSeconds: Math.max(...values) } : {};
}

function renderPlan(p: {
  settings: PlanSettings;
  service: ServiceView;
  currentArn: string;
  reuses: string | undefined;
  unchanged: boolean;
  diff: TaskDefinitionDiff;
  plan: BatchPlan;
  groups: TargetGroupFacts[];
  containerChecks: readonly string[];
  estimate: Estimate;
}): string {
  const { settings, service, plan } = p;
  const where = `${settings.cluster}/${settings.service}`;
  const current = taskDefinitionName(p.currentArn);
  let what: string;
  if (p.unchanged)
    what = `The new task definition equals the running \`${current}\`: a deploy registers nothing, rolls nothing, and only verifies the service is healthy on it.`;
  else if (p.reuses)
    what = `A deploy moves the service from \`${current}\` to \`${taskDefinitionName(p.reuses)}\`.`;
  else
    what = `A deploy registers a new revision of \`${String(p.diff.family.to ?? '?')}\` and moves the service from \`${current}\` to it.`;

  const own = service.settings;
  const lines = [
    `## ECS rolling deploy plan: ${where}`,
    '',
    `**Planned.** Nothing was changed (mode: plan). ${what}`,
    '',
    '### Task definition changes',
    '',
    renderTaskDefinitionDiff(p.diff),
    '',
    '### Batches',
    '',
    '| tasks | batch size | max unavailable | batches | sizes |',
    '|---|---|---|---|---|',
    `| ${plan.desired} | ${batchSizeWords(settings, plan)} | ${plan.maxUnavailable} | ${plan.batches.length} | ${sizes(plan.batches)} |`,
    '',
    `Between batches the service is held (maximumPercent ${plan.hold.maximumPercent}, minimumHealthyPercent ${plan.hold.minimumHealthyPercent}); ` +
      `${releaseWords(plan)}; ` +
      `its own (${own.maximumPercent} / ${own.minimumHealthyPercent}) are put back at the end.`,
    ...(plan.notes ?? []).map((n) => `- ${n}`),
    '',
    '### Target groups',
    '',
    ...(p.groups.length === 0
      ? [
          p.containerChecks.length > 0
            ? `The service has no target group (a worker): each batch is gated on its tasks being RUNNING and their container health checks (${p.containerChecks.join(', ')}) reporting HEALTHY.`
            : 'The service has no target group and the task definition no container healthCheck: each batch is gated on its tasks being RUNNING through bake-time only. Add a container healthCheck for a real gate.',
        ]
      : [
          '| target group | health check | a new target is healthy after | deregistration delay |',
          '|---|---|---|---|',
          ...p.groups.map(
            (g) =>
              `| ${g.name} | ${g.healthCheck.protocol} ${g.healthCheck.path || '/'} every ${g.healthCheck.intervalSeconds} s | ` +
              `1 passing check (${g.healthCheck.healthyThreshold} after being unhealthy) | ${g.deregistrationDelaySeconds} s |`,
          ),
          // The same rule preflight applies: a deploy would refuse these, before any change.
          ...p.groups
            .filter((g) => !GATED_TARGET_TYPES.has(g.targetType))
            .map(
              (g) =>
                `\n**A deploy would refuse target group ${g.name}**: its target type ${g.targetType || 'unknown'} routes to no task; ` +
                'the action gates on `ip` (awsvpc) or `instance` (EC2, bridge or host) target groups.',
            ),
        ]),
    '',
    '### Estimated duration',
    '',
    renderEstimate(p.estimate),
  ];
  const chart = renderEstimateGantt(p.estimate, settings.service);
  if (chart) lines.push('', chart);
  return lines.join('\n') + '\n';
}

/** `2`, or for a schedule `10%, 100%` with the sizes it gives this service (the sizes column lists every batch). */
function batchSizeWords(settings: PlanSettings, plan: BatchPlan): string {
  const steps = settings.batchSchedule;
  if (!steps || steps.length <= 1) return String(plan.batchSize);
  return `${formatTaskSchedule(steps)} (schedule: the last step repeats)`;
}

/** One release for every batch, or each batch's own when a schedule makes them differ. */
function releaseWords(plan: BatchPlan): string {
  const words = plan.releases.map((r) => `${r.maximumPercent} / ${r.minimumHealthyPercent}`);
  if (new Set(words).size <= 1)
    return `each batch is released with maximumPercent ${plan.releases[0]?.maximumPercent ?? '—'} and minimumHealthyPercent ${plan.releases[0]?.minimumHealthyPercent ?? '—'}`;
  const shown = words.length <= 12 ? words : [...words.slice(0, 10), `… (${words.length - 10} more)`];
  return `each batch is released with its own maximumPercent / minimumHealthyPercent, in order: ${shown.join(', ')}`;
}

function sizes(batches: readonly number[]): string {
  if (batches.length <= 12) return batches.join(', ');
  return `${batches.slice(0, 10).join(', ')}, … (${batches.length - 10} more)`;
}
