// The rollout loop when the service's desired count changes under it (Application Auto Scaling's
// UpdateService, simulated by setting the fake's desired count): the plan follows, a release in flight
// is sent again for the new count, and the rollout ends on the new revision at the new count. Same
// for a restore.
import { describe, it, expect } from '@jest/globals';
import { planBatches, type PlanInput } from '../src/rollout/plan.js';
import { restorePrevious } from '../src/rollout/restore-run.js';
import { runRollout } from '../src/rollout/rollout.js';
import type { DeploymentSettings, RolloutEvent } from '../src/rollout/types.js';
import { Heartbeat } from '../src/rollout/watch.js';
import { FakeClock, FakeService, NEW, OLD, type Behavior } from './helpers/fake-service.js';

const ORIGINAL: DeploymentSettings = {
  maximumPercent: 200,
  minimumHealthyPercent: 50,
  circuitBreaker: { enable: false, rollback: false },
};

const BROKEN: Record<string, Behavior> = { [NEW]: { unhealthyAfterMs: 10_000 } };

function setup(n: number, b: number, behaviors: Record<string, Behavior> = {}) {
  const clock = new FakeClock();
  const fake = new FakeService({ clock, desired: n, settings: structuredClone(ORIGINAL), behaviors });
  const planInput: PlanInput = {
    desired: n,
    batchSize: { kind: 'count', value: b },
    maxUnavailable: { kind: 'count', value: 0 },
    circuitBreaker: { enable: false, rollback: false },
  };
  const events: RolloutEvent[] = [];
  const run = () =>
    runRollout({
      driver: fake,
      clock,
      plan: planBatches(planInput),
      planInput,
      previousTaskDefinitionArn: OLD,
      newTaskDefinitionArn: NEW,
      originalSettings: structuredClone(ORIGINAL),
      batchTimeoutMs: 300_000,
      rolloutTimeoutMs: 1_800_000,
      rollbackOnFailure: true,
      deregistrationDelayMs: 15_000,
      listeners: [(e) => void events.push(e)],
      random: () => 0.5,
    });
  return { clock, fake, events, run };
}

/** Sets the fake's desired count when batch `batch` is released: the autoscaler's UpdateService. */
function scaleWhenReleased(s: ReturnType<typeof setup>, batch: number, desired: number): void {
  s.events.push = function (this: RolloutEvent[], ...items: RolloutEvent[]): number {
    for (const e of items) if (e.type === 'batch-started' && e.batch === batch) s.fake.desired = desired;
    return Array.prototype.push.apply(this, items);
  };
}

function expectOn(fake: FakeService, td: string, n: number): void {
  const live = fake.liveTasks();
  expect(live.filter((t) => t.desiredStatus === 'RUNNING')).toHaveLength(n);
  expect(live.every((t) => t.td === td && t.lastStatus === 'RUNNING')).toBe(true);
  expect(fake.primaryTaskDefinition()).toBe(td);
}

const replans = (events: RolloutEvent[]) =>
  events.filter((e): e is Extract<RolloutEvent, { type: 'replanned' }> => e.type === 'replanned');

describe('runRollout follows the desired count', () => {
  it.each([
    [6, 9],
    [6, 4],
    [6, 1],
    [6, 13],
  ])('N %i -> %i in batch 2: succeeded, every task on the new revision at the new count', async (n, n2) => {
    const s = setup(n, 2);
    scaleWhenReleased(s, 2, n2);
    const result = await s.run();
    expect(result.outcome).toBe('succeeded');
    expectOn(s.fake, NEW, n2);
    expect(s.fake.settings).toEqual(ORIGINAL);
    expect(replans(s.events)).toEqual([
      expect.objectContaining({ from: n, batch: 2, plan: expect.objectContaining({ desired: n2 }) }),
    ]);
    // Every release after the change is a percent of the new count that starts one batch of 2 (or less).
    const releases = s.fake.updates
      .map((u) => u.settings)
      .filter(
        (x): x is DeploymentSettings =>
          x !== undefined && x.maximumPercent > 100 && x.minimumHealthyPercent === 100,
      );
    const after = releases.slice(2);
    for (const r of after) expect(Math.floor((n2 * r.maximumPercent) / 100) - n2).toBeLessThanOrEqual(2);
  });

  it('two changes (6 -> 9 in batch 2, 9 -> 7 in batch 3): the plan follows each, ends at the last', async () => {
    const s = setup(6, 2);
    s.events.push = function (this: RolloutEvent[], ...items: RolloutEvent[]): number {
      for (const e of items) {
        if (e.type === 'batch-started' && e.batch === 2) s.fake.desired = 9;
        if (e.type === 'batch-started' && e.batch === 3) s.fake.desired = 7;
      }
      return Array.prototype.push.apply(this, items);
    };
    const result = await s.run();
    expect(result.outcome).toBe('succeeded');
    expectOn(s.fake, NEW, 7);
    expect(replans(s.events).map((e) => [e.from, e.plan.desired, e.plan.batches])).toEqual([
      [6, 9, [2, 2, 2, 2, 1]],
      [9, 7, [2, 2, 2, 1]],
    ]);
  });

  it('a release in flight is sent again for the new count', async () => {
    const s = setup(6, 2);
    scaleWhenReleased(s, 2, 9);
    await s.run();
    const sent = s.fake.updates.map(
      (u) => u.settings && `${u.settings.maximumPercent}/${u.settings.minimumHealthyPercent}`,
    );
    // Hold, batch 1 (134 = 2 of 6), hold, batch 2 (134), then 123 (2 of 9) for batch 2 once seen.
    expect(sent.slice(0, 5)).toEqual(['100/100', '134/100', '100/100', '134/100', '123/100']);
  });
});

describe('restorePrevious follows the desired count', () => {
  it('a scale-out during the restore: done only once the previous revision runs at the new count', async () => {
    const s = setup(6, 2, BROKEN);
    let restoring = false;
    s.events.push = function (this: RolloutEvent[], ...items: RolloutEvent[]): number {
      for (const e of items) {
        if (e.type === 'rollback-started' && !restoring) {
          restoring = true;
          s.fake.desired = 9;
        }
      }
      return Array.prototype.push.apply(this, items);
    };
    const result = await s.run();
    expect(restoring).toBe(true);
    expect(result.outcome).toBe('rolled-back');
    expect(result.rollback?.message).toMatch(/all 9 tasks healthy/);
    expectOn(s.fake, OLD, 9);
    expect(s.fake.settings).toEqual(ORIGINAL);
  });

  it('a count known to be stale (the post step) is followed from the first look: the settings are made again for it', async () => {
    // The service scaled in to 2 since main saved 6: 117% of 2 is 2, no room to start a task; the
    // restore's settings are made again for 2 (150%), so ECS can replace through UpdateService.
    const clock = new FakeClock();
    const fake = new FakeService({
      clock,
      desired: 2,
      settings: { maximumPercent: 100, minimumHealthyPercent: 100 },
      stopDeployment: 'denied',
    });
    await fake.updateService({ taskDefinitionArn: NEW });
    fake.runUntil(clock.now() + 60_000);
    const result = await restorePrevious({
      driver: fake,
      clock,
      heartbeat: new Heartbeat(() => undefined),
      previousTaskDefinitionArn: OLD,
      newTaskDefinitionArn: NEW,
      originalSettings: { maximumPercent: 100, minimumHealthyPercent: 100 },
      desiredCount: 6,
      rolloutStartedAt: clock.now() - 120_000,
      timeoutMs: 600_000,
      random: () => 0.5,
    });
    expect(result.ok).toBe(true);
    expectOn(fake, OLD, 2);
    const percents = fake.updates.map((u) => u.settings?.maximumPercent);
    expect(percents).toContain(150);
  });
});
