// One rollout of a service at a time. Two runs of the same service started together (their
// RegisterTaskDefinition slowed to 1.5 s, so both are well into their rollouts before either
// changes the service): exactly one rolls out; the other refuses before any UpdateService of its
// own, naming the run that holds the service, or, with wait-for-idle: true, waits for it and rolls
// out after it. And a run whose lease another run takes over mid-rollout changes nothing after it
// notices. Each run is told apart in the emulator's call log by the app id its SDK puts in the
// user agent (AWS_SDK_UA_APP_ID), and in the lease by its GITHUB_RUN_ID.
import { describe, it, expect } from '@jest/globals';
import type { CallRecord } from '../../emulator/src/contracts.js';
import type { ActionRun } from '../../tools/run-action.js';
import { expectWith } from '../helpers/expect-with.js';
import { describeRun, lineWatcher, runPost, startDeploy, startHarness, whileRunning } from './helpers.js';
import type { Harness } from './helpers.js';
import {
  LEASE_TAG,
  byAction,
  callsSince,
  expectOutcome,
  expectServiceOn,
  otherLease,
  serviceTags,
  tagService,
} from './safety-helpers.js';

const RUN_IDS = ['1111', '2222'] as const;

/** The environment a runner gives run `id` of the workflow, with its SDK calls labelled. */
const runEnv = (id: string): Record<string, string> => ({
  GITHUB_RUN_ID: id,
  AWS_SDK_UA_APP_ID: `run-${id}`,
});

/** Calls made by run `id` (its SDK's user agent carries `app/run-<id>`). */
const callsOf = (calls: CallRecord[], id: string): CallRecord[] =>
  calls.filter((c) => (c.userAgent ?? '').includes(`app/run-${id}`));

interface Race {
  runs: Record<string, ActionRun>;
  calls: CallRecord[];
}

/** Starts both runs at once with RegisterTaskDefinition slowed to 1.5 s, and waits for both. */
async function race(h: Harness, extra: Record<string, string>): Promise<Race> {
  const since = Date.now();
  h.emulator.injectFault({ service: 'ecs', operation: 'RegisterTaskDefinition', latencyMs: 1_500 });
  const started = RUN_IDS.map((id) =>
    startDeploy(h, h.inputs({ image: `public.ecr.aws/demo/web:run${id}`, ...extra }), { env: runEnv(id) }),
  );
  const done = await Promise.all(started.map((a) => a.done));
  h.emulator.clearFaults();
  const runs = Object.fromEntries(RUN_IDS.map((id, i) => [id, done[i] as ActionRun]));
  const calls = callsSince(h, since);
  // The labels work, so "no call of the loser's" below cannot pass by matching nothing.
  for (const id of RUN_IDS)
    expectWith(callsOf(calls, id).length, `no call labelled app/run-${id}`).toBeGreaterThan(0);
  return { runs, calls };
}

describe('two runs of one service started together', () => {
  it.concurrent(
    'exactly one rolls out; the other refuses before any UpdateService of its own, naming the run that holds the service',
    async () => {
      const h = await startHarness({ desiredCount: 2 });
      try {
        const { runs, calls } = await race(h, {});
        const winners = RUN_IDS.filter((id) => runs[id]?.exitCode === 0);
        const context = RUN_IDS.map((id) => `--- run ${id}\n${describeRun(runs[id] as ActionRun)}`).join(
          '\n',
        );
        expectWith(winners, context).toHaveLength(1);
        const winner = winners[0] ?? '';
        const loser = RUN_IDS.find((id) => id !== winner) ?? '';
        const won = runs[winner] as ActionRun;
        const lost = runs[loser] as ActionRun;
        expectOutcome(won, 0, 'succeeded');
        expectOutcome(lost, 1, 'failed');
        expectWith(lost.outputs['failure-reason'], context).toMatch(
          new RegExp(`run octo-org/web/actions/runs/${winner}/attempts/1`),
        );
        expectWith(lost.outputs['failure-reason'], context).toMatch(/changed nothing|Nothing was changed/);

        // The loser changed nothing: no UpdateService, no rollback, no settings, not even a
        // registered revision; its only write was its own lease, which the winner's replaced.
        const changes = callsOf(calls, loser)
          .filter((c) => c.mutating && c.operation !== 'TagResource')
          .map((c) => c.operation);
        expectWith(changes, context).toEqual([]);
        // Every UpdateService was the winner's.
        const updates = calls.filter((c) => c.operation === 'UpdateService');
        expect(updates.length).toBeGreaterThan(0);
        expectWith(
          updates.filter((c) => callsOf([c], winner).length === 0).map((c) => c.userAgent),
          context,
        ).toEqual([]);
        await expectServiceOn(h, won.outputs['task-definition-arn'] ?? '', 2, context);
      } finally {
        await h.stop();
      }
    },
  );

  it.concurrent(
    'with wait-for-idle: true, the second waits for the first and then rolls out after it',
    async () => {
      const h = await startHarness({ desiredCount: 2 });
      try {
        const { runs, calls } = await race(h, { 'wait-for-idle': 'true' });
        const context = RUN_IDS.map((id) => `--- run ${id}\n${describeRun(runs[id] as ActionRun)}`).join(
          '\n',
        );
        for (const id of RUN_IDS) expectOutcome(runs[id] as ActionRun, 0, 'succeeded');
        // The one that went second started from what the first deployed.
        const [first, second] = [...RUN_IDS].sort(
          (a, b) => firstUpdate(calls, a) - firstUpdate(calls, b),
        ) as [string, string];
        const went = runs[second] as ActionRun;
        expectWith(went.outputs['previous-task-definition-arn'], context).toBe(
          (runs[first] as ActionRun).outputs['task-definition-arn'],
        );
        expectWith(went.stdout, context).toMatch(
          new RegExp(
            `waiting for another rollout to finish \\(run octo-org/web/actions/runs/${first}/attempts/1`,
          ),
        );
        // Not one change of the second's came before the first had finished with the service.
        const firstDone = Math.max(
          ...callsOf(calls, first)
            .filter((c) => c.mutating)
            .map((c) => c.time),
        );
        const secondUpdates = callsOf(calls, second).filter((c) => c.operation === 'UpdateService');
        expectWith(Math.min(...secondUpdates.map((c) => c.time)), context).toBeGreaterThan(firstDone);
        await expectServiceOn(h, went.outputs['task-definition-arn'] ?? '', 2, context);
      } finally {
        await h.stop();
      }
    },
  );
});

/** When run `id` first called UpdateService (Infinity if it never did). */
function firstUpdate(calls: CallRecord[], id: string): number {
  return Math.min(
    ...callsOf(calls, id)
      .filter((c) => c.operation === 'UpdateService')
      .map((c) => c.time),
  );
}

describe('a lease taken over mid-rollout', () => {
  it.concurrent(
    'the run changes nothing after it notices: no release, no rollback, no settings; it fails naming the other run',
    async () => {
      const h = await startHarness({ desiredCount: 2 });
      try {
        const watcher = lineWatcher();
        // Two batches, the first baking 6 s: longer than the lease's re-check interval (5 s), so
        // the release of batch 2 reads the lease again before it changes anything.
        const inputs = h.inputs({ image: 'public.ecr.aws/demo/web:2', 'batch-size': '1', 'bake-time': '6s' });
        const action = startDeploy(h, inputs, { onLine: watcher.onLine });
        let takenAt = 0;
        const main = await whileRunning(action, async () => {
          await watcher.waitFor(/batch 1\/2: every gate passes; baking/, 60_000);
          takenAt = Date.now();
          await tagService(h, { [LEASE_TAG]: otherLease('9999', Date.now() + 5 * 60_000) });
        });
        expectOutcome(main, 1, 'failed');
        expectWith(main.outputs['failure-reason'], describeRun(main)).toMatch(
          /another rollout took the service's lease \(run octo-org\/web\/actions\/runs\/9999\/attempts\/1/,
        );
        // From the takeover on, the run read but never wrote.
        const after = callsSince(h, takenAt).filter(byAction);
        expectWith(
          after.filter((c) => c.mutating).map((c) => c.operation),
          describeRun(main),
        ).toEqual([]);
        expect(after.some((c) => c.operation === 'ListTagsForResource')).toBe(true);
        // The other run's lease is as it wrote it.
        expect((await serviceTags(h))[LEASE_TAG]).toMatch(/run=octo-org\/web\/actions\/runs\/9999\//);
        expectWith(main.summary, describeRun(main)).toMatch(/Another run took the service over/);

        // Nor does its post step: the service is the other run's.
        const postAt = Date.now();
        const post = await runPost(h, inputs, main.state);
        expectWith(post.exitCode, describeRun(post)).toBe(0);
        expect(callsSince(h, postAt).filter((c) => c.mutating)).toEqual([]);
      } finally {
        await h.stop();
      }
    },
  );
});
