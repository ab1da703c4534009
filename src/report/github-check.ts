// The commit's report: a check run on the commit the workflow ran for; where the token may not
// create one (a pull request from a fork, a job without `checks: write`), a commit status in its
// place; and nothing once statuses are refused too (the job summary is then the only report).
// Every text goes through `redact` before it is cut to GitHub's limits (cutting first could leave
// half a secret), and every failure is a warning said once: reporting never fails a deployment.
import { callGithub, describeFailure, isPermissionDenied, type CallResult } from './github-call.js';
import type { GithubContext, Octokit } from './github-client.js';
import {
  ANNOTATION_MESSAGE_LIMIT,
  ANNOTATIONS_PER_REQUEST,
  cap,
  CHECK_OUTPUT_LIMIT,
  checkConclusion,
  commitState,
  DESCRIPTION_LIMIT,
  TITLE_LIMIT,
  type CheckAnnotation,
  type CommitState,
  type ReportOutcome,
} from './github-output.js';

/** Where the commit's report goes now. It only ever moves on: check -> status -> off. */
export type CommitSink = 'check' | 'status' | 'off';

/** A check run's output, before redaction and GitHub's limits. */
export interface CheckOutput {
  title: string;
  summary: string;
  annotations?: CheckAnnotation[];
}

export interface CommitReportOptions {
  octokit: Octokit;
  context: GithubContext;
  /** The commit the report belongs to (the PR head on pull_request events). */
  sha: string;
  /** The check run's name, and the commit status's context. */
  name: string;
  externalId: string;
  detailsUrl?: string;
  sink: 'check' | 'status';
  /** A check run created earlier (the post step concludes main's). */
  checkRunId?: number;
  timeoutMs: number;
  redact: (text: string) => string;
  /** Warns once per key. */
  warn: (key: string, message: string) => void;
  now: () => number;
}

export class CommitReport {
  private current: CommitSink;
  private id: number | undefined;

  constructor(private readonly o: CommitReportOptions) {
    this.current = o.sink;
    this.id = o.checkRunId;
  }

  get sink(): CommitSink {
    return this.current;
  }

  /** Known once the create call answered. */
  get checkRunId(): number | undefined {
    return this.id;
  }

  /** The first report: a check run in progress, or a pending status. */
  async open(output: CheckOutput): Promise<void> {
    if (this.current === 'check') await this.create('in_progress', output);
    // Also right after the check run was refused: the status takes its place at once.
    if (this.current === 'status') await this.status('pending', output.title);
  }

  /** Progress: the check run's title and summary, or the pending status's description. */
  async progress(output: CheckOutput): Promise<void> {
    if (this.current === 'check' && this.id !== undefined) {
      const result = await this.update(this.id, output);
      if (!result.ok)
        this.o.warn(
          'progress',
          `Could not update the check run: ${describeFailure(result)}. The rollout goes on.`,
        );
    } else if (this.current === 'status') {
      await this.status('pending', output.title);
    }
  }

  /**
   * The conclusion: the check run completed (created completed when the first create never got
   * through), or the final status. `line` is what a status's short description carries.
   */
  async conclude(outcome: ReportOutcome, output: CheckOutput, line: string): Promise<void> {
    if (this.current === 'check') {
      if (this.id !== undefined) {
        const result = await this.update(this.id, output, outcome);
        if (!result.ok)
          this.o.warn('conclude', `Could not conclude the check run: ${describeFailure(result)}.`);
      } else {
        await this.create('completed', output, outcome);
      }
    }
    if (this.current === 'status') await this.status(commitState(outcome), line);
  }

  private async create(
    status: 'in_progress' | 'completed',
    output: CheckOutput,
    outcome?: ReportOutcome,
  ): Promise<void> {
    const { octokit, context } = this.o;
    const stamp = new Date(this.o.now()).toISOString();
    const result = await callGithub(this.o.timeoutMs, (signal) =>
      octokit.rest.checks.create({
        owner: context.owner,
        repo: context.repo,
        name: this.o.name,
        head_sha: this.o.sha,
        status,
        started_at: stamp,
        external_id: this.o.externalId,
        ...(this.o.detailsUrl ? { details_url: this.o.detailsUrl } : {}),
        ...(outcome ? { conclusion: checkConclusion(outcome), completed_at: stamp } : {}),
        output: this.redacted(output),
        request: { signal },
      }),
    );
    if (result.ok) {
      this.id = result.value.data.id;
      return;
    }
    if (isPermissionDenied(result)) {
      this.o.warn(
        'check-denied',
        `Cannot create a check run (${describeFailure(result)}); reporting with a commit status instead. ` +
          'Give the job `checks: write` (a pull request from a fork never gets it).',
      );
      this.current = 'status';
    } else {
      this.o.warn(
        'check-create',
        `Could not create a check run: ${describeFailure(result)}. The rollout goes on.`,
      );
    }
  }

  private update(id: number, output: CheckOutput, outcome?: ReportOutcome): Promise<CallResult<unknown>> {
    const { octokit, context } = this.o;
    return callGithub(this.o.timeoutMs, (signal) =>
      octokit.rest.checks.update({
        owner: context.owner,
        repo: context.repo,
        check_run_id: id,
        ...(outcome
          ? {
              status: 'completed' as const,
              conclusion: checkConclusion(outcome),
              completed_at: new Date(this.o.now()).toISOString(),
            }
          : {}),
        output: this.redacted(output),
        request: { signal },
      }),
    );
  }

  private async status(state: CommitState, description: string): Promise<void> {
    const { octokit, context } = this.o;
    const result = await callGithub(this.o.timeoutMs, (signal) =>
      octokit.rest.repos.createCommitStatus({
        owner: context.owner,
        repo: context.repo,
        sha: this.o.sha,
        state,
        context: this.o.name,
        description: cap(this.o.redact(description), DESCRIPTION_LIMIT),
        ...(this.o.detailsUrl ? { target_url: this.o.detailsUrl } : {}),
        request: { signal },
      }),
    );
    if (result.ok) return;
    if (isPermissionDenied(result)) {
      this.o.warn(
        'status-denied',
        `Cannot create a commit status either (${describeFailure(result)}); the job summary is the only report. ` +
          'Give the job `statuses: write`.',
      );
      this.current = 'off';
    } else {
      this.o.warn(
        `status-${state}`,
        `Could not set the commit status: ${describeFailure(result)}. The rollout goes on.`,
      );
    }
  }

  private redacted(output: CheckOutput): CheckOutput {
    const { redact } = this.o;
    return {
      title: cap(redact(output.title), TITLE_LIMIT),
      summary: cap(redact(output.summary), CHECK_OUTPUT_LIMIT),
      ...(output.annotations
        ? {
            annotations: output.annotations.slice(0, ANNOTATIONS_PER_REQUEST).map((a) => ({
              ...a,
              title: cap(redact(a.title), TITLE_LIMIT),
              message: cap(redact(a.message), ANNOTATION_MESSAGE_LIMIT),
            })),
          }
        : {}),
    };
  }
}
