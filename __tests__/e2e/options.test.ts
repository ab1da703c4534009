// Inputs that change what the bundled action does around a rollout: plan mode (no mutating call),
// rollback-on-failure: false (the service left as ECS has it, said plainly), and wait-for-idle: true
// (wait for someone else's deployment, then roll out).
import { describe, it, expect } from '@jest/globals';
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { emulatorClients } from '../../emulator/src/scenario.js';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  mutatingCalls,
  observeFleet,
  startHarness,
  steadyProblems,
  taskDefinition,
} from './helpers.js';
import { expectWith } from '../helpers/expect-with.js';

describe('mode: plan', () => {
  it('says what a deploy would do and changes nothing', async () => {
    const h = await startHarness({ desiredCount: 6 });
    try {
      const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2', mode: 'plan' }));
      expectWith(run.exitCode, describeRun(run)).toBe(0);
      expect(run.outputs['outcome']).toBe('planned');
      expect(run.outputs['previous-task-definition-arn']).toBe(h.info.taskDefinitionArn);
      expect(mutatingCalls(h.emulator.calls())).toEqual([]);
      // The plan: the image change and three batches of two.
      expect(run.summary).toContain('public.ecr.aws/demo/web:2');
      expect(run.summary).toMatch(/3 batches/);
      const fleet = await observeFleet(h.info);
      expect(steadyProblems(fleet, h.info.taskDefinitionArn, 6, h.info.targetGroupArns)).toEqual([]);
      expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
    } finally {
      await h.stop();
    }
  });
});

describe('rollback-on-failure: false', () => {
  it('fails without rolling back, leaves the service on the new revision, and restores its settings', async () => {
    const h = await startHarness({ desiredCount: 4 });
    try {
      const run = await deploy(
        h,
        h.inputs({ image: 'public.ecr.aws/demo/web:crash', 'rollback-on-failure': 'false' }),
      );
      expectWith(run.exitCode, describeRun(run)).toBe(1);
      expect(run.outputs['outcome']).toBe('failed');
      expect(run.outputs['failure-reason']).toMatch(/batch 1\b.*Essential container in task exited/);
      // Said plainly: nothing was put back.
      expect(run.summary).toMatch(/rollback-on-failure is false/);
      const fleet = await observeFleet(h.info);
      expect(fleet.taskDefinitionArn).toBe(run.outputs['task-definition-arn']);
      expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
      // No UpdateService back to the previous revision.
      const updates = h.emulator
        .calls()
        .filter((c) => c.operation === 'UpdateService' && c.params['taskDefinition'] !== undefined);
      expect(updates.map((c) => c.params['taskDefinition'])).toEqual([run.outputs['task-definition-arn']]);
    } finally {
      await h.stop();
    }
  });
});

describe('wait-for-idle: true', () => {
  it('waits for the deployment in progress to finish, then rolls out', async () => {
    const h = await startHarness({ desiredCount: 2 });
    try {
      // Someone else's deployment of a healthy revision whose tasks take 2 real seconds to start.
      const { ecs } = emulatorClients(h.info.endpoint, h.info.region);
      try {
        const other = await ecs.send(
          new RegisterTaskDefinitionCommand(taskDefinition('public.ecr.aws/demo/web:slow-start-40')),
        );
        await ecs.send(
          new UpdateServiceCommand({
            cluster: h.info.cluster,
            service: h.info.service,
            taskDefinition: other.taskDefinition?.taskDefinitionArn ?? '',
          }),
        );
      } finally {
        ecs.destroy();
      }
      const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:3', 'wait-for-idle': 'true' }));
      expectWith(run.exitCode, describeRun(run)).toBe(0);
      expect(run.outputs['outcome']).toBe('succeeded');
      expect(run.stdout).toMatch(/waiting for the deployment in progress to finish/);
      // The previous revision is the one the other deployment finished on, not the first.
      expect(run.outputs['previous-task-definition-arn']).toMatch(/task-definition\/web:2$/);
      expect(run.outputs['task-definition-arn']).toMatch(/task-definition\/web:3$/);
      const fleet = await observeFleet(h.info);
      expect(
        steadyProblems(fleet, run.outputs['task-definition-arn'] ?? '', 2, h.info.targetGroupArns),
      ).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
