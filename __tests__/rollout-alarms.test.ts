// The alarm gate in the rollout loop, against the simulated ECS rolling update on a fake clock: the
// loop asks the driver for alarms, an alarm in ALARM fails the batch it fires in and the previous
// revision comes back, and an alarm ignored at the start gates again once it has left ALARM.
import { describe, it, expect } from '@jest/globals';
import { planBatches } from '../src/rollout/plan.js';
import type { ObserveOptions } from '../src/rollout/port.js';
import { runRollout, type RunRolloutOptions } from '../src/rollout/rollout.js';
import type { DeploymentSettings } from '../src/rollout/types.js';
import { FakeClock, FakeService, NEW, OLD, type FakeServiceOptions } from './helpers/fake-service.js';
import type { Snapshot } from '../src/rollout/snapshot.js';

const ORIGINAL: DeploymentSettings = {
  maximumPercent: 200,
  minimumHealthyPercent: 50,
  circuitBreaker: { enable: false, rollback: false },
};

/** A service whose one alarm's state is a function of what runs and of how often it was read. */
class AlarmedService extends FakeService {
  readonly asked: (ObserveOptions | undefined)[] = [];
  reads = 0;
  constructor(
    opts: FakeServiceOptions,
    private readonly stateOf: (newRunning: number, reads: number) => string,
  ) {
    super(opts);
  }
  override async observe(options?: ObserveOptions): Promise<Snapshot> {
    const snapshot = await super.observe();
    this.asked.push(options);
    if (options?.alarms) {
      this.reads += 1;
      const newRunning = this.liveTasks().filter((t) => t.td === NEW && t.lastStatus === 'RUNNING').length;
      snapshot.alarms = [
        {
          name: 'web-5xx',
          kind: 'metric',
          state: this.stateOf(newRunning, this.reads),
          stateReason:
            'Threshold Crossed: 1 datapoint [16.0 (05/12/26 08:01:00)] was greater than the threshold (11.0).',
          metric: { namespace: 'AWS/ApplicationELB', name: 'HTTPCode_Target_5XX_Count', dimensions: [] },
        },
      ];
    }
    return snapshot;
  }
}

function setup(
  stateOf: (newRunning: number, reads: number) => string,
  over: Partial<RunRolloutOptions> = {},
): { fake: AlarmedService; opts: RunRolloutOptions } {
  const clock = new FakeClock();
  const fake = new AlarmedService({ clock, desired: 6, settings: structuredClone(ORIGINAL) }, stateOf);
  const plan = planBatches({
    desired: 6,
    batchSize: { kind: 'count', value: 2 },
    maxUnavailable: { kind: 'count', value: 0 },
    circuitBreaker: { enable: false, rollback: false },
  });
  return {
    fake,
    opts: {
      driver: fake,
      clock,
      plan,
      previousTaskDefinitionArn: OLD,
      newTaskDefinitionArn: NEW,
      originalSettings: structuredClone(ORIGINAL),
      batchTimeoutMs: 300_000,
      rolloutTimeoutMs: 1_800_000,
      bakeMs: 30_000,
      rollbackOnFailure: true,
      deregistrationDelayMs: 15_000,
      random: () => 0.5,
      alarms: { ignoredAtStart: [] },
      ...over,
    },
  };
}

describe('runRollout with the alarm gate', () => {
  it('an alarm that fires once batch 2 runs fails batch 2; the previous revision and the settings come back', async () => {
    const { fake, opts } = setup((newRunning) => (newRunning >= 4 ? 'ALARM' : 'OK'));
    const result = await runRollout(opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure?.kind).toBe('alarm');
    expect(result.failure?.batch).toBe(2);
    expect(result.failure?.alarmName).toBe('web-5xx');
    expect(result.failure?.message).toMatch(
      /^batch 2\/3: CloudWatch alarm "web-5xx" \(AWS\/ApplicationELB HTTPCode_Target_5XX_Count\) is in ALARM/,
    );
    expect(result.batches.map((b) => b.outcome)).toEqual(['succeeded', 'failed']);
    expect(fake.liveTasks().every((t) => t.td === OLD)).toBe(true);
    expect(fake.liveTasks()).toHaveLength(6);
    expect(fake.settings).toEqual(ORIGINAL);
    // Every observation of the watch asked for the alarms.
    expect(fake.reads).toBeGreaterThan(0);
  });

  it('an alarm ignored at the start that never leaves ALARM never gates: the rollout succeeds', async () => {
    const { fake, opts } = setup(() => 'ALARM', { alarms: { ignoredAtStart: ['web-5xx'] } });
    const result = await runRollout(opts);
    expect(result.outcome).toBe('succeeded');
    expect(fake.liveTasks().every((t) => t.td === NEW)).toBe(true);
  });

  it('an alarm ignored at the start gates once it has been seen OK: fires again in batch 2, rolled back', async () => {
    // In ALARM for the first two reads, OK until batch 2 runs, then ALARM again.
    const { opts } = setup((newRunning, reads) => (reads <= 2 || newRunning >= 4 ? 'ALARM' : 'OK'), {
      alarms: { ignoredAtStart: ['web-5xx'] },
    });
    const result = await runRollout(opts);
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure?.kind).toBe('alarm');
    expect(result.failure?.batch).toBe(2);
  });

  it('without alarms to gate on, the loop never asks the driver for them', async () => {
    const { fake, opts } = setup(() => 'ALARM');
    const { alarms: _alarms, ...without } = opts;
    const result = await runRollout(without);
    expect(result.outcome).toBe('succeeded');
    expect(fake.reads).toBe(0);
    expect(fake.asked.every((o) => o === undefined)).toBe(true);
  });
});
