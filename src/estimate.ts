// How long a rollout should take, from the batch plan and the target groups' settings. Pure.
//
// Usage: `estimateDuration({ batches: plan.batches, targetGroups, taskStartSeconds, stopTimeoutSeconds })`
// then `renderEstimate(estimate)` for the plan's markdown.
//
// One batch, as ECS and ELBv2 run it:
//   task start     ECS places the new tasks, pulls the image and starts the containers;
//   health checks  ELBv2 marks a newly registered target healthy after one passing check ("After
//                  your target is registered, it must pass one health check to be considered
//                  healthy", ALB User Guide); checks run every HealthCheckIntervalSeconds, so about
//                  one interval (the slowest target group decides);
//                  A container health check (ECS, the container's healthCheck) reports HEALTHY after
//                  its first passing check, which runs one `interval` (30 s by default) after the
//                  container starts; the slower of the two decides;
//   bake time      the action's own wait with every gate passing (bake-time);
//   drain          ECS deregisters the old targets and waits for the deregistration delay
//                  (deregistration_delay.timeout_seconds, 300 s by default) before it stops them;
//   stop           the container gets SIGTERM, then SIGKILL after its stopTimeout (30 s by default).
// The action releases a batch once the one before has passed. With drain-overlap (the default) the
// old tasks of a batch drain while the next batch starts, so the drain and stop are paid about once;
// without it, once per batch. (If ECS counts a draining task toward maximumPercent — undocumented —
// overlap gains nothing and the per-batch figure holds.)
import type { TargetGroupFacts } from './rollout/port.js';
import { formatDuration } from './rollout/words.js';

export interface EstimateInput {
  /** Sizes of the batches (BatchPlan.batches). */
  batches: readonly number[];
  targetGroups: readonly Pick<TargetGroupFacts, 'name' | 'healthCheck' | 'deregistrationDelaySeconds'>[];
  /** Seconds from RunTask to RUNNING; measured from the service's tasks when it can be. */
  taskStartSeconds?: number;
  /** Where taskStartSeconds came from, in words. */
  taskStartSource?: string;
  /** The new task definition's containers with an ECS health check (container-checks.ts). */
  containerChecks?: readonly { name: string; intervalSeconds: number }[];
  /** The longest container stopTimeout of the new task definition, when it sets one. */
  stopTimeoutSeconds?: number;
  bakeSeconds?: number;
  /** drain-overlap: the next batch starts while the previous one's old tasks drain. */
  overlap?: boolean;
}

export interface BatchEstimate {
  startSeconds: number;
  healthSeconds: number;
  bakeSeconds: number;
  drainSeconds: number;
  stopSeconds: number;
  /** Start + health checks + bake: until the next batch may start. */
  gateSeconds: number;
}

export interface Estimate {
  perBatch: BatchEstimate;
  batches: number;
  overlap: boolean;
  totalSeconds: number;
  /** Every number the estimate took as given, in words. */
  assumptions: string[];
}

/** Without a measurement: a Fargate task typically takes tens of seconds to pull and start. */
export const DEFAULT_TASK_START_SECONDS = 30;
/** ECS's default container stopTimeout (ContainerDefinition.stopTimeout). */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 30;
/** ELBv2's default deregistration delay. */
export const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300;

export function estimateDuration(input: EstimateInput): Estimate {
  const assumptions: string[] = [];
  const startSeconds = input.taskStartSeconds ?? DEFAULT_TASK_START_SECONDS;
  assumptions.push(
    input.taskStartSeconds !== undefined
      ? `task start ${formatDuration(startSeconds * 1000)} (${input.taskStartSource ?? 'given'})`
      : `task start ${formatDuration(startSeconds * 1000)} (assumed; no running task to measure)`,
  );

  let healthSeconds = 0;
  let drainSeconds = 0;
  let slowest: string | undefined;
  let longestDrain: string | undefined;
  for (const tg of input.targetGroups) {
    const h = tg.healthCheck.intervalSeconds;
    if (h > healthSeconds) {
      healthSeconds = h;
      slowest = `${tg.name}: one passing check, every ${tg.healthCheck.intervalSeconds} s`;
    }
    if (tg.deregistrationDelaySeconds > drainSeconds || longestDrain === undefined) {
      drainSeconds = Math.max(drainSeconds, tg.deregistrationDelaySeconds);
      longestDrain = `${tg.name}: deregistration delay ${tg.deregistrationDelaySeconds} s`;
    }
  }
  for (const check of input.containerChecks ?? []) {
    if (check.intervalSeconds > healthSeconds) {
      healthSeconds = check.intervalSeconds;
      slowest = `container ${check.name}: its first health check runs ${check.intervalSeconds} s after it starts`;
    }
  }
  if (input.targetGroups.length === 0) {
    assumptions.push(
      (input.containerChecks ?? []).length > 0
        ? `no target group: container health checks ${formatDuration(healthSeconds * 1000)} (${slowest ?? '?'}), no draining counted`
        : 'no target group and no container health check: no health checks or draining counted',
    );
  } else {
    assumptions.push(`health checks ${formatDuration(healthSeconds * 1000)} (slowest: ${slowest ?? '?'})`);
    assumptions.push(`drain ${formatDuration(drainSeconds * 1000)} (${longestDrain ?? '?'})`);
  }

  const stopSeconds = input.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS;
  assumptions.push(
    `stop up to ${formatDuration(stopSeconds * 1000)} (${input.stopTimeoutSeconds !== undefined ? "the task definition's stopTimeout" : "ECS's default stopTimeout"}; an app that exits on SIGTERM stops sooner)`,
  );

  const bakeSeconds = input.bakeSeconds ?? 0;
  if (bakeSeconds > 0)
    assumptions.push(`bake time ${formatDuration(bakeSeconds * 1000)} per batch (bake-time)`);
  const overlap = input.overlap ?? true;
  assumptions.push(
    overlap
      ? 'drain-overlap: old tasks drain while the next batch starts, so the drain is paid about once'
      : 'drain-overlap false: each batch waits for the previous one’s old tasks to drain and stop',
  );
  const perBatch: BatchEstimate = {
    startSeconds,
    healthSeconds,
    bakeSeconds,
    drainSeconds,
    stopSeconds,
    gateSeconds: startSeconds + healthSeconds + bakeSeconds,
  };
  const batches = input.batches.length;
  const drains = batches === 0 ? 0 : overlap ? 1 : batches;
  const totalSeconds = perBatch.gateSeconds * batches + (drainSeconds + stopSeconds) * drains;
  return { perBatch, batches, overlap, totalSeconds, assumptions };
}

export function renderEstimate(estimate: Estimate): string {
  if (estimate.batches === 0)
    return 'No batches: the service has no tasks to replace, so the rollout ends once ECS has switched the task definition.';
  const b = estimate.perBatch;
  const d = (s: number): string => formatDuration(s * 1000);
  const gate = `start ${d(b.startSeconds)} + health checks ${d(b.healthSeconds)}${b.bakeSeconds > 0 ? ` + bake ${d(b.bakeSeconds)}` : ''}`;
  const drains = estimate.overlap ? 'once' : `${estimate.batches} times`;
  return [
    `About **${d(estimate.totalSeconds)}**: ${estimate.batches} ${estimate.batches === 1 ? 'batch' : 'batches'} × ${d(b.gateSeconds)} (${gate}), ` +
      `plus drain ${d(b.drainSeconds)} + stop ${d(b.stopSeconds)} ${drains}.`,
    '',
    'Assumed:',
    ...estimate.assumptions.map((a) => `- ${a}`),
  ].join('\n');
}

/**
 * The estimated rollout as a mermaid gantt (GitHub renders it): per batch the start, health checks
 * and bake; the old tasks' drain beside the next batch (overlap) or before it. Times count from 0;
 * `dateFormat X` reads seconds.
 */
export function renderEstimateGantt(estimate: Estimate, service: string, maxBatches = 20): string {
  if (estimate.batches === 0) return '';
  const b = estimate.perBatch;
  const drainStop = b.drainSeconds + b.stopSeconds;
  const step = estimate.overlap ? b.gateSeconds : b.gateSeconds + drainStop;
  const lines = [
    '```mermaid',
    'gantt',
    `    title Estimated rollout of ${service.replace(/[:;#\n\r]/g, ' ')}`,
    '    dateFormat X',
    '    axisFormat %H:%M:%S',
  ];
  const shown = Math.min(estimate.batches, maxBatches);
  for (let i = 0; i < shown; i++) {
    let t = i * step;
    lines.push(`    section Batch ${i + 1}`);
    for (const [label, d] of [
      ['start tasks', b.startSeconds],
      ['health checks', b.healthSeconds],
      ['bake', b.bakeSeconds],
      ['old tasks drain and stop', drainStop],
    ] as const) {
      if (d <= 0) continue;
      lines.push(`    ${label} :${t}, ${t + d}`);
      t += d;
    }
  }
  if (shown < estimate.batches)
    lines.push(
      `    section ${estimate.batches - shown} more batches`,
      `    same again :${shown * step}, ${estimate.totalSeconds}`,
    );
  lines.push('```');
  return lines.join('\n');
}

/**
 * The median RunTask-to-RUNNING time of the service's running tasks (createdAt → startedAt), in
 * seconds; undefined when no task has both times.
 */
export function measuredTaskStartSeconds(
  tasks: readonly { createdAt?: number; startedAt?: number }[],
): number | undefined {
  const samples = tasks
    .filter((t) => t.createdAt !== undefined && t.startedAt !== undefined && t.startedAt >= t.createdAt)
    .map((t) => ((t.startedAt ?? 0) - (t.createdAt ?? 0)) / 1000)
    .sort((a, b) => a - b);
  if (samples.length === 0) return undefined;
  const mid = Math.floor(samples.length / 2);
  return samples.length % 2 === 1 ? (samples[mid] ?? 0) : ((samples[mid - 1] ?? 0) + (samples[mid] ?? 0)) / 2;
}
