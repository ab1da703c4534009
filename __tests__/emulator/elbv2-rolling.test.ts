// The listener under a real rolling update: the whole emulator (ECS scheduler, task processes,
// health checks, draining), steady traffic through the listener while ECS replaces every task of a
// healthy service. Draining plus health-gated routing must make that invisible to clients.
import { describe, it, expect, afterAll } from '@jest/globals';
import {
  DescribeServicesCommand,
  ListTasksCommand,
  DescribeTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { startEmulator } from '../../emulator/src/index.js';
import type { Emulator } from '../../emulator/src/index.js';
import { createScenario, emulatorClients } from '../../emulator/src/scenario.js';
import { startTraffic } from '../../tools/traffic.js';
import { waitFor } from './elbv2-harness.js';

const taskDefinition = (tag: string): RegisterTaskDefinitionCommandInput => ({
  family: 'roll',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'web',
      image: `public.ecr.aws/demo/web:${tag}`,
      essential: true,
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
    },
  ],
});

describe('ELBv2 listener during a scheduler-driven rolling update', () => {
  let emulator: Emulator | undefined;
  afterAll(async () => {
    await emulator?.stop();
  });

  it('serves every request of a steady load while all tasks are replaced', async () => {
    // 1 AWS s = 50 ms: checks every 250 ms, 2 to healthy, 4 s (200 ms) of draining.
    emulator = await startEmulator({ timeScale: 0.05 });
    const info = await createScenario(emulator.endpoint, {
      cluster: 'roll',
      service: 'web',
      desiredCount: 3,
      taskDefinition: taskDefinition('1'),
      healthCheck: {
        path: '/health',
        intervalSeconds: 5,
        timeoutSeconds: 4,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      deregistrationDelaySeconds: 4,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
      waitForSteadyState: true,
      waitTimeoutMs: 60_000,
    });
    const { ecs } = emulatorClients(emulator.endpoint, emulator.region);
    const traffic = startTraffic(info.listenerUrl, { ratePerSecond: 25, maxDurationMs: 90_000 });
    try {
      const v2 = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('2')));
      const v2Arn = v2.taskDefinition?.taskDefinitionArn ?? '';
      await ecs.send(new UpdateServiceCommand({ cluster: 'roll', service: 'web', taskDefinition: v2Arn }));

      await waitFor(
        'the rollout to complete with only revision 2 running',
        async () => {
          const service = (
            await ecs.send(new DescribeServicesCommand({ cluster: 'roll', services: ['web'] }))
          ).services?.[0];
          const deployments = service?.deployments ?? [];
          if (
            deployments.length !== 1 ||
            deployments[0]?.rolloutState !== 'COMPLETED' ||
            deployments[0]?.taskDefinition !== v2Arn
          )
            return undefined;
          const arns =
            (await ecs.send(new ListTasksCommand({ cluster: 'roll', serviceName: 'web' }))).taskArns ?? [];
          if (arns.length !== 3) return undefined;
          const tasks =
            (await ecs.send(new DescribeTasksCommand({ cluster: 'roll', tasks: arns }))).tasks ?? [];
          return tasks.every((t) => t.taskDefinitionArn === v2Arn && t.lastStatus === 'RUNNING')
            ? true
            : undefined;
        },
        90_000,
      );
      // A little more load on the new tasks alone: ten more requests served by revision 2.
      const servedByV2 = traffic.snapshot().byTaskDefinition['roll:2'] ?? 0;
      await waitFor('ten more requests served by roll:2 after the rollout', () =>
        (traffic.snapshot().byTaskDefinition['roll:2'] ?? 0) >= servedByV2 + 10 ? true : undefined,
      );
    } finally {
      ecs.destroy();
    }
    const report = await traffic.stop();
    expect(report.failures).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.succeeded).toBeGreaterThan(20);
    expect(Object.keys(report.byTaskDefinition).sort()).toEqual(['roll:1', 'roll:2']);
  });
});
