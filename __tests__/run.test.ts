import { describe, it, expect } from '@jest/globals';
import { planBatches } from '../src/rollout/plan.js';
import {
  afterError,
  afterObservation,
  classifyError,
  DEFAULT_POLL_POLICY,
  INITIAL_POLL_STATE,
  nextDelay,
  tooManyErrors,
  type PollState,
} from '../src/rollout/poll.js';
import { restorePrevious, restoreSettings, restoreStatus } from '../src/rollout/restore.js';
import { runRollout, type RunPhase, type RunRolloutOptions } from '../src/rollout/run.js';
import type { DeploymentSettings, HttpProbe, RolloutEvent, RolloutResult } from '../src/rollout/types.js';
import type { ServiceDriver } from '../src/platform/service-driver.js';
import {
  accessDenied,
  FakeClock,
  fresh,
  old,
  snapshot,
  type SnapshotSpec,
  FakeService,
  NEW,
  OLD,
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
    maxUnavailable: { kind: 'count', value: 0 },
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
    listeners: [
      (e) => {
        events.push(e);
      },
    ],
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

/** The longest stretch of fake time with no event at all. */
function longestSilence(events: RolloutEvent[]): number {
  let worst = 0;
  for (let i = 1; i < events.length; i++) worst = Math.max(worst, events[i]!.at - events[i - 1]!.at);
  return worst;
}

const types = (events: RolloutEvent[]): string[] => events.map((e) => e.type);

/** The driver with some methods replaced; every other call reaches the fake itself (bound to it). */
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

/** The fake's driver, noting when each snapshot starts (fake time) and taking `costMs` for each. */
function timeSnapshots(s: Setup, costMs: number): { driver: ServiceDriver; gaps(): number[] } {
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
    gaps: () => starts.slice(1).map((t, i) => t - (starts[i] ?? 0)),
  };
}

describe('runRollout: happy paths against the simulated ECS rolling update', () => {
  it('N=6, batches of 2: three batches, capacity never drops, settings restored', async () => {
    const s = setup(6, 2);
    const phases: RunPhase[] = [];
    s.opts.onPhase = (p) => {
      phases.push(p);
    };
    const result = await runRollout(s.opts);

    expect(result.outcome).toBe('succeeded');
    expect(result.failure).toBeUndefined();
    expect(result.rollback).toBeUndefined();
    expect(result.batches.map((b) => [b.batch, b.tasks, b.outcome])).toEqual([
      [1, 2, 'succeeded'],
      [2, 2, 'succeeded'],
      [3, 2, 'succeeded'],
    ]);
    for (const b of result.batches) {
      expect(b.launchedAt).toBeGreaterThanOrEqual(b.startedAt);
      expect(b.healthyAt).toBeGreaterThanOrEqual(b.launchedAt!);
      expect(b.endedAt).toBeGreaterThanOrEqual(b.healthyAt!);
      // A batch takes its tasks' start and health checks plus the old ones' draining: ~30 s here.
      expect(b.endedAt! - b.startedAt).toBeGreaterThanOrEqual(15_000);
    }
    expectAllOn(s.fake, NEW, 6);
    // The rollout's own settings went in with the new task definition ...
    expect(s.fake.updates[0]).toEqual({ at: T0, taskDefinitionArn: NEW, settings: s.opts.plan.settings });
    expect(s.opts.plan.settings).toMatchObject({ maximumPercent: 134, minimumHealthyPercent: 100 });
    // ... so ECS moved two at a time and never below six healthy.
    expect(s.fake.maxLiveSeen).toBe(8);
    expect(s.fake.minHealthySeen).toBe(6);
    expect(s.fake.updates).toHaveLength(2);
    expectSettingsRestored(s, result);
    expect(phases).toEqual(['rolling-out', 'finished']);

    const kinds = types(s.events);
    expect(kinds[0]).toBe('rollout-started');
    expect(kinds.at(-1)).toBe('rollout-finished');
    expect(
      s.events
        .filter((e) => e.type === 'batch-started')
        .map((e) => (e.type === 'batch-started' ? e.batch : 0)),
    ).toEqual([1, 2, 3]);
    expect(kinds.filter((k) => k === 'batch-succeeded')).toHaveLength(3);
    const words = s.events.flatMap((e) => (e.type === 'progress' ? [e.progress.waitingFor] : []));
    expect(words).toContain('batch 2/3: 0/2 new targets healthy, 2 new tasks to start, 2 old tasks to stop');
    expect(words).toContain('batch 2/3: 0/2 new targets healthy, 2 old tasks to stop');
    expect(words).toContain('batch 2/3: 2/2 new targets healthy, 2 old targets draining');
    expect(longestSilence(s.events)).toBeLessThanOrEqual(20_000);
    expect(result.durationMs).toBe(s.events.at(-1)!.at - T0);
    expect(result.durationMs).toBeGreaterThan(60_000);
  });

  it('N=5, batches of 2: a short last batch', async () => {
    const s = setup(5, 2);
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(result.batches.map((b) => b.tasks)).toEqual([2, 2, 1]);
    expect(result.batches.every((b) => b.outcome === 'succeeded')).toBe(true);
    expectAllOn(s.fake, NEW, 5);
    expect(s.fake.maxLiveSeen).toBe(7);
    expect(s.fake.minHealthySeen).toBe(5);
    expectSettingsRestored(s, result);
  });

  it('max unavailable > 0: ECS may stop old tasks early and run ahead; never below N - u healthy', async () => {
    const s = setup(10, 3);
    s.opts.plan = planBatches({
      desired: 10,
      batchSize: { kind: 'percent', value: 30 },
      maxUnavailable: { kind: 'count', value: 1 },
    });
    expect(s.opts.plan.settings).toEqual({ maximumPercent: 130, minimumHealthyPercent: 90 });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(result.batches.map((b) => [b.tasks, b.outcome])).toEqual([
      [3, 'succeeded'],
      [3, 'succeeded'],
      [3, 'succeeded'],
      [1, 'succeeded'],
    ]);
    expectAllOn(s.fake, NEW, 10);
    expect(s.fake.minHealthySeen).toBe(9);
    expect(s.fake.maxLiveSeen).toBe(13);
    expectSettingsRestored(s, result);
  });

  it('100 tasks in batches of 10%', async () => {
    const s = setup(100, 10);
    s.opts.plan = planBatches({
      desired: 100,
      batchSize: { kind: 'percent', value: 10 },
      maxUnavailable: { kind: 'count', value: 0 },
    });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(result.batches.map((b) => b.tasks)).toEqual(Array.from({ length: 10 }, () => 10));
    expect(s.fake.maxLiveSeen).toBe(110);
    expect(s.fake.minHealthySeen).toBe(100);
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

  it('HTTP checks that pass do not stop the rollout; each poll probes every URL', async () => {
    const urls: string[] = [];
    const probe: HttpProbe = {
      get: async (url) => {
        urls.push(url);
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
          urls: ['http://a/health', 'http://b/'],
          statuses: [{ min: 200, max: 399 }],
          threshold: 3,
        },
      },
    );
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(urls.filter((u) => u === 'http://a/health').length).toBe(s.fake.callCounts.observe);
    expect(urls.filter((u) => u === 'http://b/').length).toBe(s.fake.callCounts.observe);
  });
});

describe('runRollout: failures and rollback', () => {
  it('first-batch failure: the new version goes, the previous one stays; outcome rolled-back', async () => {
    const s = setup(6, 2, { [NEW]: { crashAfterMs: 2_000, exitCode: 3 } }, {}, { adoptSameRevision: true });
    const phases: RunPhase[] = [];
    s.opts.onPhase = (p) => {
      phases.push(p);
    };
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
    expect(result.failure?.serviceEvents?.some((e) => e.includes('has started 2 tasks'))).toBe(true);
    expect(result.batches).toEqual([expect.objectContaining({ batch: 1, outcome: 'failed' })]);
    expect(result.rollback?.ok).toBe(true);
    expect(result.rollback?.message).toMatch(/^rolled back to web:1: all 6 tasks healthy on it/);
    // No task of the previous revision was ever stopped, and capacity never dropped.
    expect(s.fake.stops.filter((x) => x.td === OLD)).toEqual([]);
    expect(s.fake.minHealthySeen).toBe(6);
    expectAllOn(s.fake, OLD, 6);
    // The restore asked for the previous revision under the rollout's floor (higher than the
    // service's own 50%), so capacity stays where the rollout kept it.
    const back = s.fake.updates.find((u) => u.taskDefinitionArn === OLD);
    expect(back?.settings).toMatchObject({ minimumHealthyPercent: 100, maximumPercent: 200 });
    expectSettingsRestored(s, result);
    expect(phases).toEqual(['rolling-out', 'rolling-back', 'finished']);
    expect(types(s.events)).toEqual(
      expect.arrayContaining(['failed', 'rollback-started', 'rollback-finished']),
    );
  });

  it('first-batch failure when ECS replaces same-revision tasks too: still one revision at full count', async () => {
    const s = setup(6, 2, { [NEW]: { crashAfterMs: 2_000 } });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    const failedAt = s.events.find((e) => e.type === 'failed')!.at;
    // Old tasks were untouched until the rollout failed, and replaced without losing capacity.
    expect(s.fake.stops.filter((x) => x.td === OLD && x.at < failedAt)).toEqual([]);
    expect(s.fake.minHealthySeen).toBe(6);
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('a version that turns unhealthy after the second batch: every replaced batch is rolled back', async () => {
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
    expect(result.failure?.batch).toBe(3);
    expect(result.failure?.kind).toBe('target-unhealthy');
    expect(result.failure?.reasonCode).toBe('Target.ResponseCodeMismatch');
    expect(result.failure?.message).toContain(
      'in target group web (Target.ResponseCodeMismatch: Health checks failed with these codes: [500])',
    );
    expect(result.batches.map((b) => b.outcome)).toEqual(['succeeded', 'succeeded', 'failed']);
    expectAllOn(s.fake, OLD, 6);
    expect(longestSilence(s.events)).toBeLessThanOrEqual(20_000);
    expect(result.rollback?.ok).toBe(true);
    expectSettingsRestored(s, result);
  });

  it('ECS stops an unhealthy task before a poll sees its target: the ELB reason still reaches the message', async () => {
    const s = setup(4, 2, { [NEW]: { unhealthyAfterMs: 10_000 } }, {}, { elbReplaceLagMs: 0 });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure?.kind).toBe('task-stopped');
    expect(result.failure?.message).toMatch(
      /^batch 1\/2: task [0-9a-f]{8}… stopped: Task failed ELB health checks in \(target-group web\); ELB said: unhealthy in target group web \(Health checks failed with these codes: \[500\]\)$/,
    );
    expectAllOn(s.fake, OLD, 4);
  });

  it('rollback disabled: outcome failed, the service left as ECS has it, said plainly', async () => {
    const s = setup(6, 2, { [NEW]: { crashAfterMs: 2_000 } }, { rollbackOnFailure: false });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('failed');
    expect(result.rollback).toBeUndefined();
    expect(s.fake.updates.some((u) => u.taskDefinitionArn === OLD)).toBe(false);
    expect(result.serviceLeft).toMatch(
      /^rollback-on-failure is false, so the service is left as ECS has it: service web \(desired 6\): deployments PRIMARY web:2 \(IN_PROGRESS\), ACTIVE web:1 \(COMPLETED\); tasks .*6 of web:1 \(6 healthy\).*; ECS goes on with it under the service's own deployment settings\.$/,
    );
    expect(types(s.events)).not.toContain('rollback-started');
    expectSettingsRestored(s, result);
  });

  it('slow start beyond the batch timeout', async () => {
    const s = setup(6, 2, { [NEW]: { healthyAfterMs: 600_000 } }, { batchTimeoutMs: 120_000 });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure?.kind).toBe('batch-timeout');
    expect(result.failure?.message).toBe(
      'batch 1/3 timed out after 2m, waiting for batch 1/3: 0/2 new targets healthy, 2 old tasks to stop',
    );
    // Detected on time: the loop never sleeps past a deadline.
    const failedAt = s.events.find((e) => e.type === 'failed')!.at;
    expect(failedAt - T0).toBeGreaterThanOrEqual(120_000);
    expect(failedAt - T0).toBeLessThanOrEqual(121_000);
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('the rollout timeout ends a rollout whose batches are each on time', async () => {
    const s = setup(6, 2, {}, { rolloutTimeoutMs: 50_000 });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure).toMatchObject({ kind: 'rollout-timeout', batch: 2 });
    expect(result.failure?.message).toMatch(
      /^rollout timed out after 50s in batch 2\/3, waiting for batch 2\/3: /,
    );
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('an HTTP check failing its threshold fails the batch', async () => {
    let calls = 0;
    const probe: HttpProbe = {
      get: async () => {
        calls += 1;
        return calls > 5 ? { status: 503 } : { status: 200 };
      },
    };
    const s = setup(
      6,
      2,
      {},
      {
        probe,
        healthChecks: { urls: ['http://lb/health'], statuses: [{ min: 200, max: 399 }], threshold: 3 },
      },
    );
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure).toMatchObject({ kind: 'http-check', batch: 1 });
    expect(result.failure?.message).toBe(
      'batch 1/3: health check http://lb/health failed 3 times in a row (last: status 503)',
    );
    expect(calls).toBe(8);
    expectSettingsRestored(s, result);
  });

  it('the rollback itself times out: outcome failed, the message says where the service is', async () => {
    // The previous revision cannot come back either (e.g. its image was deleted).
    const s = setup(4, 2, { [NEW]: { crashAfterMs: 1_000 } }, { rollbackTimeoutMs: 30_000 });
    s.opts.listeners = [
      ...(s.opts.listeners ?? []),
      (e) => {
        if (e.type === 'failed') s.fake.behaviors[OLD] = { startMs: 10 * 60_000 };
      },
    ];
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('failed');
    expect(result.rollback?.ok).toBe(false);
    expect(result.rollback?.message).toMatch(
      /^rollback to web:1 failed: it did not settle within 30s, waiting for rollback: \d\/4 tasks of web:1 healthy.*\. Service state: service web \(desired 4\): deployments PRIMARY web:1 \(IN_PROGRESS\).*tasks .*of web:1/,
    );
    expect(types(s.events)).toContain('rollback-finished');
    expectSettingsRestored(s, result);
  });

  it("ECS's own circuit breaker rolls back: reported as such, the restore only waits for ECS", async () => {
    const s = setup(4, 2);
    s.opts.originalSettings = { ...ORIGINAL, circuitBreaker: { enable: true, rollback: true } };
    s.opts.plan = {
      ...s.opts.plan,
      settings: { ...s.opts.plan.settings, circuitBreaker: { enable: true, rollback: true } },
    };
    s.fake.at(T0 + 5_000, () => s.fake.tripCircuitBreaker());
    const result = await runRollout(s.opts);
    expect(result.failure).toMatchObject({ kind: 'ecs-rollback', batch: 1 });
    expect(result.failure?.message).toMatch(
      /^batch 1\/2: ECS's deployment circuit breaker failed deployment ecs-svc\/\d+ \(ECS deployment circuit breaker: tasks failed to start\.\) and rolled the service back to .*web:1$/,
    );
    expect(result.outcome).toBe('rolled-back');
    // ECS already went back to web:1: we never asked for it ourselves.
    expect(s.fake.updates.filter((u) => u.taskDefinitionArn === OLD)).toEqual([]);
    expectAllOn(s.fake, OLD, 4);
    expect(s.fake.settings).toEqual({ ...ORIGINAL, circuitBreaker: { enable: true, rollback: true } });
  });

  it("superseded by someone else's UpdateService: no rollback over their deployment", async () => {
    const theirs = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:9';
    const s = setup(6, 2);
    s.fake.at(T0 + 40_000, () => void s.fake.updateService({ taskDefinitionArn: theirs }));
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('failed');
    expect(result.failure).toMatchObject({ kind: 'superseded', batch: 2 });
    expect(result.rollback).toBeUndefined();
    expect(s.fake.updates.filter((u) => u.taskDefinitionArn === OLD)).toEqual([]);
    expect(s.fake.primaryTaskDefinition()).toBe(theirs);
    expect(result.serviceLeft).toMatch(
      /^another deployment replaced ours, so there is nothing of ours to roll back/,
    );
    expectSettingsRestored(s, result);
  });

  it('settings that cannot be put back are reported, not thrown', async () => {
    const s = setup(2, 1);
    s.opts.listeners = [
      ...(s.opts.listeners ?? []),
      (e) => {
        if (e.type === 'batch-succeeded' && e.record.batch === 2)
          s.fake.fail('updateService', accessDenied());
      },
    ];
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expect(result.settingsRestored).toEqual({
      ok: false,
      message:
        "could not restore the service's deployment settings (maximumPercent 200, minimumHealthyPercent 50): " +
        'UpdateService (deployment settings) failed: AccessDeniedException: User is not authorized to perform: ecs:DescribeServices',
    });
  });
});

describe('runRollout: errors, cancellation, listeners', () => {
  it('a fatal error while observing fails the rollout, rolls back, restores settings', async () => {
    const s = setup(6, 2);
    s.fake.at(T0 + 20_000, () => s.fake.fail('observe', accessDenied()));
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure).toMatchObject({ kind: 'error', batch: 1 });
    expect(result.failure?.message).toBe(
      'observing the service failed: AccessDeniedException: User is not authorized to perform: ecs:DescribeServices',
    );
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('a fatal error on the first UpdateService: failed, not rolled back, the service not changed', async () => {
    const s = setup(4, 2);
    s.fake.fail('updateService', accessDenied());
    const result = await runRollout(s.opts);
    expect(result.failure).toMatchObject({ kind: 'error', batch: 0 });
    expect(result.failure?.message).toMatch(/^UpdateService failed: AccessDeniedException/);
    expect(result.outcome).toBe('failed');
    expect(result.rollback).toBeUndefined();
    expect(types(s.events)).not.toContain('rollback-started');
    expect(result.serviceLeft).toBe(
      'The service was not changed: it still runs web:1 under its own deployment settings.',
    );
    expect(result.settingsRestored.ok).toBe(true);
    // The failed call was the only one: nothing to undo, so nothing else was sent.
    expect(s.fake.updates).toEqual([]);
    expect(s.fake.settings).toEqual(ORIGINAL);
    expectAllOn(s.fake, OLD, 4);
  });

  it('a first UpdateService whose answer is lost after ECS applied it: seen, and rolled back', async () => {
    const s = setup(4, 2);
    const driver = s.opts.driver;
    let attempts = 0;
    const lossy = withOverrides(driver, {
      updateService: async (change) => {
        attempts += 1;
        // The first attempt reaches ECS; its answer, and every retry, is lost on the way.
        if (attempts === 1) await driver.updateService(change);
        if (change.taskDefinitionArn === NEW)
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return driver.updateService(change);
      },
    });
    const result = await runRollout({ ...s.opts, driver: lossy });
    expect(result.failure?.kind).toBe('error');
    expect(result.outcome).toBe('rolled-back');
    expect(types(s.events)).toContain('rollback-started');
    expect(s.fake.settings).toEqual(ORIGINAL);
    expectAllOn(s.fake, OLD, 4);
  });

  it('throttling: backs off with jitter, keeps saying what it waits for, and succeeds', async () => {
    const s = setup(4, 2, {}, { random: () => 0.999 });
    s.fake.fail('updateService', throttlingError(), throttlingError());
    // Seven throttled observations in a row: back-off of about 0.5+1+2+4+8+16+20 s.
    s.fake.at(T0 + 10_000, () => s.fake.fail('observe', ...Array.from({ length: 7 }, throttlingError)));
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    expectAllOn(s.fake, NEW, 4);
    // The back-off doubled up to its cap.
    const backoff = s.clock.sleeps.filter((ms) => ms !== DEFAULT_POLL_POLICY.fastMs && ms > 5_000);
    expect(backoff).toEqual(expect.arrayContaining([7_992, 15_984, 19_980]));
    expect(longestSilence(s.events)).toBeLessThanOrEqual(20_000);
    const words = s.events.flatMap((e) => (e.type === 'progress' ? [e.progress.waitingFor] : []));
    expect(words.some((w) => /\(AWS is throttling API calls; retrying in \d+s\)$/.test(w))).toBe(true);
    expectSettingsRestored(s, result);
  });

  it('throttling during the rollback: it still says what it waits for, and settles', async () => {
    const s = setup(4, 2, { [NEW]: { crashAfterMs: 2_000 } }, { random: () => 0.999 });
    let throttled = false;
    s.opts.listeners = [
      ...(s.opts.listeners ?? []),
      (e) => {
        if (e.type === 'rollback-progress' && !throttled) {
          throttled = true;
          s.fake.fail('observe', ...Array.from({ length: 7 }, throttlingError));
        }
      },
    ];
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('rolled-back');
    const rollbackWords = s.events.flatMap((e) => (e.type === 'rollback-progress' ? [e.waitingFor] : []));
    expect(
      rollbackWords.some((w) => /^rollback: .*\(AWS is throttling API calls; retrying in \d+s\)$/.test(w)),
    ).toBe(true);
    expect(longestSilence(s.events)).toBeLessThanOrEqual(20_000);
    expectAllOn(s.fake, OLD, 4);
    expectSettingsRestored(s, result);
  });

  it('too many errors in a row: fails with the count, then restores', async () => {
    const s = setup(4, 2);
    s.fake.at(T0 + 10_000, () =>
      s.fake.fail(
        'observe',
        ...Array.from({ length: DEFAULT_POLL_POLICY.maxConsecutiveErrors }, throttlingError),
      ),
    );
    const result = await runRollout(s.opts);
    expect(result.failure?.kind).toBe('error');
    expect(result.failure?.message).toBe(
      'observing the service failed (8 attempts): ThrottlingException: Rate exceeded',
    );
    expect(result.outcome).toBe('rolled-back');
    expectSettingsRestored(s, result);
  });

  it('cancellation: stops waiting, rolls back, outcome cancelled', async () => {
    const ac = new AbortController();
    const s = setup(6, 2, {}, { signal: ac.signal });
    s.fake.at(T0 + 45_000, () => ac.abort());
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('cancelled');
    expect(result.failure).toMatchObject({ kind: 'cancelled', batch: 2 });
    expect(result.failure?.message).toMatch(
      /^the rollout was cancelled in batch 2\/3 while waiting for batch 2\/3: /,
    );
    expect(result.rollback?.ok).toBe(true);
    expectAllOn(s.fake, OLD, 6);
    expectSettingsRestored(s, result);
  });

  it('cancellation with rollback off: outcome cancelled, service left as is', async () => {
    const ac = new AbortController();
    const s = setup(6, 2, {}, { signal: ac.signal, rollbackOnFailure: false });
    s.fake.at(T0 + 45_000, () => ac.abort());
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('cancelled');
    expect(result.rollback).toBeUndefined();
    expect(result.serviceLeft).toMatch(/^rollback-on-failure is false/);
    expect(s.fake.updates.some((u) => u.taskDefinitionArn === OLD)).toBe(false);
    expectSettingsRestored(s, result);
  });

  it('cancellation during a throttled retry is a cancellation, not an error', async () => {
    const ac = new AbortController();
    const s = setup(4, 2, {}, { signal: ac.signal });
    s.fake.at(T0 + 10_000, () => {
      s.fake.fail('observe', ...Array.from({ length: 4 }, throttlingError));
      ac.abort();
    });
    const result = await runRollout(s.opts);
    expect(result.failure?.kind).toBe('cancelled');
    expect(result.outcome).toBe('cancelled');
    expectSettingsRestored(s, result);
  });

  it('an already-aborted signal: no batch is watched, no UpdateService at all', async () => {
    const ac = new AbortController();
    ac.abort();
    const s = setup(4, 2, {}, { signal: ac.signal });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('cancelled');
    expect(result.failure).toEqual({
      batch: 0,
      kind: 'cancelled',
      message: 'the rollout was cancelled before it started',
    });
    expect(result.rollback).toBeUndefined();
    expect(s.fake.updates).toEqual([]);
    expect(result.settingsRestored.ok).toBe(true);
    expect(result.serviceLeft).toMatch(/^The service was not changed/);
    expectAllOn(s.fake, OLD, 4);
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
      (e) => {
        seen.push(e.type);
      },
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

describe('runRollout: adaptive polling', () => {
  it('under 1 s while things change, slowing to 5 s when nothing does', async () => {
    const s = setup(2, 1, { [NEW]: { healthyAfterMs: 60_000 } });
    const result = await runRollout(s.opts);
    expect(result.outcome).toBe('succeeded');
    const sleeps = s.clock.sleeps;
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(DEFAULT_POLL_POLICY.slowMs);
    expect(sleeps).toContain(DEFAULT_POLL_POLICY.fastMs);
    expect(sleeps).toContain(5_000);
    // A minute of quiet health checks costs far fewer polls than one a second.
    expect(s.fake.callCounts.observe).toBeLessThan(result.durationMs / 1000 / 2);
  });

  it('the interval runs from the start of one snapshot to the next: a slow snapshot does not stretch it', async () => {
    const s = setup(
      6,
      2,
      { [NEW]: { startMs: 500, healthyAfterMs: 700 } },
      {},
      { deregistrationDelayMs: 600 },
    );
    // 300 ms per snapshot: a large fleet's many ListTasks/DescribeTasks pages.
    const timed = timeSnapshots(s, 300);
    const result = await runRollout({ ...s.opts, driver: timed.driver });
    expect(result.outcome).toBe('succeeded');
    const gaps = timed.gaps();
    // Things change every ~600 ms: every snapshot starts fastMs after the last, not fastMs + 300 ms.
    expect(gaps.length).toBeGreaterThan(3);
    expect(gaps.filter((g) => g !== DEFAULT_POLL_POLICY.fastMs)).toEqual([]);
  });

  it('a batch that keeps changing is polled at the fast interval throughout', async () => {
    // Something changes about every 600 ms (start, health, drain): the interval never grows.
    const s = setup(
      6,
      2,
      { [NEW]: { startMs: 500, healthyAfterMs: 700 } },
      {},
      { deregistrationDelayMs: 600 },
    );
    const timed = timeSnapshots(s, 0);
    const result = await runRollout({ ...s.opts, driver: timed.driver });
    expect(result.outcome).toBe('succeeded');
    const gaps = timed.gaps();
    expect(gaps.length).toBeGreaterThan(3);
    expect(gaps.filter((g) => g > DEFAULT_POLL_POLICY.fastMs)).toEqual([]);
  });
});

describe('poll policy (pure)', () => {
  const p = DEFAULT_POLL_POLICY;
  const quiet = (n: number): PollState => ({ unchangedPolls: n, consecutiveErrors: 0 });

  it.each([
    [0, 800],
    [2, 800],
    [3, 1_200],
    [4, 1_800],
    [5, 2_700],
    [6, 4_050],
    [7, 5_000],
    [50, 5_000],
  ])('after %i unchanged polls wait %i ms', (n, ms) => {
    expect(nextDelay(quiet(n), p, 0.5)).toBe(ms);
  });

  it('a change resets the interval; an error does not count as a change', () => {
    let s = INITIAL_POLL_STATE;
    for (let i = 0; i < 10; i++) s = afterObservation(s, false);
    expect(nextDelay(s, p, 0)).toBe(5_000);
    s = afterObservation(s, true);
    expect(nextDelay(s, p, 0)).toBe(800);
    expect(afterError(s)).toEqual({ unchangedPolls: 0, consecutiveErrors: 1 });
  });

  it('full-jitter exponential back-off, capped', () => {
    let s = INITIAL_POLL_STATE;
    const caps: number[] = [];
    for (let i = 0; i < 8; i++) {
      s = afterError(s);
      caps.push(nextDelay(s, p, 0.999999));
      expect(nextDelay(s, p, 0)).toBe(0);
    }
    expect(caps).toEqual([499, 999, 1_999, 3_999, 7_999, 15_999, 19_999, 19_999]);
    expect(tooManyErrors(s, p)).toBe(true);
    expect(tooManyErrors(afterObservation(s, false), p)).toBe(false);
  });

  const named = (name: string, extra: object = {}): Error => Object.assign(new Error('x'), { name }, extra);
  it.each<[string, unknown, string]>([
    ['ThrottlingException', named('ThrottlingException'), 'throttling'],
    ['Throttling (ELBv2 Query)', named('Throttling'), 'throttling'],
    ['$retryable.throttling', named('SomethingElse', { $retryable: { throttling: true } }), 'throttling'],
    ['$retryable', named('ServerException', { $retryable: {} }), 'transient'],
    ['HTTP 503', named('ServiceUnavailable', { $metadata: { httpStatusCode: 503 } }), 'transient'],
    ['connection reset', named('Error', { code: 'ECONNRESET' }), 'transient'],
    ['access denied', named('AccessDeniedException', { $metadata: { httpStatusCode: 400 } }), 'fatal'],
    ['a string', 'boom', 'fatal'],
  ])('classifies %s', (_name, err, kind) => {
    expect(classifyError(err)).toBe(kind);
  });
});

describe('restorePrevious on its own (the post step after a cancellation)', () => {
  it('takes a half-replaced service back to the previous revision, then restores settings', async () => {
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
    fake.runUntil(T0 + 45_000);
    expect(new Set(fake.liveTasks().map((t) => t.td))).toEqual(new Set([OLD, NEW]));
    const said: string[] = [];
    const original = { maximumPercent: 200, minimumHealthyPercent: 100 };
    const result = await restorePrevious({
      driver: fake,
      clock,
      previousTaskDefinitionArn: OLD,
      originalSettings: original,
      timeoutMs: 600_000,
      onProgress: (w) => said.push(w),
    });
    expect(result.ok).toBe(true);
    expect(result.settingsRestored.ok).toBe(true);
    expectAllOn(fake, OLD, 4);
    expect(fake.settings).toEqual(original);
    expect(fake.minHealthySeen).toBeGreaterThanOrEqual(4);
    expect(said[0]).toMatch(
      /^rollback: \d\/4 tasks of web:1 healthy, ECS to make web:1 PRIMARY|^rollback: \d\/4 tasks of web:1 healthy/,
    );
  });

  it("when ECS's circuit breaker already rolled back, only the settings change", async () => {
    const clock = new FakeClock();
    const fake = new FakeService({
      clock,
      desired: 4,
      settings: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        circuitBreaker: { enable: true, rollback: true },
      },
      behaviors: { [NEW]: { crashAfterMs: 1_000 } },
    });
    await fake.updateService({ taskDefinitionArn: NEW });
    fake.runUntil(T0 + 60_000);
    expect(fake.primaryTaskDefinition()).toBe(OLD);
    const before = fake.updates.length;
    const result = await restorePrevious({
      driver: fake,
      clock,
      previousTaskDefinitionArn: OLD,
      originalSettings: { maximumPercent: 200, minimumHealthyPercent: 100 },
      timeoutMs: 600_000,
    });
    expect(result.ok).toBe(true);
    expect(fake.updates.slice(before).every((u) => u.taskDefinitionArn === undefined)).toBe(true);
    expectAllOn(fake, OLD, 4);
  });

  it.each<[string, SnapshotSpec, boolean, string]>([
    [
      'settled',
      { desired: 3, tasks: old(3), deployments: [{ id: 'd', status: 'PRIMARY', taskDefinitionArn: OLD }] },
      true,
      'rollback: 3/3 tasks of web:1 healthy',
    ],
    [
      'new tasks left',
      {
        desired: 3,
        tasks: [...old(3), ...fresh(1, { target: 'draining', desiredStatus: 'STOPPED' })],
        deployments: [{ id: 'd', status: 'PRIMARY', taskDefinitionArn: OLD }],
      },
      false,
      'rollback: 3/3 tasks of web:1 healthy, 1 task of other revisions to stop',
    ],
    [
      'previous not yet PRIMARY',
      { desired: 3, tasks: old(3) },
      false,
      'rollback: 3/3 tasks of web:1 healthy, ECS to make web:1 PRIMARY',
    ],
    [
      'a replacement not healthy yet, one extra draining',
      {
        desired: 3,
        tasks: [
          ...old(2),
          ...old(1, { target: 'initial' }, 3),
          ...old(1, { target: 'draining', desiredStatus: 'STOPPED' }, 4),
        ],
        deployments: [{ id: 'd', status: 'PRIMARY', taskDefinitionArn: OLD }],
      },
      false,
      'rollback: 2/3 tasks of web:1 healthy, 1 extra task of web:1 to stop',
    ],
    [
      'a target of a gone task still in its group',
      {
        desired: 3,
        tasks: old(3),
        deployments: [{ id: 'd', status: 'PRIMARY', taskDefinitionArn: OLD }],
        extraTargets: [{ targetGroupArn: TG1, id: '10.9.9.9', port: 8080, state: 'draining' }],
      },
      false,
      'rollback: 3/3 tasks of web:1 healthy, 1 target to drain',
    ],
  ])('restoreStatus: %s', (_name, spec, settled, words) => {
    expect(restoreStatus(snapshot(spec), OLD)).toEqual({ settled, waitingFor: words });
  });

  it('restore settings keep the floor and allow at least one task of surge', () => {
    expect(restoreSettings({ maximumPercent: 100, minimumHealthyPercent: 100 }, 6)).toEqual({
      maximumPercent: 117,
      minimumHealthyPercent: 100,
    });
    expect(restoreSettings({ maximumPercent: 200, minimumHealthyPercent: 50 }, 6, 134)).toEqual({
      maximumPercent: 200,
      minimumHealthyPercent: 50,
    });
    expect(restoreSettings({ maximumPercent: 120, minimumHealthyPercent: 100 }, 4, 150)).toEqual({
      maximumPercent: 150,
      minimumHealthyPercent: 100,
    });
    expect(restoreSettings({ maximumPercent: 200, minimumHealthyPercent: 50 }, 6, 134, 100)).toEqual({
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    });
    expect(
      restoreSettings(
        { maximumPercent: 200, minimumHealthyPercent: 100, circuitBreaker: { enable: true, rollback: true } },
        6,
        134,
        85,
      ),
    ).toEqual({
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: true },
    });
  });
});
