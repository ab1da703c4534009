// The bundled action against an emulator that throttles reads far below AWS's published rates: the
// rollout still succeeds, because throttled calls are retried with back-off, and the call log
// shows both the throttling answers and the retries that followed them.
import { describe, it, expect } from '@jest/globals';
import type { ThrottleConfig } from '../../emulator/src/index.js';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  observeFleet,
  startHarness,
  steadyProblems,
  throttledCalls,
} from './helpers.js';
import { expectWith } from '../helpers/expect-with.js';

/**
 * Far below AWS_THROTTLE_DEFAULTS (20/s for ECS reads, 10/s for ELBv2 Describe*), as when many
 * deployments share one account: the action observes about once a second while a batch settles
 * (DescribeServices, ListTasks, DescribeTasks, DescribeTargetHealth), so a refill of one token every
 * two seconds throttles it again and again.
 */
const TIGHT: ThrottleConfig = {
  'ecs:DescribeServices': { burst: 2, perSecond: 0.5 },
  'ecs:ListTasks': { burst: 2, perSecond: 0.5 },
  'ecs:DescribeTasks': { burst: 2, perSecond: 0.5 },
  'ecs:DescribeTaskDefinition': { burst: 2, perSecond: 0.5 },
  'ecs:RegisterTaskDefinition': { burst: 1, perSecond: 0.5 },
  'elbv2:Describe*': { burst: 2, perSecond: 0.5 },
};

describe('a throttled emulator', () => {
  it('still rolls out, retrying the throttled calls', async () => {
    const h = await startHarness({ desiredCount: 4 });
    try {
      h.emulator.setThrottling(TIGHT);
      const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2', 'batch-size': '2' }));
      const calls = h.emulator.calls();
      // Inspect without throttling: the assertions below are about the action, not this test.
      h.emulator.setThrottling(false);

      expectWith(run.exitCode, describeRun(run)).toBe(0);
      expect(run.outputs['outcome']).toBe('succeeded');
      expect(run.outputs['batches']).toBe('2');

      const throttled = throttledCalls(calls);
      expectWith(throttled.length, 'the limits should have throttled some calls').toBeGreaterThan(0);
      // Each throttled operation was asked again and answered afterwards.
      for (const operation of new Set(throttled.map((c) => c.operation))) {
        const lastThrottled = Math.max(
          ...throttled.filter((c) => c.operation === operation).map((c) => c.time),
        );
        const answeredLater = calls.some(
          (c) => c.operation === operation && c.status === 200 && c.time >= lastThrottled,
        );
        expectWith(answeredLater, `${operation} was throttled and never answered after`).toBe(true);
      }

      const fleet = await observeFleet(h.info);
      expect(
        steadyProblems(fleet, run.outputs['task-definition-arn'] ?? '', 4, h.info.targetGroupArns),
      ).toEqual([]);
      expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
    } finally {
      await h.stop();
    }
  });
});
