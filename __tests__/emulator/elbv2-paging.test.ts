// ELBv2 Describe* paging (PageSize, Marker/NextMarker) that cannot skip an item when others are
// created or deleted between pages, DeleteTargetGroup, and the targets-per-target-group quota.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2ServiceException,
  RegisterTargetsCommand,
  ResourceInUseException,
  TargetGroupNotFoundException,
  TooManyTargetsException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startHarness, SUBNETS, VPC } from './elbv2-harness.js';
import type { Harness } from './elbv2-harness.js';
import { byPosition, bySequence, pageAfter } from '../../emulator/src/elbv2/paging.js';
import { TARGETS_PER_TARGET_GROUP } from '../../emulator/src/elbv2/api.js';

async function errorOf(promise: Promise<unknown>): Promise<ElasticLoadBalancingV2ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ElasticLoadBalancingV2ServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('paging rule', () => {
  const items = (names: string[], from = 1): { seq: number; name: string }[] =>
    names.map((name, i) => ({ seq: from + i, name }));

  it('the next page starts after the last key answered, whatever was deleted or added meanwhile', () => {
    const all = items(['a', 'b', 'c', 'd', 'e']);
    const first = pageAfter('Op', bySequence(all), undefined, 2);
    expect(first.items.map((i) => i.name)).toEqual(['a', 'b']);
    // `a` (already answered) is deleted and `f` created before the next call: an offset of 2 would
    // now skip `c`.
    const now = [...all.filter((i) => i.name !== 'a'), { seq: 6, name: 'f' }];
    const second = pageAfter('Op', bySequence(now), first.nextMarker, 2);
    expect(second.items.map((i) => i.name)).toEqual(['c', 'd']);
    const third = pageAfter('Op', bySequence(now), second.nextMarker, 2);
    expect(third.items.map((i) => i.name)).toEqual(['e', 'f']);
    expect(third.nextMarker).toBeUndefined();
  });

  it('the item a marker names may itself be gone', () => {
    const all = items(['a', 'b', 'c']);
    const first = pageAfter('Op', bySequence(all), undefined, 2);
    const withoutB = all.filter((i) => i.name !== 'b');
    expect(pageAfter('Op', bySequence(withoutB), first.nextMarker, 2).items.map((i) => i.name)).toEqual([
      'c',
    ]);
  });

  it('a list the client gave pages by position in that list', () => {
    const first = pageAfter('Op', byPosition(['z', 'y', 'x']), undefined, 2);
    expect(first.items).toEqual(['z', 'y']);
    expect(pageAfter('Op', byPosition(['z', 'y', 'x']), first.nextMarker, 2).items).toEqual(['x']);
  });

  it('a full last page has no NextMarker', () => {
    expect(pageAfter('Op', byPosition([1, 2]), undefined, 2).nextMarker).toBeUndefined();
  });
});

describe('ELBv2 paging, DeleteTargetGroup and quotas through the real SDK client', () => {
  let h: Harness;

  beforeAll(async () => {
    // Slow time: nothing here waits for a health check.
    h = await startHarness(1);
  });
  afterAll(async () => {
    await h.stop();
  });

  const createGroup = async (name: string): Promise<string> => {
    const out = await h.client.send(
      new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: VPC, TargetType: 'ip' }),
    );
    return out.TargetGroups?.[0]?.TargetGroupArn ?? '';
  };
  const groupNames = async (pageSize: number, marker?: string): Promise<[string[], string | undefined]> => {
    const out = await h.client.send(new DescribeTargetGroupsCommand({ PageSize: pageSize, Marker: marker }));
    return [(out.TargetGroups ?? []).map((g) => g.TargetGroupName ?? ''), out.NextMarker];
  };

  it('DescribeTargetGroups: a group deleted and one created between pages skip nothing', async () => {
    const arns = new Map<string, string>();
    for (const name of ['pg-a', 'pg-b', 'pg-c', 'pg-d', 'pg-e']) arns.set(name, await createGroup(name));

    const [first, marker1] = await groupNames(2);
    expect(first).toEqual(['pg-a', 'pg-b']);
    await h.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: arns.get('pg-a') }));
    await createGroup('pg-f');
    const [second, marker2] = await groupNames(2, marker1);
    expect(second).toEqual(['pg-c', 'pg-d']);
    const [third, marker3] = await groupNames(2, marker2);
    expect(third).toEqual(['pg-e', 'pg-f']);
    expect(marker3).toBeUndefined();

    for (const arn of [...arns.values()].slice(1))
      await h.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
  });

  it('DescribeTargetGroups by names pages over the list given', async () => {
    for (const name of ['pn-1', 'pn-2', 'pn-3']) await createGroup(name);
    const names = ['pn-3', 'pn-1', 'pn-2'];
    const first = await h.client.send(new DescribeTargetGroupsCommand({ Names: names, PageSize: 2 }));
    const second = await h.client.send(
      new DescribeTargetGroupsCommand({ Names: names, PageSize: 2, Marker: first.NextMarker }),
    );
    expect(
      [...(first.TargetGroups ?? []), ...(second.TargetGroups ?? [])].map((g) => g.TargetGroupName),
    ).toEqual(names);
    expect(second.NextMarker).toBeUndefined();
  });

  it('DescribeLoadBalancers and DescribeListeners page the same way', async () => {
    const lbArns: string[] = [];
    for (const name of ['pl-1', 'pl-2']) {
      const out = await h.client.send(new CreateLoadBalancerCommand({ Name: name, Subnets: SUBNETS }));
      lbArns.push(out.LoadBalancers?.[0]?.LoadBalancerArn ?? '');
    }
    const first = await h.client.send(new DescribeLoadBalancersCommand({ PageSize: 1 }));
    expect(first.LoadBalancers?.map((lb) => lb.LoadBalancerName)).toEqual(['pl-1']);
    await h.client.send(new CreateLoadBalancerCommand({ Name: 'pl-3', Subnets: SUBNETS }));
    const rest = await h.client.send(
      new DescribeLoadBalancersCommand({ PageSize: 10, Marker: first.NextMarker }),
    );
    expect(rest.LoadBalancers?.map((lb) => lb.LoadBalancerName)).toEqual(['pl-2', 'pl-3']);

    const lbArn = lbArns[0] ?? '';
    for (const [port, name] of [
      [80, 'pls-80'],
      [81, 'pls-81'],
    ] as const) {
      await h.client.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Protocol: 'HTTP',
          Port: port,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: await createGroup(name) }],
        }),
      );
    }
    const l1 = await h.client.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn, PageSize: 1 }));
    const l2 = await h.client.send(
      new DescribeListenersCommand({ LoadBalancerArn: lbArn, PageSize: 1, Marker: l1.NextMarker }),
    );
    expect([...(l1.Listeners ?? []), ...(l2.Listeners ?? [])].map((l) => l.Port)).toEqual([80, 81]);
    expect(l2.NextMarker).toBeUndefined();
  });

  it('a marker the emulator did not issue, or one of another operation, is ValidationError', async () => {
    await createGroup('pm-1');
    await createGroup('pm-2');
    for (const marker of [
      'not-a-marker',
      Buffer.from('{"op":"DescribeTargetGroups"}').toString('base64url'),
    ]) {
      const error = await errorOf(h.client.send(new DescribeTargetGroupsCommand({ Marker: marker })));
      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(`The marker '${marker}' is not valid`);
    }
    const groups = await h.client.send(new DescribeTargetGroupsCommand({ PageSize: 1 }));
    const error = await errorOf(
      h.client.send(new DescribeLoadBalancersCommand({ Marker: groups.NextMarker })),
    );
    expect(error.name).toBe('ValidationError');
  });

  it('DeleteTargetGroup: refused while a listener forwards to it; an unknown ARN succeeds', async () => {
    const groups = await h.client.send(new DescribeTargetGroupsCommand({ Names: ['pls-80'] }));
    const used = groups.TargetGroups?.[0]?.TargetGroupArn ?? '';
    const error = await errorOf(h.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: used })));
    expect(error).toBeInstanceOf(ResourceInUseException);
    const unused = await createGroup('pd-1');
    await h.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: unused }));
    await h.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: unused })); // gone: still fine
    const missing = await errorOf(
      h.client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [unused] })),
    );
    expect(missing).toBeInstanceOf(TargetGroupNotFoundException);
  });

  it(`RegisterTargets beyond ${TARGETS_PER_TARGET_GROUP} targets in a group is TooManyTargets, all or nothing`, async () => {
    expect(TARGETS_PER_TARGET_GROUP).toBe(1000); // ALB quota "Targets per Target Group per Region"
    // No listener: the targets stay `unused` and nobody health-checks a thousand addresses.
    const arn = await createGroup('pq-1');
    const ip = (n: number): TargetDescription => ({ Id: `10.1.${Math.floor(n / 250)}.${(n % 250) + 1}` });
    const first = Array.from({ length: TARGETS_PER_TARGET_GROUP - 1 }, (_, n) => ip(n));
    await h.client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: first }));

    const twoMore = [ip(TARGETS_PER_TARGET_GROUP - 1), ip(TARGETS_PER_TARGET_GROUP)];
    const error = await errorOf(
      h.client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: twoMore })),
    );
    expect(error).toBeInstanceOf(TooManyTargetsException);
    expect(error.message).toBe("You've reached the limit on the number of targets.");
    const count = async (): Promise<number> =>
      (await h.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions
        ?.length ?? 0;
    expect(await count()).toBe(TARGETS_PER_TARGET_GROUP - 1);

    // Registered ones add nothing; the thousandth fits.
    await h.client.send(
      new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [ip(0), ip(TARGETS_PER_TARGET_GROUP - 1)] }),
    );
    expect(await count()).toBe(TARGETS_PER_TARGET_GROUP);
  });
});
