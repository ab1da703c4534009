// What the bundled action refuses to do, before it changes anything: bad inputs, a missing cluster,
// a deployment already in progress. Each refusal fails the step with a message naming what to fix,
// and the emulator's call log proves no mutating call was made.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { emulatorClients } from '../../emulator/src/scenario.js';
import {
  deploy,
  describeRun,
  errorAnnotations,
  mutatingCalls,
  observeFleet,
  startHarness,
  taskDefinition,
} from './helpers.js';
import type { Harness } from './helpers.js';
import type { ActionRun } from '../../tools/run-action.js';
import { expectWith } from '../helpers/expect-with.js';

/** A refused run: exit code 1, an error annotation matching every pattern, no mutating call. */
function expectRefused(h: Harness, run: ActionRun, ...patterns: RegExp[]): void {
  expectWith(run.exitCode, describeRun(run)).toBe(1);
  const errors = errorAnnotations(run).join('\n');
  for (const pattern of patterns) expectWith(errors, describeRun(run)).toMatch(pattern);
  expect(mutatingCalls(h.emulator.calls())).toEqual([]);
}

describe('bad inputs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ desiredCount: 2 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** Runs the action with `inputs` on a fresh call log. */
  const refusedRun = (inputs: Record<string, string>): Promise<ActionRun> => {
    h.emulator.clearCalls();
    return deploy(h, inputs);
  };

  it('missing service', async () => {
    const { service: _service, ...inputs } = h.inputs({ image: 'web:2' });
    expectRefused(h, await refusedRun(inputs), /service/, /required/);
  });

  it('a batch-size that is neither a count nor a percentage', async () => {
    expectRefused(
      h,
      await refusedRun(h.inputs({ image: 'web:2', 'batch-size': 'lots' })),
      /batch-size/,
      /lots/,
    );
  });

  it('a batch-size of zero', async () => {
    expectRefused(h, await refusedRun(h.inputs({ image: 'web:2', 'batch-size': '0' })), /batch-size/);
  });

  it('a task definition file that is not valid JSON: the error gives line and column', async () => {
    const file = join(h.dir, 'broken.json');
    writeFileSync(
      file,
      '{\n  "family": "web",\n  "containerDefinitions": [\n    { "name": "web", }\n  ]\n}\n',
    );
    const run = await refusedRun(h.inputs({ image: 'web:2', 'task-definition': file }));
    expectRefused(h, run, /task-definition/, /broken\.json:4:\d+/, /not valid JSON/);
  });

  it('a container name the task definition does not have: the error lists the names it has', async () => {
    const run = await refusedRun(h.inputs({ image: 'web:2', 'container-name': 'api' }));
    expectRefused(h, run, /container-name|api/, /\bweb\b/);
  });

  it('a cluster that does not exist', async () => {
    const run = await refusedRun(h.inputs({ image: 'web:2', cluster: 'no-such-cluster' }));
    expectRefused(h, run, /no-such-cluster/, /cluster/i);
  });

  it('a service that does not exist', async () => {
    const run = await refusedRun(h.inputs({ image: 'web:2', service: 'no-such-service' }));
    expectRefused(h, run, /no-such-service/, /service/i);
  });
});

describe('a deployment already in progress', () => {
  it('is refused with a clear message, and nothing is changed', async () => {
    const h = await startHarness({ desiredCount: 2 });
    try {
      // Someone else's deployment, still rolling: its tasks take 30 real seconds to start.
      const { ecs } = emulatorClients(h.info.endpoint, h.info.region);
      let inProgressArn: string;
      try {
        const registered = await ecs.send(
          new RegisterTaskDefinitionCommand(taskDefinition('public.ecr.aws/demo/web:slow-start-600')),
        );
        inProgressArn = registered.taskDefinition?.taskDefinitionArn ?? '';
        await ecs.send(
          new UpdateServiceCommand({
            cluster: h.info.cluster,
            service: h.info.service,
            taskDefinition: inProgressArn,
          }),
        );
      } finally {
        ecs.destroy();
      }
      h.emulator.clearCalls();

      const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2', 'wait-for-idle': 'false' }));
      expectRefused(h, run, /in progress/i);
      expect(run.outputs['outcome']).toBe('failed');

      // The other deployment is as it was: the service still points at it.
      const fleet = await observeFleet(h.info);
      expect(fleet.taskDefinitionArn).toBe(inProgressArn);
      expect(fleet.deployments.map((d) => d.taskDefinitionArn)).toContain(h.info.taskDefinitionArn);
    } finally {
      await h.stop();
    }
  });
});
