// The ECS service scheduler against a fake task runtime and target registry (ecs-fakes.ts), at a
// time scale of 0.02 (one AWS second = 20 ms): the rolling update's limits sampled all along,
// draining before SIGTERM, ELB health check failures, the circuit breaker, stop reasons.
import { afterEach, describe, expect, it } from '@jest/globals';
import { harness, serviceInput, TG_ARN, until, webTaskDefinition } from './ecs-fakes.js';
import type { Harness, HarnessOptions } from './ecs-fakes.js';
import { countsTowardMaximum } from '../../emulator/src/ecs/rolling.js';

interface TaskView {
  taskArn: string;
  lastStatus: string;
  desiredStatus: string;
  taskDefinitionArn: string;
  startedBy: string;
  stoppedReason?: string;
  stopCode?: string;
  privateIPv4Address: string;
  containers: { exitCode?: number; reason?: string; lastStatus: string }[];
}
interface DeploymentView {
  id: string;
  status: string;
  taskDefinition: string;
  failedTasks: number;
  runningCount: number;
  rolloutState: string;
  rolloutStateReason: string;
}
interface ServiceView {
  desiredCount: number;
  taskDefinition: string;
  deployments: DeploymentView[];
  events: { message: string }[];
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
const healthy = (x: Harness, t: TaskView): boolean =>
  t.lastStatus === 'RUNNING' &&
  t.desiredStatus === 'RUNNING' &&
  x.targets.health(TG_ARN, { id: t.privateIPv4Address, port: 8080 }).state === 'healthy';

async function setUp(
  desiredCount: number,
  deploymentConfiguration: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  const x = harness(options);
  h = x;
  await x.ok('CreateCluster', { clusterName: 'demo' });
  await x.ok('RegisterTaskDefinition', webTaskDefinition('1'));
  await x.ok('CreateService', serviceInput('web:1', { desiredCount, deploymentConfiguration, ...extra }));
  await steady(x, 'web:1');
  return x;
}

/** Until the service has one COMPLETED deployment of `revision` with all its tasks healthy. */
async function steady(x: Harness, revision: string, timeoutMs = 15_000): Promise<void> {
  await until(
    () => {
      const s = service(x);
      const d = s.deployments;
      if (
        d.length !== 1 ||
        d[0]!.rolloutState !== 'COMPLETED' ||
        revisionOf(d[0]!.taskDefinition) !== revision
      )
        return undefined;
      const up = state(x).tasks.filter((t) => t.desiredStatus === 'RUNNING');
      return up.length === s.desiredCount && up.every((t) => healthy(x, t)) ? true : undefined;
    },
    timeoutMs,
    `steady state on ${revision}`,
  );
}

/** Sample the state every few ms while `during` runs; returns the samples. */
async function sampled<T>(x: Harness, during: () => Promise<void>, take: (s: State) => T): Promise<T[]> {
  const samples: T[] = [take(state(x))];
  const timer = setInterval(() => samples.push(take(state(x))), 5);
  try {
    await during();
  } finally {
    clearInterval(timer);
  }
  samples.push(take(state(x)));
  return samples;
}

describe('rolling update', () => {
  const cases = [
    { min: 100, max: 200, desired: 4 },
    { min: 50, max: 150, desired: 4 },
    { min: 100, max: 125, desired: 4 },
    { min: 0, max: 100, desired: 3 },
  ];
  // Both readings of maximumPercent (rolling.ts, countsTowardMaximum): the limit holds for the
  // tasks that reading counts.
  const runs = [false, true].flatMap((draining) => cases.map((c) => ({ ...c, draining })));
  for (const { min, max, desired, draining } of runs) {
    it(`min ${min}% / max ${max}% of ${desired}, draining ${draining ? 'counts' : 'does not count'}: limits hold at every sampled moment, and the batch uses its room`, async () => {
      const x = await setUp(
        desired,
        { minimumHealthyPercent: min, maximumPercent: max },
        {},
        {
          drainingCountsTowardMaximum: draining,
        },
      );
      await x.ok('RegisterTaskDefinition', webTaskDefinition('2'));
      const maxTasks = Math.floor((desired * max) / 100);
      const minHealthy = Math.ceil((desired * min) / 100);
      const samples = await sampled(
        x,
        async () => {
          await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
          await steady(x, 'web:2');
        },
        (s) => ({
          live: s.tasks.filter((t) => countsTowardMaximum(t.lastStatus, draining)).length,
          healthy: s.tasks.filter((t) => healthy(x, t)).length,
        }),
      );
      // Enough samples to watch the rollout (without counting draining tasks a batch does not wait
      // for the drain, so the rollout is short); the peak below is the proof that they caught it.
      expect(samples.length).toBeGreaterThanOrEqual(10);
      for (const sample of samples) {
        expect(sample.live).toBeLessThanOrEqual(maxTasks);
        expect(sample.healthy).toBeGreaterThanOrEqual(minHealthy);
      }
      expect(Math.max(...samples.map((s) => s.live))).toBe(maxTasks);

      const after = state(x);
      const running = after.tasks.filter((t) => t.desiredStatus === 'RUNNING');
      expect(running.map((t) => revisionOf(t.taskDefinitionArn))).toEqual(Array(desired).fill('web:2'));
      const old = after.tasks.filter((t) => revisionOf(t.taskDefinitionArn) === 'web:1');
      for (const t of old) {
        expect(t.stoppedReason).toMatch(/^Scaling activity initiated by \(deployment ecs-svc\/\d{19}\)$/);
        expect(t.stopCode).toBe('ServiceSchedulerInitiated');
      }
      const events = service(x).events.map((e) => e.message);
      expect(events[0]).toBe('(service web) has reached a steady state.');
      expect(
        events.some((e) => /^\(service web\) has begun draining connections on \d+ tasks\.$/.test(e)),
      ).toBe(true);
      expect(
        events.some((e) => /^\(service web\) has started \d+ tasks: (\(task [0-9a-f]{32}\) ?)+\.$/.test(e)),
      ).toBe(true);
      expect(
        events.some((e) => e.startsWith(`(service web) registered 1 targets in (target-group ${TG_ARN})`)),
      ).toBe(true);
      expect(events.some((e) => e.startsWith(`(service web) deregistered `) && e.includes(TG_ARN))).toBe(
        true,
      );
    });
  }

  it('draining is honoured: no old task gets SIGTERM before its target is gone, and it is DEACTIVATING meanwhile', async () => {
    const x = await setUp(3, { minimumHealthyPercent: 100, maximumPercent: 200 });
    await x.ok('RegisterTaskDefinition', webTaskDefinition('2'));
    const violations: string[] = [];
    await sampled(
      x,
      async () => {
        await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
        await steady(x, 'web:2');
      },
      (s) => {
        for (const t of s.tasks) {
          const target = x.targets.health(TG_ARN, { id: t.privateIPv4Address, port: 8080 });
          if (target.state === 'draining' && t.lastStatus !== 'DEACTIVATING')
            violations.push(`${t.taskArn} ${t.lastStatus} while draining`);
        }
      },
    );
    expect(violations).toEqual([]);
    expect(x.targets.drains).toHaveLength(3);
    for (const drain of x.targets.drains) {
      const task = [...x.runtime.tasks.values()].find((t) => t.spec.ip === drain.ip)!;
      expect(drain.endedAt).toBeDefined();
      expect(task.stopCalledAt).toBeDefined();
      expect(task.stopCalledAt!).toBeGreaterThanOrEqual(drain.endedAt!);
      // ... and the drain lasted the group's deregistration delay (3 AWS s = 60 ms here).
      expect(drain.endedAt! - drain.startedAt).toBeGreaterThanOrEqual(x.clock.ms(3) - 5);
    }
  });

  it('naming the task definition of a still ACTIVE deployment starts a new deployment that replaces its tasks too', async () => {
    const x = await setUp(2, { minimumHealthyPercent: 100, maximumPercent: 200 });
    const original = service(x).deployments[0]!;
    await x.ok('RegisterTaskDefinition', webTaskDefinition('slow-start-20'));
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:1' });
    const deployments = service(x).deployments;
    expect(deployments.map((d) => [d.status, revisionOf(d.taskDefinition)])).toEqual([
      ['PRIMARY', 'web:1'],
      ['ACTIVE', 'web:2'],
      ['ACTIVE', 'web:1'],
    ]);
    expect(deployments[0]!.id).not.toBe(original.id);
    await until(
      () => (service(x).deployments.length === 1 ? true : undefined),
      10_000,
      'older deployments gone',
    );
    await steady(x, 'web:1');
    const running = state(x).tasks.filter((t) => t.desiredStatus === 'RUNNING');
    expect(running.map((t) => t.startedBy)).toEqual([deployments[0]!.id, deployments[0]!.id]);
  });

  it('desiredCount changes scale out and in, reaching a steady state each time', async () => {
    const x = await setUp(2, { minimumHealthyPercent: 100, maximumPercent: 200 });
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 4 });
    await steady(x, 'web:1');
    expect(state(x).tasks.filter((t) => t.desiredStatus === 'RUNNING')).toHaveLength(4);
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 1 });
    await steady(x, 'web:1');
    await until(
      () => (state(x).tasks.filter((t) => t.lastStatus !== 'STOPPED').length === 1 ? true : undefined),
      5000,
      'scale-in done',
    );
    const d = service(x).deployments;
    expect(d).toHaveLength(1);
    expect(d[0]!.runningCount).toBe(1);
  });
});

describe('maximumPercent and tasks being stopped (EmulatorOptions.drainingCountsTowardMaximum)', () => {
  // desired 4, maximum 150% (6 tasks), minimum 100%, a 30 AWS s (600 ms) deregistration delay: the
  // first two new tasks start at once; once healthy, two old ones are told to stop and drain. Whether
  // the next two new tasks wait for that drain is what the switch decides.
  async function rollWithDrain(draining: boolean): Promise<{
    peakNotStopped: number;
    secondBatchStartedAt: number;
    firstDrainsEndedAt: number;
  }> {
    const x = await setUp(
      4,
      { minimumHealthyPercent: 100, maximumPercent: 150 },
      {},
      { deregistrationDelaySeconds: 30, drainingCountsTowardMaximum: draining },
    );
    expect((x.ecs.state() as { settings: unknown }).settings).toEqual({
      drainingCountsTowardMaximum: draining,
    });
    await x.ok('RegisterTaskDefinition', webTaskDefinition('2'));
    const samples = await sampled(
      x,
      async () => {
        await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
        await steady(x, 'web:2', 20_000);
      },
      (st) => st.tasks.filter((t) => t.lastStatus !== 'STOPPED').length,
    );
    const started = [...x.runtime.tasks.values()]
      .filter((t) => t.spec.taskDefinition === 'web:2')
      .map((t) => t.startedAt)
      .sort((a, b) => a - b);
    expect(started).toHaveLength(4);
    const drains = [...x.targets.drains].sort((a, b) => a.startedAt - b.startedAt);
    expect(drains).toHaveLength(4);
    return {
      peakNotStopped: Math.max(...samples),
      secondBatchStartedAt: started[2]!,
      firstDrainsEndedAt: Math.min(drains[0]!.endedAt!, drains[1]!.endedAt!),
    };
  }

  it("not counted (default, the API reference's words): the next tasks start as soon as old ones are told to stop", async () => {
    const run = await rollWithDrain(false);
    expect(run.secondBatchStartedAt).toBeLessThan(run.firstDrainsEndedAt);
    // 4 new running or starting, 4 old draining at once.
    expect(run.peakNotStopped).toBe(8);
  });

  it('counted: the next tasks wait until the tasks being replaced have drained and stopped', async () => {
    const run = await rollWithDrain(true);
    expect(run.secondBatchStartedAt).toBeGreaterThanOrEqual(run.firstDrainsEndedAt);
    expect(run.peakNotStopped).toBe(6);
  });
});

describe('ELB health checks', () => {
  it('a task failing ELB health checks is stopped with ECS reason, counted in failedTasks and replaced', async () => {
    const x = await setUp(2, { minimumHealthyPercent: 100, maximumPercent: 200 });
    await x.ok('RegisterTaskDefinition', webTaskDefinition('unhealthy'));
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    const failed = await until(
      () => {
        const primary = service(x).deployments[0]!;
        return primary.failedTasks >= 3 ? primary : undefined;
      },
      10_000,
      'three ELB failures',
    );
    const s = state(x);
    const newTasks = s.tasks.filter((t) => t.startedBy === failed.id);
    const stopped = newTasks.filter((t) => t.stoppedReason !== undefined);
    expect(stopped.length).toBeGreaterThanOrEqual(3);
    for (const t of stopped) {
      expect(t.stoppedReason).toBe(`Task failed ELB health checks in (target-group ${TG_ARN})`);
      expect(t.stopCode).toBe('ServiceSchedulerInitiated');
    }
    // Replaced: more tasks were started for the deployment than it wants at once.
    expect(newTasks.length).toBeGreaterThan(2);
    // The old tasks are what keeps the service healthy: none was stopped.
    const old = s.tasks.filter((t) => revisionOf(t.taskDefinitionArn) === 'web:1');
    expect(old.every((t) => t.desiredStatus === 'RUNNING' && healthy(x, t))).toBe(true);
    // Without a circuit breaker ECS keeps trying.
    expect(failed.rolloutState).toBe('IN_PROGRESS');
    expect(
      service(x).events.some((e) =>
        e.message.includes(
          `is unhealthy in (target-group ${TG_ARN}) due to (reason Health checks failed with these codes: [500]).`,
        ),
      ),
    ).toBe(true);
  });

  it('the health check grace period keeps an unhealthy task running until it has passed', async () => {
    // 100 s = 2 s real: seeing the target unhealthy takes a fraction of that, even on a loaded
    // machine, so the observation below falls inside the grace period (and the test says so if not).
    const x = await setUp(
      1,
      { minimumHealthyPercent: 100, maximumPercent: 200 },
      { healthCheckGracePeriodSeconds: 100 },
    );
    await x.ok('RegisterTaskDefinition', webTaskDefinition('unhealthy'));
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    const started = Date.now();
    const task = await until(
      () =>
        state(x).tasks.find(
          (t) =>
            revisionOf(t.taskDefinitionArn) === 'web:2' &&
            x.targets.health(TG_ARN, { id: t.privateIPv4Address, port: 8080 }).state === 'unhealthy',
        ),
      5000,
      'an unhealthy new target',
    );
    // Unhealthy, but inside the 100 s (2 s) grace period: still running, nothing counted.
    expect(Date.now() - started).toBeLessThan(x.clock.ms(100));
    expect(task.desiredStatus).toBe('RUNNING');
    expect(service(x).deployments[0]!.failedTasks).toBe(0);
    const stopped = await until(
      () => state(x).tasks.find((t) => t.taskArn === task.taskArn && t.desiredStatus === 'STOPPED'),
      5000,
      'the task stopped after the grace period',
    );
    expect(stopped.stoppedReason).toBe(`Task failed ELB health checks in (target-group ${TG_ARN})`);
  });
});

describe('tasks that turn unhealthy', () => {
  /** Make every running task's health path answer 500 from now on, as POST /_emulator/health/fail does. */
  const failAll = (x: Harness): string[] =>
    [...x.runtime.tasks.values()]
      .filter((t) => !t.exited)
      .map((t) => {
        t.spec.containers[0]!.behavior.unhealthy = true;
        return t.spec.taskArn;
      });

  interface ReplacementSample {
    running: number;
    stopped: number;
    healthyReplacements: number;
    unhealthyOriginals: number;
  }

  /** Sample every few ms until every original task is STOPPED and the service steady again. */
  async function watchReplacement(x: Harness, originals: Set<string>): Promise<ReplacementSample[]> {
    const samples = await sampled(
      x,
      async () => {
        await until(
          () =>
            state(x).tasks.filter((t) => originals.has(t.taskArn) && t.lastStatus === 'STOPPED').length ===
            originals.size
              ? true
              : undefined,
          15_000,
          'every unhealthy task replaced and STOPPED',
        );
        await steady(x, 'web:1');
      },
      (s) => ({
        running: s.tasks.filter((t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING').length,
        stopped: s.tasks.filter((t) => originals.has(t.taskArn) && t.desiredStatus === 'STOPPED').length,
        healthyReplacements: s.tasks.filter((t) => !originals.has(t.taskArn) && healthy(x, t)).length,
        unhealthyOriginals: s.tasks.filter(
          (t) =>
            originals.has(t.taskArn) &&
            x.targets.health(TG_ARN, { id: t.privateIPv4Address, port: 8080 }).state === 'unhealthy',
        ).length,
      }),
    );
    expect(samples.length).toBeGreaterThan(20);
    expect(state(x).tasks.filter((t) => t.desiredStatus === 'RUNNING')).toHaveLength(originals.size);
    return samples;
  }

  /** ECS's stop reason, failedTasks and one unhealthy event per task, as before. */
  function checkStopped(x: Harness, originals: Set<string>): void {
    for (const t of state(x).tasks.filter((u) => originals.has(u.taskArn))) {
      expect(t.stoppedReason).toBe(`Task failed ELB health checks in (target-group ${TG_ARN})`);
      expect(t.stopCode).toBe('ServiceSchedulerInitiated');
    }
    expect(service(x).deployments[0]!.failedTasks).toBe(originals.size);
    const unhealthyEvents = service(x).events.filter((e) =>
      e.message.includes(') is unhealthy in (target-group'),
    );
    expect(unhealthyEvents).toHaveLength(originals.size);
  }

  it('min 100% / max 200%: replacements start first, and no unhealthy task stops before one is healthy in its place', async () => {
    const x = await setUp(4, { minimumHealthyPercent: 100, maximumPercent: 200 });
    const originals = new Set(failAll(x));
    const samples = await watchReplacement(x, originals);
    // The failure was seen on all four at once before anything was stopped.
    expect(samples.some((s) => s.unhealthyOriginals === 4 && s.stopped === 0)).toBe(true);
    for (const sample of samples) {
      // Never below the floor (4) of RUNNING tasks, and each stop is covered by a healthy replacement.
      expect(sample.running).toBeGreaterThanOrEqual(4);
      expect(sample.stopped).toBeLessThanOrEqual(sample.healthyReplacements);
    }
    checkStopped(x, originals);
  });

  it('min 50% / max 100% (no room to start a replacement first): unhealthy tasks stop one by one, keeping the floor RUNNING', async () => {
    const x = await setUp(2, { minimumHealthyPercent: 50, maximumPercent: 100 });
    const originals = new Set(failAll(x));
    const samples = await watchReplacement(x, originals);
    for (const sample of samples) {
      expect(sample.running).toBeGreaterThanOrEqual(1);
      // Only one is stopped to make room; the other waits for a healthy replacement.
      expect(sample.stopped).toBeLessThanOrEqual(sample.healthyReplacements + 1);
    }
    checkStopped(x, originals);
  });
});

describe('deployment circuit breaker', () => {
  it('fails the deployment at the threshold (0.5 x desired, at least 3) and rolls back to the last COMPLETED one', async () => {
    // maximumPercent 125 of 4: one new task at a time, so failures arrive one by one.
    const x = await setUp(4, {
      minimumHealthyPercent: 100,
      maximumPercent: 125,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
    const completed = service(x).deployments[0]!;
    await x.ok('RegisterTaskDefinition', webTaskDefinition('crash'));
    const samples = await sampled(
      x,
      async () => {
        await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
        await until(
          () => (service(x).deployments.some((d) => d.rolloutState === 'FAILED') ? true : undefined),
          10_000,
          'FAILED',
        );
        await steady(x, 'web:1');
      },
      (s) => s.services[0]!.deployments.map((d) => ({ ...d })),
    );
    const failedId = samples.flat().find((d) => d.rolloutState === 'FAILED')!.id;
    for (const deployments of samples) {
      const d = deployments.find((e) => e.id === failedId);
      if (!d) continue;
      // Never FAILED below the threshold of 3; never a 4th failure once FAILED (no launches).
      if (d.rolloutState === 'FAILED') expect(d.failedTasks).toBe(3);
      expect(d.failedTasks).toBeLessThanOrEqual(3);
    }
    const failed = samples.flat().find((d) => d.id === failedId && d.rolloutState === 'FAILED')!;
    expect(failed.rolloutStateReason).toBe('ECS deployment circuit breaker: tasks failed to start.');
    const rollbackSample = samples.find((ds) => ds.some((d) => d.id === failedId && d.status === 'ACTIVE'))!;
    expect(rollbackSample[0]).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: completed.taskDefinition,
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${completed.id}.`,
    });
    const after = service(x);
    expect(revisionOf(after.taskDefinition)).toBe('web:1');
    expect(after.deployments[0]!.rolloutState).toBe('COMPLETED');

    // The crashed tasks: essential container exit, with its exit code.
    const crashed = state(x).tasks.filter((t) => revisionOf(t.taskDefinitionArn) === 'web:2');
    expect(crashed).toHaveLength(3);
    for (const t of crashed) {
      expect(t.stoppedReason).toBe('Essential container in task exited');
      expect(t.stopCode).toBe('EssentialContainerExited');
      expect(t.containers[0]!.exitCode).toBe(1);
    }
    // The old tasks kept serving throughout.
    expect(
      state(x).tasks.filter(
        (t) => revisionOf(t.taskDefinitionArn) === 'web:1' && t.desiredStatus === 'STOPPED',
      ),
    ).toEqual([]);
  });

  it('without rollback, a FAILED deployment stops launching and the old tasks stay', async () => {
    const x = await setUp(2, {
      minimumHealthyPercent: 100,
      maximumPercent: 150,
      deploymentCircuitBreaker: { enable: true, rollback: false },
    });
    await x.ok('RegisterTaskDefinition', webTaskDefinition('crash'));
    await x.ok('UpdateService', { cluster: 'demo', service: 'web', taskDefinition: 'web:2' });
    const failed = await until(
      () => service(x).deployments.find((d) => d.rolloutState === 'FAILED'),
      10_000,
      'FAILED',
    );
    expect(failed.status).toBe('PRIMARY');
    expect(failed.failedTasks).toBe(3);
    const launched = state(x).tasks.filter((t) => t.startedBy === failed.id).length;
    // Launches happen only in scheduler passes: three more passes that launch nothing are the
    // window the scheduler itself defines (however long a loaded machine takes to run them).
    let passes = 0;
    const unsubscribe = x.ecs.onSchedulerPass(() => passes++);
    try {
      await until(() => (passes >= 3 ? true : undefined), 5000, 'three scheduler passes');
    } finally {
      unsubscribe();
    }
    expect(state(x).tasks.filter((t) => t.startedBy === failed.id)).toHaveLength(launched);
    expect(
      state(x).tasks.filter(
        (t) => revisionOf(t.taskDefinitionArn) === 'web:1' && t.desiredStatus === 'RUNNING',
      ),
    ).toHaveLength(2);
  });
});

describe('stopped tasks', () => {
  it('a running task whose essential container exits is stopped with its exit code, counted and replaced', async () => {
    const x = await setUp(2, { minimumHealthyPercent: 100, maximumPercent: 200 });
    const victim = state(x).tasks.find((t) => t.desiredStatus === 'RUNNING')!;
    x.runtime.crash(victim.taskArn.split('/').pop()!, 137);
    const stopped = await until(
      () => state(x).tasks.find((t) => t.taskArn === victim.taskArn && t.lastStatus === 'STOPPED'),
      5000,
      'the crashed task STOPPED',
    );
    expect(stopped).toMatchObject({
      desiredStatus: 'STOPPED',
      stoppedReason: 'Essential container in task exited',
      stopCode: 'EssentialContainerExited',
    });
    expect(stopped.containers[0]).toMatchObject({
      exitCode: 137,
      lastStatus: 'STOPPED',
      reason: 'Essential container exited',
    });
    expect(service(x).deployments[0]!.failedTasks).toBe(1);
    await steady(x, 'web:1');
    expect(state(x).tasks.filter((t) => t.desiredStatus === 'RUNNING')).toHaveLength(2);
  });

  it('a task stopped by the scheduler exits through SIGTERM with code 0 and passes DEACTIVATING, STOPPING, DEPROVISIONING', async () => {
    const x = await setUp(1, { minimumHealthyPercent: 0, maximumPercent: 100 });
    const arn = state(x).tasks[0]!.taskArn;
    const seen = await sampled(
      x,
      async () => {
        await x.ok('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 0 });
        await until(
          () => (state(x).tasks.find((t) => t.taskArn === arn)?.lastStatus === 'STOPPED' ? true : undefined),
          5000,
          'STOPPED',
        );
      },
      (s) => s.tasks.find((t) => t.taskArn === arn)!.lastStatus,
    );
    const order = seen.filter((v, i) => i === 0 || seen[i - 1] !== v);
    expect(order).toEqual(['RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED']);
    const task = state(x).tasks.find((t) => t.taskArn === arn)!;
    expect(task.containers[0]!.exitCode).toBe(0);
    const described = await x.ok<{ tasks: Record<string, unknown>[] }>('DescribeTasks', {
      cluster: 'demo',
      tasks: [arn],
    });
    for (const field of ['stoppingAt', 'executionStoppedAt', 'stoppedAt'])
      expect(typeof described.tasks[0]![field]).toBe('number');
  });
});
