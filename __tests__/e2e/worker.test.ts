// A service with no load balancer (a queue worker), rolled out by the bundled action: gated on its
// tasks being RUNNING and on the ECS container health checks of its task definition, through the
// bake time; a version whose check fails or whose essential container exits is rolled back.
import { describe, it, expect } from '@jest/globals';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  notStopped,
  observeFleet,
  startHarness,
  steadyProblems,
  waitUntil,
  type Harness,
} from './helpers.js';
import type { ActionRun } from '../../tools/run-action.js';
import { expectWith } from '../helpers/expect-with.js';

const DESIRED = 4;

/**
 * One essential `app` container. Its health check is the usual curl of the app's own health path;
 * the emulator runs it as a GET of the task's own address (emulator/README.md), every 5 AWS seconds
 * (250 ms here), UNHEALTHY after 2 failures.
 */
function workerDefinition(image: string, healthCheck = true): RegisterTaskDefinitionCommandInput {
  return {
    family: 'worker',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: 'app',
        image,
        essential: true,
        // The app's own health endpoint; no load balancer routes to it.
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        stopTimeout: 2,
        ...(healthCheck
          ? {
              healthCheck: {
                command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
                interval: 5,
                timeout: 2,
                retries: 2,
              },
            }
          : {}),
      },
    ],
  };
}

async function startWorker(healthCheck = true): Promise<Harness> {
  return startHarness({
    desiredCount: DESIRED,
    targetGroups: 0,
    taskDefinition: workerDefinition('public.ecr.aws/demo/worker:1', healthCheck),
  });
}

const inputs = (h: Harness, image: string, extra: Record<string, string> = {}): Record<string, string> =>
  h.inputs({ 'container-name': 'app', image, 'batch-size': '2', 'batch-timeout': '30s', ...extra });

/** Back on the first revision, at its desired count, with its own deployment settings. */
async function expectRestored(h: Harness, run: ActionRun): Promise<void> {
  expectWith(run.exitCode, describeRun(run)).toBe(1);
  expectWith(run.outputs['outcome'], describeRun(run)).toBe('rolled-back');
  const problems = await waitUntil(
    async () => steadyProblems(await observeFleet(h.info), h.info.taskDefinitionArn, DESIRED, []),
    10_000,
  );
  expect(problems).toEqual([]);
  const fleet = await observeFleet(h.info);
  expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
  expect(fleet.deployments.map((d) => d.taskDefinitionArn)).toEqual([h.info.taskDefinitionArn]);
}

describe('a worker (no load balancer)', () => {
  it('a healthy version rolls out: gated on container health, one revision at the desired count, own settings back', async () => {
    const h = await startWorker();
    try {
      const run = await deploy(h, inputs(h, 'public.ecr.aws/demo/worker:2'));
      expectWith(run.exitCode, describeRun(run)).toBe(0);
      expect(run.outputs['outcome']).toBe('succeeded');
      expect(run.outputs['batches']).toBe('2');
      const arn = run.outputs['task-definition-arn'] ?? '';
      expect(arn).toMatch(/task-definition\/worker:2$/);
      expect(run.stdout).toContain('no load balancer (a worker');
      expect(run.stdout).toContain('container health checks gate each batch: app must report HEALTHY');
      expect(run.stdout).not.toContain('::warning::The service has no load balancer');

      const fleet = await observeFleet(h.info);
      expect(steadyProblems(fleet, arn, DESIRED, [])).toEqual([]);
      expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
      const leftovers = await waitUntil(
        async () => notStopped(await observeFleet(h.info), h.info.taskDefinitionArn).map((t) => t.arn),
        10_000,
      );
      expect(leftovers).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('a version whose container health check fails is rolled back, naming the container', async () => {
    const h = await startWorker();
    try {
      const run = await deploy(h, inputs(h, 'public.ecr.aws/demo/worker:unhealthy'));
      const reason = run.outputs['failure-reason'] ?? '';
      expectWith(reason, describeRun(run)).toMatch(
        /^batch 1\/2: container app of task [0-9a-f]+… is UNHEALTHY \(its ECS container health check failed\)/,
      );
      await expectRestored(h, run);
    } finally {
      await h.stop();
    }
  });

  it('a version whose essential container exits is rolled back, naming the exit code', async () => {
    const h = await startWorker();
    try {
      const run = await deploy(h, inputs(h, 'public.ecr.aws/demo/worker:crash'));
      const reason = run.outputs['failure-reason'] ?? '';
      expectWith(reason, describeRun(run)).toMatch(
        /^batch 1\/2: task [0-9a-f]+… stopped: Essential container in task exited \(app exit 1 Essential container exited\)/,
      );
      await expectRestored(h, run);
    } finally {
      await h.stop();
    }
  });

  it('an unchanged definition is verified on RUNNING and container health, nothing rolled', async () => {
    const h = await startWorker();
    try {
      const run = await deploy(h, h.inputs({ 'container-name': '' }));
      expectWith(run.exitCode, describeRun(run)).toBe(0);
      expect(run.outputs['outcome']).toBe('succeeded');
      expect(run.outputs['task-definition-arn']).toBe(h.info.taskDefinitionArn);
      expect(run.stdout).toContain(`verified: ${DESIRED}/${DESIRED} tasks of worker:1 healthy`);
    } finally {
      await h.stop();
    }
  });

  it('without a container health check: RUNNING through the bake time is the gate, and the log says so', async () => {
    const h = await startWorker(false);
    try {
      const run = await deploy(h, inputs(h, 'public.ecr.aws/demo/worker:2', { 'bake-time': '1s' }));
      expectWith(run.exitCode, describeRun(run)).toBe(0);
      expect(run.outputs['outcome']).toBe('succeeded');
      expect(run.stdout).toMatch(
        /::warning::The service has no load balancer and the task definition has no container healthCheck: a batch passes when its tasks are RUNNING and stay so through bake-time \(1s\)\. Add a healthCheck to the essential container/,
      );
      const fleet = await observeFleet(h.info);
      expect(steadyProblems(fleet, run.outputs['task-definition-arn'] ?? '', DESIRED, [])).toEqual([]);
      expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
    } finally {
      await h.stop();
    }
  });
});
