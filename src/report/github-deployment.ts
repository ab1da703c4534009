// GitHub Deployments for an environment: one deployment per rollout, statuses in_progress -> final.
// Models the REST API as documented: `auto_merge: false` and `required_contexts: []` so the call
// neither merges the default branch in nor waits on other checks; `auto_inactive` on the success
// status marks the environment's earlier successful deployments inactive. EnvironmentDeployment
// keeps the one deployment's id, redacts every text it sends, and turns failures into warnings.
import { callGithub, describeFailure, isPermissionDenied, type CallResult } from './github-call.js';
import { reportSha, runUrl, type GithubContext, type Octokit } from './github-client.js';
import { cap, DESCRIPTION_LIMIT, type DeploymentState } from './github-output.js';

export interface EnvironmentDeploymentOptions {
  octokit: Octokit;
  context: GithubContext;
  environment: string;
  environmentUrl?: string;
  /** Stored on the deployment (cluster, service, mode). */
  payload: Record<string, string>;
  /** A deployment created earlier (the post step concludes main's). */
  deploymentId?: number;
  timeoutMs: number;
  redact: (text: string) => string;
  /** Warns once per key. */
  warn: (key: string, message: string) => void;
}

/** The rollout's one deployment: created once, then its statuses (none when it was not created). */
export class EnvironmentDeployment {
  private deploymentId: number | undefined;

  constructor(private readonly o: EnvironmentDeploymentOptions) {
    this.deploymentId = o.deploymentId;
  }

  get id(): number | undefined {
    return this.deploymentId;
  }

  async create(description: string): Promise<void> {
    if (this.deploymentId !== undefined) return;
    const created = await createDeployment(
      this.o.octokit,
      this.o.context,
      { environment: this.o.environment, description: this.o.redact(description), payload: this.o.payload },
      this.o.timeoutMs,
    );
    if (created.ok) {
      this.deploymentId = created.value;
      return;
    }
    const hint = isPermissionDenied(created) ? ' Give the job `deployments: write`.' : '';
    this.o.warn(
      'deployment',
      `Could not create a GitHub deployment for "${this.o.environment}": ${describeFailure(created)}.${hint}`,
    );
  }

  async status(state: DeploymentState, description: string): Promise<void> {
    if (this.deploymentId === undefined) return;
    const { environmentUrl } = this.o;
    const result = await setDeploymentStatus(
      this.o.octokit,
      this.o.context,
      this.deploymentId,
      state,
      {
        description: this.o.redact(description),
        ...(environmentUrl ? { environmentUrl: this.o.redact(environmentUrl) } : {}),
      },
      this.o.timeoutMs,
    );
    if (!result.ok)
      this.o.warn(
        `deployment-${state}`,
        `Could not set the deployment status "${state}": ${describeFailure(result)}.`,
      );
  }
}

export interface DeploymentRequest {
  environment: string;
  description: string;
  /** Stored on the deployment for whoever reads it later (cluster, service, task definitions). */
  payload: Record<string, string>;
}

async function createDeployment(
  octokit: Octokit,
  context: GithubContext,
  request: DeploymentRequest,
  timeoutMs: number,
): Promise<CallResult<number>> {
  const created = await callGithub(timeoutMs, (signal) =>
    octokit.rest.repos.createDeployment({
      owner: context.owner,
      repo: context.repo,
      ref: reportSha(context),
      environment: request.environment,
      auto_merge: false,
      required_contexts: [],
      task: 'deploy',
      description: cap(request.description, DESCRIPTION_LIMIT),
      payload: request.payload,
      request: { signal },
    }),
  );
  if (!created.ok) return created;
  // 202 means GitHub merged the default branch into the ref instead of creating a deployment;
  // with auto_merge false it should not happen, but an id is what we need either way.
  const data: unknown = created.value.data;
  if (typeof data === 'object' && data !== null && 'id' in data && typeof data.id === 'number') {
    return { ok: true, value: data.id };
  }
  return {
    ok: false,
    status: created.value.status,
    message: 'GitHub created no deployment',
    timedOut: false,
  };
}

async function setDeploymentStatus(
  octokit: Octokit,
  context: GithubContext,
  deploymentId: number,
  state: DeploymentState,
  details: { description: string; environmentUrl?: string },
  timeoutMs: number,
): Promise<CallResult<unknown>> {
  const logUrl = runUrl(context);
  return callGithub(timeoutMs, (signal) =>
    octokit.rest.repos.createDeploymentStatus({
      owner: context.owner,
      repo: context.repo,
      deployment_id: deploymentId,
      state,
      description: cap(details.description, DESCRIPTION_LIMIT),
      ...(logUrl ? { log_url: logUrl } : {}),
      ...(details.environmentUrl ? { environment_url: details.environmentUrl } : {}),
      ...(state === 'success' ? { auto_inactive: true } : {}),
      request: { signal },
    }),
  );
}
