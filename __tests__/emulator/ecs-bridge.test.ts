// The EC2 launch type with bridge networking: container instances, placement by free host port,
// dynamic host ports from the ephemeral range, networkBindings, `instance` targets (EC2 id + host
// port) health-checked and served at the instance's address.
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  ListContainerInstancesCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startEmulator, type Emulator } from '../../emulator/src/index.js';
import { EPHEMERAL_PORTS, placeTask, portNeedsOf, RESERVED_PORTS } from '../../emulator/src/ecs/placement.js';
import { createScenario, describeServiceTasks, emulatorClients } from '../../emulator/src/scenario.js';
import { waitFor } from './elbv2-harness.js';

const bridgeDefinition = (hostPort?: number): RegisterTaskDefinitionCommandInput => ({
  family: 'bridge',
  networkMode: 'bridge',
  requiresCompatibilities: ['EC2'],
  containerDefinitions: [
    {
      name: 'web',
      image: 'public.ecr.aws/demo/web:1',
      essential: true,
      memory: 128,
      portMappings: [
        { containerPort: 8080, ...(hostPort !== undefined ? { hostPort } : {}), protocol: 'tcp' },
      ],
    },
  ],
});

describe('placement (pure)', () => {
  const room = (id: string, used: number[], tasks = 0) => ({
    arn: `arn:${id}`,
    id,
    used: new Set(used),
    tasks,
  });

  it.each([
    [
      'dynamic port: the lowest free one of the ephemeral range',
      [room('a', [])],
      0,
      'a',
      EPHEMERAL_PORTS.first,
    ],
    ['dynamic port: skips ports other tasks hold', [room('a', [32768, 32769])], 0, 'a', 32770],
    ['static port: goes where it is free', [room('a', [8080], 0), room('b', [], 3)], 8080, 'b', 8080],
    ['spread: the instance with fewest tasks first', [room('a', [], 2), room('b', [], 1)], 0, 'b', 32768],
  ])('%s', (_what, rooms, hostPort, instance, port) => {
    const placed = placeTask(rooms, [{ containerName: 'web', containerPort: 8080, hostPort }]);
    expect(placed.placed && placed.instance.id).toBe(instance);
    expect(placed.placed && placed.bindings[0]?.hostPort).toBe(port);
  });

  it('no instance with the static port free: not placed, in ECS’s words, naming the closest instance', () => {
    const placed = placeTask(
      [room('a', [8080], 0), room('b', [8080], 1)],
      [{ containerName: 'web', containerPort: 8080, hostPort: 8080 }],
    );
    expect(placed).toEqual({
      placed: false,
      message:
        'was unable to place a task because no container instance met all of its requirements. ' +
        'The closest matching (container-instance a) is already using a port required by your task.',
    });
  });

  it('the agent’s reserved ports are never handed out', () => {
    const placed = placeTask([room('a', [])], [{ containerName: 'web', containerPort: 22, hostPort: 22 }]);
    expect(placed.placed).toBe(false);
    expect(RESERVED_PORTS).toContain(51678);
  });

  it('host mode binds the container port itself; bridge without hostPort is dynamic', () => {
    const body = (networkMode: string) => ({
      networkMode,
      containerDefinitions: [{ name: 'web', portMappings: [{ containerPort: 8080 }] }],
    });
    expect(portNeedsOf(body('host'))).toEqual([
      { containerName: 'web', containerPort: 8080, hostPort: 8080 },
    ]);
    expect(portNeedsOf(body('bridge'))).toEqual([{ containerName: 'web', containerPort: 8080, hostPort: 0 }]);
  });
});

describe('bridge service on container instances', () => {
  let emulator: Emulator | undefined;
  afterAll(async () => {
    await emulator?.stop();
  });

  it('places 5 tasks on 2 instances with dynamic host ports, registers instance:port targets, serves traffic', async () => {
    emulator = await startEmulator({ timeScale: 0.05, taskRuntime: 'in-process' });
    const info = await createScenario(emulator.endpoint, {
      cluster: 'ec2',
      service: 'web',
      desiredCount: 5,
      taskDefinition: bridgeDefinition(),
      ec2: { instances: 2 },
      deregistrationDelaySeconds: 4,
      waitForSteadyState: true,
      waitTimeoutMs: 30_000,
    });
    const { ecs, elbv2 } = emulatorClients(emulator.endpoint, info.region);
    try {
      const listed = await ecs.send(new ListContainerInstancesCommand({ cluster: 'ec2' }));
      expect(listed.containerInstanceArns).toEqual(info.containerInstanceArns);
      const described = await ecs.send(
        new DescribeContainerInstancesCommand({
          cluster: 'ec2',
          containerInstances: listed.containerInstanceArns!,
        }),
      );
      expect(described.containerInstances?.map((ci) => ci.ec2InstanceId)).toEqual(info.ec2InstanceIds);
      expect(described.containerInstances?.reduce((n, ci) => n + (ci.runningTasksCount ?? 0), 0)).toBe(5);

      const tasks = (await describeServiceTasks(ecs, 'ec2', 'web', ['RUNNING'])).filter(
        (t) => t.lastStatus === 'RUNNING',
      );
      expect(tasks).toHaveLength(5);
      const ec2Of = new Map(
        described.containerInstances!.map((ci) => [ci.containerInstanceArn!, ci.ec2InstanceId!]),
      );
      const addresses = tasks.map((t) => {
        expect(t.launchType).toBe('EC2');
        expect(t.attachments).toEqual([]);
        const binding = t.containers?.[0]?.networkBindings?.[0];
        expect(binding?.containerPort).toBe(8080);
        expect(binding!.hostPort!).toBeGreaterThanOrEqual(EPHEMERAL_PORTS.first);
        expect(binding!.hostPort!).toBeLessThanOrEqual(EPHEMERAL_PORTS.last);
        return `${ec2Of.get(t.containerInstanceArn!)}:${binding!.hostPort}`;
      });
      // Spread over both instances; tasks sharing an instance each have a port of their own.
      expect(new Set(tasks.map((t) => t.containerInstanceArn)).size).toBe(2);
      expect(new Set(addresses).size).toBe(5);

      const health = await elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: info.targetGroupArns[0] }),
      );
      expect(
        health.TargetHealthDescriptions?.map(
          (d) => `${d.Target?.Id}:${d.Target?.Port}:${d.TargetHealth?.State}`,
        ).sort(),
      ).toEqual(addresses.map((a) => `${a}:healthy`).sort());

      // The listener reaches the tasks at their instance's address and host port.
      const served = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const answer = await fetch(info.listenerUrl, { signal: AbortSignal.timeout(5_000) });
        expect(answer.status).toBe(200);
        served.add(answer.headers.get('x-task-id') ?? '');
      }
      expect(served.size).toBe(5);
    } finally {
      ecs.destroy();
      elbv2.destroy();
    }
  });

  it('host network mode: each task binds the container port itself on its instance, one per instance', async () => {
    emulator ??= await startEmulator({ timeScale: 0.05, taskRuntime: 'in-process' });
    const definition = bridgeDefinition();
    const info = await createScenario(emulator.endpoint, {
      cluster: 'host',
      service: 'hosted',
      desiredCount: 2,
      taskDefinition: { ...definition, family: 'hosted', networkMode: 'host' },
      ec2: { instances: 2 },
      waitForSteadyState: true,
      waitTimeoutMs: 30_000,
    });
    const { ecs, elbv2 } = emulatorClients(emulator.endpoint, info.region);
    try {
      const tasks = await describeServiceTasks(ecs, 'host', 'hosted', ['RUNNING']);
      expect(tasks.map((t) => t.containers?.[0]?.networkBindings?.[0]?.hostPort)).toEqual([8080, 8080]);
      expect(new Set(tasks.map((t) => t.containerInstanceArn)).size).toBe(2);
      const health = await elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: info.targetGroupArns[0] }),
      );
      expect(health.TargetHealthDescriptions?.map((d) => `${d.Target?.Id}:${d.Target?.Port}`).sort()).toEqual(
        [...(info.ec2InstanceIds ?? [])].map((id) => `${id}:8080`).sort(),
      );
    } finally {
      ecs.destroy();
      elbv2.destroy();
    }
  });

  it('a static host port fits once per instance: the third task is not placed, and the event says so', async () => {
    emulator ??= await startEmulator({ timeScale: 0.05, taskRuntime: 'in-process' });
    const info = await createScenario(emulator.endpoint, {
      cluster: 'static',
      service: 'fixed',
      desiredCount: 3,
      taskDefinition: { ...bridgeDefinition(8080), family: 'fixed' },
      ec2: { instances: 2 },
    });
    const { ecs } = emulatorClients(emulator.endpoint, info.region);
    try {
      const event = await waitFor(
        'the placement failure event',
        async () => {
          const { services } = await ecs.send(
            new DescribeServicesCommand({ cluster: 'static', services: ['fixed'] }),
          );
          return services?.[0]?.events?.find((e) => e.message?.includes('was unable to place a task'))
            ?.message;
        },
        10_000,
      );
      expect(event).toMatch(
        /^\(service fixed\) was unable to place a task because no container instance met all of its requirements\. The closest matching \(container-instance [0-9a-f]{32}\) is already using a port required by your task\.$/,
      );
      const live = await describeServiceTasks(ecs, 'static', 'fixed', ['RUNNING']);
      expect(live).toHaveLength(2);
      expect(new Set(live.map((t) => t.containerInstanceArn)).size).toBe(2);
      expect(
        live.every(
          (t) => t.containers?.[0]?.networkBindings?.[0]?.hostPort === 8080 || t.lastStatus !== 'RUNNING',
        ),
      ).toBe(true);
    } finally {
      ecs.destroy();
    }
  });
});
