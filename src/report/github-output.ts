// Pure: what the check run, commit status and deployment status say, from the rollout's events, and
// GitHub's limits on each. The texts here are raw: the senders (github-check.ts,
// github-deployment.ts) redact them first and cut them to the limits after, so a cut never leaves
// half a secret.
import { capitalise, taskDefinitionName } from '../rollout/words.js';
import { describeProgress } from './log.js';
import { text } from './markdown.js';
import type {
  BatchPlan,
  BatchProgress,
  BatchRecord,
  Outcome,
  RolloutEvent,
  RolloutFailure,
} from '../rollout/types.js';

/** GitHub's limit on a check run's output.summary and output.text, each. */
export const CHECK_OUTPUT_LIMIT = 65_535;
/** GitHub's limit on a commit status or deployment status description. */
export const DESCRIPTION_LIMIT = 140;
/** GitHub's limit on a check run's title and an annotation's title. */
export const TITLE_LIMIT = 255;
/** GitHub's limit on an annotation's message. */
export const ANNOTATION_MESSAGE_LIMIT = 64 * 1024 - 1;
/** GitHub takes at most this many annotations per check-run request. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** What the reporter is told at the end; `planned` is plan mode (nothing changed). */
export type ReportOutcome = Outcome | 'planned';

export type CheckConclusion = 'success' | 'failure' | 'cancelled' | 'neutral';
export type CommitState = 'success' | 'failure' | 'error' | 'pending';
export type DeploymentState = 'success' | 'failure' | 'error' | 'in_progress' | 'inactive';

/**
 * How each outcome reads on every GitHub surface, in one table. Commit statuses have no
 * `cancelled` or `neutral`: a cancel is an `error`, a plan a `success`; a deployment status has no
 * `success` for a plan, so it is an `error` there (nothing was deployed).
 */
const OUTCOME_ON_GITHUB: Record<
  ReportOutcome,
  { check: CheckConclusion; commit: CommitState; deployment: DeploymentState; words: string }
> = {
  succeeded: { check: 'success', commit: 'success', deployment: 'success', words: 'deployed' },
  'rolled-back': {
    check: 'failure',
    commit: 'failure',
    deployment: 'failure',
    words: 'failed and rolled back',
  },
  failed: { check: 'failure', commit: 'failure', deployment: 'failure', words: 'failed' },
  cancelled: { check: 'cancelled', commit: 'error', deployment: 'error', words: 'cancelled' },
  planned: { check: 'neutral', commit: 'success', deployment: 'error', words: 'planned (nothing changed)' },
};

export function checkConclusion(outcome: ReportOutcome): CheckConclusion {
  return OUTCOME_ON_GITHUB[outcome].check;
}

export function commitState(outcome: ReportOutcome): CommitState {
  return OUTCOME_ON_GITHUB[outcome].commit;
}

export function deploymentState(outcome: ReportOutcome): DeploymentState {
  return OUTCOME_ON_GITHUB[outcome].deployment;
}

export function outcomeWords(outcome: ReportOutcome): string {
  return OUTCOME_ON_GITHUB[outcome].words;
}

/** What the reporter remembers of the rollout so far, folded from the engine's events. */
export interface ProgressModel {
  plan?: BatchPlan;
  from?: string;
  to?: string;
  batch?: number;
  batches?: number;
  progress?: BatchProgress;
  done: BatchRecord[];
  failure?: RolloutFailure;
  rollback?: { to: string; waitingFor?: string; finished?: { ok: boolean; message: string } };
}

export function foldEvent(model: ProgressModel, event: RolloutEvent): ProgressModel {
  switch (event.type) {
    case 'rollout-started':
      return {
        ...model,
        plan: event.plan,
        from: event.from,
        to: event.to,
        batches: event.plan.batches.length,
      };
    case 'replanned':
      return { ...model, plan: event.plan, batches: event.plan.batches.length };
    case 'batch-started':
      return { ...model, batch: event.batch, batches: event.batches };
    case 'batch-launched':
    case 'batch-healthy':
    case 'batch-drained':
      // Told by the progress lines and, at the end, the job summary's batch table.
      return model;
    case 'progress':
      return {
        ...model,
        progress: event.progress,
        batch: event.progress.batch,
        batches: event.progress.batches,
      };
    case 'batch-succeeded':
      return { ...model, done: [...model.done.filter((r) => r.batch !== event.record.batch), event.record] };
    case 'failed':
      return { ...model, failure: event.failure };
    case 'rollback-started':
      return { ...model, rollback: { to: event.to } };
    case 'rollback-progress':
      return { ...model, rollback: { to: model.rollback?.to ?? '', waitingFor: event.waitingFor } };
    case 'rollback-finished':
      return {
        ...model,
        rollback: { to: model.rollback?.to ?? '', finished: { ok: event.ok, message: event.message } },
      };
    case 'rollout-finished':
      return { ...model, done: event.batches.filter((r) => r.outcome === 'succeeded') };
  }
}

/** The short line a status or a title can carry. */
export function progressLine(model: ProgressModel): string {
  if (model.rollback) {
    if (model.rollback.finished)
      return `Rollback ${model.rollback.finished.ok ? 'finished' : 'failed'}: ${model.rollback.finished.message}`;
    return `Rolling back to ${taskDefinitionName(model.rollback.to)}${model.rollback.waitingFor ? `: ${model.rollback.waitingFor}` : ''}`;
  }
  if (model.failure) {
    const where =
      model.failure.batch > 0 ? `Batch ${model.failure.batch} failed` : 'Failed before the first batch';
    return `${where}: ${model.failure.message}`;
  }
  if (model.batch !== undefined && model.batches !== undefined) {
    // The engine's words already name the batch (`batch 2/3: 1/2 new tasks healthy`): say it once.
    if (model.progress?.batch === model.batch) return capitalise(describeProgress(model.progress));
    return `Batch ${model.batch}/${model.batches}`;
  }
  return 'Starting';
}

export function progressSummary(model: ProgressModel, service: string): string {
  const lines = [
    `Rolling out **${service}**${model.to ? ` to \`${taskDefinitionName(model.to)}\`` : ''}${model.from ? ` (from \`${taskDefinitionName(model.from)}\`)` : ''}.`,
    '',
  ];
  if (model.plan) {
    lines.push(
      `${model.plan.desired} tasks in ${model.plan.batches.length} batches of up to ${model.plan.batchSize}.`,
      '',
    );
  }
  const p = model.progress;
  if (p) {
    lines.push(
      '| batch | new wanted | new launched | new healthy | old remaining | old draining |',
      '|---|---|---|---|---|---|',
      `| ${p.batch}/${p.batches} | ${p.newWanted} | ${p.newLaunched} | ${p.newHealthy} | ${p.oldRemaining} | ${p.oldDraining} |`,
      '',
      `Waiting for: ${text(p.waitingFor)}`,
    );
  }
  if (model.done.length > 0) lines.push('', `Batches done: ${model.done.map((r) => r.batch).join(', ')}.`);
  if (model.failure) {
    const where = model.failure.batch > 0 ? `at batch ${model.failure.batch}` : 'before the first batch';
    lines.push('', `**Failed** ${where}: ${text(model.failure.message)}`);
  }
  if (model.rollback) lines.push('', text(progressLine({ done: [], rollback: model.rollback })));
  return lines.join('\n');
}

/** An annotation for the failure; GitHub requires a path, so it points at the workflow file. */
export function failureAnnotation(failure: RolloutFailure, path: string): CheckAnnotation {
  const where = failure.batch > 0 ? `in batch ${failure.batch}` : 'before the first batch';
  return {
    path,
    start_line: 1,
    end_line: 1,
    annotation_level: 'failure',
    title: `Rollout failed ${where} (${failure.kind})`,
    message: [
      failure.message,
      ...(failure.reasonCode ? [`Reason: ${failure.reasonCode}`] : []),
      ...(failure.taskArn ? [`Task: ${failure.taskArn}`] : []),
    ].join('\n'),
  };
}

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
}

/** Cuts text to GitHub's limit, saying so at the end rather than losing the fact silently. */
export function cap(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const note = '\n\n… (cut to fit GitHub’s limit; the job summary has it all)';
  if (limit <= note.length) return text.slice(0, limit);
  return text.slice(0, limit - note.length) + note;
}
