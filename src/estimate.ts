// How long a rollout should take, from the batch plan and the target groups' settings. Pure.
//
// Usage: `estimateDuration({ batches: plan.batches, targetGroups, taskStartSeconds, stopTimeoutSeconds })`
// then `renderEstimate(estimate)` for the plan's markdown.
//
// One batch, as ECS and ELBv2 run it:
//   task start     ECS places the new tasks, pulls the image and starts the containers;
//   health checks  ELBv2 marks a new target healthy after HealthyThresholdCount consecutive passing
//                  checks, HealthCheckIntervalSeconds apart (the slowest target group decides);
//   drain          ECS deregisters the old targets and waits for the deregistration delay
//                  (deregistration_delay.timeout_seconds, 300 s by default) before it stops them;
//   stop           the container gets SIGTERM, then SIGKILL after its stopTimeout (30 s by default).
// Batches run one after another: ECS counts a draining task against maximumPercent, so the next
// batch starts only once the old tasks of this one are gone.
import type { TargetGroupFacts } from './platform/service-driver.js';

export interface EstimateInput {
  /** Sizes of the batches (BatchPlan.batches). */
  batches: readonly number[];
  targetGroups: readonly Pick<TargetGroupFacts, 'name' | 'healthCheck' | 'deregistrationDelaySeconds'>[];
  /** Seconds from RunTask to RUNNING; measured from the service's tasks when it can be. */
  taskStartSeconds?: number;
  /** Where taskStartSeconds came from, in words. */
  taskStartSource?: string;
  /** The longest container stopTimeout of the new task definition, when it sets one. */
  stopTimeoutSeconds?: number;
}

export interface BatchEstimate {
  startSeconds: number;
  healthSeconds: number;
  drainSeconds: number;
  stopSeconds: number;
  totalSeconds: number;
}

export interface Estimate {
  perBatch: BatchEstimate;
  batches: number;
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
      ? `task start ${seconds(startSeconds)} (${input.taskStartSource ?? 'given'})`
      : `task start ${seconds(startSeconds)} (assumed; no running task to measure)`,
  );

  let healthSeconds = 0;
  let drainSeconds = 0;
  let slowest: string | undefined;
  let longestDrain: string | undefined;
  for (const tg of input.targetGroups) {
    const h = tg.healthCheck.healthyThreshold * tg.healthCheck.intervalSeconds;
    if (h > healthSeconds) {
      healthSeconds = h;
      slowest = `${tg.name}: ${tg.healthCheck.healthyThreshold} checks × ${tg.healthCheck.intervalSeconds} s`;
    }
    if (tg.deregistrationDelaySeconds > drainSeconds || longestDrain === undefined) {
      drainSeconds = Math.max(drainSeconds, tg.deregistrationDelaySeconds);
      longestDrain = `${tg.name}: deregistration delay ${tg.deregistrationDelaySeconds} s`;
    }
  }
  if (input.targetGroups.length === 0) {
    assumptions.push('no target group: no health checks or draining counted');
  } else {
    assumptions.push(`health checks ${seconds(healthSeconds)} (slowest group ${slowest ?? '?'})`);
    assumptions.push(`drain ${seconds(drainSeconds)} (${longestDrain ?? '?'})`);
  }

  const stopSeconds = input.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS;
  assumptions.push(
    `stop up to ${seconds(stopSeconds)} (${input.stopTimeoutSeconds !== undefined ? "the task definition's stopTimeout" : "ECS's default stopTimeout"}; an app that exits on SIGTERM stops sooner)`,
  );

  const perBatch: BatchEstimate = {
    startSeconds,
    healthSeconds,
    drainSeconds,
    stopSeconds,
    totalSeconds: startSeconds + healthSeconds + drainSeconds + stopSeconds,
  };
  const batches = input.batches.length;
  return { perBatch, batches, totalSeconds: perBatch.totalSeconds * batches, assumptions };
}

export function renderEstimate(estimate: Estimate): string {
  if (estimate.batches === 0)
    return 'No batches: the service has no tasks to replace, so the rollout ends once ECS has switched the task definition.';
  const b = estimate.perBatch;
  return [
    `About **${seconds(estimate.totalSeconds)}**: ${estimate.batches} ${estimate.batches === 1 ? 'batch' : 'batches'} × ${seconds(b.totalSeconds)} ` +
      `(start ${seconds(b.startSeconds)} + health checks ${seconds(b.healthSeconds)} + drain ${seconds(b.drainSeconds)} + stop ${seconds(b.stopSeconds)}).`,
    '',
    'Assumed:',
    ...estimate.assumptions.map((a) => `- ${a}`),
  ].join('\n');
}

/**
 * The estimated rollout as a mermaid gantt (GitHub renders it): per batch the start, health checks
 * and drain, one batch after another. Times count from 0; `dateFormat X` reads seconds.
 */
export function renderEstimateGantt(estimate: Estimate, service: string, maxBatches = 20): string {
  if (estimate.batches === 0) return '';
  const b = estimate.perBatch;
  const lines = [
    '```mermaid',
    'gantt',
    `    title Estimated rollout of ${service.replace(/[:;#\n\r]/g, ' ')}`,
    '    dateFormat X',
    '    axisFormat %H:%M:%S',
  ];
  const shown = Math.min(estimate.batches, maxBatches);
  for (let i = 0; i < shown; i++) {
    let t = i * b.totalSeconds;
    lines.push(`    section Batch ${i + 1}`);
    for (const [label, d] of [
      ['start tasks', b.startSeconds],
      ['health checks', b.healthSeconds],
      ['drain and stop old', b.drainSeconds + b.stopSeconds],
    ] as const) {
      if (d <= 0) continue;
      lines.push(`    ${label} :${t}, ${t + d}`);
      t += d;
    }
  }
  if (shown < estimate.batches)
    lines.push(
      `    section ${estimate.batches - shown} more batches`,
      `    same again :${shown * b.totalSeconds}, ${estimate.totalSeconds}`,
    );
  lines.push('```');
  return lines.join('\n');
}

/** `45 s`, `3 min 20 s`, `1 h 5 min`. */
export function seconds(total: number): string {
  const s = Math.round(total);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const m = Math.round(s / 60);
  return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
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
