// The rollout engine against a simulated ECS rolling update (helpers/fake-service.ts) on a fake
// clock: hold/release pacing, gates, bake time, drains, restores through StopServiceDeployment,
// errors in every phase, cancellation, the lease, and the pace of its observations.
import { describe, it, expect } from '@jest/globals';
import { ServiceGuard } from '../src/rollout/guard.js';
import { formatLease, LEASE_TAG, OWN_SETTINGS_TAG } from '../src/rollout/lease.js';
import { DEFAULT_PACE } from '../src/rollout/pace.js';
import { planBatches } from '../src/rollout/plan.js';
import type { ServiceDriver } from '../src/rollout/port.js';
import { restorePrevious } from '../src/rollout/restore-run.js';
import { runRollout, type RunPhase, type RunRolloutOptions } from '../src/rollout/rollout.js';
import type { DeploymentSettings, HttpProbe, RolloutEvent, RolloutResult } from '../src/rollout/types.js';
import { Heartbeat } from '../src/rollout/watch.js';
import { expectWith } from './helpers/expect-with.js';
import {
  accessDenied,
  FakeClock,
  FakeService,
  NEW,
  networkError,
  OLD,
  serverError,
  T0,
  TG1,
  TG2,
  throttlingError,
  type Behavior,
  type FakeServiceOptions,
} from './helpers/fake-service.js';

const ORIGINAL: DeploymentSettings = {
  maximumPercent: 200,
  minimumHealthyPercent: 50,
  circuitBreaker: { enable: false, rollback: false },
};

interface Setup {
  clock: FakeClock;
  fake: FakeService;
  events: RolloutEvent[];
  opts: RunRolloutOptions;
}

function setup(
  n: number,
  b: number,
  behaviors: Record<string, Behavior> = {},
  over: Partial<RunRolloutOptions> = {},
  fakeOver: Partial<FakeServiceOptions> = {},
  u = 0,
): Setup {
  const clock = new FakeClock();
  const fake = new FakeService({
    clock,
    desired: n,
    settings: structuredClone(ORIGINAL),
    behaviors,
    ...fakeOver,
  });
  const events: RolloutEvent[] = [];
  const plan = planBatches({
    desired: n,
    batchSize: { kind: 'count', value: b },
    maxUnavailable: { kind: 'count', value: u },
    circuitBreaker: { enable: false, rollback: false },
  });
  const opts: RunRolloutOptions = {
    driver: fake,
    clock,
    plan,
    previousTaskDefinitionArn: OLD,
    newTaskDefinitionArn: NEW,
    originalSettings: structuredClone(ORIGINAL),
    batchTimeoutMs: 300_000,
    rolloutTimeoutMs: 1_800_000,
    rollbackOnFailure: true,
    deregistrationDelayMs: fakeOver.deregistrationDelayMs ?? 15_000,
    listeners: [(e) => void events.push(e)],
    random: () => 0.5,
    ...over,
  };
  return { clock, fake, events, opts };
}

/** The service's own settings are back: the fake has them and the last UpdateService set them. */
function expectSettingsRestored(s: Setup, result: RolloutResult): void {
  expect(result.settingsRestored.ok).toBe(true);
  expect(s.fake.settings).toEqual(ORIGINAL);
  expect(s.fake.updates.at(-1)?.settings).toEqual(ORIGINAL);
  expect(s.fake.updates.at(-1)?.taskDefinitionArn).toBeUndefined();
}

/** Every live task runs `td`, RUNNING, and there are exactly `n` of them. */
function expectAllOn(fake: FakeService, td: string, n: number): void {
  const live = fake.liveTasks();
  expect(live).toHaveLength(n);
  expect(live.every((t) => t.td === td && t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING')).toBe(
    true,
  );
  expect(fake.primaryTaskDefinition()).toBe(td);
}

function longestSilence(events: RolloutEvent[]): number {
  let worst = 0;
  for (let i = 1; i < events.length; i++) worst = Math.max(worst, events[i]!.at - events[i - 1]!.at);
  return worst;
}

const of = <T extends RolloutEvent['type']>(
  events: RolloutEvent[],
  type: T,
): Extract<RolloutEvent, { type: T }>[] =>
  events.filter((e): e is Extract<RolloutEvent, { type: T }> => e.type === type);

/**
 * New-revision tasks ECS launched while each batch was the current one (from its release to the
 * next release): the action promises no more than that batch's size.
 */
function launchedPerBatch(s: Setup): number[] {
  const releases = of(s.events, 'batch-started').map((e) => e.at);
  const launches = s.fake.launches.filter((l) => l.td === NEW).map((l) => l.at);
  return releases.map((from, i) => {
    const to = releases[i + 1] ?? Number.POSITIVE_INFINITY;
    return launches.filter((t) => t >= from && t < to).length;
  });
}

/** The driver with some methods replaced; every other call reaches the fake itself. */
function withOverrides(driver: ServiceDriver, over: Partial<ServiceDriver>): ServiceDriver {
  return new Proxy(driver, {
    get(target, prop) {
      const replaced = (over as Record<string | symbol, unknown>)[prop];
      if (replaced !== undefined) return replaced;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Notes when each snapshot starts (fake time), taking `costMs` for each. */
function timeSnapshots(s: Setup, costMs: number): { driver: ServiceDriver; starts: number[] } {
  const starts: number[] = [];
  const driver = s.opts.driver;
  return {
    driver: withOverrides(driver, {
      observe: async () => {
        starts.push(s.clock.now());
        s.clock.t += costMs;
        return driver.observe();
      },
    }),
    starts,
  };
}

describe('runRollout: each batch released, held, and passed on its verdict', () => {
  it('N=6, batches of 2: held between batches, released one batch at a time, never more than a batch launched', async () => {
    const s = setup(6, 2);
    const phases: RunPhase[] = [];
    s.opts.onPhase = (p) => void phases.push(p);
    const result = await runRollout(s.opts);

    expect(result.outcome).toBe('succeeded');
    expect(result.settled).toBe(true);
    expect(result.batches.map((b) => [b.batch, b.tasks, b.outcome])).toEqual([
      [1, 2, 'succeeded'],
      [2, 2, 'succeeded'],
      [3, 2, 'succeeded'],
    ]);
    // The first change puts the new task definition in held: ECS can start nothing yet.
    expect(s.fake.updates[0]).toEqual({ at: T0, taskDefinitionArn: NEW, settings: s.opts.plan.hold });
    // Then per batch: release, hold. Then the service's own settings.
    const settings = s.fake.updates
      .slice(1)
      .map((u) => `${u.settings?.maximumPercent}/${u.settings?.minimumHealthyPercent}`);
    expect(settings).toEqual(['134/100', '100/100', '134/100', '100/100', '134/100', '100/100', '200/50']);
    expect(launchedPerBatch(s)).toEqual([2, 2, 2]);
    expect(s.fake.minHealthySeen).toBe(6);
    // Never more than N + b tasks meant to run; old tasks still draining come on top (overlap).
    expect(s.fake.maxUpSeen).toBe(8);
    for (const b of result.batches) {
      expect(b.launchedAt).toBeGreaterThanOrEqual(b.startedAt);
      expect(b.healthyAt).toBeGreaterThanOrEqual(b.launchedAt!);
      expect(b.endedAt).toBeGreaterThanOrEqual(b.healthyAt!);
      expect(b.oldTasks).toBe(2);
      // Held at 100% healthy, ECS stops an old task only once a new one is healthy.
      expect(b.drainStartedAt).toBeGreaterThanOrEqual(b.launchedAt!);
      expect(b.drainedAt).toBeGreaterThan(b.drainStartedAt!);
      expect(b.drainedAt).toBeGreaterThan(b.endedAt!);
    }
    // A batch is released only on the previous one's verdict.
    const releases = of(s.events, 'batch-started');
    const verdicts = of(s.events, 'batch-succeeded');
    for (let k = 1; k < releases.length; k++)
      expect(releases[k]!.at).toBeGreaterThanOrEqual(verdicts[k - 1]!.at);
    expect(of(s.events, 'batch-drained').map((e) => e.record.batch)).toEqual([1, 2, 3]);
    expectAllOn(s.fake, NEW, 6);
    expectSettingsRestored(s, result);
    expect(phases.filter((p, i) => p !== phases[i - 1])).toEqual(['rolling-out', 'finished']);
    expect(longestSilence(s.events)).toBeLessThanOrEqual(20_000);
    const words = of(s.events, 'progress').map((e) => e.progress.waitingFor);
    expect(words).toContain('batch 2/3: 0/2 new tasks healthy, 2 old tasks draining');
  });

  it('with a drain shorter than a batch, overlap runs the next batch beside the last one’s drain: at most N + 2b', async () => {
    const s = setup(6, 2, {}, {}, { deregistrationDelayMs: 5_000 });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(s.fake.maxLiveSeen).toBe(10);
    expect(s.fake.maxUpSeen).toBe(8);
    expect(launchedPerBatch(s)).toEqual([2, 2, 2]);
  });

  it('drain overlap off: the next batch waits for the old tasks to stop; surge stays one batch', async () => {
    const s = setup(6, 2, {}, { overlap: false });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(s.fake.maxLiveSeen).toBe(8);
    expect(launchedPerBatch(s)).toEqual([2, 2, 2]);
    const releases = of(s.events, 'batch-started');
    const drained = of(s.events, 'batch-drained');
    for (let k = 1; k < releases.length; k++)
      expect(releases[k]!.at).toBeGreaterThanOrEqual(drained[k - 1]!.at);
    expectSettingsRestored(s, result);
  });

  it.each([
    ['does not count', false],
    ['counts', true],
  ])(
    'when ECS %s a draining task toward maximumPercent: never more than a batch launched, never below the floor',
    async (_w, drainingCounts) => {
      for (const overlap of [true, false]) {
        const s = setup(6, 2, {}, { overlap }, { drainingCounts });
        const result = await runRollout(s.opts);
        expect(result.outcome).toBe('succeeded');
        expect(launchedPerBatch(s)).toEqual([2, 2, 2]);
        expect(s.fake.minHealthySeen).toBe(6);
        expect(s.fake.maxUpSeen).toBe(8);
        if (!overlap) expect(s.fake.maxLiveSeen).toBe(8);
        expectAllOn(s.fake, NEW, 6);
      }
    },
  );

  it('N=5, batches of 2: a short last batch with its own release', async () => {
    const s = setup(5, 2);
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(result.batches.map((b) => b.tasks)).toEqual([2, 2, 1]);
    expect(launchedPerBatch(s)).toEqual([2, 2, 1]);
    expect(s.fake.updates.some((u) => u.settings?.maximumPercent === 120)).toBe(true);
    expectAllOn(s.fake, NEW, 5);
    expectSettingsRestored(s, result);
  });

  it('max unavailable 1 of batches of 3: ECS may stop one old task first; never below N - 1 healthy, never more than 3 launched', async () => {
    const s = setup(10, 3, {}, {}, {}, 1);
    expect(s.opts.plan.releases[0]).toEqual({
      maximumPercent: 120,
      minimumHealthyPercent: 90,
      circuitBreaker: { enable: false, rollback: false },
    });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(result.batches.map((b) => [b.tasks, b.outcome])).toEqual([
      [3, 'succeeded'],
      [3, 'succeeded'],
      [3, 'succeeded'],
      [1, 'succeeded'],
    ]);
    expect(launchedPerBatch(s)).toEqual([3, 3, 3, 1]);
    expect(s.fake.minHealthySeen).toBe(9);
    expectAllOn(s.fake, NEW, 10);
    expectSettingsRestored(s, result);
  });

  it('100 tasks in batches of 10%', async () => {
    const s = setup(100, 10);
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(launchedPerBatch(s)).toEqual(Array.from({ length: 10 }, () => 10));
    expect(s.fake.minHealthySeen).toBe(100);
    expect(s.fake.maxUpSeen).toBe(110);
    expectAllOn(s.fake, NEW, 100);
    expect(longestSilence(s.events)).toBeLessThanOrEqual(20_000);
  });

  it('waits for every target group: a batch is healthy only when its slowest group says so', async () => {
    const s = setup(
      4,
      2,
      { [NEW]: { healthyAfterMs: { [TG1]: 4_000, [TG2]: 25_000 } } },
      {},
      { targetGroups: [TG1, TG2] },
    );
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    for (const b of result.batches) expect(b.healthyAt! - b.launchedAt!).toBeGreaterThanOrEqual(20_000);
    expectAllOn(s.fake, NEW, 4);
  });

  it('N = 0: nothing to replace, succeeds once the new deployment is PRIMARY', async () => {
    const s = setup(0, 1);
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(result.batches).toEqual([]);
    expect(s.fake.primaryTaskDefinition()).toBe(NEW);
    expectSettingsRestored(s, result);
  });

  it('HTTP checks that pass: probed while each batch is judged, and a pass is needed after its launch', async () => {
    const probed: number[] = [];
    const probe: HttpProbe = {
      get: async () => {
        probed.push(0);
        return { status: 200 };
      },
    };
    const s = setup(
      4,
      2,
      {},
      {
        probe,
        healthChecks: {
          urls: [{ url: 'http://a/health', shown: 'http://a/health' }],
          statuses: [{ min: 200, max: 399 }],
          threshold: 3,
        },
      },
    );
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(probed.length).toBeGreaterThan(2);
    expect(probed.length).toBeLessThan(s.fake.callCounts.observe);
  });
});

describe('runRollout: bake time', () => {
  it('no batch is released before the previous one baked with every gate passing', async () => {
    const bakeMs = 30_000;
    const s = setup(6, 2, {}, { bakeMs });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    const healthy = of(s.events, 'batch-healthy');
    const releases = of(s.events, 'batch-started');
    expect(healthy.map((e) => e.bakeMs)).toEqual([bakeMs, bakeMs, bakeMs]);
    for (let k = 1; k < releases.length; k++)
      expect(releases[k]!.at - healthy[k - 1]!.at).toBeGreaterThanOrEqual(bakeMs);
    for (const b of result.batches) expect(b.endedAt! - b.healthyAt!).toBeGreaterThanOrEqual(bakeMs);
    expect(launchedPerBatch(s)).toEqual([2, 2, 2]);
  });

  it('a target that turns unhealthy during the bake time fails the batch and the rollout rolls back', async () => {
    const bakeMs = 60_000;
    const s = setup(6, 2, {}, { bakeMs });
    s.opts.listeners = [
      ...(s.opts.listeners ?? []),
      (e) => {
        if (e.type === 'batch-healthy' && e.batch === 2)
          s.fake.behaviors[NEW] = { unhealthyFrom: s.clock.now() + 5_000 };
      },
    ];
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure).toMatchObject({ batch: 2, kind: 'target-unhealthy' });
    expect(result.failure?.message).toContain('during the bake time');
    expect(of(s.events, 'batch-started')).toHaveLength(2);
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });
});

describe('runRollout: failures and the restore', () => {
  it('first-batch failure: ECS rolls its deployment back (StopServiceDeployment); the previous tasks are never touched', async () => {
    const s = setup(6, 2, { [NEW]: { crashAfterMs: 2_000, exitCode: 3 } });
    const phases: RunPhase[] = [];
    s.opts.onPhase = (p) => void phases.push(p);
    const before = new Set(s.fake.liveTasks().map((_t, i) => i));
    const result = await runRollout(s.opts);

    expect(result.outcome).toBe('rolled-back');
    expect(result.failure).toMatchObject({
      batch: 1,
      kind: 'task-stopped',
      reasonCode: 'EssentialContainerExited',
    });
    expect(result.failure?.message).toMatch(
      /^batch 1\/3: task [0-9a-f]{8}… stopped: Essential container in task exited \(web exit 3\)$/,
    );
    expect(result.rollback?.ok).toBe(true);
    expect(s.fake.callCounts.rollBackServiceDeployment).toBe(1);
    expect(s.fake.updates.some((u) => u.taskDefinitionArn === OLD)).toBe(false);
    expect(s.fake.stops.filter((x) => x.td === OLD)).toEqual([]);
    expect(s.fake.launches.filter((l) => l.td === OLD)).toEqual([]);
    expect(launchedPerBatch(s)).toEqual([2]);
    expect(s.fake.minHealthySeen).toBe(6);
    expect(before.size).toBe(6);
    expectAllOn(s.fake, OLD, 6);
    const started = of(s.events, 'rollback-started');
    expect(started[0]?.how).toBe(
      'StopServiceDeployment (ROLLBACK): ECS returns to web:1, keeping its running tasks',
    );
    expect(s.fake.serviceDeployments().find((d) => d.td === NEW)?.status).toBe('ROLLBACK_SUCCESSFUL');
    expectSettingsRestored(s, result);
    expect(phases.filter((p, i) => p !== phases[i - 1])).toEqual(['rolling-out', 'rolling-back', 'finished']);
  });

  it('a late failure (after two good batches): only the replaced batches come back; the untouched previous tasks are kept', async () => {
    const s = setup(6, 2);
    s.opts.listeners = [
      ...(s.opts.listeners ?? []),
      (e) => {
        if (e.type === 'batch-succeeded' && e.record.batch === 2)
          s.fake.behaviors[NEW] = { unhealthyFrom: s.clock.now() + 1_000 };
      },
    ];
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure).toMatchObject({
      batch: 3,
      kind: 'target-unhealthy',
      reasonCode: 'Target.ResponseCodeMismatch',
    });
    expect(result.batches.map((b) => b.outcome)).toEqual(['succeeded', 'succeeded', 'failed']);
    // The two previous-revision tasks no batch had replaced were never stopped; four new ones replaced the four new-revision tasks.
    expect(s.fake.stops.filter((x) => x.td === OLD)).toHaveLength(4);
    expect(s.fake.launches.filter((l) => l.td === OLD)).toHaveLength(4);
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('the restore holds the service before it asks ECS to roll back: no task of the failed revision starts after the failure', async () => {
    const probe: HttpProbe = { get: async () => ({ status: 500 }) };
    const s = setup(
      6,
      2,
      {},
      {
        probe,
        healthChecks: {
          urls: [{ url: 'http://lb/x', shown: 'http://lb/x' }],
          statuses: [{ min: 200, max: 299 }],
          threshold: 1,
        },
      },
      { deregistrationDelayMs: 0 },
    );
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    const failedAt = of(s.events, 'failed')[0]!.at;
    expect(s.fake.launches.filter((l) => l.td === NEW && l.at > failedAt)).toEqual([]);
    // Hold, then StopServiceDeployment, then room to move back.
    // Held (100/100) from the failure until ECS is asked to roll back; room to move back only after.
    const after = s.fake.updates.filter((u) => u.at >= failedAt);
    const firstRoom = after.findIndex((u) => (u.settings?.maximumPercent ?? 0) > 100);
    expect(firstRoom).toBeGreaterThan(0);
    for (const u of after.slice(0, firstRoom)) {
      expect(u.settings).toMatchObject({ maximumPercent: 100, minimumHealthyPercent: 100 });
    }
    // …and ECS asked between the two: the last update before StopServiceDeployment holds, the one after makes room.
    const order = s.fake.callOrder;
    const updatesBeforeStop = order
      .slice(0, order.indexOf('rollBackServiceDeployment'))
      .filter((op) => op === 'updateService').length;
    expect(updatesBeforeStop).toBeGreaterThan(0);
    expect(s.fake.updates[updatesBeforeStop - 1]?.settings).toMatchObject({ maximumPercent: 100 });
    expect(s.fake.updates[updatesBeforeStop]?.settings?.maximumPercent).toBeGreaterThan(100);
    expect(result.rollback?.message).toMatch(/rolled back to web:1/);
    expectAllOn(s.fake, OLD, 6);
  });

  it('StopServiceDeployment refused (AccessDenied): falls back to UpdateService, saying why', async () => {
    const s = setup(6, 2, { [NEW]: { crashAfterMs: 2_000 } }, {}, { stopDeployment: 'denied' });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    const how = of(s.events, 'rollback-started')[0]?.how ?? '';
    expect(how).toMatch(
      /^UpdateService back to web:1, a new deployment that replaces its tasks \(ECS refused StopServiceDeployment: AccessDeniedException: .*ecs:StopServiceDeployment\)$/,
    );
    expect(s.fake.updates.some((u) => u.taskDefinitionArn === OLD)).toBe(true);
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('ECS reports ROLLBACK_FAILED: the outcome is failed, saying so', async () => {
    const s = setup(4, 2, { [NEW]: { crashAfterMs: 2_000 } }, {}, { stopDeployment: 'rollback-fails' });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('failed');
    expect(result.rollback?.ok).toBe(false);
    expect(result.rollback?.message).toMatch(/^ECS's rollback of .*service-deployment.* failed/);
    expect(result.settled).toBe(false);
  });

  it('ECS stops an unhealthy task before a poll sees its target: the reason the action saw reaches the message', async () => {
    const s = setup(4, 2, { [NEW]: { unhealthyAfterMs: 10_000 } }, {}, { elbReplaceLagMs: 0 });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure?.message).toMatch(
      /^batch 1\/2: (task [0-9a-f]{8}… stopped: Task failed ELB health checks in \(target-group web\); ELB said: unhealthy in target group web \(.*Health checks failed with these codes: \[500\]\)|target .* is unhealthy in target group web \(Target.ResponseCodeMismatch: Health checks failed with these codes: \[500\]\))$/,
    );
    expectAllOn(s.fake, OLD, 4);
  });

  it('a health-check-url failing from the start: the gate fires in batch 1 and no task of batch 2 is launched', async () => {
    const probe: HttpProbe = { get: async () => ({ status: 500 }) };
    const s = setup(
      6,
      2,
      {},
      {
        probe,
        healthChecks: {
          urls: [{ url: 'http://lb/health', shown: 'http://lb/health' }],
          statuses: [{ min: 200, max: 399 }],
          threshold: 3,
        },
      },
      { deregistrationDelayMs: 0 },
    );
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure).toMatchObject({ kind: 'http-check', batch: 1 });
    expect(result.failure?.message).toBe(
      'batch 1/3: health check http://lb/health failed 3 times in a row (last: status 500)',
    );
    expect(s.fake.launches.filter((l) => l.td === NEW)).toHaveLength(2);
    expect(of(s.events, 'batch-started')).toHaveLength(1);
    expectAllOn(s.fake, OLD, 6);
  });

  it('rollback disabled: outcome failed, the service left as ECS has it, said plainly', async () => {
    const s = setup(6, 2, { [NEW]: { crashAfterMs: 2_000 } }, { rollbackOnFailure: false });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('failed');
    expect(result.rollback).toBeUndefined();
    expect(s.fake.callCounts.rollBackServiceDeployment).toBe(0);
    expect(result.serviceLeft).toMatch(
      /^rollback-on-failure is false, so the service is left as ECS has it: service web \(desired 6\)/,
    );
    expectSettingsRestored(s, result);
  });

  it('slow start beyond the batch timeout: detected on time, rolled back', async () => {
    const s = setup(6, 2, { [NEW]: { healthyAfterMs: 600_000 } }, { batchTimeoutMs: 120_000 });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure?.kind).toBe('batch-timeout');
    expect(result.failure?.message).toBe(
      'batch 1/3 timed out after 2m, waiting for batch 1/3: 0/2 new tasks healthy',
    );
    const failedAt = of(s.events, 'failed')[0]!.at;
    const released = of(s.events, 'batch-started')[0]!.at;
    expect(failedAt - released).toBeGreaterThanOrEqual(120_000);
    expect(failedAt - released).toBeLessThanOrEqual(121_000);
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('the rollout timeout ends a rollout whose batches are each on time', async () => {
    const s = setup(6, 2, {}, { rolloutTimeoutMs: 20_000, rollbackTimeoutMs: 600_000 });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure?.kind).toBe('rollout-timeout');
    expect(result.failure?.message).toMatch(
      /^rollout timed out after 20s in batch 2\/3, waiting for batch 2\/3: /,
    );
    expectAllOn(s.fake, OLD, 6);
  });

  it('the restore itself times out: outcome failed, the message says where the service is', async () => {
    const s = setup(
      4,
      2,
      { [NEW]: { crashAfterMs: 1_000 } },
      { rollbackTimeoutMs: 30_000 },
      { stopDeployment: 'denied' },
    );
    s.opts.listeners = [
      ...(s.opts.listeners ?? []),
      (e) => {
        if (e.type === 'failed') s.fake.behaviors[OLD] = { startMs: 10 * 60_000 };
      },
    ];
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('failed');
    expect(result.rollback?.message).toMatch(
      /^rollback to web:1 did not settle within 30s, waiting for \d\/4 tasks of web:1 healthy.*\. Service state: service web \(desired 4\)/,
    );
    expect(result.settled).toBe(false);
    expectSettingsRestored(s, result);
  });

  it("ECS's own circuit breaker rolls back: reported as such, and followed", async () => {
    const s = setup(4, 2);
    const cb = { enable: true, rollback: true };
    s.opts.originalSettings = { ...ORIGINAL, circuitBreaker: cb };
    s.opts.plan = planBatches({
      desired: 4,
      batchSize: { kind: 'count', value: 2 },
      maxUnavailable: { kind: 'count', value: 0 },
      circuitBreaker: cb,
    });
    s.fake.at(T0 + 5_000, () => s.fake.tripCircuitBreaker());
    const result = await runRollout(s.opts);
    expect(result.failure).toMatchObject({ kind: 'ecs-rollback', batch: 1 });
    expect(result.outcome).toBe('rolled-back');
    expect(s.fake.updates.filter((u) => u.taskDefinitionArn === OLD)).toEqual([]);
    expectAllOn(s.fake, OLD, 4);
    expect(s.fake.settings).toEqual({ ...ORIGINAL, circuitBreaker: cb });
  });

  it("superseded by someone else's UpdateService: no rollback over their deployment", async () => {
    const theirs = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:9';
    const s = setup(6, 2);
    s.fake.at(T0 + 25_000, () => void s.fake.updateService({ taskDefinitionArn: theirs }));
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('failed');
    expect(result.failure?.kind).toBe('superseded');
    expect(result.rollback).toBeUndefined();
    expect(s.fake.primaryTaskDefinition()).toBe(theirs);
    expectSettingsRestored(s, result);
  });

  it('settings that cannot be put back at the end: never `succeeded`; the outcome says what is left', async () => {
    const s = setup(2, 1, {}, { callBoundMs: 20_000 });
    s.opts.listeners = [
      ...(s.opts.listeners ?? []),
      (e) => {
        if (e.type === 'batch-succeeded' && e.record.batch === 2)
          s.fake.breakOp('updateService', serverError);
      },
    ];
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('failed');
    expect(result.settled).toBe(false);
    expect(result.settingsRestored.ok).toBe(false);
    expect(result.failure?.message).toMatch(
      /^every batch passed and the service runs web:2, but could not restore the service's deployment settings \(maximumPercent 200, minimumHealthyPercent 50\): UpdateService \(deployment settings\) kept failing/,
    );
  });
});

describe('runRollout: AWS failing in every phase', () => {
  it('a burst of 12 × 500 on the snapshot reads mid-batch: retried within the bound, the rollout goes on', async () => {
    const s = setup(6, 2);
    s.fake.at(T0 + 8_000, () => s.fake.fail('observe', ...Array.from({ length: 12 }, serverError)));
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(launchedPerBatch(s)).toEqual([2, 2, 2]);
    expectSettingsRestored(s, result);
  });

  it.each([
    ['500s', serverError],
    ['dropped connections', networkError],
    ['throttling', throttlingError],
  ])(
    '%s on every UpdateService for a while (first, release, hold, put-back): retried, the rollout succeeds',
    async (_w, error) => {
      const s = setup(4, 2);
      s.fake.fail('updateService', ...Array.from({ length: 4 }, error));
      s.opts.listeners = [
        ...(s.opts.listeners ?? []),
        (e) => {
          if (e.type === 'batch-launched' || e.type === 'batch-succeeded')
            s.fake.fail('updateService', error(), error());
        },
      ];
      const result = await runRollout(s.opts);
      expect(result.outcome).toBe('succeeded');
      expect(launchedPerBatch(s)).toEqual([2, 2]);
      expectSettingsRestored(s, result);
    },
  );

  it('reads failing right after a release: the service is held blind, so ECS starts no more than the batch; released again once seen short', async () => {
    const s = setup(6, 2);
    let broken = false;
    s.opts.listeners = [
      ...(s.opts.listeners ?? []),
      (e) => {
        // From the first release on, nothing can be read for 90 s (batch timeout 10 min).
        if (e.type !== 'batch-started' || broken) return;
        broken = true;
        s.fake.breakOp('observe', networkError);
        s.fake.at(s.clock.now() + 90_000, () => s.fake.restore('observe'));
      },
    ];
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    // Unseen for 90 s, ECS still launched only the batch: held at the first failed read.
    expect(launchedPerBatch(s)).toEqual([2, 2, 2]);
    expect(s.fake.maxUpSeen).toBe(8);
    expect(s.fake.minHealthySeen).toBe(6);
    expectAllOn(s.fake, NEW, 6);
    expectSettingsRestored(s, result);
  });

  it('reads that keep failing past the batch bound: the restore is still asked for, settings put back, and left for the post step', async () => {
    const s = setup(6, 2, {}, { batchTimeoutMs: 60_000, rollbackTimeoutMs: 60_000 });
    s.fake.at(T0 + 8_000, () => s.fake.breakOp('observe', networkError));
    const result = await runRollout(s.opts);
    expect(result.failure?.kind).toBe('error');
    expect(result.failure?.message).toMatch(
      /^could not observe the service: observing the service kept failing for [\dhms]+ \(\d+ attempts\): ECONNRESET: socket hang up$/,
    );
    // ECS was asked to roll back even though nothing could be read ...
    expect(s.fake.callCounts.rollBackServiceDeployment).toBe(1);
    // ... and the service's settings went back.
    expect(s.fake.settings).toEqual(ORIGINAL);
    expect(result.outcome).toBe('failed');
    expect(result.settled).toBe(false);
    expect(result.rollback?.message).toMatch(/could not confirm it/);
    // ECS did roll it back (the reads were the only thing failing).
    s.fake.restore('observe');
    s.fake.runUntil(s.clock.now() + 120_000);
    expectAllOn(s.fake, OLD, 6);
  });

  it('a fatal error while observing fails the rollout and rolls back', async () => {
    const s = setup(6, 2);
    s.fake.at(T0 + 20_000, () => s.fake.fail('observe', accessDenied()));
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure).toMatchObject({ kind: 'error' });
    expect(result.failure?.message).toBe(
      'could not observe the service: AccessDeniedException: User is not authorized to perform: ecs:DescribeServices',
    );
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('a fatal error on the first UpdateService: failed, not rolled back, the service not changed', async () => {
    const s = setup(4, 2);
    s.fake.fail('updateService', accessDenied('ecs:UpdateService'));
    const result = await runRollout(s.opts);
    expect(result.failure).toMatchObject({ kind: 'error', batch: 0 });
    expect(result.failure?.message).toMatch(/^AccessDeniedException/);
    expect(result.outcome).toBe('failed');
    expect(result.rollback).toBeUndefined();
    expect(result.serviceLeft).toBe(
      'The service was not changed: it still runs web:1 under its own deployment settings.',
    );
    expect(s.fake.updates).toEqual([]);
    expect(s.fake.settings).toEqual(ORIGINAL);
  });

  it('a first UpdateService whose answer is lost after ECS applied it: seen, and rolled back', async () => {
    const s = setup(4, 2, {}, { callBoundMs: 10_000 });
    const driver = s.opts.driver;
    let attempts = 0;
    const lossy = withOverrides(driver, {
      updateService: async (change) => {
        attempts += 1;
        if (attempts === 1) await driver.updateService(change);
        if (change.taskDefinitionArn === NEW) throw networkError();
        return driver.updateService(change);
      },
    });
    const result = await runRollout({ ...s.opts, driver: lossy });
    expect(result.failure?.kind).toBe('error');
    expect(result.outcome).toBe('rolled-back');
    expect(s.fake.settings).toEqual(ORIGINAL);
    expectAllOn(s.fake, OLD, 4);
  });

  it('throttling: backs off, keeps saying what it waits for, and succeeds', async () => {
    const heartbeatWords: string[] = [];
    const s = setup(4, 2, {}, { random: () => 0.999 });
    s.opts.heartbeat = new Heartbeat((w) => void heartbeatWords.push(w));
    s.fake.at(T0 + 10_000, () => s.fake.fail('observe', ...Array.from({ length: 7 }, throttlingError)));
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    const words = of(s.events, 'progress').map((e) => e.progress.waitingFor);
    expect(words.some((w) => /\(AWS is throttling API calls; retrying in \d+s\)$/.test(w))).toBe(true);
    expect(longestSilence(s.events)).toBeLessThanOrEqual(20_000);
    expectSettingsRestored(s, result);
  });
});

describe('runRollout: cancellation', () => {
  it('cancelled mid-batch: stops waiting, rolls back, outcome cancelled', async () => {
    const ac = new AbortController();
    const s = setup(6, 2, {}, { signal: ac.signal });
    s.fake.at(T0 + 25_000, () => ac.abort());
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('cancelled');
    expect(result.failure?.kind).toBe('cancelled');
    expect(result.failure?.message).toMatch(/^the rollout was cancelled in batch 2\/3 while waiting for /);
    expect(result.rollback?.ok).toBe(true);
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('cancelled while the service is held between batches (bake time): rolls back from the hold', async () => {
    const ac = new AbortController();
    const s = setup(6, 2, {}, { signal: ac.signal, bakeMs: 120_000 });
    s.opts.listeners = [
      ...(s.opts.listeners ?? []),
      (e) => void (e.type === 'batch-healthy' && e.batch === 1 && ac.abort()),
    ];
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('cancelled');
    expect(of(s.events, 'batch-started')).toHaveLength(1);
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('an already-aborted signal: no UpdateService at all', async () => {
    const ac = new AbortController();
    ac.abort();
    const s = setup(4, 2, {}, { signal: ac.signal });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('cancelled');
    expect(s.fake.updates).toEqual([]);
    expect(result.serviceLeft).toMatch(/^The service was not changed/);
  });

  it('a listener that throws or never returns, and an onPhase that throws, change nothing', async () => {
    const s = setup(4, 2);
    const seen: string[] = [];
    s.opts.listeners = [
      () => {
        throw new Error('listener bug');
      },
      async () => {
        await new Promise(() => undefined);
      },
      (e) => void seen.push(e.type),
    ];
    s.opts.onPhase = () => {
      throw new Error('cannot save state');
    };
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(seen[0]).toBe('rollout-started');
    expect(seen.at(-1)).toBe('rollout-finished');
  });
});

describe('runRollout: the lease', () => {
  const identity = { id: 'ours0001', run: 'octo/web/actions/runs/1/attempts/1' };

  it('confirms the lease before every change, and gives it back (with the recorded settings) at the end', async () => {
    const s = setup(4, 2);
    const guard = new ServiceGuard({ driver: s.fake, clock: s.clock, identity });
    await guard.acquire(ORIGINAL);
    expect(s.fake.tags.get(LEASE_TAG)).toMatch(/^id=ours0001 until=\d+ run=octo\/web/);
    expect(s.fake.tags.get(OWN_SETTINGS_TAG)).toBe('max=200 min=50 breaker=off rollback=off');
    const result = await runRollout({ ...s.opts, guard });
    expect(result.outcome).toBe('succeeded');
    expect(s.fake.callCounts.readServiceTags).toBeGreaterThanOrEqual(1);
    expect(s.fake.tags.has(LEASE_TAG)).toBe(false);
    expect(s.fake.tags.has(OWN_SETTINGS_TAG)).toBe(false);
  });

  it('taken over by another run mid-rollout: this run changes nothing after it sees that', async () => {
    const s = setup(6, 2);
    const guard = new ServiceGuard({ driver: s.fake, clock: s.clock, identity, recheckAfterMs: 0 });
    await guard.acquire(ORIGINAL);
    let takenAt = 0;
    s.opts.listeners = [
      ...(s.opts.listeners ?? []),
      (e) => {
        // Taken over while batch 1 is held; the next change would be batch 2's release.
        if (e.type === 'batch-launched' && e.batch === 1) {
          takenAt = s.fake.updates.length;
          s.fake.tags.set(
            LEASE_TAG,
            formatLease({
              id: 'theirs01',
              run: 'octo/web/actions/runs/2/attempts/1',
              until: s.clock.now() + 300_000,
            }),
          );
        }
      },
    ];
    const result = await runRollout({ ...s.opts, guard });
    expect(result.outcome).toBe('failed');
    expect(result.failure?.kind).toBe('taken-over');
    expect(result.failure?.message).toMatch(
      /^another rollout took the service's lease \(run octo\/web\/actions\/runs\/2\/attempts\/1 \(https:\/\/github.com\/octo\/web\/actions\/runs\/2\/attempts\/1\), until \d\d:\d\d:\d\d UTC\); this run changed nothing after that$/,
    );
    expect(s.fake.updates.slice(takenAt)).toEqual([]);
    expect(s.fake.callCounts.rollBackServiceDeployment).toBe(0);
    // Their lease is theirs: left in place.
    expect(s.fake.tags.get(LEASE_TAG)).toMatch(/^id=theirs01/);
  });
});

describe('runRollout: how often it looks', () => {
  it('a snapshot starts every 800 ms from the start of the last, and every 200 ms right after a release', async () => {
    const s = setup(
      6,
      2,
      { [NEW]: { startMs: 2_000, healthyAfterMs: 3_000 } },
      {},
      { deregistrationDelayMs: 5_000 },
    );
    const timed = timeSnapshots(s, 300);
    const result = await runRollout({ ...s.opts, driver: timed.driver });
    expect(result.outcome).toBe('succeeded');
    const gaps = timed.starts.slice(1).map((t, i) => t - timed.starts[i]!);
    // The longest gap is one fast interval (a slow snapshot does not stretch it) or a retry: none here.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(DEFAULT_PACE.fastMs);
    expect(gaps.filter((g) => g === DEFAULT_PACE.urgentMs + 100 || g === 300).length).toBeGreaterThan(0);
  });

  it('never looks again at once after a change: no two snapshots closer than the urgent pace, and a pass and the next release come from one snapshot', async () => {
    const s = setup(
      6,
      2,
      { [NEW]: { startMs: 2_000, healthyAfterMs: 3_000 } },
      {},
      { deregistrationDelayMs: 5_000 },
    );
    const timed = timeSnapshots(s, 0);
    const result = await runRollout({ ...s.opts, driver: timed.driver });
    expect(result.outcome).toBe('succeeded');
    const gaps = timed.starts.slice(1).map((t, i) => t - timed.starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(DEFAULT_PACE.urgentMs);
    // Batch k's verdict and batch k+1's release are one moment: the same snapshot decided both.
    const passed = of(s.events, 'batch-succeeded');
    const releases = of(s.events, 'batch-started');
    for (let k = 1; k < releases.length; k++) expect(releases[k]!.at).toBe(passed[k - 1]!.at);
  });

  it('once every new task of a batch runs, it looks at the urgent pace: the next release follows the verdict within one urgent interval', async () => {
    // Timings off the 200 ms grid, so the verdict falls between two looks.
    const startMs = 2_050;
    const healthyAfterMs = 3_130;
    const s = setup(6, 2, { [NEW]: { startMs, healthyAfterMs } }, {}, { deregistrationDelayMs: 5_000 });
    const timed = timeSnapshots(s, 0);
    const result = await runRollout({ ...s.opts, driver: timed.driver });
    expect(result.outcome).toBe('succeeded');
    const releases = of(s.events, 'batch-started').map((e) => e.at);
    expect(releases).toHaveLength(3);
    for (let k = 1; k < releases.length; k++) {
      // Batch k's tasks, launched after its release, turn healthy startMs + healthyAfterMs later.
      const launched = s.fake.launches.filter(
        (l) => l.td === NEW && l.at >= releases[k - 1]! && l.at < releases[k]!,
      );
      const healthyAt = Math.max(...launched.map((l) => l.at)) + startMs + healthyAfterMs;
      const gap = releases[k]! - healthyAt;
      expectWith(
        gap,
        `batch ${k + 1} released ${gap} ms after batch ${k} turned healthy`,
      ).toBeLessThanOrEqual(DEFAULT_PACE.urgentMs);
      expect(gap).toBeGreaterThanOrEqual(0);
    }
  });

  it('during a long drain it still looks every 800 ms: the end of a drain is seen within a second', async () => {
    const s = setup(2, 1, {}, {}, { deregistrationDelayMs: 120_000 });
    const timed = timeSnapshots(s, 0);
    const result = await runRollout({ ...s.opts, driver: timed.driver });
    expect(result.outcome).toBe('succeeded');
    const gaps = timed.starts.slice(1).map((t, i) => t - timed.starts[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(DEFAULT_PACE.fastMs);
    const drained = of(s.events, 'batch-drained').at(-1)!;
    expect(result.durationMs - (drained.at - T0)).toBeLessThanOrEqual(1_000);
  });
});

describe('restorePrevious on its own (the post step after a crash)', () => {
  it('finds the rollout’s service deployment, rolls it back keeping the previous tasks, then restores settings', async () => {
    const clock = new FakeClock();
    const fake = new FakeService({
      clock,
      desired: 4,
      settings: { maximumPercent: 150, minimumHealthyPercent: 100 },
    });
    await fake.updateService({
      taskDefinitionArn: NEW,
      settings: { maximumPercent: 150, minimumHealthyPercent: 100 },
    });
    fake.runUntil(T0 + 20_000);
    expect(new Set(fake.liveTasks().map((t) => t.td))).toEqual(new Set([OLD, NEW]));
    const oldLaunchesBefore = fake.launches.filter((l) => l.td === OLD).length;
    const said: string[] = [];
    const original = { maximumPercent: 200, minimumHealthyPercent: 100 };
    const result = await restorePrevious({
      driver: fake,
      clock,
      heartbeat: new Heartbeat((w) => void said.push(w)),
      previousTaskDefinitionArn: OLD,
      newTaskDefinitionArn: NEW,
      originalSettings: original,
      desiredCount: 4,
      rolloutStartedAt: T0,
      timeoutMs: 600_000,
    });
    expect(result).toMatchObject({ ok: true, confirmed: true, how: 'stop-deployment' });
    expect(result.settingsRestored.ok).toBe(true);
    expectAllOn(fake, OLD, 4);
    expect(fake.settings).toEqual(original);
    // Only the replaced tasks were started again.
    expect(fake.launches.filter((l) => l.td === OLD).length - oldLaunchesBefore).toBe(
      fake.stops.filter((x) => x.td === OLD).length,
    );
    expect(said[0]).toMatch(/^rollback: \d\/4 tasks of web:1 healthy/);
  });

  it("when ECS's circuit breaker already rolled back, it only follows and puts the settings back", async () => {
    const clock = new FakeClock();
    const cb = { enable: true, rollback: true };
    const fake = new FakeService({
      clock,
      desired: 4,
      settings: { maximumPercent: 200, minimumHealthyPercent: 100, circuitBreaker: cb },
      behaviors: { [NEW]: { crashAfterMs: 1_000 } },
    });
    await fake.updateService({ taskDefinitionArn: NEW });
    fake.runUntil(T0 + 60_000);
    expect(fake.primaryTaskDefinition()).toBe(OLD);
    const before = fake.updates.length;
    const result = await restorePrevious({
      driver: fake,
      clock,
      heartbeat: new Heartbeat(() => undefined),
      previousTaskDefinitionArn: OLD,
      newTaskDefinitionArn: NEW,
      originalSettings: { maximumPercent: 200, minimumHealthyPercent: 100 },
      desiredCount: 4,
      rolloutStartedAt: T0,
      timeoutMs: 600_000,
    });
    expect(result.ok).toBe(true);
    expect(
      fake.updates
        .slice(before)
        .every((u) => u.taskDefinitionArn === undefined || u.taskDefinitionArn === OLD),
    ).toBe(true);
    expectAllOn(fake, OLD, 4);
  });
});
