// Reports a rollout where teams look: a check run on the commit (or, when the token may not create
// one, a commit status), and a GitHub deployment for the environment. Every call is queued off the
// rollout's critical path, has a short time limit, and turns its errors into warnings: reporting
// never fails, slows or blocks a deployment.
import { taskDefinitionName } from '../rollout/words.js';
import type { RolloutFailure, RolloutListener } from '../rollout/types.js';
import type { Settings } from '../settings.js';
import { callGithub, describeFailure, isPermissionDenied, type CallResult } from './github-call.js';
import { annotationPath, reportSha, runUrl, type GithubContext, type Octokit } from './github-client.js';
import { createDeployment, setDeploymentStatus } from './github-deployment.js';
import {
  cap,
  CHECK_OUTPUT_LIMIT,
  checkConclusion,
  commitState,
  deploymentState,
  DESCRIPTION_LIMIT,
  failureAnnotation,
  foldEvent,
  outcomeWords,
  progressLine,
  progressSummary,
  type ProgressModel,
  type ReportOutcome,
} from './github-output.js';
import { ReportQueue } from './github-queue.js';

export type { ReportOutcome } from './github-output.js';

export interface ReporterLog {
  info(message: string): void;
  warning(message: string): void;
}

export type ReporterSettings = Pick<
  Settings,
  'mode' | 'cluster' | 'service' | 'report' | 'checkName' | 'environment' | 'environmentUrl'
>;

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
  redact?: (text: string) => string;
  now?: () => number;
}

export interface GithubReporter {
  /** Give to runRollout; returns at once, whatever GitHub does. */
  readonly listener: RolloutListener;
  /** Creates the check run (or status) and the deployment; resolves within `timeoutMs`. */
  start(description?: string): Promise<void>;
  /** Concludes the check run, status and deployment; resolves within `finishWaitMs`. */
  finish(outcome: ReportOutcome, summaryMarkdown: string, failure?: RolloutFailure): Promise<void>;
  /** Known once the create call answered; main saves it for the post step. */
  readonly checkRunId: number | undefined;
  readonly deploymentId: number | undefined;
}

export function defaultCheckName(cluster: string, service: string): string {
  return `ECS deploy ${cluster}/${service}`;
}

type Sink = 'check' | 'status' | 'off';

export function createGithubReporter(options: GithubReporterOptions): GithubReporter {
  const { octokit, context, settings, log } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const progressIntervalMs = options.progressIntervalMs ?? 5_000;
  const finishWaitMs = options.finishWaitMs ?? 2 * timeoutMs + 1_000;
  const now = options.now ?? Date.now;
  const redact = options.redact ?? ((text: string): string => text);
  const name = settings.checkName || defaultCheckName(settings.cluster, settings.service);
  const sha = reportSha(context);
  const detailsUrl = runUrl(context);
  const queue = new ReportQueue();
  const warned = new Set<string>();

  let sink: Sink =
    !octokit || !context.owner || !sha ? 'off' : settings.report === 'none' ? 'off' : settings.report;
  let checkRunId = options.resume?.checkRunId;
  let deploymentId = options.resume?.deploymentId;
  // Deployments describe a change to an environment; a plan changes nothing.
  let deployments = Boolean(octokit && context.owner && settings.environment && settings.mode !== 'plan');
  let model: ProgressModel = { done: [] };
  let lastProgressAt = Number.NEGATIVE_INFINITY;
  let progressQueued = false;
  let progressTimer: NodeJS.Timeout | undefined;
  let finished = false;

  if (octokit && settings.report !== 'none' && sink === 'off') {
    warnOnce('context', 'GitHub reporting is off: GITHUB_REPOSITORY or the commit SHA is not set.');
  }

  function warnOnce(key: string, message: string): void {
    if (warned.has(key)) return;
    warned.add(key);
    log.warning(message);
  }

  function statusFallback(result: CallResult<unknown> & { ok: false }, what: string): void {
    if (isPermissionDenied(result)) {
      warnOnce(
        'check-denied',
        `Cannot ${what} (${describeFailure(result)}); reporting with a commit status instead. ` +
          'Give the job `checks: write` (a pull request from a fork never gets it).',
      );
      sink = 'status';
    } else {
      warnOnce(`check-${what}`, `Could not ${what}: ${describeFailure(result)}. The rollout goes on.`);
    }
  }

  async function postStatus(state: ReturnType<typeof commitState>, description: string): Promise<void> {
    if (!octokit) return;
    const result = await callGithub(timeoutMs, (signal) =>
      octokit.rest.repos.createCommitStatus({
        owner: context.owner,
        repo: context.repo,
        sha,
        state,
        context: name,
        description: cap(redact(description), DESCRIPTION_LIMIT),
        ...(detailsUrl ? { target_url: detailsUrl } : {}),
        request: { signal },
      }),
    );
    if (result.ok) return;
    if (isPermissionDenied(result)) {
      warnOnce(
        'status-denied',
        `Cannot create a commit status either (${describeFailure(result)}); the job summary is the only report. ` +
          'Give the job `statuses: write`.',
      );
      sink = 'off';
    } else {
      warnOnce(
        `status-${state}`,
        `Could not set the commit status: ${describeFailure(result)}. The rollout goes on.`,
      );
    }
  }

  async function createCheck(body: {
    status: 'in_progress' | 'completed';
    conclusion?: ReturnType<typeof checkConclusion>;
    title: string;
    summary: string;
    text?: string;
    annotations?: ReturnType<typeof failureAnnotation>[];
  }): Promise<boolean> {
    if (!octokit) return false;
    const stamp = new Date(now()).toISOString();
    const result = await callGithub(timeoutMs, (signal) =>
      octokit.rest.checks.create({
        owner: context.owner,
        repo: context.repo,
        name,
        head_sha: sha,
        status: body.status,
        started_at: stamp,
        external_id: `${settings.cluster}/${settings.service}`,
        ...(detailsUrl ? { details_url: detailsUrl } : {}),
        ...(body.conclusion ? { conclusion: body.conclusion, completed_at: stamp } : {}),
        output: outputOf(body, redact),
        request: { signal },
      }),
    );
    if (result.ok) {
      checkRunId = result.value.data.id;
      return true;
    }
    statusFallback(result, 'create a check run');
    return false;
  }

  async function updateCheck(
    id: number,
    body: {
      conclusion?: ReturnType<typeof checkConclusion>;
      title: string;
      summary: string;
      text?: string;
      annotations?: ReturnType<typeof failureAnnotation>[];
    },
  ): Promise<CallResult<unknown>> {
    if (!octokit) return { ok: false, message: 'no token', timedOut: false };
    return callGithub(timeoutMs, (signal) =>
      octokit.rest.checks.update({
        owner: context.owner,
        repo: context.repo,
        check_run_id: id,
        ...(body.conclusion
          ? {
              status: 'completed' as const,
              conclusion: body.conclusion,
              completed_at: new Date(now()).toISOString(),
            }
          : {}),
        output: outputOf(body, redact),
        request: { signal },
      }),
    );
  }

  async function sendProgress(): Promise<void> {
    progressQueued = false;
    if (finished) return;
    lastProgressAt = now();
    const line = progressLine(model);
    if (sink === 'check' && checkRunId !== undefined) {
      const result = await updateCheck(checkRunId, {
        title: line,
        summary: progressSummary(model, settings.service),
      });
      if (!result.ok)
        warnOnce(
          'progress',
          `Could not update the check run: ${describeFailure(result)}. The rollout goes on.`,
        );
    } else if (sink === 'status') {
      await postStatus('pending', line);
    }
  }

  function requestProgress(): void {
    if (finished || sink === 'off' || progressQueued || progressTimer) return;
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
    let created!: () => void;
    const done = new Promise<void>((resolve) => (created = resolve));
    lastProgressAt = now();
    queue.push(async () => {
      try {
        if (sink === 'check') {
          await createCheck({
            status: 'in_progress',
            title: what,
            summary: `${what} ${settings.cluster}/${settings.service}…`,
          });
        }
        if (sink === 'status') await postStatus('pending', what);
      } finally {
        created();
      }
    });
    if (deployments && deploymentId === undefined) queue.push(() => openDeployment(what));
    // Bounded by the call's own time limit; main may also go on without awaiting.
    return done;
  }

  async function openDeployment(description: string): Promise<void> {
    if (!octokit || !settings.environment) return;
    const created = await createDeployment(
      octokit,
      context,
      {
        environment: settings.environment,
        description: redact(`${description} ${settings.cluster}/${settings.service}`),
        payload: { cluster: settings.cluster, service: settings.service, mode: settings.mode },
        ...(settings.environmentUrl ? { environmentUrl: redact(settings.environmentUrl) } : {}),
      },
      timeoutMs,
    );
    if (!created.ok) {
      deployments = false;
      const hint = isPermissionDenied(created) ? ' Give the job `deployments: write`.' : '';
      warnOnce(
        'deployment',
        `Could not create a GitHub deployment for "${settings.environment}": ${describeFailure(created)}.${hint}`,
      );
      return;
    }
    deploymentId = created.value;
    await deploymentStatus('in_progress', description);
  }

  async function deploymentStatus(
    state: ReturnType<typeof deploymentState>,
    description: string,
  ): Promise<void> {
    if (!octokit || deploymentId === undefined) return;
    const result = await setDeploymentStatus(
      octokit,
      context,
      deploymentId,
      state,
      {
        description: redact(description),
        ...(settings.environmentUrl ? { environmentUrl: redact(settings.environmentUrl) } : {}),
      },
      timeoutMs,
    );
    if (!result.ok)
      warnOnce(
        `deployment-${state}`,
        `Could not set the deployment status "${state}": ${describeFailure(result)}.`,
      );
  }

  async function finish(
    outcome: ReportOutcome,
    summaryMarkdown: string,
    failure?: RolloutFailure,
  ): Promise<void> {
    finished = true;
    if (progressTimer) clearTimeout(progressTimer);
    progressTimer = undefined;
    // Progress nobody will read any more must not delay the conclusion.
    queue.discard();
    const title = `${settings.service}: ${outcomeWords(outcome)}`;
    const line = failure
      ? `${title}: ${failure.message}`
      : model.to
        ? `${title} (${taskDefinitionName(model.to)})`
        : title;
    const body = {
      conclusion: checkConclusion(outcome),
      title: cap(title, 255),
      summary: summaryMarkdown || line,
      // A cancel is not a fault in the code or the deployment: no failure annotation for it.
      ...(failure && (outcome === 'failed' || outcome === 'rolled-back')
        ? { annotations: [failureAnnotation(failure, annotationPath(context))] }
        : {}),
    };
    queue.push(async () => {
      if (sink === 'check') {
        if (checkRunId !== undefined) {
          const result = await updateCheck(checkRunId, body);
          if (!result.ok)
            warnOnce('conclude', `Could not conclude the check run: ${describeFailure(result)}.`);
        } else {
          await createCheck({ status: 'completed', ...body });
        }
      }
      if (sink === 'status') await postStatus(commitState(outcome), line);
    });
    if (deployments) queue.push(() => deploymentStatus(deploymentState(outcome), line));
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
    get checkRunId() {
      return checkRunId;
    },
    get deploymentId() {
      return deploymentId;
    },
  };
}

function outputOf(
  body: {
    title: string;
    summary: string;
    text?: string;
    annotations?: ReturnType<typeof failureAnnotation>[];
  },
  redact: (text: string) => string,
): { title: string; summary: string; text?: string; annotations?: ReturnType<typeof failureAnnotation>[] } {
  return {
    title: cap(redact(body.title), 255),
    summary: cap(redact(body.summary), CHECK_OUTPUT_LIMIT),
    ...(body.text ? { text: cap(redact(body.text), CHECK_OUTPUT_LIMIT) } : {}),
    // GitHub takes at most 50 annotations per request.
    ...(body.annotations
      ? {
          annotations: body.annotations
            .slice(0, 50)
            .map((a) => ({ ...a, title: redact(a.title), message: redact(a.message) })),
        }
      : {}),
  };
}
