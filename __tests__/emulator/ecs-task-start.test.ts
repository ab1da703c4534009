// A task's start as ECS runs it (page "Amazon ECS task lifecycle"): PROVISIONING (the awsvpc ENI),
// PENDING (the image pull), and only then the containers. The emulator spends taskStartSeconds on
// the first two; a task stopped meanwhile never starts a process.
import { afterEach, describe, expect, it } from '@jest/globals';
import { harness, serviceInput, until, webTaskDefinition, type Harness } from './ecs-fakes.js';

interface TaskView {
  taskArn: string;
  lastStatus: string;
  desiredStatus: string;
  /** Epoch seconds, as DescribeTasks gives them. */
  createdAt?: number;
  startedAt?: number;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const tasks = (x: Harness): TaskView[] => (x.ecs.state() as { tasks: TaskView[] }).tasks;

describe('task start: provisioning and image pull before the containers', () => {
  it('goes PROVISIONING -> PENDING -> RUNNING, starting no process before taskStartSeconds', async () => {
    const x = harness({ scale: 0.02, taskStartSeconds: 10 });
    h = x;
    await x.ok('CreateCluster', { clusterName: 'demo' });
    await x.ok('RegisterTaskDefinition', webTaskDefinition('1'));
    const seen: string[] = [];
    const note = (): void => {
      for (const t of tasks(x)) if (seen.at(-1) !== t.lastStatus) seen.push(t.lastStatus);
    };
    const timer = setInterval(note, 5);
    try {
      await x.ok('CreateService', serviceInput('web:1', { desiredCount: 1 }));
      // The scheduler launches on its next pass.
      await until(() => tasks(x)[0], 5_000, 'the task launched');
      note();
      expect(tasks(x)[0]?.lastStatus).toBe('PROVISIONING');
      expect(x.runtime.tasks.size).toBe(0);
      await until(
        () => (tasks(x)[0]?.lastStatus === 'RUNNING' ? true : undefined),
        10_000,
        'the task RUNNING',
      );
      note();
    } finally {
      clearInterval(timer);
    }
    expect(seen).toEqual(['PROVISIONING', 'PENDING', 'RUNNING']);
    expect(x.runtime.tasks.size).toBe(1);
  });

  it('a task stopped while provisioning goes to STOPPED without ever starting a process', async () => {
    const x = harness({ scale: 0.02, taskStartSeconds: 50 });
    h = x;
    await x.ok('CreateCluster', { clusterName: 'demo' });
    await x.ok('RegisterTaskDefinition', webTaskDefinition('1'));
    await x.ok('CreateService', serviceInput('web:1', { desiredCount: 1 }));
    const arn = (await until(() => tasks(x)[0], 5_000, 'the task launched')).taskArn;
    await x.ok('StopTask', { cluster: 'demo', task: arn });
    await until(
      () => (tasks(x).find((t) => t.taskArn === arn)?.lastStatus === 'STOPPED' ? true : undefined),
      10_000,
      'the task STOPPED',
    );
    // Its start time has passed by now too: still no process for it.
    await until(
      () => (tasks(x).some((t) => t.taskArn !== arn && t.lastStatus === 'RUNNING') ? true : undefined),
      10_000,
      'the replacement RUNNING',
    );
    expect([...x.runtime.tasks.values()].map((t) => t.spec.taskArn)).not.toContain(arn);
  });

  it('setTaskStartSeconds applies to the tasks launched after it', async () => {
    const x = harness({ scale: 0.02, taskStartSeconds: 0 });
    h = x;
    await x.ok('CreateCluster', { clusterName: 'demo' });
    await x.ok('RegisterTaskDefinition', webTaskDefinition('1'));
    await x.ok('CreateService', serviceInput('web:1', { desiredCount: 1 }));
    const first = await until(
      () => (tasks(x)[0]?.lastStatus === 'RUNNING' ? tasks(x)[0] : undefined),
      5_000,
      'the first task RUNNING',
    );
    x.ecs.setTaskStartSeconds(50);
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 2 });
    const second = await until(
      () => tasks(x).find((t) => t.taskArn !== first.taskArn),
      5_000,
      'the second task launched',
    );
    // A start of 0 goes straight to the containers (PENDING at launch); this one provisions first.
    expect(second.lastStatus).toBe('PROVISIONING');
    const running = await until(
      () => tasks(x).find((t) => t.taskArn === second.taskArn && t.lastStatus === 'RUNNING'),
      10_000,
      'the second task RUNNING',
    );
    // 50 AWS s at this scale: 1 s of real time from its launch to its start.
    expect((running.startedAt ?? 0) - (running.createdAt ?? 0)).toBeGreaterThanOrEqual(50 * 0.02);
    expect(() => x.ecs.setTaskStartSeconds(-1)).toThrow(/0 or more AWS seconds/);
  });
});
