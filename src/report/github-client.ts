// The one place that builds the Octokit and reads the workflow run's GitHub context. @actions/github
// reads GITHUB_API_URL and the event payload once, when the module is imported; building both here
// from the environment at call time lets tests aim everything at a local server.
import { readFileSync } from 'node:fs';
import { getOctokit } from '@actions/github';

export type Octokit = ReturnType<typeof getOctokit>;

/** What the reporters need to know about the workflow run, read from GITHUB_* and the event file. */
export interface GithubContext {
  owner: string;
  repo: string;
  eventName: string;
  /** GITHUB_SHA: on pull_request events this is the merge commit, not the PR's head. */
  sha: string;
  ref: string;
  /** The event payload (GITHUB_EVENT_PATH), `{}` when there is none. */
  payload: Record<string, unknown>;
  serverUrl: string;
  apiUrl: string;
  runId: string;
  runAttempt?: string;
  /** `owner/repo/.github/workflows/deploy.yml@refs/heads/main` (GITHUB_WORKFLOW_REF). */
  workflowRef?: string;
}

export function createOctokit(
  token: string,
  apiUrl = process.env['GITHUB_API_URL'] ?? 'https://api.github.com',
): Octokit {
  // Only baseUrl is passed: a `request` option here would replace the proxy-aware fetch that
  // @actions/github sets as its default. Time-outs are given per call (see github-call.ts).
  return getOctokit(token, { baseUrl: apiUrl });
}

export function readGithubContext(env: NodeJS.ProcessEnv = process.env): GithubContext {
  const [owner = '', repo = ''] = (env['GITHUB_REPOSITORY'] ?? '').split('/');
  let payload: Record<string, unknown> = {};
  const eventPath = env['GITHUB_EVENT_PATH'];
  if (eventPath) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(eventPath, 'utf8'));
      if (isRecord(parsed)) payload = parsed;
    } catch {
      // A missing or unreadable event file only costs the PR head SHA; GITHUB_SHA still works.
    }
  }
  const context: GithubContext = {
    owner,
    repo,
    eventName: env['GITHUB_EVENT_NAME'] ?? '',
    sha: env['GITHUB_SHA'] ?? '',
    ref: env['GITHUB_REF'] ?? '',
    payload,
    serverUrl: env['GITHUB_SERVER_URL'] ?? 'https://github.com',
    apiUrl: env['GITHUB_API_URL'] ?? 'https://api.github.com',
    runId: env['GITHUB_RUN_ID'] ?? '',
  };
  if (env['GITHUB_RUN_ATTEMPT']) context.runAttempt = env['GITHUB_RUN_ATTEMPT'];
  if (env['GITHUB_WORKFLOW_REF']) context.workflowRef = env['GITHUB_WORKFLOW_REF'];
  return context;
}

/**
 * The commit a check run or status belongs to. On pull_request (and pull_request_target) events
 * GITHUB_SHA is the temporary merge commit, which the PR page never shows; the PR's head commit is
 * the one whose checks appear there.
 */
export function reportSha(context: GithubContext): string {
  const pr = context.payload['pull_request'];
  if (isRecord(pr)) {
    const head = pr['head'];
    if (isRecord(head) && typeof head['sha'] === 'string' && head['sha'] !== '') return head['sha'];
  }
  return context.sha;
}

/** The run's page, for log_url / target_url / details_url; undefined outside a workflow run. */
export function runUrl(context: GithubContext): string | undefined {
  if (!context.owner || !context.repo || !context.runId) return undefined;
  const attempt = context.runAttempt && context.runAttempt !== '1' ? `/attempts/${context.runAttempt}` : '';
  return `${context.serverUrl}/${context.owner}/${context.repo}/actions/runs/${context.runId}${attempt}`;
}

/**
 * A repository path for check-run annotations, which must name a file: the workflow file from
 * GITHUB_WORKFLOW_REF (`owner/repo/<path>@<ref>`), else action.yml.
 */
export function annotationPath(context: GithubContext): string {
  const ref = context.workflowRef;
  if (ref) {
    const withoutRef = ref.split('@')[0] ?? '';
    const prefix = `${context.owner}/${context.repo}/`;
    if (withoutRef.startsWith(prefix) && withoutRef.length > prefix.length)
      return withoutRef.slice(prefix.length);
  }
  return 'action.yml';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
