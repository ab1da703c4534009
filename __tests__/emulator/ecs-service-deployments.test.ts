// Service deployments and revisions (ListServiceDeployments, DescribeServiceDeployments,
// DescribeServiceRevisions) against the fake task runtime and target registry (ecs-fakes.ts), at a
// time scale of 0.02: one per deployment, their states through a rollout, a superseded one, the
// circuit breaker's record, what settings-only updates leave alone, and that a deploymentConfiguration
// change applies to the deployment in flight. StopServiceDeployment is ecs-stop-deployment.test.ts.
import { afterEach, describe, expect, it } from '@jest/globals';
import { TICK_REAL_MS } from '../../emulator/src/ecs/scheduler.js';
import { harness, serviceInput, until, webTaskDefinition } from './ecs-fakes.js';
import type { Harness } from './ecs-fakes.js';
import {
  brief,
  describeDeployment,
  listDeployments,
  revisions,
  steady,
  tasksOf,
  type DeploymentView,
} from './ecs-deployment-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

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
  return x;
}

const DEPLOYMENT_ARN =
  /^arn:aws:ecs:us-east-1:000000000000:service-deployment\/demo\/web\/[A-Za-z0-9_-]{21}$/;
const REVISION_ARN = /^arn:aws:ecs:us-east-1:000000000000:service-revision\/demo\/web\/\d{19}$/;

describe('service deployments through a rollout', () => {
  it('CreateService starts one, with a revision and no source; it is SUCCESSFUL at steady state', async () => {
    const x = await setUp(4, { minimumHealthyPercent: 100, maximumPercent: 200 });
    const list = await listDeployments(x);
    expect(list).toHaveLength(1);
    const first = list[0]!;
    expect(first.serviceDeploymentArn).toMatch(DEPLOYMENT_ARN);
    expect(first.targetServiceRevisionArn).toMatch(REVISION_ARN);
    expect(first).toMatchObject({
      serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/demo/web',
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/demo',
      status: 'SUCCESSFUL',
    });
    expect(first.finishedAt).toBeGreaterThanOrEqual(first.startedAt!);
    expect(first.startedAt).toBeGreaterThanOrEqual(first.createdAt);

    const described = await describeDeployment(x, first.serviceDeploymentArn);
    expect(described.sourceServiceRevisions).toEqual([]);
    expect(described.targetServiceRevision).toEqual({
      arn: first.targetServiceRevisionArn,
      requestedTaskCount: 4,
      runningTaskCount: 4,
      pendingTaskCount: 0,
    });
    expect(described.deploymentCircuitBreaker).toEqual({ status: 'DISABLED', failureCount: 0, threshold: 3 });
    expect(described.deploymentConfiguration).toEqual({
      deploymentCircuitBreaker: { enable: false, rollback: false },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      strategy: 'ROLLING',
      bakeTimeInMinutes: 0,
    });
    expect(described.alarms).toEqual({ status: 'DISABLED' });

    const [revision] = await revisions(x, [first.targetServiceRevisionArn]);
    expect(revision).toMatchObject({
      serviceRevisionArn: first.targetServiceRevisionArn,
      taskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1',
      launchType: 'FARGATE',
      containerImages: [{ containerName: 'web', image: 'demo/web:1' }],
      loadBalancers: [{ containerName: 'web', containerPort: 8080 }],
    });
    const service = (
      await x.ok<{ services: { currentServiceDeployment: string; currentServiceRevisions: unknown[] }[] }>(
        'DescribeServices',
        { cluster: 'demo', services: ['web'] },
      )
    ).services[0]!;
    expect(service.currentServiceDeployment).toBe(first.serviceDeploymentArn);
    expect(service.currentServiceRevisions).toEqual([described.targetServiceRevision]);
  });

  it('a new task definition starts one IN_PROGRESS with the running revision as its source, SUCCESSFUL at the end', async () => {
    const x = await setUp(2, { minimumHealthyPercent: 100, maximumPercent: 200 });
    const [first] = await listDeployments(x);
    await x.ok('RegisterTaskDefinition', webTaskDefinition('2'));
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    const list = await listDeployments(x);
    expect(list.map((d) => d.status)).toEqual([
      expect.stringMatching(/^(PENDING|IN_PROGRESS)$/),
      'SUCCESSFUL',
    ]);
    const second = list[0]!;
    expect(second.targetServiceRevisionArn).not.toBe(first!.targetServiceRevisionArn);
    const during = await until(
      async () => {
        const d = await describeDeployment(x, second.serviceDeploymentArn);
        return d.status === 'IN_PROGRESS' ? d : undefined;
      },
      5000,
      'IN_PROGRESS',
    );
    expect(during.sourceServiceRevisions.map((r) => r.arn)).toEqual([first!.targetServiceRevisionArn]);
    expect(during.deploymentCircuitBreaker).toEqual({ status: 'DISABLED', failureCount: 0, threshold: 3 });
    await steady(x, 'web:2');
    const done = await describeDeployment(x, second.serviceDeploymentArn);
    expect(done.status).toBe('SUCCESSFUL');
    // Counts as they were when it finished: the old revision has nothing left.
    expect(done.targetServiceRevision).toMatchObject({ requestedTaskCount: 2, runningTaskCount: 2 });
    expect(done.sourceServiceRevisions).toEqual([
      {
        arn: first!.targetServiceRevisionArn,
        requestedTaskCount: 0,
        runningTaskCount: 0,
        pendingTaskCount: 0,
      },
    ]);
    const [revision] = await revisions(x, [second.targetServiceRevisionArn]);
    expect(revision!.taskDefinition).toBe('arn:aws:ecs:us-east-1:000000000000:task-definition/web:2');
  });

  it('settings alone start no service deployment and no revision; forceNewDeployment starts one with a new revision of the same task definition', async () => {
    const x = await setUp(2, { minimumHealthyPercent: 100, maximumPercent: 200 });
    const before = await listDeployments(x);
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 3 });
    await x.ok('UpdateService', {
      cluster: 'demo',
      service: 'web',
      deploymentConfiguration: { maximumPercent: 150, minimumHealthyPercent: 50 },
    });
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:1' });
    expect(await listDeployments(x)).toEqual(before);
    await steady(x, 'web:1');

    await x.ok('UpdateService', { cluster: 'demo', service: 'web', forceNewDeployment: true });
    const after = await listDeployments(x);
    expect(after).toHaveLength(2);
    expect(after[0]!.targetServiceRevisionArn).not.toBe(before[0]!.targetServiceRevisionArn);
    const [forced, original] = await revisions(x, [
      after[0]!.targetServiceRevisionArn,
      before[0]!.targetServiceRevisionArn,
    ]);
    expect(forced!.taskDefinition).toBe(original!.taskDefinition);
  });

  it('a deployment superseded by a newer UpdateService is STOPPED when the newer one starts', async () => {
    const x = await setUp(2, { minimumHealthyPercent: 100, maximumPercent: 200 });
    await x.ok('RegisterTaskDefinition', webTaskDefinition('slow-start-1000'));
    await x.ok('RegisterTaskDefinition', webTaskDefinition('3'));
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    const [superseded] = await listDeployments(x);
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:3' });
    const [newest] = await listDeployments(x);
    const stopped = await describeDeployment(x, superseded!.serviceDeploymentArn);
    expect(stopped.status).toBe('STOPPED');
    expect(stopped.statusReason).toContain(newest!.serviceDeploymentArn);
    expect(stopped.stoppedAt).toBe(stopped.finishedAt);
    expect(stopped.finishedAt).toBeGreaterThanOrEqual(newest!.createdAt);
    // The newer one runs from both earlier revisions.
    const running = await describeDeployment(x, newest!.serviceDeploymentArn);
    expect(new Set(running.sourceServiceRevisions.map((r) => r.arn))).toEqual(
      new Set([
        superseded!.targetServiceRevisionArn,
        (await listDeployments(x))[2]!.targetServiceRevisionArn,
      ]),
    );
    await steady(x, 'web:3');
    expect((await listDeployments(x)).map((d) => d.status)).toEqual(['SUCCESSFUL', 'STOPPED', 'SUCCESSFUL']);
  });
});

describe('ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions', () => {
  it('filters by status and createdAt, pages newest first, and answers ECS errors', async () => {
    const x = await setUp(1, { minimumHealthyPercent: 100, maximumPercent: 200 });
    for (let i = 0; i < 3; i++) {
      await x.ok('UpdateService', { cluster: 'demo', service: 'web', forceNewDeployment: true });
      await steady(x, 'web:1');
    }
    const all = await listDeployments(x);
    expect(all).toHaveLength(4);
    const created = all.map((d) => d.createdAt);
    expect([...created].sort((a, b) => b - a)).toEqual(created);

    const paged: string[] = [];
    let nextToken: string | undefined;
    do {
      const page: { serviceDeployments: { serviceDeploymentArn: string }[]; nextToken?: string } = await x.ok(
        'ListServiceDeployments',
        { cluster: 'demo', service: 'web', maxResults: 3, nextToken },
      );
      expect(page.serviceDeployments.length).toBeLessThanOrEqual(3);
      paged.push(...page.serviceDeployments.map((d) => d.serviceDeploymentArn));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(paged).toEqual(all.map((d) => d.serviceDeploymentArn));

    expect(await listDeployments(x, { status: ['IN_PROGRESS'] })).toEqual([]);
    expect(await listDeployments(x, { status: ['SUCCESSFUL', 'STOPPED'] })).toHaveLength(4);
    const middle = all[2]!.createdAt;
    expect((await listDeployments(x, { createdAt: { after: middle } })).map(brief)).toEqual(
      all.slice(0, 2).map(brief),
    );
    expect((await listDeployments(x, { createdAt: { before: middle } })).map(brief)).toEqual([
      brief(all[3]!),
    ]);

    const error = async (operation: string, input: Record<string, unknown>): Promise<unknown> =>
      (await x.call(operation, input)).body['__type'];
    expect(await error('ListServiceDeployments', { cluster: 'demo', service: 'web', status: ['DONE'] })).toBe(
      'InvalidParameterException',
    );
    expect(
      await error('ListServiceDeployments', { cluster: 'demo', service: 'web', nextToken: 'bogus' }),
    ).toBe('InvalidParameterException');
    expect(await error('ListServiceDeployments', { cluster: 'demo', service: 'nope' })).toBe(
      'ServiceNotFoundException',
    );
    expect(await error('ListServiceDeployments', { cluster: 'demo' })).toBe('InvalidParameterException');
    expect(
      await error('DescribeServiceDeployments', {
        serviceDeploymentArns: Array.from({ length: 21 }, () => all[0]!.serviceDeploymentArn),
      }),
    ).toBe('InvalidParameterException');

    const unknown = all[0]!.serviceDeploymentArn.replace(/[^/]+$/, 'AAAAAAAAAAAAAAAAAAAAA');
    const described = await x.ok<{ serviceDeployments: unknown[]; failures: unknown[] }>(
      'DescribeServiceDeployments',
      { serviceDeploymentArns: [all[0]!.serviceDeploymentArn, unknown] },
    );
    expect(described.serviceDeployments).toHaveLength(1);
    expect(described.failures).toEqual([{ arn: unknown, reason: 'MISSING' }]);
    const unknownRevision = all[0]!.targetServiceRevisionArn.replace(/\d+$/, '1234567890123456789');
    const revs = await x.ok<{ serviceRevisions: unknown[]; failures: unknown[] }>(
      'DescribeServiceRevisions',
      {
        serviceRevisionArns: [unknownRevision],
      },
    );
    expect(revs).toEqual({ serviceRevisions: [], failures: [{ arn: unknownRevision, reason: 'MISSING' }] });
  });

  it('deleting the service deletes its service deployments and revisions', async () => {
    const x = await setUp(1, { minimumHealthyPercent: 100, maximumPercent: 200 });
    const [first] = await listDeployments(x);
    await x.ok('DeleteService', { cluster: 'demo', service: 'web', force: true });
    await until(
      async () => {
        const d = await x.ok<{ failures: unknown[] }>('DescribeServiceDeployments', {
          serviceDeploymentArns: [first!.serviceDeploymentArn],
        });
        return d.failures.length === 1 ? true : undefined;
      },
      5000,
      'the service deployment gone with the service',
    );
    const revs = await x.ok<{ failures: unknown[] }>('DescribeServiceRevisions', {
      serviceRevisionArns: [first!.targetServiceRevisionArn],
    });
    expect(revs.failures).toHaveLength(1);
  });
});

describe('the deployment circuit breaker, as service deployments record it', () => {
  it('with rollback: TRIGGERED, then ROLLBACK_* back to the source revision', async () => {
    const x = await setUp(4, {
      minimumHealthyPercent: 100,
      maximumPercent: 125,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
    const [first] = await listDeployments(x);
    await x.ok('RegisterTaskDefinition', webTaskDefinition('crash'));
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    const [tripped] = await listDeployments(x);
    const monitoring = await describeDeployment(x, tripped!.serviceDeploymentArn);
    expect(monitoring.deploymentCircuitBreaker).toMatchObject({ status: 'MONITORING', threshold: 3 });
    const seen = new Set<string>();
    const done = await until(
      async () => {
        const d = await describeDeployment(x, tripped!.serviceDeploymentArn);
        seen.add(d.status);
        return d.status === 'ROLLBACK_SUCCESSFUL' ? d : undefined;
      },
      15_000,
      'ROLLBACK_SUCCESSFUL',
    );
    expect(seen.has('SUCCESSFUL')).toBe(false);
    expect(done.deploymentCircuitBreaker).toEqual({ status: 'TRIGGERED', failureCount: 3, threshold: 3 });
    expect(done.rollback).toMatchObject({
      reason: expect.stringMatching(
        /^ECS deployment circuit breaker: rolling back to deploymentId ecs-svc\/\d{19}\.$/,
      ),
      serviceRevisionArn: first!.targetServiceRevisionArn,
    });
    expect(done.rollback!.startedAt).toBeGreaterThanOrEqual(done.startedAt!);
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.rollback!.startedAt!);
    // No new revision for a rollback: the source revision runs again.
    expect((await listDeployments(x)).map((d) => d.targetServiceRevisionArn)).toEqual([
      tripped!.targetServiceRevisionArn,
      first!.targetServiceRevisionArn,
    ]);
    expect(
      tasksOf(x)
        .filter((t) => t.desiredStatus === 'RUNNING')
        .map((t) => t.taskDefinitionArn),
    ).toEqual(Array(4).fill('arn:aws:ecs:us-east-1:000000000000:task-definition/web:1'));
  });

  it('without rollback: TRIGGERED and STOPPED, with stoppedAt', async () => {
    const x = await setUp(2, {
      minimumHealthyPercent: 100,
      maximumPercent: 150,
      deploymentCircuitBreaker: { enable: true, rollback: false },
    });
    await x.ok('RegisterTaskDefinition', webTaskDefinition('crash'));
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    const [tripped] = await listDeployments(x);
    const stopped = await until(
      async () => {
        const d = await describeDeployment(x, tripped!.serviceDeploymentArn);
        return d.status === 'STOPPED' ? d : undefined;
      },
      10_000,
      'STOPPED',
    );
    expect(stopped.statusReason).toBe('ECS deployment circuit breaker: tasks failed to start.');
    expect(stopped.deploymentCircuitBreaker).toEqual({ status: 'TRIGGERED', failureCount: 3, threshold: 3 });
    expect(stopped.stoppedAt).toBeDefined();
    expect(stopped.rollback).toBeUndefined();
  });
});

describe('a deploymentConfiguration change applies to the deployment in flight', () => {
  it('held at 100/100 nothing launches; raising maximumPercent launches exactly the room it gives, with no new deployment', async () => {
    const x = await setUp(4, { minimumHealthyPercent: 100, maximumPercent: 200 });
    await x.ok('UpdateService', {
      cluster: 'demo',
      service: 'web',
      deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 100 },
    });
    // New tasks that never become healthy: no old task may stop, so only maximumPercent decides.
    await x.ok('RegisterTaskDefinition', webTaskDefinition('slow-start-1000'));
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    const [deployment] = await listDeployments(x);
    // IN_PROGRESS is set by the scheduler's reconcile, in the same pass that would have launched.
    await until(
      async () =>
        (await describeDeployment(x, deployment!.serviceDeploymentArn)).status === 'IN_PROGRESS'
          ? true
          : undefined,
      5000,
      'the scheduler to take the deployment up',
    );
    const newTasks = (): number => tasksOf(x).filter((t) => t.taskDefinitionArn.endsWith('web:2')).length;
    expect(newTasks()).toBe(0);
    const deploymentsBefore = (
      await x.ok<{ services: { deployments: { id: string }[] }[] }>('DescribeServices', {
        cluster: 'demo',
        services: ['web'],
      })
    ).services[0]!.deployments.map((d) => d.id);

    await x.ok('UpdateService', {
      cluster: 'demo',
      service: 'web',
      deploymentConfiguration: { maximumPercent: 150 },
    });
    await until(() => (newTasks() >= 2 ? true : undefined), 5000, 'two new tasks');
    // 150% of 4 is 6: room for exactly two; the new ones never become healthy, so no old one stops
    // and nothing more can start. Watched for five scheduler ticks (at least four reconciles).
    await until(
      () =>
        tasksOf(x).filter((t) => t.taskDefinitionArn.endsWith('web:2') && t.lastStatus === 'PENDING')
          .length === 2
          ? true
          : undefined,
      5000,
      'the two new tasks PENDING',
    );
    const watchUntil = Date.now() + 5 * TICK_REAL_MS;
    while (Date.now() < watchUntil) {
      expect(newTasks()).toBe(2);
      await new Promise((r) => setTimeout(r, 10));
    }
    const service = (
      await x.ok<{ services: { deployments: { id: string }[]; deploymentConfiguration: unknown }[] }>(
        'DescribeServices',
        { cluster: 'demo', services: ['web'] },
      )
    ).services[0]!;
    expect(service.deployments.map((d) => d.id)).toEqual(deploymentsBefore);
    expect(service.deploymentConfiguration).toMatchObject({
      maximumPercent: 150,
      minimumHealthyPercent: 100,
    });
    const list = await listDeployments(x);
    expect(list.map((d) => d.serviceDeploymentArn)).toEqual([
      deployment!.serviceDeploymentArn,
      expect.any(String),
    ]);
    const described: DeploymentView = await describeDeployment(x, deployment!.serviceDeploymentArn);
    expect(described.deploymentConfiguration).toMatchObject({ maximumPercent: 150 });
    expect(described.targetServiceRevision).toMatchObject({ requestedTaskCount: 4, pendingTaskCount: 2 });
  });
});
