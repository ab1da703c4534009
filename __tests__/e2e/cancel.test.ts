// Cancellation as a runner does it: SIGINT to the main step's process mid-batch (SIGTERM after it),
// then the post step (post-if: always()) with the state main saved. Whatever main managed before it
// exited, after the post step the service is back on the previous task definition at its desired
// count, with its own deployment settings, and no task of the new revision left.
import { describe, it, expect } from '@jest/globals';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  describeRun,
  lineWatcher,
  notStopped,
  observeFleet,
  runPost,
  sleep,
  startDeploy,
  startHarness,
  steadyProblems,
  waitUntil,
  whileRunning,
} from './helpers.js';
import type { Harness } from './helpers.js';
import type { ActionRun } from '../../tools/run-action.js';
import { HEAD_SHA, githubEnv, startFakeGithub } from '../helpers/fake-github.js';
import type { FakeGithub } from '../helpers/fake-github.js';
import { expectWith } from '../helpers/expect-with.js';

/** The runner sends SIGTERM 7.5 s after SIGINT and kills 2.5 s later: main must be gone by then. */
const RUNNER_KILL_AFTER_MS = 10_000;

interface Cancelled {
  main: ActionRun;
  post: ActionRun;
  saved: { phase?: string; previousTaskDefinitionArn?: string };
}

/**
 * Deploys web:2 to 6 tasks in batches of 2, cancels once batch 2 has started (SIGINT, then SIGTERM
 * after `sigtermAfterMs` if main is still running), then runs the post step with main's state.
 */
async function cancelMidBatch(h: Harness, sigtermAfterMs: number, gh?: FakeGithub): Promise<Cancelled> {
  const watcher = lineWatcher();
  const reporting = gh ? { report: 'check', 'github-token': 'ghs_e2e_token' } : {};
  const inputs = h.inputs({
    image: 'public.ecr.aws/demo/web:2',
    'batch-size': '2',
    'on-cancel': 'rollback',
    ...reporting,
  });
  // A pull request's run, as the runner describes it, with the GitHub API served locally.
  const env = gh ? githubEnv('pull_request', gh.url) : {};
  const action = startDeploy(h, inputs, { onLine: watcher.onLine, env });
  let exitedWithin = Infinity;
  const main = await whileRunning(action, async () => {
    await watcher.waitFor(/batch 2\/3: starting/, 60_000);
    const sent = Date.now();
    action.child.kill('SIGINT');
    const sigterm = setTimeout(() => action.child.kill('SIGTERM'), sigtermAfterMs);
    const sigkill = setTimeout(() => action.child.kill('SIGKILL'), RUNNER_KILL_AFTER_MS);
    await action.done;
    clearTimeout(sigterm);
    clearTimeout(sigkill);
    exitedWithin = Date.now() - sent;
  });
  // Main handled the signals itself (Node's default handler would die of the signal) and in time.
  expectWith(main.signal, describeRun(main)).toBeNull();
  expect(exitedWithin).toBeLessThan(RUNNER_KILL_AFTER_MS);
  const saved = JSON.parse(main.state['rollout'] ?? '{}') as Cancelled['saved'];
  expectWith(saved.previousTaskDefinitionArn, JSON.stringify(main.state)).toBe(h.info.taskDefinitionArn);

  const post = await runPost(h, inputs, main.state, env);
  expectWith(post.timedOut, describeRun(post)).toBe(false);
  return { main, post, saved };
}

async function expectRestored(h: Harness, post: ActionRun): Promise<void> {
  const fleet = await observeFleet(h.info);
  expectWith(
    steadyProblems(fleet, h.info.taskDefinitionArn, 6, h.info.targetGroupArns),
    describeRun(post),
  ).toEqual([]);
  expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
  const newArns = new Set(
    fleet.tasks.map((t) => t.taskDefinitionArn).filter((arn) => arn !== h.info.taskDefinitionArn),
  );
  expectWith(newArns.size, 'batch 1 had started tasks of the new revision').toBeGreaterThan(0);
  const leftovers = await waitUntil(async () => {
    const now = await observeFleet(h.info);
    return [...newArns].flatMap((arn) => notStopped(now, arn).map((t) => `${t.arn} ${t.lastStatus}`));
  }, 10_000);
  expect(leftovers).toEqual([]);
}

/**
 * A 40 s deregistration delay (2 real seconds) keeps batches 2 and 3 busy long enough that the
 * signal always lands mid-rollout, even when the machine is slow to pass the log line on.
 */
const harness = (): Promise<Harness> =>
  startHarness({ desiredCount: 6, scenario: { deregistrationDelaySeconds: 40 } });

describe('cancellation', () => {
  it('SIGINT, then SIGTERM at once: main saves its state and exits mid-rollout; the post step rolls back and concludes the check run', async () => {
    const h = await harness();
    const gh = await startFakeGithub();
    try {
      const { post, saved } = await cancelMidBatch(h, 200, gh);
      // Main had no time to finish anything: the post step is what put the service back.
      expect(saved.phase).toMatch(/^rolling-(out|back)$/);
      await expectRestored(h, post);

      // The check run main opened on the PR's head commit is concluded `cancelled`, saying so.
      const created = gh.find('POST', /^\/repos\/acme\/shop\/check-runs$/);
      expectWith(created, JSON.stringify(gh.requests.map((r) => `${r.method} ${r.path}`))).toHaveLength(1);
      expect(created[0]?.body['head_sha']).toBe(HEAD_SHA);
      expect(created[0]?.body['status']).toBe('in_progress');
      const updates = gh.find('PATCH', /^\/repos\/acme\/shop\/check-runs\/\d+$/);
      const last = updates.at(-1)?.body;
      expectWith(last?.['conclusion'], describeRun(post)).toBe('cancelled');
      expect(JSON.stringify(last?.['output'] ?? {})).toMatch(/web:1/);
      // Concluded by the post step, which says what it did.
      expect(JSON.stringify(last?.['output'] ?? {})).toMatch(/Rolled back to web:1/);
    } finally {
      await gh.close();
      await h.stop();
    }
  });

  it('SIGINT with the runner time to spare: the service ends restored whoever finished the rollback', async () => {
    const h = await harness();
    try {
      const { post } = await cancelMidBatch(h, 7_500);
      await expectRestored(h, post);
      // A second look a moment later: nothing keeps changing the service after the post step.
      await sleep(500);
      await expectRestored(h, post);
    } finally {
      await h.stop();
    }
  });
});
