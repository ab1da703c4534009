import { describe, expect, it } from '@jest/globals';
import {
  RELEASE_TAG_DEPLOYED,
  RELEASE_TAG_PREVIOUS,
  releaseTags,
  resolveRollbackTarget,
} from '../src/modes/rollback.js';
import type { ServiceDriver, TaskDefinitionRecord } from '../src/rollout/port.js';
import type { ServiceView } from '../src/rollout/snapshot.js';
import type { RollbackTarget } from '../src/parse/task-definition-ref.js';
import { resolveTarget } from '../src/modes/target.js';

const arn = (rev: number, family = 'web') =>
  `arn:aws:ecs:us-east-1:000000000000:task-definition/${family}:${rev}`;

interface World {
  running: string;
  revisions: { rev: number; status: 'ACTIVE' | 'INACTIVE' }[];
  tags: Record<string, string>;
}

/** A read-only fake: any mutating call fails the test. */
function fakeDriver(world: World): ServiceDriver & { calls: string[] } {
  const calls: string[] = [];
  const record = (rev: number): TaskDefinitionRecord => {
    const found = world.revisions.find((r) => r.rev === rev);
    if (!found) throw new Error(`ClientException: Unable to describe task definition web:${rev}.`);
    return { arn: arn(rev), family: 'web', revision: rev, status: found.status, body: {}, tags: {} };
  };
  const service: ServiceView = {
    arn: 'arn:aws:ecs:us-east-1:000000000000:service/prod/web',
    name: 'web',
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/prod',
    status: 'ACTIVE',
    desiredCount: 4,
    runningCount: 4,
    pendingCount: 0,
    taskDefinitionArn: world.running,
    settings: { maximumPercent: 200, minimumHealthyPercent: 100 },
    deployments: [],
    events: [],
    targetGroupArns: [],
    deploymentController: 'ECS',
  };
  const mutation = (name: string) => (): Promise<never> => {
    calls.push(name);
    throw new Error(`${name} must not be called while resolving a rollback target`);
  };
  return {
    calls,
    cluster: 'prod',
    service: 'web',
    describeService: async () => (calls.push('describeService'), service),
    describeTargetGroups: async () => [],
    describeTaskDefinition: async (ref) => {
      calls.push(`describeTaskDefinition ${ref}`);
      return record(Number(ref.slice(ref.lastIndexOf(':') + 1)));
    },
    listTaskDefinitionArns: async (family) => {
      calls.push(`listTaskDefinitionArns ${family}`);
      return world.revisions
        .filter((r) => r.status === 'ACTIVE')
        .map((r) => arn(r.rev))
        .reverse();
    },
    registerTaskDefinition: mutation('registerTaskDefinition'),
    updateService: mutation('updateService'),
    observe: mutation('observe'),
    readServiceTags: async () => (calls.push('readServiceTags'), world.tags),
    tagService: mutation('tagService'),
    untagService: mutation('untagService'),
    findServiceDeployment: mutation('findServiceDeployment'),
    describeServiceDeployment: mutation('describeServiceDeployment'),
    rollBackServiceDeployment: mutation('rollBackServiceDeployment'),
  };
}

const revisions = (...revs: number[]) => revs.map((rev) => ({ rev, status: 'ACTIVE' as const }));
const resolve = (rollbackTo: RollbackTarget, world: World) =>
  resolveRollbackTarget({ rollbackTo }, fakeDriver(world));

describe('releaseTags', () => {
  it('records what was deployed and what was live before, under this action’s keys', () => {
    expect(releaseTags(arn(12), arn(11))).toEqual({
      [RELEASE_TAG_DEPLOYED]: arn(12),
      [RELEASE_TAG_PREVIOUS]: arn(11),
    });
    expect(RELEASE_TAG_DEPLOYED.startsWith('aws:')).toBe(false);
  });

  it('keeps tag values within ECS’s 256 characters', () => {
    const long = arn(3, 'f'.repeat(255));
    const tags = releaseTags(long, arn(2, 'f'.repeat(255)));
    for (const value of Object.values(tags)) expect(value.length).toBeLessThanOrEqual(256);
    expect(tags[RELEASE_TAG_DEPLOYED]).toBe('3');
    expect(releaseTags(arn(3, 'f'.repeat(250)), arn(2))[RELEASE_TAG_DEPLOYED]).toBe(`${'f'.repeat(250)}:3`);
  });

  it('reads a bare-revision record back as a revision of the running family', async () => {
    const world = {
      running: arn(12),
      revisions: revisions(9, 12),
      tags: { [RELEASE_TAG_DEPLOYED]: '12', [RELEASE_TAG_PREVIOUS]: '9' },
    };
    expect((await resolve({ kind: 'previous' }, world)).arn).toBe(arn(9));
  });
});

describe('resolveRollbackTarget', () => {
  it('previous: the recorded task definition from before the last successful rollout', async () => {
    const world = {
      running: arn(12),
      revisions: revisions(9, 10, 11, 12),
      tags: releaseTags(arn(12), arn(9)),
    };
    const target = await resolve({ kind: 'previous' }, world);
    expect(target.arn).toBe(arn(9));
    expect(target.warning).toBeUndefined();
    expect(target.how).toContain('recorded');
  });

  it('previous without a record: the previous ACTIVE revision of the family, with a warning', async () => {
    const world: World = {
      running: arn(12),
      revisions: [...revisions(9, 10), { rev: 11, status: 'INACTIVE' }, ...revisions(12, 13)],
      tags: {},
    };
    const target = await resolve({ kind: 'previous' }, world);
    expect(target.arn).toBe(arn(10)); // 13 is newer than what runs, 11 is deregistered
    expect(target.warning).toMatch(/fell back to web:10/);
    expect(target.warning).toContain('no ecs-rolling-deploy:previous tag');
  });

  it('previous with a stale record (service changed outside the action) falls back and says why', async () => {
    const world = { running: arn(12), revisions: revisions(10, 11, 12), tags: releaseTags(arn(11), arn(10)) };
    const target = await resolve({ kind: 'previous' }, world);
    expect(target.arn).toBe(arn(11));
    expect(target.warning).toContain('changed outside this action');
  });

  it('a revision number means that revision of the running family', async () => {
    const world = { running: arn(12), revisions: revisions(7, 12), tags: {} };
    const driver = fakeDriver(world);
    const target = await resolveRollbackTarget({ rollbackTo: { kind: 'revision', revision: 7 } }, driver);
    expect(target.arn).toBe(arn(7));
    expect(driver.calls).toContain('describeTaskDefinition web:7');
  });

  it('an ARN is validated and taken', async () => {
    const target = await resolve(
      { kind: 'arn', arn: arn(8) },
      { running: arn(12), revisions: revisions(8, 12), tags: {} },
    );
    expect(target.arn).toBe(arn(8));
  });

  it('refuses a target that does not exist, naming it, before any change', async () => {
    const world = { running: arn(12), revisions: revisions(12), tags: {} };
    const driver = fakeDriver(world);
    await expect(
      resolveRollbackTarget({ rollbackTo: { kind: 'revision', revision: 4 } }, driver),
    ).rejects.toThrow(/revision 4 of the service's family "web".*Unable to describe/);
    expect(driver.calls.filter((c) => /register|update|tag/.test(c))).toEqual([]);
  });

  it('refuses to roll back to what already runs', async () => {
    const world = { running: arn(12), revisions: revisions(11, 12), tags: {} };
    await expect(resolve({ kind: 'revision', revision: 12 }, world)).rejects.toThrow(/already runs web:12/);
  });

  it('refuses a deregistered (INACTIVE) target, which UpdateService would reject', async () => {
    const world: World = {
      running: arn(12),
      revisions: [{ rev: 5, status: 'INACTIVE' }, ...revisions(12)],
      tags: {},
    };
    await expect(resolve({ kind: 'revision', revision: 5 }, world)).rejects.toThrow(/INACTIVE/);
  });

  it('refuses when there is no record and no older revision', async () => {
    const world = { running: arn(1), revisions: revisions(1, 2), tags: {} };
    await expect(resolve({ kind: 'previous' }, world)).rejects.toThrow(/no ACTIVE revision older than 1/);
  });
});

describe('resolveTarget in rollback mode (what main deploys)', () => {
  it('deploys the resolved revision as it is: nothing registered, the warning passed on', async () => {
    const world: World = { running: arn(12), revisions: revisions(10, 11, 12), tags: {} };
    const driver = fakeDriver(world);
    const current = await driver.describeTaskDefinition(arn(12));
    const target = await resolveTarget(
      { mode: 'rollback', images: new Map(), rollbackTo: { kind: 'previous' } },
      driver,
      current,
    );
    expect(target).toMatchObject({ arn: arn(11), unchanged: false });
    expect(target.body).toBeUndefined();
    expect(target.how).toMatch(
      /^rolling back to web:11, the newest ACTIVE revision of "web" older than the running 12/,
    );
    expect(target.warning).toMatch(/fell back to web:11/);
    expect(driver.calls.filter((c) => /register|update|tag/.test(c))).toEqual([]);
  });
});
