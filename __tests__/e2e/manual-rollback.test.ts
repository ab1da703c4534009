// Manual rollback (mode: rollback) with the bundled action: deploy web:2, then roll back to
// "previous", which the successful deploy recorded on the service; the same health-gated batches.
// And a service this action never deployed: `previous` falls back to the family's revisions, warning.
import { describe, it, expect } from '@jest/globals';
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { emulatorClients } from '../../emulator/src/scenario.js';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  launchedPerRelease,
  mutatingCalls,
  observeFleet,
  startHarness,
  startPaceWatch,
  steadyProblems,
  taskDefinition,
  waitUntil,
} from './helpers.js';
import { expectWith } from '../helpers/expect-with.js';

describe('mode: rollback', () => {
  it('rollback-to previous after a deploy puts the service back on the revision before it', async () => {
    const h = await startHarness({ desiredCount: 4 });
    try {
      const deployed = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2' }));
      expectWith(deployed.outputs['outcome'], describeRun(deployed)).toBe('succeeded');
      const v2 = deployed.outputs['task-definition-arn'] ?? '';

      h.emulator.clearCalls();
      const { 'task-definition': _t, 'container-name': _c, ...base } = h.inputs();
      const watch = startPaceWatch(h, () => h.info.taskDefinitionArn);
      const run = await deploy(h, { ...base, mode: 'rollback', 'rollback-to': 'previous' });
      const pace = watch.stop();
      expectWith(run.exitCode, describeRun(run)).toBe(0);
      expect(run.outputs['outcome']).toBe('succeeded');
      expect(run.outputs['task-definition-arn']).toBe(h.info.taskDefinitionArn);
      expect(run.outputs['previous-task-definition-arn']).toBe(v2);
      expect(run.outputs['batches']).toBe('2');
      // Held batch by batch like a deploy: two releases, each launching no more than its 2 tasks.
      expect(launchedPerRelease(h.emulator.calls(), pace.launched)).toEqual([2, 2]);
      expect(Math.min(...pace.samples.map((s) => s.healthy))).toBeGreaterThanOrEqual(4);
      // Going back registers nothing: web:1 already exists.
      expect(mutatingCalls(h.emulator.calls()).filter((c) => c.includes('RegisterTaskDefinition'))).toEqual(
        [],
      );

      const fleet = await observeFleet(h.info);
      expect(steadyProblems(fleet, h.info.taskDefinitionArn, 4, h.info.targetGroupArns)).toEqual([]);
      expect(fleet.deploymentConfiguration).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
    } finally {
      await h.stop();
    }
  });

  it('rollback-to previous on a service the action never deployed: the newest older ACTIVE revision, with a warning', async () => {
    const h = await startHarness({ desiredCount: 2 });
    try {
      // Someone deployed web:2 by hand (no release tags on the service).
      const { ecs } = emulatorClients(h.info.endpoint, h.info.region);
      const registered = await ecs.send(
        new RegisterTaskDefinitionCommand(taskDefinition('public.ecr.aws/demo/web:2')),
      );
      const v2 = registered.taskDefinition?.taskDefinitionArn ?? '';
      await ecs.send(
        new UpdateServiceCommand({ cluster: h.info.cluster, service: h.info.service, taskDefinition: v2 }),
      );
      const notYet = await waitUntil(async () => {
        const fleet = await observeFleet(h.info);
        // Until ECS drops web:1's deployment the service is not idle, and the action would refuse.
        const deployments = fleet.deployments.length > 1 ? [`${fleet.deployments.length} deployments`] : [];
        return [...steadyProblems(fleet, v2, 2, h.info.targetGroupArns), ...deployments];
      }, 30_000);
      expect(notYet).toEqual([]);
      h.emulator.clearCalls();

      const { 'task-definition': _t, 'container-name': _c, ...base } = h.inputs();
      const run = await deploy(h, { ...base, mode: 'rollback', 'rollback-to': 'previous' });
      expectWith(run.outputs['outcome'], describeRun(run)).toBe('succeeded');
      expect(run.outputs['task-definition-arn']).toBe(h.info.taskDefinitionArn);
      expect(run.stdout).toMatch(
        /^::warning::rollback-to: previous fell back to web:1 because .*Check that it is the revision you want\./m,
      );
      // It looked the family up (ecs:ListTaskDefinitions), since the service said nothing.
      expect(h.emulator.calls().some((c) => c.operation === 'ListTaskDefinitions')).toBe(true);
      const fleet = await observeFleet(h.info);
      expect(steadyProblems(fleet, h.info.taskDefinitionArn, 2, h.info.targetGroupArns)).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
