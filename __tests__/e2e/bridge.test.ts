// The bundled action on the EC2 launch type with bridge networking, behind an `instance` target
// group: several tasks share each container instance, each on its own dynamic host port, and the
// action follows each task by its instance id and host port (DescribeContainerInstances +
// networkBindings), not by an IP.
import { describe, expect, it } from '@jest/globals';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import {
  CONTAINER,
  CONTAINER_PORT,
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  notStopped,
  observeFleet,
  startHarness,
  startSampler,
  steadyProblems,
  waitUntil,
} from './helpers.js';
import type { Harness, Sample } from './helpers.js';
import type { ActionRun } from '../../tools/run-action.js';
import { startTraffic } from '../../tools/traffic.js';
import type { TrafficReport } from '../../tools/traffic.js';
import { expectWith } from '../helpers/expect-with.js';

/** The e2e `web` service as an EC2 task definition: bridge mode, host port 0 (dynamic). */
function bridgeTaskDefinition(image: string): RegisterTaskDefinitionCommandInput {
  return {
    family: 'web',
    networkMode: 'bridge',
    requiresCompatibilities: ['EC2'],
    containerDefinitions: [
      {
        name: CONTAINER,
        image,
        essential: true,
        memory: 128,
        portMappings: [{ containerPort: CONTAINER_PORT, hostPort: 0, protocol: 'tcp' }],
        environment: [{ name: 'GREETING', value: 'hello' }],
        stopTimeout: 2,
      },
    ],
  };
}

/** 4 tasks on 2 container instances: two tasks per instance, each on its own host port. */
function startBridgeHarness(extra: { healthCheckGracePeriodSeconds?: number } = {}): Promise<Harness> {
  return startHarness({
    desiredCount: 4,
    scenario: {
      taskDefinition: bridgeTaskDefinition('public.ecr.aws/demo/web:1'),
      ec2: { instances: 2 },
      ...extra,
    },
  });
}

async function expectBackOn(h: Harness, arn: string): Promise<void> {
  const fleet = await observeFleet(h.info);
  expect(steadyProblems(fleet, arn, 4, h.info.targetGroupArns)).toEqual([]);
  expect(fleet.desiredCount).toBe(4);
  expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
  // The targets are instance ids at host ports of the ephemeral range, two per instance.
  const healthy = fleet.targets.filter((t) => t.state === 'healthy');
  expect(healthy).toHaveLength(4);
  for (const t of healthy) {
    expect(t.id).toMatch(/^i-[0-9a-f]{17}$/);
    expect(t.port).toBeGreaterThanOrEqual(32768);
  }
  expect(new Set(healthy.map((t) => t.id)).size).toBe(2);
}

describe('bridge network mode behind an instance target group', () => {
  it('a healthy version rolls out batch by batch, followed by instance:port, with no failed request', async () => {
    const h = await startBridgeHarness();
    try {
      const sampler = startSampler(h.info);
      let samples: Sample[] = [];
      let load: TrafficReport | undefined;
      const traffic = startTraffic(h.info.listenerUrl, { ratePerSecond: 25, maxDurationMs: 150_000 });
      let run: ActionRun;
      try {
        run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2', 'batch-size': '2' }));
      } finally {
        samples = await sampler.stop();
        load = await traffic.stop();
      }
      expectWith(run.exitCode, describeRun(run)).toBe(0);
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('succeeded');
      expectWith(run.outputs['batches'], describeRun(run)).toBe('2');
      const arn = run.outputs['task-definition-arn'] ?? '';
      expect(arn).toMatch(/task-definition\/web:2$/);
      await expectBackOn(h, arn);
      const leftovers = await waitUntil(
        async () => notStopped(await observeFleet(h.info), h.info.taskDefinitionArn).map((t) => t.arn),
        10_000,
      );
      expect(leftovers).toEqual([]);

      // Batches of 2 gated on the new tasks' own targets: never fewer than 4 healthy targets.
      const shown = samples.map((s) => `${s.live}/${s.healthy}`).join(' ');
      expectWith(Math.min(...samples.map((s) => s.healthy)), `live/healthy: ${shown}`).toBeGreaterThanOrEqual(
        4,
      );
      expectWith(Math.max(...samples.map((s) => s.live)), `live/healthy: ${shown}`).toBeLessThanOrEqual(6);

      if (!load) throw new Error('no traffic report');
      expect(load.sent).toBeGreaterThan(25);
      expectWith(load.failed, load.failures.join('\n')).toBe(0);
      expect(load.byTaskDefinition['web:2'] ?? 0).toBeGreaterThan(0);

      const calls = h.emulator.calls();
      expect(calls.filter((c) => c.operation === 'RegisterTaskDefinition' && c.status === 200)).toHaveLength(
        1,
      );
      // The registered revision kept the bridge network mode of the file.
      expect(run.summary).toContain('web:2');
      // Container instances were read, few times: an instance's EC2 id never changes.
      const reads = calls.filter((c) => c.operation === 'DescribeContainerInstances' && c.status === 200);
      expect(reads.length).toBeGreaterThan(0);
      expectWith(reads.length, reads.map((c) => JSON.stringify(c.params)).join('\n')).toBeLessThanOrEqual(4);
    } finally {
      await h.stop();
    }
  });

  it('a version whose targets fail health checks is rolled back, the reason naming the target as instance:port', async () => {
    // A grace period keeps ECS from stopping the failing tasks at once, so their targets are seen
    // unhealthy (ECS would otherwise stop them and the reason would come from the stopped task).
    const h = await startBridgeHarness({ healthCheckGracePeriodSeconds: 120 });
    try {
      const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:unhealthy' }));
      expectWith(run.exitCode, describeRun(run)).toBe(1);
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('rolled-back');
      const reason = run.outputs['failure-reason'] ?? '';
      expect(reason).toMatch(
        /batch 1\/2: target i-[0-9a-f]{17}:(\d+) of task [0-9a-f]+…? is unhealthy in target group web/,
      );
      const port = Number(/i-[0-9a-f]{17}:(\d+)/.exec(reason)?.[1]);
      expect(port).toBeGreaterThanOrEqual(32768);
      expect(reason).toMatch(/Target\.ResponseCodeMismatch|Health checks failed with these codes: \[500\]/);
      await expectBackOn(h, h.info.taskDefinitionArn);
      const newArn = run.outputs['task-definition-arn'] ?? '';
      const leftovers = await waitUntil(
        async () => notStopped(await observeFleet(h.info), newArn).map((t) => `${t.arn} ${t.lastStatus}`),
        15_000,
      );
      expect(leftovers).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
