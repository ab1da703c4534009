// StopServiceDeployment (ROLLBACK) against the fake task runtime and target registry (ecs-fakes.ts):
// the rollback keeps the source revision's running tasks and starts tasks only to make up the
// desired count; its states; ROLLBACK_FAILED when the source revision's tasks fail too; the errors.
import { afterEach, describe, expect, it } from '@jest/globals';
import { harness, serviceInput, until, webTaskDefinition } from './ecs-fakes.js';
import type { Harness } from './ecs-fakes.js';
import { describeDeployment, listDeployments, steady, tasksOf } from './ecs-deployment-helpers.js';
import type { TaskView } from './ecs-deployment-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const WEB_1 = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1';

async function setUp(
  desiredCount: number,
  deploymentConfiguration: Record<string, unknown>,
): Promise<Harness> {
  const x = harness();
  h = x;
  await x.ok('CreateCluster', { clusterName: 'demo' });
  await x.ok('RegisterTaskDefinition', webTaskDefinition('1'));
  await x.ok('CreateService', serviceInput('web:1', { desiredCount, deploymentConfiguration }));
  await steady(x, 'web:1');
  // web:2 never gets healthy within a test (it listens after 1000 AWS s): a deployment that stays
  // IN_PROGRESS until stopped.
  await x.ok('RegisterTaskDefinition', webTaskDefinition('slow-start-1000'));
  return x;
}

const running = (x: Harness): TaskView[] => tasksOf(x).filter((t) => t.desiredStatus === 'RUNNING');
const deployments = async (x: Harness): Promise<{ id: string; status: string; rolloutState: string }[]> =>
  (
    await x.ok<{ services: { deployments: { id: string; status: string; rolloutState: string }[] }[] }>(
      'DescribeServices',
      { cluster: 'demo', services: ['web'] },
    )
  ).services[0]!.deployments;

describe('StopServiceDeployment ROLLBACK', () => {
  it('keeps every running task of the source revision: the old deployment is PRIMARY again and starts nothing it does not need', async () => {
    const x = await setUp(4, { minimumHealthyPercent: 100, maximumPercent: 200 });
    const original = running(x).map((t) => t.taskArn);
    const [source] = await deployments(x);
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    await until(() => (running(x).length === 8 ? true : undefined), 5000, 'four web:2 tasks started');
    const [deployment] = await listDeployments(x);

    const answer = await x.ok<{ serviceDeploymentArn: string }>('StopServiceDeployment', {
      serviceDeploymentArn: deployment!.serviceDeploymentArn,
      stopType: 'ROLLBACK',
    });
    expect(answer).toEqual({ serviceDeploymentArn: deployment!.serviceDeploymentArn });
    const statuses = [(await describeDeployment(x, deployment!.serviceDeploymentArn)).status];
    const after = await deployments(x);
    expect(after.map((d) => [d.id, d.status])).toEqual([
      [source!.id, 'PRIMARY'],
      [expect.any(String), 'ACTIVE'],
    ]);
    expect(after[0]!.rolloutState).toBe('IN_PROGRESS');
    expect(after[1]!.rolloutState).toBe('FAILED');

    const done = await until(
      async () => {
        const d = await describeDeployment(x, deployment!.serviceDeploymentArn);
        statuses.push(d.status);
        return d.status === 'ROLLBACK_SUCCESSFUL' ? d : undefined;
      },
      10_000,
      'ROLLBACK_SUCCESSFUL',
    );
    expect(statuses.filter((s, i) => i === 0 || statuses[i - 1] !== s)).toEqual([
      'ROLLBACK_REQUESTED',
      'ROLLBACK_IN_PROGRESS',
      'ROLLBACK_SUCCESSFUL',
    ]);
    // The same four tasks, never stopped; no web:1 task was started for the rollback.
    expect(
      running(x)
        .map((t) => t.taskArn)
        .sort(),
    ).toEqual([...original].sort());
    expect(tasksOf(x).filter((t) => t.taskDefinitionArn === WEB_1)).toHaveLength(4);
    expect(await deployments(x)).toEqual([
      expect.objectContaining({ id: source!.id, rolloutState: 'COMPLETED' }),
    ]);
    expect(done.rollback).toMatchObject({
      reason: 'Rollback requested with StopServiceDeployment.',
      serviceRevisionArn: done.sourceServiceRevisions[0]!.arn,
    });
    expect(done.stoppedAt).toBeDefined();
    expect(done.rollback!.startedAt).toBeGreaterThanOrEqual(done.stoppedAt!);
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.rollback!.startedAt!);
    expect(done.deploymentCircuitBreaker.status).toBe('DISABLED');
  });

  it('starts source-revision tasks only to make up the desired count', async () => {
    // minimum 50%, maximum 100% of 4: ECS stops two old tasks first, then starts two web:2 tasks.
    const x = await setUp(4, { minimumHealthyPercent: 50, maximumPercent: 100 });
    const [source] = await deployments(x);
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    await until(
      () =>
        running(x).filter((t) => t.taskDefinitionArn === WEB_1).length === 2 &&
        running(x).filter((t) => t.taskDefinitionArn !== WEB_1).length === 2
          ? true
          : undefined,
      5000,
      'two old tasks left and two web:2 tasks started',
    );
    const kept = running(x)
      .filter((t) => t.taskDefinitionArn === WEB_1)
      .map((t) => t.taskArn);
    const [deployment] = await listDeployments(x);
    await x.ok('StopServiceDeployment', { serviceDeploymentArn: deployment!.serviceDeploymentArn });
    await until(
      async () =>
        (await describeDeployment(x, deployment!.serviceDeploymentArn)).status === 'ROLLBACK_SUCCESSFUL'
          ? true
          : undefined,
      10_000,
      'ROLLBACK_SUCCESSFUL',
    );
    const now = running(x);
    expect(now.every((t) => t.taskDefinitionArn === WEB_1)).toBe(true);
    expect(now).toHaveLength(4);
    for (const arn of kept) expect(now.map((t) => t.taskArn)).toContain(arn);
    const started = now.filter((t) => !kept.includes(t.taskArn));
    expect(started).toHaveLength(2);
    // Started by the revived deployment, the one that ran the source revision.
    for (const t of started) expect(t.startedBy).toBe(source!.id);
  });

  it("is ROLLBACK_FAILED when the source revision's tasks fail too and the circuit breaker trips during the rollback", async () => {
    const x = await setUp(4, {
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    const [deployment] = await listDeployments(x);
    await x.ok('StopServiceDeployment', { serviceDeploymentArn: deployment!.serviceDeploymentArn });
    // Three of the four kept web:1 tasks crash (the threshold for 4 tasks is 3).
    for (const t of running(x)
      .filter((u) => u.taskDefinitionArn === WEB_1)
      .slice(0, 3))
      x.runtime.crash(t.taskArn.split('/').pop()!, 1);
    const failed = await until(
      async () => {
        const d = await describeDeployment(x, deployment!.serviceDeploymentArn);
        return d.status === 'ROLLBACK_FAILED' ? d : undefined;
      },
      10_000,
      'ROLLBACK_FAILED',
    );
    expect(failed.statusReason).toBe(
      'ECS deployment circuit breaker: tasks failed to start. (during the rollback)',
    );
    expect(failed.finishedAt).toBeDefined();
    expect((await deployments(x))[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'FAILED' });
  });
});

describe('StopServiceDeployment errors', () => {
  it("answers AWS's error codes for what it cannot stop", async () => {
    const x = await setUp(2, { minimumHealthyPercent: 100, maximumPercent: 200 });
    const [completed] = await listDeployments(x);
    const code = async (input: Record<string, unknown>): Promise<unknown> =>
      (await x.call('StopServiceDeployment', input)).body['__type'];

    // The first deployment (CreateService) finished: nothing left to stop.
    expect(completed!.status).toBe('SUCCESSFUL');
    expect(await code({ serviceDeploymentArn: completed!.serviceDeploymentArn })).toBe('ConflictException');
    expect(
      await code({ serviceDeploymentArn: completed!.serviceDeploymentArn.replace(/[^/]+$/, 'x'.repeat(21)) }),
    ).toBe('ServiceDeploymentNotFoundException');
    expect(await code({ serviceDeploymentArn: 'not-an-arn' })).toBe('InvalidParameterException');
    expect(await code({})).toBe('InvalidParameterException');

    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    const [ongoing] = await listDeployments(x);
    expect(await code({ serviceDeploymentArn: ongoing!.serviceDeploymentArn, stopType: 'ABORT' })).toBe(
      'InvalidParameterException',
    );
    expect(await code({ serviceDeploymentArn: ongoing!.serviceDeploymentArn, stopType: 'PAUSE' })).toBe(
      'InvalidParameterException',
    );
    // Stopping a rollback under way again continues it (page "Stopping Amazon ECS service deployments").
    await x.ok('StopServiceDeployment', { serviceDeploymentArn: ongoing!.serviceDeploymentArn });
    const again = await x.call('StopServiceDeployment', {
      serviceDeploymentArn: ongoing!.serviceDeploymentArn,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ serviceDeploymentArn: ongoing!.serviceDeploymentArn });
  });

  it('ConflictException for the first deployment of a service: there is no earlier revision to go back to', async () => {
    const x = harness();
    h = x;
    await x.ok('CreateCluster', { clusterName: 'demo' });
    await x.ok('RegisterTaskDefinition', webTaskDefinition('slow-start-1000'));
    await x.ok('CreateService', serviceInput('web:1', { desiredCount: 1 }));
    const [first] = await listDeployments(x);
    const answer = await x.call('StopServiceDeployment', {
      serviceDeploymentArn: first!.serviceDeploymentArn,
    });
    expect(answer.body['__type']).toBe('ConflictException');
    expect((await describeDeployment(x, first!.serviceDeploymentArn)).status).toMatch(
      /^(PENDING|IN_PROGRESS)$/,
    );
  });
});
