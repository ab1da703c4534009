// ECS list pagination through the real SDK (emulator/src/ecs/pagination.ts): a token names a
// position, not an offset, so a task that leaves the list between two pages hides no other task.
// 150 tasks on the in-process runtime.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  InvalidParameterException,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  paginateListServices,
} from '@aws-sdk/client-ecs';
import { startEmulator } from '../../emulator/src/index.js';
import type { Emulator } from '../../emulator/src/index.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const FLEET = 150;
// Its own container port, so tasks of emulators in parallel test files never share an address.
const CONTAINER_PORT = 18_083;

let emulator: Emulator;
let ecs: ECSClient;

const runningCount = (): number =>
  (emulator.state().ecs as { tasks: { lastStatus: string; desiredStatus: string }[] }).tasks.filter(
    (t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING',
  ).length;

async function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  emulator = await startEmulator({ timeScale: 0.05, taskRuntime: 'in-process' });
  ecs = new ECSClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  await ecs.send(new CreateClusterCommand({ clusterName: 'pages' }));
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'fleet',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: 'demo/app:1',
          portMappings: [{ containerPort: CONTAINER_PORT }],
          stopTimeout: 2,
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'pages',
      serviceName: 'fleet',
      taskDefinition: 'fleet',
      desiredCount: FLEET,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
    }),
  );
  await until(() => (runningCount() === FLEET ? true : undefined), 30_000, `${FLEET} RUNNING tasks`);
});

afterAll(async () => {
  ecs?.destroy();
  await emulator?.stop();
});

describe('ListTasks pages that cannot skip', () => {
  it('a task stopped between page 1 and page 2 hides no running task', async () => {
    const page1 = await ecs.send(new ListTasksCommand({ cluster: 'pages', maxResults: 100 }));
    expect(page1.taskArns).toHaveLength(100);
    expect(page1.nextToken).toBeDefined();
    const everyTask = (emulator.state().ecs as { tasks: { taskArn: string }[] }).tasks.map((t) => t.taskArn);
    expect(everyTask).toHaveLength(FLEET);

    // The first task of page 1 leaves the RUNNING listing (desiredStatus STOPPED) before page 2.
    const stopped = page1.taskArns![0]!;
    await ecs.send(new StopTaskCommand({ cluster: 'pages', task: stopped, reason: 'between pages' }));
    const page2 = await ecs.send(
      new ListTasksCommand({ cluster: 'pages', maxResults: 100, nextToken: page1.nextToken }),
    );

    const seen = [...page1.taskArns!, ...page2.taskArns!];
    expect(new Set(seen).size).toBe(seen.length);
    // Every task that was running and still is, is on one page or the other. (An offset token
    // would start page 2 one task too far and miss the 101st.)
    const missing = everyTask.filter((arn) => arn !== stopped && !seen.includes(arn));
    expect(missing).toEqual([]);
    expect(page2.taskArns!.length).toBeGreaterThanOrEqual(FLEET - 100);
  });

  it('a token ECS did not issue for this operation is InvalidParameterException', async () => {
    const tasks = await ecs.send(new ListTasksCommand({ cluster: 'pages', maxResults: 1 }));
    const noPosition = Buffer.from('{"op":"ListTasks"}').toString('base64url');
    for (const nextToken of ['bogus', noPosition])
      await expect(ecs.send(new ListTasksCommand({ cluster: 'pages', nextToken }))).rejects.toBeInstanceOf(
        InvalidParameterException,
      );
    // A ListTasks token is no ListServices or ListTaskDefinitions token.
    await expect(
      ecs.send(new ListServicesCommand({ cluster: 'pages', nextToken: tasks.nextToken })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(ecs.send(new ListTaskDefinitionsCommand({ nextToken: tasks.nextToken }))).rejects.toThrow(
      'Invalid nextToken.',
    );
  });

  it('ListServices pages 10 at a time when not told otherwise, as the API reference says', async () => {
    for (let i = 0; i < 11; i++) {
      await ecs.send(
        new CreateServiceCommand({
          cluster: 'pages',
          serviceName: `idle-${i}`,
          taskDefinition: 'fleet',
          desiredCount: 0,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        }),
      );
    }
    const first = await ecs.send(new ListServicesCommand({ cluster: 'pages' }));
    expect(first.serviceArns).toHaveLength(10);
    const all: string[] = [];
    for await (const page of paginateListServices({ client: ecs }, { cluster: 'pages' }))
      all.push(...(page.serviceArns ?? []));
    expect(all).toHaveLength(12);
    expect(new Set(all).size).toBe(12);
  });
});
