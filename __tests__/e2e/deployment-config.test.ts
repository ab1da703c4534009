// The service's own deploymentConfiguration is kept whole, through the bundled action: a service
// with deployment alarms, a bake time, a lifecycle hook and an explicit ROLLING strategy ends every
// outcome (succeeded, rolled back, cancelled, main killed then the post step) with all of them as
// they were, and every UpdateService the action sent carried them (only the two percents change).
// A BLUE_GREEN service is refused before anything changes. The emulator stores these members (it
// evaluates no CloudWatch alarm and invokes no hook: emulator/src/ecs/deployment-configuration.ts).
import { describe, it, expect } from '@jest/globals';
import { DescribeServicesCommand, type DeploymentConfiguration } from '@aws-sdk/client-ecs';
import { emulatorClients } from '../../emulator/src/scenario.js';
import type { ActionRun } from '../../tools/run-action.js';
import { expectWith } from '../helpers/expect-with.js';
import {
  deploy,
  describeRun,
  errorAnnotations,
  lineWatcher,
  mutatingCalls,
  runPost,
  startDeploy,
  startHarness,
  whileRunning,
} from './helpers.js';
import type { Harness } from './helpers.js';
import { expectOutcome, expectServiceOn, requestBody } from './safety-helpers.js';

/** The runner's cancellation: SIGTERM 7.5 s after SIGINT, the kill 2.5 s after that. */
const RUNNER_KILL_AFTER_MS = 10_000;

/** Not ECS's defaults and not the action's pacing values, so "kept" cannot pass by accident. */
const configuration = (alarmRollback: boolean): DeploymentConfiguration => ({
  maximumPercent: 200,
  minimumHealthyPercent: 50,
  deploymentCircuitBreaker: { enable: false, rollback: false },
  alarms: { alarmNames: ['web-5xx', 'web-p99-latency'], enable: true, rollback: alarmRollback },
  strategy: 'ROLLING',
  bakeTimeInMinutes: 7,
  lifecycleHooks: [
    {
      targetType: 'AWS_LAMBDA',
      hookTargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:web-smoke',
      roleArn: 'arn:aws:iam::000000000000:role/ecs-lifecycle-hooks',
      lifecycleStages: ['POST_SCALE_UP'],
      hookDetails: { suite: 'smoke' },
      timeoutConfiguration: { timeoutInMinutes: 30, action: 'ROLLBACK' },
    },
  ],
});

/** The members the action never changes: everything but the two percents. */
const kept = ({
  maximumPercent: _max,
  minimumHealthyPercent: _min,
  ...rest
}: DeploymentConfiguration): DeploymentConfiguration => rest;

const harness = (config: DeploymentConfiguration, desiredCount = 4, deregistrationDelaySeconds?: number) =>
  startHarness({
    desiredCount,
    scenario: {
      deploymentConfiguration: config,
      ...(deregistrationDelaySeconds !== undefined ? { deregistrationDelaySeconds } : {}),
    },
  });

/** The service's deploymentConfiguration as DescribeServices answers it now. */
async function described(h: Harness): Promise<DeploymentConfiguration | undefined> {
  const { ecs, elbv2 } = emulatorClients(h.info.endpoint, h.info.region);
  try {
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: h.info.cluster, services: [h.info.service] }),
    );
    return services?.[0]?.deploymentConfiguration;
  } finally {
    ecs.destroy();
    elbv2.destroy();
  }
}

/**
 * Every UpdateService that reached the emulator with a deploymentConfiguration carried every member
 * the service had, unchanged; returns how many there were (main's and the post step's together).
 */
function expectEveryUpdateCarried(h: Harness, config: DeploymentConfiguration, context: string): number {
  const sent = h.emulator
    .calls()
    .filter((c) => c.operation === 'UpdateService' && c.wire?.request)
    .map((c) => requestBody(c)['deploymentConfiguration'] as DeploymentConfiguration | undefined)
    .filter((d): d is DeploymentConfiguration => d !== undefined);
  for (const body of sent) expectWith(kept(body), context).toEqual(kept(config));
  return sent.length;
}

/** The service ends on its revision, healthy, with its whole configuration as it was. */
async function expectKept(
  h: Harness,
  config: DeploymentConfiguration,
  taskDefinitionArn: string,
  run: ActionRun,
): Promise<void> {
  const context = describeRun(run);
  expectWith(await described(h), context).toEqual(config);
  // Pace: hold, at least one release and hold, and the put-back.
  expectWith(expectEveryUpdateCarried(h, config, context), context).toBeGreaterThanOrEqual(3);
  if (taskDefinitionArn === h.info.taskDefinitionArn) await expectServiceOn(h, taskDefinitionArn, 4, context);
}

describe("the service's own deploymentConfiguration, kept whole", () => {
  it('succeeded: alarms, bake time, hook and strategy unchanged, carried by every UpdateService', async () => {
    const config = configuration(false);
    const h = await harness(config);
    try {
      const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2' }));
      expectOutcome(run, 0, 'succeeded');
      await expectKept(h, config, run.outputs['task-definition-arn'] ?? '', run);
    } finally {
      await h.stop();
    }
  });

  it('rolled back (a version that fails its health checks): everything unchanged', async () => {
    const config = configuration(true);
    const h = await harness(config);
    try {
      const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:unhealthy' }));
      expectOutcome(run, 1, 'rolled-back');
      await expectKept(h, config, h.info.taskDefinitionArn, run);
    } finally {
      await h.stop();
    }
  });

  it('cancelled mid-batch (SIGINT, SIGTERM), then the post step: everything unchanged', async () => {
    const config = configuration(true);
    // A 40 s deregistration delay (2 real seconds) keeps batch 2 busy when the signal lands.
    const h = await harness(config, 4, 40);
    try {
      const inputs = h.inputs({ image: 'public.ecr.aws/demo/web:2', 'on-cancel': 'rollback' });
      const watcher = lineWatcher();
      const action = startDeploy(h, inputs, { onLine: watcher.onLine });
      const main = await whileRunning(action, async () => {
        await watcher.waitFor(/batch 2\/2: starting/, 60_000);
        action.child.kill('SIGINT');
        const sigterm = setTimeout(() => action.child.kill('SIGTERM'), 200);
        const sigkill = setTimeout(() => action.child.kill('SIGKILL'), RUNNER_KILL_AFTER_MS);
        try {
          await action.done;
        } finally {
          clearTimeout(sigterm);
          clearTimeout(sigkill);
        }
      });
      expectWith(main.signal, describeRun(main)).toBeNull();
      const post = await runPost(h, inputs, main.state);
      expectWith(post.exitCode, describeRun(post)).toBe(0);
      await expectKept(h, config, h.info.taskDefinitionArn, post);
    } finally {
      await h.stop();
    }
  });

  it('main killed mid-batch (SIGKILL), then the post step with a fresh driver: everything unchanged', async () => {
    const config = configuration(false);
    const h = await harness(config, 4, 40);
    try {
      const inputs = h.inputs({ image: 'public.ecr.aws/demo/web:2' });
      const watcher = lineWatcher();
      const action = startDeploy(h, inputs, { onLine: watcher.onLine });
      const main = await whileRunning(action, async () => {
        await watcher.waitFor(/batch 2\/2: starting/, 60_000);
        action.child.kill('SIGKILL');
      });
      expectWith(main.signal, describeRun(main)).toBe('SIGKILL');
      // Main left the service paced: its percents, not the service's own.
      const paced = await described(h);
      expectWith(paced?.maximumPercent, describeRun(main)).not.toBe(config.maximumPercent);
      expectWith(paced && kept(paced), describeRun(main)).toEqual(kept(config));
      const since = Date.now();
      const post = await runPost(h, inputs, main.state);
      expectWith(post.exitCode, describeRun(post)).toBe(0);
      expectWith(post.stdout, describeRun(post)).toMatch(/Rolled back to web:1/);
      // The post step's own UpdateServices (its driver had read nothing before) carried them too.
      const postUpdates = h.emulator
        .calls()
        .filter((c) => c.operation === 'UpdateService' && c.time >= since && c.wire?.request);
      expectWith(postUpdates.length, describeRun(post)).toBeGreaterThan(0);
      await expectKept(h, config, h.info.taskDefinitionArn, post);
    } finally {
      await h.stop();
    }
  });

  it('a BLUE_GREEN service is refused before anything changes, saying why and what to do', async () => {
    const config: DeploymentConfiguration = { ...configuration(false), strategy: 'BLUE_GREEN' };
    const h = await harness(config, 2);
    try {
      const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2' }));
      expectWith(run.exitCode, describeRun(run)).toBe(1);
      const errors = errorAnnotations(run).join('\n');
      expectWith(errors, describeRun(run)).toMatch(/uses the BLUE_GREEN deployment strategy/);
      expectWith(errors, describeRun(run)).toMatch(/shifts traffic between two target groups/);
      expectWith(errors, describeRun(run)).toMatch(/switch the service to the ROLLING strategy/);
      expect(mutatingCalls(h.emulator.calls())).toEqual([]);
      expect(await described(h)).toEqual(config);
    } finally {
      await h.stop();
    }
  });
});
