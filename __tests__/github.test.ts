import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  createGithubReporter,
  type GithubReporterOptions,
  type ReporterSettings,
} from '../src/report/github.js';
import { createOctokit, readGithubContext } from '../src/report/github-client.js';
import type { BatchPlan, RolloutEvent, RolloutFailure } from '../src/rollout/types.js';
import {
  githubEnv,
  HEAD_SHA,
  MERGE_SHA,
  PUSH_SHA,
  startFakeGithub,
  type EventKind,
  type FakeGithub,
} from './helpers/fake-github.js';
import { eventually } from './helpers/eventually.js';

const OLD = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:11';
const NEW = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:12';
const plan: BatchPlan = {
  desired: 4,
  batchSize: 2,
  maxUnavailable: 0,
  batches: [2, 2],
  settings: { maximumPercent: 150, minimumHealthyPercent: 100 },
};
const failure: RolloutFailure = {
  batch: 2,
  kind: 'target-unhealthy',
  message: 'Target 127.0.1.7:8080 is unhealthy (Target.ResponseCodeMismatch) in web-tg',
  reasonCode: 'Target.ResponseCodeMismatch',
};

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
) {
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
    timeoutMs: 1_000,
    progressIntervalMs: 0,
    ...extra,
  });
}

/** Feeds a two-batch rollout to the listener, as runRollout would. */
function emitRollout(listener: (e: RolloutEvent) => void | Promise<void>): void {
  const at = Date.now();
  const events: RolloutEvent[] = [
    { type: 'rollout-started', at, plan, from: OLD, to: NEW },
    { type: 'batch-started', at, batch: 1, batches: 2, tasks: 2 },
    {
      type: 'progress',
      at,
      progress: {
        batch: 1,
        batches: 2,
        newWanted: 2,
        newRunning: 2,
        newHealthy: 1,
        oldRemaining: 4,
        oldDraining: 0,
        waitingFor: '1 new target to become healthy',
      },
    },
    { type: 'batch-succeeded', at, record: { batch: 1, tasks: 2, startedAt: at, outcome: 'succeeded' } },
    { type: 'batch-started', at, batch: 2, batches: 2, tasks: 2 },
  ];
  for (const e of events) expect(listener(e)).toBeUndefined(); // returns at once, never a promise to wait on
}

/** Check-run PATCHes that carry progress (not the conclusion). */
const progressUpdates = (): ReturnType<FakeGithub['find']> =>
  gh.find('PATCH', /\/check-runs\/\d+$/).filter((u) => u.body['conclusion'] === undefined);

describe('check run', () => {
  it('is created in_progress on the pushed commit, updated with progress, and concluded success with the summary', async () => {
    const r = reporter('push');
    await r.start();
    expect(typeof r.checkRunId).toBe('number');
    emitRollout(r.listener);
    // finish() drops progress not yet sent: wait until GitHub has the progress update.
    await eventually('a progress update of the check run', () => progressUpdates().length > 0);
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
    expect(updates.slice(0, -1).some((u) => JSON.stringify(u.body).includes('Batch'))).toBe(true);
    const last = updates.at(-1)?.body;
    expect(last).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      output: { summary: '## Deployed web:12\n| batch | tasks |' },
    });
    // Order: the create comes before every update, the conclusion is the last request.
    expect(gh.requests[0]?.method).toBe('POST');
    expect(gh.requests.at(-1)?.body).toMatchObject({ conclusion: 'success' });
    expect(warnings).toEqual([]);
  });

  it('throttles progress: no update sooner than the interval after the last one, by its own clock', async () => {
    // The reporter's clock moves only when the test moves it; every read of it is counted.
    let clock = 0;
    let reads = 0;
    const now = (): number => {
      reads++;
      return clock;
    };
    const r = reporter('push', {}, { progressIntervalMs: 20, now });
    await r.start(); // the create is the last update, at 0
    emitRollout(r.listener);
    emitRollout(r.listener);
    // A throttled update waits on a timer and then reads the clock again. Three such re-checks with
    // the clock short of the interval are the window: nothing may have been sent in it.
    const before = reads;
    await eventually('three re-checks of the progress throttle', () => reads >= before + 3);
    expect(gh.find('PATCH', /check-runs/)).toHaveLength(0);

    clock = 20; // the interval has passed: the next re-check sends one update, with the latest state
    await eventually('the held progress update', () => progressUpdates().length > 0);
    expect(progressUpdates()).toHaveLength(1);
    expect(JSON.stringify(progressUpdates()[0]?.body)).toContain('Batch 2/2');
    await r.finish('succeeded', 'done');
    expect(gh.find('PATCH', /check-runs/)).toHaveLength(2);
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
    const summary = (gh.find('PATCH', /check-runs/).at(-1)?.body['output'] as { summary: string }).summary;
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
    // The start's pending status, then the progress one (finish() would drop it unsent).
    await eventually('the progress status', () => gh.find('POST', /\/statuses\//).length >= 2);
    await r.finish('rolled-back', 'summary', failure);
    const statuses = gh.find('POST', /\/statuses\//);
    expect(statuses.map((s) => s.body['state'])).toEqual(['pending', 'pending', 'failure']);
    for (const s of statuses) {
      expect(s.path).toBe(`/repos/acme/shop/statuses/${HEAD_SHA}`);
      expect(s.body['context']).toBe('ECS deploy prod/web');
      expect(String(s.body['description']).length).toBeLessThanOrEqual(140);
      expect(s.body['target_url']).toBe('https://github.com/acme/shop/actions/runs/7001234567');
    }
    expect(statuses[0]?.body['state']).toBe('pending');
    expect(statuses.at(-1)?.body['state']).toBe('failure');
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
    await r.start(); // both denials are in: from here on nothing is sent, progress nor conclusion
    emitRollout(r.listener);
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
    // Generous bounds (start <= one call's limit, finish <= finishWaitMs), not a speed claim.
    expect(Date.now() - t0).toBeLessThan(300 + 1_000 + 2_000);
    expect(warnings.some((w) => w.includes('300 ms') || w.includes('did not answer'))).toBe(true);
  });
});

describe('deployments', () => {
  const inProgressDeployments = (): number =>
    gh.find('POST', /\/deployments\/\d+\/statuses$/).filter((s) => s.body['state'] === 'in_progress').length;

  it('opens a deployment for the commit, in_progress then success with auto_inactive, log and environment URLs', async () => {
    const r = reporter('push', { environment: 'production', environmentUrl: 'https://shop.example.com' });
    await r.start();
    // The deployment is opened after the check run, off start()'s promise: wait until it is in progress.
    await eventually('the in_progress deployment status', () => inProgressDeployments() > 0);
    await r.finish('succeeded', 'ok');
    const deployments = gh.find('POST', /\/deployments$/);
    expect(deployments).toHaveLength(1);
    expect(deployments[0]?.body).toMatchObject({
      ref: PUSH_SHA,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
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

  it('marks the deployment failed on a rollback, for the PR head', async () => {
    const r = reporter('pull_request', { environment: 'staging' });
    await r.start();
    await eventually('the in_progress deployment status', () => inProgressDeployments() > 0);
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
    await eventually('the refused deployment to be warned about', () => warnings.length > 0);
    await r.finish('succeeded', 'ok');
    expect(gh.find('POST', /\/deployments\/\d+\/statuses$/)).toHaveLength(0);
    expect(gh.find('PATCH', /check-runs/).at(-1)?.body['conclusion']).toBe('success');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('deployments: write');
  });
});
