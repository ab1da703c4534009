// A batch schedule end to end (batch-size: 1, 50%): the first batch is one task, the next ones are
// half the service, the last cut to what is left; and a broken version gets no further than the
// first step: one new task launched, none of the previous tasks replaced, then rolled back.
import { describe, expect, it } from '@jest/globals';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  launchedPerRelease,
  observeFleet,
  settingsSent,
  startHarness,
  startPaceWatch,
  steadyProblems,
  type Harness,
  type PaceRecord,
} from './helpers.js';
import type { ActionRun } from '../../tools/run-action.js';
import { expectWith } from '../helpers/expect-with.js';

async function deployPaced(
  h: Harness,
  inputs: Record<string, string>,
): Promise<{ run: ActionRun; pace: PaceRecord }> {
  let newArn: string | undefined;
  const watch = startPaceWatch(h, () => newArn);
  const run = await deploy(h, inputs, {
    onLine: (line) => {
      const m = /registered (web:\d+)/.exec(line);
      if (m) newArn = h.info.taskDefinitionArn.replace(/web:\d+$/, m[1] ?? '');
    },
  });
  return { run, pace: watch.stop() };
}

describe('batch-size as a schedule: 1, 50% on 6 tasks', () => {
  it('releases batches of 1, then 3, then 2, each under its own settings, and succeeds', async () => {
    const h = await startHarness({ desiredCount: 6 });
    try {
      const { run, pace } = await deployPaced(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:2', 'batch-size': '1, 50%' }),
      );
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('succeeded');
      expect(run.outputs['batches']).toBe('3');
      const calls = h.emulator.calls();
      const sent = settingsSent(calls).map(
        (s) => `${s.taskDefinition ? 'td ' : ''}${s.maximumPercent}/${s.minimumHealthyPercent}`,
      );
      // Held, then per batch its own release and the hold; then the service's own settings.
      expect(sent).toEqual([
        'td 100/100',
        '117/100',
        '100/100',
        '150/100',
        '100/100',
        '134/100',
        '100/100',
        '200/50',
      ]);
      expectWith(launchedPerRelease(calls, pace.launched), describeRun(run)).toEqual([1, 3, 2]);
      // Never more than N + the largest batch meant to run, never below N healthy.
      expect(Math.max(...pace.samples.map((s) => s.up))).toBeLessThanOrEqual(9);
      expect(Math.min(...pace.samples.map((s) => s.healthy))).toBeGreaterThanOrEqual(6);
      expect(run.stdout).toMatch(/6 tasks in 3 batches of up to 3/);
      const fleet = await observeFleet(h.info);
      const arn = run.outputs['task-definition-arn'] ?? '';
      expect(steadyProblems(fleet, arn, 6, h.info.targetGroupArns)).toEqual([]);
      expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
    } finally {
      await h.stop();
    }
  });

  it('a broken version launches only the first step (1 task), replaces no previous task, and is rolled back', async () => {
    const h = await startHarness({ desiredCount: 6 });
    try {
      const before = (await observeFleet(h.info)).tasks
        .filter((t) => t.desiredStatus === 'RUNNING')
        .map((t) => t.arn);
      const { run, pace } = await deployPaced(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:unhealthy', 'batch-size': '1, 50%' }),
      );
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('rolled-back');
      expect(run.outputs['failure-reason']).toMatch(/^batch 1\/3: /);
      expectWith(pace.launched.size, describeRun(run)).toBe(1);
      expect(run.stdout).not.toMatch(/batch 2\/3: starting/);
      const fleet = await observeFleet(h.info);
      expect(steadyProblems(fleet, h.info.taskDefinitionArn, 6, h.info.targetGroupArns)).toEqual([]);
      // The previous tasks are the very same ones: none was replaced.
      const after = fleet.tasks.filter((t) => t.desiredStatus === 'RUNNING').map((t) => t.arn);
      expect(after.sort()).toEqual(before.sort());
      expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
    } finally {
      await h.stop();
    }
  });
});
