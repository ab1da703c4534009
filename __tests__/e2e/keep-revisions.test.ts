// keep-revisions: after a successful rollout the family's ACTIVE revisions older than the newest N
// are deregistered, except the live one, the previous one and any revision a service of the
// cluster still runs. A revision that cannot be deregistered is a warning, not a failed deploy.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { emulatorClients } from '../../emulator/src/scenario.js';
import { deploy, describeRun, startHarness, taskDefinition, waitUntil } from './helpers.js';
import type { Harness } from './helpers.js';
import { expectWith } from '../helpers/expect-with.js';

const revisionsIn = async (h: Harness, status: 'ACTIVE' | 'INACTIVE'): Promise<number[]> => {
  const { ecs } = emulatorClients(h.info.endpoint, h.info.region);
  try {
    const { taskDefinitionArns = [] } = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'web', status, sort: 'ASC' }),
    );
    return taskDefinitionArns.map((arn) => Number(arn.slice(arn.lastIndexOf(':') + 1)));
  } finally {
    ecs.destroy();
  }
};

describe('keep-revisions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ desiredCount: 2 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('deregisters the old revisions, never the live, the previous, or one another service runs', async () => {
    const { ecs } = emulatorClients(h.info.endpoint, h.info.region);
    try {
      // web:2 runs in another service of the cluster; web:3 and web:4 were registered and never ran.
      const two = await ecs.send(
        new RegisterTaskDefinitionCommand(taskDefinition('public.ecr.aws/demo/web:other')),
      );
      const web = (
        await ecs.send(new DescribeServicesCommand({ cluster: h.info.cluster, services: [h.info.service] }))
      ).services?.[0];
      await ecs.send(
        new CreateServiceCommand({
          cluster: h.info.cluster,
          serviceName: 'worker',
          taskDefinition: two.taskDefinition?.taskDefinitionArn,
          desiredCount: 1,
          launchType: 'FARGATE',
          ...(web?.networkConfiguration ? { networkConfiguration: web.networkConfiguration } : {}),
        }),
      );
      for (const tag of ['3', '4'])
        await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(`public.ecr.aws/demo/web:${tag}`)));
    } finally {
      ecs.destroy();
    }
    expect(await revisionsIn(h, 'ACTIVE')).toEqual([1, 2, 3, 4]);

    h.emulator.clearCalls();
    const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:5', 'keep-revisions': '2' }));
    expectWith(run.exitCode, describeRun(run)).toBe(0);
    expect(run.outputs['task-definition-arn']).toMatch(/web:5$/);
    // Newest two (5 live, 4), 1 (previous) and 2 (the worker's) kept; 3 deregistered.
    expect(await revisionsIn(h, 'ACTIVE')).toEqual([1, 2, 4, 5]);
    expect(await revisionsIn(h, 'INACTIVE')).toEqual([3]);
    expect(run.stdout).toMatch(
      /keep-revisions 2: deregistered 1 revision \(web:3\); kept besides the newest: web:2 \(in use\), web:1 \(previous\)/,
    );
    expect(run.summary).toMatch(/### Revisions tidied/);
    // Deregistered only after the rollout finished, and only what was chosen.
    const calls = h.emulator.calls();
    const deregistered = calls.filter((c) => c.operation === 'DeregisterTaskDefinition');
    expect(deregistered).toHaveLength(1);
    const lastUpdate = calls.map((c) => c.operation).lastIndexOf('UpdateService');
    expect(calls.indexOf(deregistered[0]!)).toBeGreaterThan(lastUpdate);
  });

  it('a revision that cannot be deregistered is a warning; the deploy still succeeds', async () => {
    const { ecs } = emulatorClients(h.info.endpoint, h.info.region);
    try {
      await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('public.ecr.aws/demo/web:6')));
    } finally {
      ecs.destroy();
    }
    h.emulator.injectFault({
      operation: 'DeregisterTaskDefinition',
      service: 'ecs',
      error: { code: 'AccessDeniedException', message: 'not allowed', httpStatus: 400 },
    });
    try {
      const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:7', 'keep-revisions': '2' }));
      expectWith(run.exitCode, describeRun(run)).toBe(0);
      expect(run.outputs['outcome']).toBe('succeeded');
      expect(run.stdout).toMatch(
        /::warning::keep-revisions: could not deregister web:4: .*AccessDeniedException/,
      );
    } finally {
      h.emulator.clearFaults();
    }
    // Live web:7, newest web:6, previous web:5, the worker's web:2, and the ones the fault kept.
    const active = await waitUntil(async () => {
      const list = await revisionsIn(h, 'ACTIVE');
      return list.includes(7) ? [] : [`ACTIVE ${list.join(',')}`];
    }, 5_000);
    expect(active).toEqual([]);
    expect(await revisionsIn(h, 'ACTIVE')).toEqual([1, 2, 4, 5, 6, 7]);
  });
});
