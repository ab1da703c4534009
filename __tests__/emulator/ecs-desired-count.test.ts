// The desired count changed during a deployment (what Application Auto Scaling does with
// UpdateService { desiredCount }): no new deployment, the PRIMARY deployment's desiredCount follows
// the service's (API reference, Deployment: "the most recent desired count of tasks that was
// specified for the service"), and maximumPercent / minimumHealthyPercent apply to the new count
// (API reference, DeploymentConfiguration: "as a percentage of the desiredCount"). Extra tasks run
// the PRIMARY's (target) revision: the deployment completes when "the target service revision
// reaches 100 percent of the desired count" (developer guide, "Complete Amazon ECS rolling
// deployments early with early success criteria").
import { afterEach, describe, expect, it } from '@jest/globals';
import { harness, serviceInput, TG_ARN, until, webTaskDefinition } from './ecs-fakes.js';
import type { Harness } from './ecs-fakes.js';

interface TaskView {
  lastStatus: string;
  desiredStatus: string;
  taskDefinitionArn: string;
  privateIPv4Address: string;
  stoppedReason?: string;
}
interface ServiceView {
  desiredCount: number;
  deployments: {
    id: string;
    status: string;
    taskDefinition: string;
    desiredCount: number;
    rolloutState: string;
  }[];
}
interface State {
  services: ServiceView[];
  tasks: TaskView[];
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const state = (x: Harness): State => x.ecs.state() as State;
const service = (x: Harness): ServiceView => state(x).services[0]!;
const revisionOf = (arn: string): string => arn.split('/').pop()!;
const up = (x: Harness, revision: string): TaskView[] =>
  state(x).tasks.filter((t) => t.desiredStatus === 'RUNNING' && revisionOf(t.taskDefinitionArn) === revision);
/** Resolves after the scheduler has run `n` more passes (bounded), so "nothing happened" spans passes it ran. */
async function passes(x: Harness, n: number): Promise<void> {
  let seen = 0;
  const unsubscribe = x.ecs.onSchedulerPass(() => seen++);
  try {
    await until(() => (seen >= n ? true : undefined), 5_000, `${n} scheduler passes`);
  } finally {
    unsubscribe();
  }
}
const healthy = (x: Harness, t: TaskView): boolean =>
  t.lastStatus === 'RUNNING' &&
  t.desiredStatus === 'RUNNING' &&
  x.targets.health(TG_ARN, { id: t.privateIPv4Address, port: 8080 }).state === 'healthy';

/** A steady service of 4 healthy web:1 tasks, then a deployment of web:2 held at 100/100. */
async function heldDeployment(): Promise<Harness> {
  const x = harness();
  h = x;
  await x.ok('CreateCluster', { clusterName: 'demo' });
  await x.ok('RegisterTaskDefinition', webTaskDefinition('1'));
  await x.ok(
    'CreateService',
    serviceInput('web:1', {
      desiredCount: 4,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
    }),
  );
  await until(
    () => (up(x, 'web:1').filter((t) => healthy(x, t)).length === 4 ? true : undefined),
    15_000,
    '4 healthy',
  );
  await x.ok('RegisterTaskDefinition', webTaskDefinition('2'));
  await x.ok('UpdateService', {
    cluster: 'demo',
    service: 'web',
    taskDefinition: 'web:2',
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 100 },
  });
  return x;
}

describe('desiredCount changed during a deployment', () => {
  it('scale-out 4 -> 6 under 100/100: PRIMARY follows, exactly 2 tasks of the new revision start, no old one stops', async () => {
    const x = await heldDeployment();
    // Held: at 100% of 4 nothing starts, at 100% nothing stops (a few scheduler passes to be sure).
    await passes(x, 5);
    expect(up(x, 'web:2')).toHaveLength(0);
    const before = service(x).deployments.map((d) => d.id);

    await x.ok('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 6 });
    expect(service(x).deployments.map((d) => d.id)).toEqual(before);
    await until(
      () => (up(x, 'web:2').filter((t) => healthy(x, t)).length === 2 ? true : undefined),
      15_000,
      '2 new healthy',
    );
    await passes(x, 5);
    const s = service(x);
    expect(s.deployments[0]).toMatchObject({ status: 'PRIMARY', desiredCount: 6 });
    // 100% of 6 caps the service at 6: the 2 the new count leaves room for, on the PRIMARY's revision.
    expect(up(x, 'web:2')).toHaveLength(2);
    // 100% of 6 is also the floor: 6 healthy, none of the 4 old may stop.
    expect(up(x, 'web:1')).toHaveLength(4);
  });

  it('scale-in 4 -> 2 under 100/100: old tasks stop down to the new floor, no deployment starts', async () => {
    const x = await heldDeployment();
    const before = service(x).deployments.map((d) => d.id);
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 2 });
    await until(() => (up(x, 'web:1').length === 2 ? true : undefined), 10_000, 'old tasks down to 2');
    await passes(x, 5);
    expect(service(x).deployments.map((d) => d.id)).toEqual(before);
    expect(service(x).deployments[0]).toMatchObject({ status: 'PRIMARY', desiredCount: 2 });
    // Nothing starts (100% of 2 with 2 running), and the floor keeps 2.
    expect(up(x, 'web:2')).toHaveLength(0);
    expect(up(x, 'web:1')).toHaveLength(2);
    const stopped = state(x).tasks.filter((t) => t.desiredStatus === 'STOPPED');
    for (const t of stopped) expect(t.stoppedReason).toMatch(/^Scaling activity initiated by \(deployment /);
  });
});
