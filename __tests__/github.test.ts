// The GitHub reporter against a local fake of the REST API (loopback; it records every request):
// the check run, its fallbacks (commit status, nothing), the deployment, progress throttling, and
// that no secret reaches GitHub. Waits are on what was observed — the reporter's queue drained, or
// the fake having received a request — each with a bound, never a sleep.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  createGithubReporter,
  type GithubReporter,
  type GithubReporterOptions,
  type ReporterSettings,
} from '../src/report/github.js';
import { createOctokit, readGithubContext } from '../src/report/github-client.js';
import type { BatchPlan, BatchProgress, RolloutEvent, RolloutFailure } from '../src/rollout/types.js';
import {
  githubEnv,
  HEAD_SHA,
  MERGE_SHA,
  PUSH_SHA,
  startFakeGithub,
  type EventKind,
  type FakeGithub,
  type RecordedRequest,
} from './helpers/fake-github.js';

const OLD = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:11';
const NEW = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:12';
const plan: BatchPlan = {
  desired: 4,
  batchSize: 2,
  maxUnavailable: 0,
  batches: [2, 2],
  hold: { maximumPercent: 100, minimumHealthyPercent: 100 },
  releases: [
    { maximumPercent: 150, minimumHealthyPercent: 100 },
    { maximumPercent: 150, minimumHealthyPercent: 100 },
  ],
};
const failure: RolloutFailure = {
  batch: 2,
  kind: 'target-unhealthy',
  message: 'Target 127.0.1.7:8080 is unhealthy (Target.ResponseCodeMismatch) in web-tg',
  reasonCode: 'Target.ResponseCodeMismatch',
};
/** The bound on every wait for the reporter's queue or a request: generous, never slept. */
const BOUND_MS = 5_000;

let gh: FakeGithub;
let warnings: string[];

beforeEach(async () => {
  gh = await startFakeGithub();
  warnings = [];
});
afterEach(async () => {
  await gh.close();
});

function reporter(
  event: EventKind,
  overrides: Partial<ReporterSettings> = {},
  extra: Partial<GithubReporterOptions> = {},
): GithubReporter {
  const env = githubEnv(event, gh.url);
  const settings: ReporterSettings = {
    mode: 'deploy',
    cluster: 'prod',
    service: 'web',
    report: 'check',
    checkName: '',
    ...overrides,
  };
  return createGithubReporter({
    octokit: createOctokit('ghs_faketoken', gh.url),
    context: readGithubContext(env),
    settings,
    log: { info: () => undefined, warning: (m) => warnings.push(m) },
    redact: (text) => text,
    timeoutMs: 1_000,
    progressIntervalMs: 0,
    ...extra,
  });
}

/** Every GitHub call queued so far has answered. */
async function idle(r: GithubReporter): Promise<void> {
  expect(await r.idle(BOUND_MS)).toBe(true);
}

const progress = (overrides: Partial<BatchProgress> = {}): BatchProgress => ({
  batch: 1,
  batches: 2,
  newWanted: 2,
  newLaunched: 2,
  newRunning: 2,
  newHealthy: 1,
  oldRemaining: 4,
  oldDraining: 0,
  waitingFor: 'batch 1/2: 1/2 new tasks healthy',
  ...overrides,
});

/** Gives events to the listener as runRollout would: it returns at once, never a promise to wait on. */
function emit(listener: (e: RolloutEvent) => void | Promise<void>, events: RolloutEvent[]): void {
  for (const e of events) expect(listener(e)).toBeUndefined();
}

/** A two-batch rollout up to the release of batch 2. */
function emitRollout(listener: (e: RolloutEvent) => void | Promise<void>): void {
  const at = Date.now();
  emit(listener, [
    { type: 'rollout-started', at, plan, from: OLD, to: NEW },
    { type: 'batch-started', at, batch: 1, batches: 2, tasks: 2 },
    { type: 'batch-launched', at, batch: 1, batches: 2, tasks: 2 },
    { type: 'progress', at, progress: progress() },
    { type: 'batch-healthy', at, batch: 1, batches: 2, bakeMs: 0 },
    {
      type: 'batch-succeeded',
      at,
      record: {
        batch: 1,
        tasks: 2,
        startedAt: at,
        launchedAt: at,
        healthyAt: at,
        endedAt: at,
        outcome: 'succeeded',
      },
    },
    { type: 'batch-started', at, batch: 2, batches: 2, tasks: 2 },
  ]);
}

type CheckBody = {
  status?: string;
  conclusion?: string;
  output: { title: string; summary: string; annotations?: { title: string; message: string }[] };
};
const checkBody = (req: RecordedRequest | undefined): CheckBody => req?.body as CheckBody;

describe('check run', () => {
  it('is created in_progress on the pushed commit, updated with progress, and concluded success with the summary', async () => {
    const r = reporter('push');
    await r.start();
    expect(typeof r.checkRunId).toBe('number');
    emitRollout(r.listener);
    await idle(r);
    await r.finish('succeeded', '## Deployed web:12\n| batch | tasks |');

    const creates = gh.find('POST', /\/repos\/acme\/shop\/check-runs$/);
    expect(creates).toHaveLength(1);
    expect(creates[0]?.body).toMatchObject({
      name: 'ECS deploy prod/web',
      head_sha: PUSH_SHA,
      status: 'in_progress',
      details_url: 'https://github.com/acme/shop/actions/runs/7001234567',
    });
    expect(creates[0]?.authorization).toBe('token ghs_faketoken');
    const updates = gh.find('PATCH', new RegExp(`/check-runs/${r.checkRunId}$`));
    expect(updates.length).toBeGreaterThanOrEqual(2);
    // Progress coalesces to the newest state: batch 2 released.
    expect(checkBody(updates.at(-2)).output.title).toBe('Batch 2/2');
    expect(checkBody(updates.at(-2)).output.summary).toContain('Batches done: 1.');
    expect(updates.at(-1)?.body).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      output: { title: 'web: deployed', summary: '## Deployed web:12\n| batch | tasks |' },
    });
    // Order: the create comes before every update, the conclusion is the last request.
    expect(gh.requests[0]?.method).toBe('POST');
    expect(gh.requests.at(-1)?.body).toMatchObject({ conclusion: 'success' });
    expect(warnings).toEqual([]);
  });

  it('titles progress in the engine`s words, naming the batch once', async () => {
    const r = reporter('push');
    await r.start();
    const at = Date.now();
    emit(r.listener, [
      { type: 'rollout-started', at, plan, from: OLD, to: NEW },
      { type: 'batch-started', at, batch: 1, batches: 2, tasks: 2 },
      { type: 'progress', at, progress: progress() },
    ]);
    const update = await gh.waitFor('PATCH', /check-runs\/\d+$/, BOUND_MS);
    expect(checkBody(update).output.title).toBe('Batch 1/2: 1/2 new tasks healthy');
    expect(checkBody(update).output.summary).toContain('| 1/2 | 2 | 2 | 1 | 4 | 0 |');
    expect(checkBody(update).output.summary).toContain('Waiting for: batch 1/2: 1/2 new tasks healthy');
    await r.finish('succeeded', 'ok');
  });

  it('throttles progress: no update sooner than the interval after the last one', async () => {
    const r = reporter('push', {}, { progressIntervalMs: 60_000 });
    await r.start();
    emitRollout(r.listener);
    emitRollout(r.listener);
    // Were progress not held back, it would be queued now and sent before the queue drains.
    await idle(r);
    expect(gh.find('PATCH', /check-runs/)).toHaveLength(0);
    await r.finish('succeeded', 'done');
    expect(gh.find('PATCH', /check-runs/)).toHaveLength(1);
  });

  it('sends the newest progress, once, when the interval has passed', async () => {
    const r = reporter('push', {}, { progressIntervalMs: 200 });
    await r.start();
    emitRollout(r.listener);
    const update = await gh.waitFor('PATCH', /check-runs\/\d+$/, BOUND_MS);
    expect(checkBody(update).output.title).toBe('Batch 2/2');
    await idle(r);
    expect(gh.find('PATCH', /check-runs/)).toHaveLength(1);
    await r.finish('succeeded', 'done');
  });

  it('attaches to the pull request head SHA, never the merge commit', async () => {
    const r = reporter('pull_request');
    await r.start();
    await r.finish('succeeded', 'ok');
    const body = gh.find('POST', /check-runs$/)[0]?.body;
    expect(body?.['head_sha']).toBe(HEAD_SHA);
    expect(JSON.stringify(gh.requests)).not.toContain(MERGE_SHA);
  });

  it('concludes failure with the summary and one annotation on the workflow file', async () => {
    const r = reporter('push', { checkName: 'Deploy web' });
    await r.start();
    await r.finish('rolled-back', '## Rolled back', failure);
    const last = gh.find('PATCH', /check-runs/).at(-1)?.body as {
      conclusion: string;
      output: { annotations: Record<string, unknown>[] };
    };
    expect(last.conclusion).toBe('failure');
    expect(last.output.annotations).toHaveLength(1);
    expect(last.output.annotations[0]).toMatchObject({
      path: '.github/workflows/deploy.yml',
      annotation_level: 'failure',
      start_line: 1,
      title: 'Rollout failed in batch 2 (target-unhealthy)',
    });
    expect(String(last.output.annotations[0]?.['message'])).toContain('Target.ResponseCodeMismatch');
    expect(gh.find('POST', /check-runs$/)[0]?.body['name']).toBe('Deploy web');
  });

  it('concludes cancelled without a failure annotation (a cancel is no fault)', async () => {
    const r = reporter('push');
    await r.start();
    await r.finish('cancelled', '## Cancelled', {
      batch: 2,
      kind: 'cancelled',
      message: 'cancelled by SIGINT',
    });
    const last = gh.find('PATCH', /check-runs/).at(-1)?.body as {
      conclusion: string;
      output: Record<string, unknown>;
    };
    expect(last.conclusion).toBe('cancelled');
    expect(last.output).not.toHaveProperty('annotations');
  });

  it('caps the summary at 65,535 characters', async () => {
    const r = reporter('push');
    await r.start();
    await r.finish('succeeded', 'x'.repeat(100_000));
    const summary = checkBody(gh.find('PATCH', /check-runs/).at(-1)).output.summary;
    expect(summary.length).toBeLessThanOrEqual(65_535);
    expect(summary).toContain('cut to fit');
  });

  it('concludes neutral in plan mode and opens no deployment', async () => {
    const r = reporter('push', { mode: 'plan', environment: 'production' });
    await r.start();
    await r.finish('planned', '## Plan');
    expect(gh.find('PATCH', /check-runs/).at(-1)?.body['conclusion']).toBe('neutral');
    expect(gh.find('POST', /deployments/)).toHaveLength(0);
  });

  it('creates the check run completed when the first create did not get through', async () => {
    let calls = 0;
    gh.route('POST', /check-runs$/, () =>
      ++calls === 1 ? { status: 502, body: { message: 'Bad Gateway' } } : { status: 201, body: { id: 5 } },
    );
    const r = reporter('push');
    await r.start();
    expect(r.checkRunId).toBeUndefined();
    await r.finish('succeeded', 'ok');
    const creates = gh.find('POST', /check-runs$/);
    expect(creates).toHaveLength(2);
    expect(creates[1]?.body).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(warnings).toHaveLength(1);
  });

  it('concludes the check run main created, as the post step does', async () => {
    const r = reporter('push', {}, { resume: { checkRunId: 77 } });
    await r.finish('cancelled', 'Restored web:11 after the job was cancelled.');
    expect(gh.requests).toHaveLength(1);
    expect(gh.requests[0]).toMatchObject({
      method: 'PATCH',
      path: '/repos/acme/shop/check-runs/77',
      body: { conclusion: 'cancelled' },
    });
  });

  it('sends nothing when report is none and no environment is given', async () => {
    const r = reporter('push', { report: 'none' });
    await r.start();
    emitRollout(r.listener);
    await idle(r);
    await r.finish('succeeded', 'ok');
    expect(gh.requests).toHaveLength(0);
  });
});

describe('fallbacks', () => {
  it('falls back to a commit status on the PR head when check runs are forbidden (403), warning once', async () => {
    gh.route('POST', /check-runs$/, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const r = reporter('pull_request');
    await r.start();
    emitRollout(r.listener);
    await idle(r);
    await r.finish('rolled-back', 'summary', failure);
    const statuses = gh.find('POST', /\/statuses\//);
    expect(statuses.map((s) => s.body['state'])).toEqual(['pending', 'pending', 'failure']);
    for (const s of statuses) {
      expect(s.path).toBe(`/repos/acme/shop/statuses/${HEAD_SHA}`);
      expect(s.body['context']).toBe('ECS deploy prod/web');
      expect(String(s.body['description']).length).toBeLessThanOrEqual(140);
      expect(s.body['target_url']).toBe('https://github.com/acme/shop/actions/runs/7001234567');
    }
    expect(statuses.map((s) => s.body['description'])).toEqual([
      'Deploying',
      'Batch 2/2',
      `web: failed and rolled back: ${failure.message}`,
    ]);
    expect(gh.find('POST', /check-runs$/)).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('commit status');
  });

  it('warns once more and carries on when statuses are forbidden too', async () => {
    gh.route('POST', /check-runs$/, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    gh.route('POST', /statuses\//, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const r = reporter('pull_request');
    await r.start();
    emitRollout(r.listener);
    await idle(r);
    await r.finish('succeeded', 'ok');
    expect(gh.find('POST', /statuses\//)).toHaveLength(1);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('job summary');
  });

  it('uses commit statuses directly when report is status', async () => {
    const r = reporter('push', { report: 'status' });
    await r.start();
    await r.finish('cancelled', 'cancelled');
    expect(gh.find('POST', /check-runs/)).toHaveLength(0);
    expect(gh.find('POST', /statuses\//).map((s) => s.body['state'])).toEqual(['pending', 'error']);
  });

  it('says a failure before the first batch in words, not as batch 0', async () => {
    const r = reporter('push', { report: 'status' });
    await r.start();
    emit(r.listener, [
      {
        type: 'failed',
        at: Date.now(),
        failure: { batch: 0, kind: 'error', message: 'UpdateService was refused' },
      },
    ]);
    const status = await gh.waitFor(
      'POST',
      /statuses\//,
      BOUND_MS,
      (s) => s.body['description'] !== 'Deploying',
    );
    expect(status.body['description']).toBe('Failed before the first batch: UpdateService was refused');
    await r.finish('failed', 'failed');
  });

  it('turns 500s into warnings; nothing throws', async () => {
    gh.route('POST', /.*/, { status: 500, body: { message: 'Server Error' } });
    gh.route('PATCH', /.*/, { status: 500, body: { message: 'Server Error' } });
    const r = reporter('push', { environment: 'staging' });
    await expect(r.start()).resolves.toBeUndefined();
    emitRollout(r.listener);
    await expect(r.finish('succeeded', 'ok')).resolves.toBeUndefined();
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.every((w) => w.includes('500'))).toBe(true);
  });

  it('a GitHub that never answers delays neither the listener nor the end beyond the bounds', async () => {
    gh.route('POST', /.*/, 'hang');
    gh.route('PATCH', /.*/, 'hang');
    const r = reporter('pull_request', { environment: 'staging' }, { timeoutMs: 300, finishWaitMs: 1_000 });
    const t0 = Date.now();
    await r.start();
    emitRollout(r.listener);
    await r.finish('succeeded', 'ok');
    // Generous bounds (start <= two calls' limits, finish <= finishWaitMs), not a speed claim.
    expect(Date.now() - t0).toBeLessThan(2 * 300 + 1_000 + 2_000);
    expect(warnings.some((w) => w.includes('300 ms') || w.includes('did not answer'))).toBe(true);
  });
});

describe('deployments', () => {
  it('opens a deployment for the commit, in_progress then success with auto_inactive, log and environment URLs', async () => {
    const r = reporter('push', { environment: 'production', environmentUrl: 'https://shop.example.com' });
    await r.start();
    await r.finish('succeeded', 'ok');
    const deployments = gh.find('POST', /\/deployments$/);
    expect(deployments).toHaveLength(1);
    expect(deployments[0]?.body).toMatchObject({
      ref: PUSH_SHA,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      description: 'Deploying prod/web',
    });
    const id = r.deploymentId;
    const statuses = gh.find('POST', new RegExp(`/deployments/${id}/statuses$`));
    expect(statuses.map((s) => s.body['state'])).toEqual(['in_progress', 'success']);
    for (const s of statuses) {
      expect(s.body['log_url']).toBe('https://github.com/acme/shop/actions/runs/7001234567');
      expect(s.body['environment_url']).toBe('https://shop.example.com');
    }
    expect(statuses[1]?.body['auto_inactive']).toBe(true);
    expect(statuses[0]?.body['auto_inactive']).toBeUndefined();
  });

  it('knows the deployment id when start resolves, and a finish right after still concludes it', async () => {
    // Main saves the ids right after start() for the post step, and a preflight failure may finish at once.
    const r = reporter('push', { environment: 'production' });
    await r.start();
    expect(typeof r.deploymentId).toBe('number');
    await r.finish('failed', 'preflight failed', {
      batch: 0,
      kind: 'error',
      message: 'service web is DRAINING',
    });
    expect(gh.find('POST', /\/deployments\/\d+\/statuses$/).map((s) => s.body['state'])).toEqual([
      'in_progress',
      'failure',
    ]);
  });

  it('marks the deployment failed on a rollback, for the PR head', async () => {
    const r = reporter('pull_request', { environment: 'staging' });
    await r.start();
    await r.finish('rolled-back', 'rolled back', failure);
    expect(gh.find('POST', /\/deployments$/)[0]?.body['ref']).toBe(HEAD_SHA);
    expect(gh.find('POST', /\/deployments\/\d+\/statuses$/).map((s) => s.body['state'])).toEqual([
      'in_progress',
      'failure',
    ]);
  });

  it('warns once and goes on when deployments are forbidden', async () => {
    gh.route('POST', /\/deployments$/, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const r = reporter('push', { environment: 'production' });
    await r.start();
    expect(r.deploymentId).toBeUndefined();
    await r.finish('succeeded', 'ok');
    expect(gh.find('POST', /\/deployments\/\d+\/statuses$/)).toHaveLength(0);
    expect(gh.find('PATCH', /check-runs/).at(-1)?.body['conclusion']).toBe('success');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('deployments: write');
  });
});

describe('secrets reach no GitHub channel', () => {
  const SECRET = 'hunter2-S3CR3T-9f8e';
  const redact = (text: string): string => text.split(SECRET).join('***');
  const withSecret: RolloutFailure = {
    batch: 2,
    kind: 'http-check',
    message: `GET https://shop.example.com/health?token=${SECRET} answered 503 three times`,
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/prod/${SECRET}`,
    reasonCode: SECRET,
  };

  /** A rollout whose progress and rollback words carry the secret, as an AWS error message might. */
  function emitSecretRollout(r: GithubReporter): void {
    const at = Date.now();
    emit(r.listener, [
      { type: 'rollout-started', at, plan, from: OLD, to: NEW },
      { type: 'batch-started', at, batch: 1, batches: 2, tasks: 2 },
      {
        type: 'progress',
        at,
        progress: progress({ waitingFor: `batch 1/2: the check of ?token=${SECRET} to pass` }),
      },
    ]);
  }
  function emitSecretRollback(r: GithubReporter): void {
    const at = Date.now();
    emit(r.listener, [
      { type: 'failed', at, failure: withSecret },
      { type: 'rollback-started', at, to: OLD, how: `UpdateService back to web:11 (${SECRET})` },
      { type: 'rollback-progress', at, waitingFor: `rollback: ${SECRET} 2/4 tasks of web:11 healthy` },
    ]);
  }

  function expectNoSecret(): void {
    expect(gh.requests.length).toBeGreaterThan(0);
    for (const req of gh.requests) expect(JSON.stringify(req.body)).not.toContain(SECRET);
  }

  it('check run create, progress updates, conclusion and annotation; deployment description and environment_url', async () => {
    const r = reporter(
      'push',
      { environment: 'production', environmentUrl: `https://shop.example.com/?token=${SECRET}` },
      { redact },
    );
    await r.start(`Deploying (${SECRET})`);
    emitSecretRollout(r);
    const progressUpdate = await gh.waitFor('PATCH', /check-runs\/\d+$/, BOUND_MS, (req) =>
      checkBody(req).output.title.startsWith('Batch 1/2'),
    );
    await idle(r);
    emitSecretRollback(r);
    const rollbackUpdate = await gh.waitFor('PATCH', /check-runs\/\d+$/, BOUND_MS, (req) =>
      checkBody(req).output.title.startsWith('Rolling back'),
    );
    await idle(r);
    await r.finish('rolled-back', `## Rolled back\n\nThe check of ?token=${SECRET} failed.`, withSecret);

    expectNoSecret();
    // Each text carried the secret and was redacted, not dropped: the test would see a leak.
    const create = checkBody(gh.find('POST', /check-runs$/)[0]);
    expect(create.output.title).toBe('Deploying (***)');
    expect(create.output.summary).toBe('Deploying (***) prod/web…');
    expect(checkBody(progressUpdate).output.title).toBe('Batch 1/2: the check of ?token=*** to pass');
    expect(checkBody(progressUpdate).output.summary).toContain(
      'Waiting for: batch 1/2: the check of ?token=*** to pass',
    );
    expect(checkBody(rollbackUpdate).output.title).toBe(
      'Rolling back to web:11: rollback: *** 2/4 tasks of web:11 healthy',
    );
    expect(checkBody(rollbackUpdate).output.summary).toContain(
      '**Failed** at batch 2: GET https://shop.example.com/health?token=***',
    );
    const conclusion = checkBody(gh.find('PATCH', /check-runs\/\d+$/).at(-1));
    expect(conclusion.conclusion).toBe('failure');
    expect(conclusion.output.summary).toBe('## Rolled back\n\nThe check of ?token=*** failed.');
    expect(conclusion.output.annotations?.[0]?.message).toBe(
      'GET https://shop.example.com/health?token=*** answered 503 three times\nReason: ***\nTask: arn:aws:ecs:us-east-1:000000000000:task/prod/***',
    );
    expect(gh.find('POST', /\/deployments$/)[0]?.body['description']).toBe('Deploying (***) prod/web');
    const statuses = gh.find('POST', /\/deployments\/\d+\/statuses$/);
    expect(statuses.map((s) => [s.body['state'], s.body['description'], s.body['environment_url']])).toEqual([
      ['in_progress', 'Deploying (***)', 'https://shop.example.com/?token=***'],
      [
        'failure',
        `web: failed and rolled back: GET https://shop.example.com/health?token=*** answered 503 three times`,
        'https://shop.example.com/?token=***',
      ],
    ]);
  });

  it('commit status descriptions: on create, progress and conclusion', async () => {
    gh.route('POST', /check-runs$/, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const r = reporter('pull_request', {}, { redact });
    await r.start(`Deploying (${SECRET})`);
    emitSecretRollout(r);
    await idle(r);
    emitSecretRollback(r);
    await idle(r);
    await r.finish('rolled-back', 'summary', withSecret);

    expectNoSecret();
    const descriptions = gh.find('POST', /\/statuses\//).map((s) => s.body['description']);
    expect(descriptions).toEqual([
      'Deploying (***)',
      'Batch 1/2: the check of ?token=*** to pass',
      'Rolling back to web:11: rollback: *** 2/4 tasks of web:11 healthy',
      'web: failed and rolled back: GET https://shop.example.com/health?token=*** answered 503 three times',
    ]);
  });

  it('a check run created completed, when the first create did not get through', async () => {
    let calls = 0;
    gh.route('POST', /check-runs$/, () =>
      ++calls === 1 ? { status: 502, body: { message: 'Bad Gateway' } } : { status: 201, body: { id: 5 } },
    );
    const r = reporter('push', {}, { redact });
    await r.start(`Deploying (${SECRET})`);
    await r.finish('failed', `## Failed: ${SECRET}`, withSecret);

    expectNoSecret();
    const created = checkBody(gh.find('POST', /check-runs$/)[1]);
    expect(created.status).toBe('completed');
    expect(created.output.summary).toBe('## Failed: ***');
    expect(created.output.annotations?.[0]?.message).toContain('Reason: ***');
  });

  it('cuts to GitHub`s limits only after redacting, so no part of a secret is left at the cut', async () => {
    const r = reporter('push', {}, { redact });
    await r.start();
    // The secret over and over, far past the limit even once redacted: a cut made before redacting
    // would split one and leave its start.
    const summary = `${SECRET}.`.repeat(20_000);
    await r.finish('succeeded', summary);
    const sent = checkBody(gh.find('PATCH', /check-runs\/\d+$/).at(-1)).output.summary;
    expect(sent.length).toBeLessThanOrEqual(65_535);
    expect(sent).toContain('cut to fit');
    expect(sent.startsWith('***.***.')).toBe(true);
    expect(sent).not.toContain(SECRET.slice(0, 4));
  });

  it('every text field goes through redact exactly once, also the ones the action words itself', async () => {
    // A redact that marks what it was given: a field sent without it, or through it twice, shows.
    const mark = (text: string): string => `«${text}»`;
    const once = /^«[^«»]*»$/s;
    const r = reporter(
      'push',
      { environment: 'production', environmentUrl: 'https://shop.example.com' },
      { redact: mark },
    );
    await r.start();
    emitRollout(r.listener);
    await idle(r);
    await r.finish('rolled-back', 'Rolled back', {
      batch: 2,
      kind: 'target-unhealthy',
      message: 'unhealthy',
    });

    const checks = [...gh.find('POST', /check-runs$/), ...gh.find('PATCH', /check-runs\/\d+$/)].map(
      checkBody,
    );
    expect(checks.length).toBeGreaterThanOrEqual(3); // create, progress, conclusion
    for (const c of checks) {
      expect(c.output.title).toMatch(once);
      expect(c.output.summary).toMatch(once);
    }
    const annotations = checks.at(-1)?.output.annotations ?? [];
    expect(annotations).toHaveLength(1);
    for (const a of annotations) {
      expect(a.title).toMatch(once);
      expect(a.message).toMatch(once);
    }
    const deploymentBodies = [
      ...gh.find('POST', /\/deployments$/),
      ...gh.find('POST', /\/deployments\/\d+\/statuses$/),
    ];
    expect(deploymentBodies).toHaveLength(3);
    for (const d of deploymentBodies) expect(d.body['description']).toMatch(once);
    for (const d of deploymentBodies.slice(1)) expect(d.body['environment_url']).toMatch(once);
  });

  it('every commit status description goes through redact exactly once', async () => {
    const mark = (text: string): string => `«${text}»`;
    const r = reporter('push', { report: 'status' }, { redact: mark });
    await r.start();
    emitRollout(r.listener);
    await idle(r);
    await r.finish('failed', 'Failed', { batch: 2, kind: 'target-unhealthy', message: 'unhealthy' });
    const descriptions = gh.find('POST', /\/statuses\//).map((s) => String(s.body['description']));
    expect(descriptions).toHaveLength(3); // pending, progress, failure
    for (const d of descriptions) expect(d).toMatch(/^«[^«»]*»$/);
  });
});
