// RunTask through the real SDK: a standalone task of no service, with containerOverrides[].command
// deciding what a one-off container does (runtime/behavior.ts jobOf: `--exit <code>` after
// `--sleep <s>`), DescribeTasks showing the container's exitCode and ECS's stoppedReason, StopTask
// ending a task still running, clientToken starting no second task, and RunTask's refusals.
// Both task runtimes: a real child process and the in-process one.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ConflictException,
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { startEmulator } from '../../emulator/src/index.js';
import type { Emulator } from '../../emulator/src/index.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const network = {
  awsvpcConfiguration: { subnets: ['subnet-0a0a0a0a0a0a0a0a1'], securityGroups: ['sg-0b0b0b0b0b0b0b0b1'] },
};

async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(['process', 'in-process'] as const)('RunTask (%s runtime)', (runtime) => {
  let emulator: Emulator;
  let ecs: ECSClient;
  let definitionArn: string;

  beforeAll(async () => {
    emulator = await startEmulator({ timeScale: 0.05, taskRuntime: runtime, taskStartSeconds: 2 });
    ecs = new ECSClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    await ecs.send(new CreateClusterCommand({ clusterName: 'jobs' }));
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'app',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'app',
            image: 'demo/app:1',
            essential: true,
            portMappings: [{ containerPort: 8080 }],
            stopTimeout: 2,
          },
        ],
      }),
    );
    definitionArn = registered.taskDefinition?.taskDefinitionArn ?? '';
  });
  afterAll(async () => {
    ecs?.destroy();
    await emulator?.stop();
  });

  const run = (command: string[], extra: Partial<RunTaskCommandInput> = {}): Promise<Task> =>
    ecs
      .send(
        new RunTaskCommand({
          cluster: 'jobs',
          taskDefinition: definitionArn,
          launchType: 'FARGATE',
          networkConfiguration: network,
          startedBy: 'tests/one-off',
          overrides: { containerOverrides: [{ name: 'app', command }] },
          ...extra,
        }),
      )
      .then((answer) => {
        expect(answer.failures).toEqual([]);
        const task = answer.tasks?.[0];
        if (!task) throw new Error('RunTask answered no task');
        return task;
      });

  const stopped = (arn: string): Promise<Task> =>
    until(
      async () => {
        const task = (await ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: [arn] }))).tasks?.[0];
        return task?.lastStatus === 'STOPPED' ? task : undefined;
      },
      20_000,
      `task ${arn} STOPPED`,
    );

  it.each([
    [['migrate', '--exit', '1'], 1],
    [['migrate'], 0],
    [['migrate', '--exit', '7', '--sleep', '1'], 7],
  ])('command %j: the container exits %i and ECS stops the task', async (command, code) => {
    const task = await run(command);
    expect(task).toMatchObject({
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      startedBy: 'tests/one-off',
      group: 'family:app',
      launchType: 'FARGATE',
    });
    const done = await stopped(task.taskArn ?? '');
    expect(done.containers?.[0]?.exitCode).toBe(code);
    // "Essential container in task exited" whatever the code (page "Amazon ECS stopped task errors").
    expect(done.stoppedReason).toBe('Essential container in task exited');
    expect(done.stopCode).toBe('EssentialContainerExited');
    expect(done.overrides?.containerOverrides).toEqual([{ name: 'app', command }]);
    expect(done.startedAt).toBeInstanceOf(Date);
  });

  it('StopTask ends a one-off command still running (SIGTERM: exit 143)', async () => {
    const task = await run(['migrate', '--sleep', '600']);
    const arn = task.taskArn ?? '';
    await until(
      async () =>
        (await ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: [arn] }))).tasks?.[0]
          ?.lastStatus === 'RUNNING'
          ? true
          : undefined,
      20_000,
      'the one-off task RUNNING',
    );
    await ecs.send(new StopTaskCommand({ cluster: 'jobs', task: arn, reason: 'timed out' }));
    const done = await stopped(arn);
    expect(done.stoppedReason).toBe('timed out');
    expect(done.stopCode).toBe('UserInitiated');
    expect(done.containers?.[0]?.exitCode).toBe(143);
  });

  it('the same clientToken starts no second task; another request with it is a ConflictException', async () => {
    const first = await run(['migrate', '--sleep', '600'], { clientToken: `token-${runtime}` });
    const again = await run(['migrate', '--sleep', '600'], { clientToken: `token-${runtime}` });
    expect(again.taskArn).toBe(first.taskArn);
    const listed = await ecs.send(new ListTasksCommand({ cluster: 'jobs', startedBy: 'tests/one-off' }));
    expect(listed.taskArns?.filter((a) => a === first.taskArn)).toHaveLength(1);
    await expect(run(['other'], { clientToken: `token-${runtime}` })).rejects.toBeInstanceOf(
      ConflictException,
    );
    await ecs.send(new StopTaskCommand({ cluster: 'jobs', task: first.taskArn ?? '' }));
  });

  it('refuses an override of a container the definition does not have, and awsvpc without a network', async () => {
    await expect(
      ecs.send(
        new RunTaskCommand({
          cluster: 'jobs',
          taskDefinition: definitionArn,
          networkConfiguration: network,
          overrides: { containerOverrides: [{ name: 'db', command: ['x'] }] },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      ecs.send(new RunTaskCommand({ cluster: 'jobs', taskDefinition: definitionArn, launchType: 'FARGATE' })),
    ).rejects.toThrow(/Network Configuration must be provided/);
  });
});
