// Application Auto Scaling changes the service's desired count while the action rolls out or
// restores: it calls UpdateService with nothing but a new desiredCount, at any time. Its scale-out
// goes on during deployments; its scale-in is turned off while one is in progress (ECS developer
// guide, "Troubleshooting service auto scaling in Amazon ECS"), but a scheduled action or a person
// can still lower the count. Here the test is the autoscaler: it sends that UpdateService through
// the real SDK in the middle of batch 2 (or of the restore), and the run must end on the right
// revision at the count it set, with the service's own deployment settings, and never have sent a
// desiredCount of its own.
import { describe, expect, it } from '@jest/globals';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { CallRecord } from '../../emulator/src/contracts.js';
import { emulatorClients } from '../../emulator/src/scenario.js';
import type { ActionRun } from '../../tools/run-action.js';
import { expectWith } from '../helpers/expect-with.js';
import {
  describeRun,
  HEALTH_CHECK,
  lineWatcher,
  observeFleet,
  runPost,
  settingsSent,
  startDeploy,
  startHarness,
  whileRunning,
  type Harness,
} from './helpers.js';
import { byAction, expectOutcome, expectServiceOn, requestBody } from './safety-helpers.js';

const NEW_IMAGE = 'public.ecr.aws/demo/web:2';

/**
 * Up to 9 tasks answer health checks here on a shared 2-core machine: a longer check timeout (450 ms
 * real) and one more failure before unhealthy, so a slow answer is not taken for a broken version.
 */
const SCENARIO = {
  healthCheck: { ...HEALTH_CHECK, intervalSeconds: 10, timeoutSeconds: 9, unhealthyThreshold: 3 },
};

/** What Application Auto Scaling sends: UpdateService with the new desiredCount and nothing else. */
async function autoscale(h: Harness, desiredCount: number): Promise<number> {
  const { ecs } = emulatorClients(h.emulator.endpoint, h.emulator.region);
  try {
    const at = Date.now();
    await ecs.send(
      new UpdateServiceCommand({ cluster: h.info.cluster, service: h.info.service, desiredCount }),
    );
    return at;
  } finally {
    ecs.destroy();
  }
}

/** The action's own UpdateService calls (its user agent), with the members each one sent. */
function actionUpdates(calls: CallRecord[]): Record<string, unknown>[] {
  return calls.filter((c) => c.operation === 'UpdateService' && byAction(c)).map(requestBody);
}

/** Every UpdateService the action made names no desiredCount: the autoscaler's count is never overwritten. */
function expectNoDesiredCountSent(calls: CallRecord[], run: ActionRun): void {
  const updates = actionUpdates(calls);
  expectWith(updates.length, describeRun(run)).toBeGreaterThan(0);
  expectWith(
    updates.filter((u) => 'desiredCount' in u),
    describeRun(run),
  ).toEqual([]);
  // The autoscaler's own call is in the log too, so "none of the action's" is not "none at all".
  expect(
    calls.filter((c) => c.operation === 'UpdateService' && 'desiredCount' in requestBody(c)),
  ).toHaveLength(1);
}

/** The release settings the action sent at or after `since` (settings above 100%, no task definition). */
function releasesSince(calls: CallRecord[], since: number): string[] {
  return settingsSent(calls.filter(byAction))
    .filter((s) => s.at >= since && s.taskDefinition === undefined && (s.maximumPercent ?? 0) > 100)
    .filter((s) => s.minimumHealthyPercent === 100)
    .map((s) => `${s.maximumPercent}/${s.minimumHealthyPercent}`);
}

/** Runs a deploy of `image`, and `during` once `pattern` shows in its log. */
async function deployAndScale(
  h: Harness,
  inputs: Record<string, string>,
  pattern: RegExp,
  desiredCount: number,
): Promise<{ run: ActionRun; scaledAt: number }> {
  const watcher = lineWatcher();
  const action = startDeploy(h, inputs, { onLine: watcher.onLine });
  let scaledAt = 0;
  const run = await whileRunning(action, async () => {
    await watcher.waitFor(pattern, 60_000);
    scaledAt = await autoscale(h, desiredCount);
  });
  return { run, scaledAt };
}

describe('the desired count changed by Application Auto Scaling mid-rollout', () => {
  it('scale-out 6 -> 9 in batch 2: succeeded on the new revision at 9 tasks, later releases made for 9', async () => {
    const h = await startHarness({ desiredCount: 6, scenario: SCENARIO });
    try {
      const { run, scaledAt } = await deployAndScale(
        h,
        h.inputs({ image: NEW_IMAGE, 'batch-size': '2' }),
        /batch 2\/3: starting 2 new tasks/,
        9,
      );
      expectOutcome(run, 0, 'succeeded');
      const fleet = await observeFleet(h.info);
      expectWith(fleet.taskDefinitionArn, describeRun(run)).not.toBe(h.info.taskDefinitionArn);
      await expectServiceOn(h, fleet.taskDefinitionArn, 9, describeRun(run));
      expect(run.stdout).toMatch(/desired count changed from 6 to 9/);

      const calls = h.emulator.calls();
      expectNoDesiredCountSent(calls, run);
      // Every release after the scale-out is a percent of 9 (2 of 9: 123%, the last 1: 112%),
      // none the 134% that is 2 of 6 (and 3 of 9).
      const releases = releasesSince(calls, scaledAt);
      expectWith(releases.length, describeRun(run)).toBeGreaterThan(0);
      for (const r of releases) expectWith(['123/100', '112/100'], describeRun(run)).toContain(r);
    } finally {
      await h.stop();
    }
  });

  it('scale-in 6 -> 4 in batch 2: succeeded on the new revision at 4 tasks, no batch 3', async () => {
    const h = await startHarness({ desiredCount: 6, scenario: SCENARIO });
    try {
      const { run } = await deployAndScale(
        h,
        h.inputs({ image: NEW_IMAGE, 'batch-size': '2' }),
        /batch 2\/3: starting 2 new tasks/,
        4,
      );
      expectOutcome(run, 0, 'succeeded');
      const fleet = await observeFleet(h.info);
      expectWith(fleet.taskDefinitionArn, describeRun(run)).not.toBe(h.info.taskDefinitionArn);
      await expectServiceOn(h, fleet.taskDefinitionArn, 4, describeRun(run));
      expect(run.stdout).toMatch(/desired count changed from 6 to 4/);
      // Four new tasks are two batches: the third is never started.
      expect(run.stdout).not.toMatch(/batch 3\/\d+: starting/);
      expectNoDesiredCountSent(h.emulator.calls(), run);
    } finally {
      await h.stop();
    }
  });
});

describe('the desired count changed by Application Auto Scaling mid-restore', () => {
  it('a broken version rolled back while the count goes 6 -> 9: back on the previous revision at 9 tasks', async () => {
    // An 80 s deregistration delay (4 real seconds): the broken tasks' targets keep the restore
    // going long enough for the scale-out to land in the middle of it.
    const h = await startHarness({
      desiredCount: 6,
      scenario: { ...SCENARIO, deregistrationDelaySeconds: 80 },
    });
    try {
      const { run } = await deployAndScale(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:unhealthy', 'batch-size': '2' }),
        /rolling back: /,
        9,
      );
      expectOutcome(run, 1, 'rolled-back');
      await expectServiceOn(h, h.info.taskDefinitionArn, 9, describeRun(run));
      expect(run.stdout).toMatch(/rolled back to web:1: all 9 tasks healthy on it/);
      expectNoDesiredCountSent(h.emulator.calls(), run);
    } finally {
      await h.stop();
    }
  });
});

describe('the desired count changed while main is gone', () => {
  it('main killed mid-rollout, the count goes 6 -> 8, then the post step: back on the previous revision at 8', async () => {
    const h = await startHarness({ desiredCount: 6, scenario: SCENARIO });
    try {
      const watcher = lineWatcher();
      const inputs = h.inputs({
        image: NEW_IMAGE,
        'batch-size': '2',
        'bake-time': '1m',
        'batch-timeout': '2m',
      });
      const action = startDeploy(h, inputs, { onLine: watcher.onLine });
      const main = await whileRunning(action, async () => {
        await watcher.waitFor(/batch 1\/3: every gate passes; baking 1m/, 60_000);
        action.child.kill('SIGKILL');
        await action.done;
      });
      expect(main.signal).toBe('SIGKILL');
      // Main saved the count it read (6); the autoscaler has moved on since.
      await autoscale(h, 8);
      const post = await runPost(h, inputs, main.state);
      expectWith(post.timedOut, describeRun(post)).toBe(false);
      await expectServiceOn(h, h.info.taskDefinitionArn, 8, describeRun(post));
      expect(post.stdout).toMatch(/all 8 tasks healthy/);
      expectNoDesiredCountSent(h.emulator.calls(), post);
    } finally {
      await h.stop();
    }
  });
});
