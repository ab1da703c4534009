// Reports a rollout where teams look: the commit's report (a check run, or a commit status where the
// token may not create one: github-check.ts) and a GitHub deployment for the environment
// (github-deployment.ts). This module composes them: it folds the engine's events into what they
// say, throttles progress updates, and queues every call off the rollout's critical path. Each call
// has a short time limit and turns its errors into warnings: reporting never fails, slows or blocks
// a deployment. Every text sent goes through `redact` (src/secrets.ts).
import { taskDefinitionName } from '../rollout/words.js';
import type { RolloutFailure, RolloutListener } from '../rollout/types.js';
import type { Settings } from '../settings.js';
import { CommitReport } from './github-check.js';
import { annotationPath, reportSha, runUrl, type GithubContext, type Octokit } from './github-client.js';
import { EnvironmentDeployment } from './github-deployment.js';
import {
  deploymentState,
  failureAnnotation,
  foldEvent,
  outcomeWords,
  progressLine,
  progressSummary,
  type ProgressModel,
  type ReportOutcome,
} from './github-output.js';
import { ReportQueue } from './github-queue.js';

export interface ReporterLog {
  info(message: string): void;
  warning(message: string): void;
}

export type ReporterSettings = Pick<
  Settings,
  'mode' | 'cluster' | 'service' | 'report' | 'checkName' | 'environment' | 'environmentUrl'
>;

/** Whether anything is reported on GitHub: a check run or status, or a deployment. Main and post agree. */
export function reportsToGithub(settings: Pick<ReporterSettings, 'report' | 'environment'>): boolean {
  return settings.report !== 'none' || settings.environment !== undefined;
}

export interface GithubReporterOptions {
  /** undefined when there is no token: only the job summary reports then. */
  octokit: Octokit | undefined;
  context: GithubContext;
  settings: ReporterSettings;
  log: ReporterLog;
  /** The post step concludes what main created: the ids main saved in its state. */
  resume?: { checkRunId?: number; deploymentId?: number };
  /** Time limit of each GitHub call. */
  timeoutMs?: number;
  /** Least time between two progress updates of the check run or status. */
  progressIntervalMs?: number;
  /** The most `finish` waits for GitHub before it lets the action end. */
  finishWaitMs?: number;
  /** Every text sent to GitHub goes through it (the action's one Redactor; src/secrets.ts). */
  redact: (text: string) => string;
  now?: () => number;
}

/** The GitHub ids of a run's report, as main saves them and post resumes them. */
export type ReportIds = NonNullable<GithubReporterOptions['resume']>;

/** The ids a reporter (or a saved state) holds, without the ones it has not got. */
export function reportIds(from: {
  checkRunId?: number | undefined;
  deploymentId?: number | undefined;
}): ReportIds {
  return {
    ...(from.checkRunId !== undefined ? { checkRunId: from.checkRunId } : {}),
    ...(from.deploymentId !== undefined ? { deploymentId: from.deploymentId } : {}),
  };
}

export interface GithubReporter {
  /** Give to runRollout; returns at once, whatever GitHub does. */
  readonly listener: RolloutListener;
  /**
   * Creates the check run (or status) and the deployment, so both ids are known when it resolves
   * (main saves them for the post step); each call is bounded by `timeoutMs`.
   */
  start(description?: string): Promise<void>;
  /** Concludes the check run, status and deployment; resolves within `finishWaitMs`. */
  finish(outcome: ReportOutcome, summaryMarkdown: string, failure?: RolloutFailure): Promise<void>;
  /**
   * Resolves true once every GitHub call queued so far has answered (or timed out), false after
   * `maxMs`. A progress update the throttle holds back is not queued yet.
   */
  idle(maxMs: number): Promise<boolean>;
  /** Known once the create call answered; main saves it for the post step. */
  readonly checkRunId: number | undefined;
  readonly deploymentId: number | undefined;
}

function defaultCheckName(cluster: string, service: string): string {
  return `ECS deploy ${cluster}/${service}`;
}

export function createGithubReporter(options: GithubReporterOptions): GithubReporter {
  const { octokit, context, settings, log } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const progressIntervalMs = options.progressIntervalMs ?? 5_000;
  const finishWaitMs = options.finishWaitMs ?? 2 * timeoutMs + 1_000;
  const now = options.now ?? Date.now;
  const { redact } = options;
  const sha = reportSha(context);
  const queue = new ReportQueue();
  const warned = new Set<string>();
  const warn = (key: string, message: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    log.warning(message);
  };

  const detailsUrl = runUrl(context);
  const commit =
    octokit && context.owner && sha && settings.report !== 'none'
      ? new CommitReport({
          octokit,
          context,
          sha,
          name: settings.checkName || defaultCheckName(settings.cluster, settings.service),
          externalId: `${settings.cluster}/${settings.service}`,
          ...(detailsUrl ? { detailsUrl } : {}),
          sink: settings.report,
          ...(options.resume?.checkRunId !== undefined ? { checkRunId: options.resume.checkRunId } : {}),
          timeoutMs,
          redact,
          warn,
          now,
        })
      : undefined;
  if (octokit && settings.report !== 'none' && !commit) {
    warn('context', 'GitHub reporting is off: GITHUB_REPOSITORY or the commit SHA is not set.');
  }
  // Deployments describe a change to an environment; a plan changes nothing.
  const deployment =
    octokit && context.owner && settings.environment && settings.mode !== 'plan'
      ? new EnvironmentDeployment({
          octokit,
          context,
          environment: settings.environment,
          ...(settings.environmentUrl ? { environmentUrl: settings.environmentUrl } : {}),
          payload: { cluster: settings.cluster, service: settings.service, mode: settings.mode },
          ...(options.resume?.deploymentId !== undefined
            ? { deploymentId: options.resume.deploymentId }
            : {}),
          timeoutMs,
          redact,
          warn,
        })
      : undefined;

  let model: ProgressModel = { done: [] };
  let lastProgressAt = Number.NEGATIVE_INFINITY;
  let progressQueued = false;
  let progressTimer: NodeJS.Timeout | undefined;
  let finished = false;

  async function sendProgress(): Promise<void> {
    progressQueued = false;
    // Progress nobody will read any more must not delay the conclusion.
    if (finished || !commit) return;
    lastProgressAt = now();
    await commit.progress({ title: progressLine(model), summary: progressSummary(model, settings.service) });
  }

  /** At most one progress update per interval, and at most one queued: it sends the newest model. */
  function requestProgress(): void {
    if (finished || !commit || commit.sink === 'off' || progressQueued || progressTimer) return;
    const wait = lastProgressAt + progressIntervalMs - now();
    if (wait > 0) {
      progressTimer = setTimeout(() => {
        progressTimer = undefined;
        requestProgress();
      }, wait);
      progressTimer.unref();
      return;
    }
    progressQueued = true;
    queue.push(sendProgress);
  }

  const listener: RolloutListener = (event) => {
    model = foldEvent(model, event);
    requestProgress();
  };

  function start(description?: string): Promise<void> {
    const what =
      description ??
      (settings.mode === 'rollback' ? 'Rolling back' : settings.mode === 'plan' ? 'Planning' : 'Deploying');
    lastProgressAt = now();
    const opened = new Promise<void>((resolve) =>
      queue.push(async () => {
        try {
          await commit?.open({ title: what, summary: `${what} ${settings.cluster}/${settings.service}…` });
        } finally {
          resolve();
        }
      }),
    );
    const created = new Promise<void>((resolve) => {
      if (!deployment || deployment.id !== undefined) return resolve();
      queue.push(async () => {
        try {
          await deployment.create(`${what} ${settings.cluster}/${settings.service}`);
        } finally {
          resolve();
        }
      });
      // Off start's wait: the id is what the post step needs.
      queue.push(() => deployment.status('in_progress', what));
    });
    return Promise.all([opened, created]).then(() => undefined);
  }

  async function finish(
    outcome: ReportOutcome,
    summaryMarkdown: string,
    failure?: RolloutFailure,
  ): Promise<void> {
    finished = true;
    if (progressTimer) clearTimeout(progressTimer);
    progressTimer = undefined;
    const title = `${settings.service}: ${outcomeWords(outcome)}`;
    const line = failure
      ? `${title}: ${failure.message}`
      : model.to
        ? `${title} (${taskDefinitionName(model.to)})`
        : title;
    const output = {
      title,
      summary: summaryMarkdown || line,
      // A cancel is not a fault in the code or the deployment: no failure annotation for it.
      ...(failure && (outcome === 'failed' || outcome === 'rolled-back')
        ? { annotations: [failureAnnotation(failure, annotationPath(context))] }
        : {}),
    };
    if (commit) queue.push(() => commit.conclude(outcome, output, line));
    if (deployment) queue.push(() => deployment.status(deploymentState(outcome), line));
    const drained = await queue.drain(finishWaitMs);
    if (!drained)
      log.warning(
        `GitHub did not answer within ${Math.round(finishWaitMs / 1000)} s; the check run may not show the outcome.`,
      );
  }

  return {
    listener,
    start,
    finish,
    idle: (maxMs) => queue.drain(maxMs),
    get checkRunId() {
      return commit?.checkRunId;
    },
    get deploymentId() {
      return deployment?.id;
    },
  };
}
