// The progress log: one timestamped line per engine event, one group per batch, the bake line only
// with a bake time, a drained line per batch, and a last line whose count agrees with the `batches`
// output. Lines are asserted whole: they are what a user reads in the run's log.
import { describe, it, expect } from '@jest/globals';
import { realClock } from '../src/clock.js';
import { passedBatches } from '../src/outputs.js';
import { createProgressLog, describeProgress, type LogSink } from '../src/report/log.js';
import { createSummaryCollector } from '../src/report/summary-collect.js';
import { BatchBook } from '../src/rollout/batch-book.js';
import type { DrainLedger, DrainRecord } from '../src/rollout/drains.js';
import { EventFanout } from '../src/rollout/events.js';
import type { BatchPlan, BatchProgress, BatchRecord, Outcome } from '../src/rollout/types.js';
import { Heartbeat } from '../src/rollout/watch.js';
import { formatElapsed } from '../src/rollout/words.js';

function recorder(): { sink: LogSink; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    sink: {
      info: (l) => lines.push(l),
      startGroup: (n) => lines.push(`::group::${n}`),
      endGroup: () => lines.push('::endgroup::'),
    },
  };
}

const plan: BatchPlan = {
  desired: 6,
  batchSize: 2,
  maxUnavailable: 0,
  batches: [2, 2, 2],
  hold: { maximumPercent: 100, minimumHealthyPercent: 100 },
  releases: [
    { maximumPercent: 134, minimumHealthyPercent: 100 },
    { maximumPercent: 134, minimumHealthyPercent: 100 },
    { maximumPercent: 134, minimumHealthyPercent: 100 },
  ],
};

const OLD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const NEW = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';

const progress = (overrides: Partial<BatchProgress> = {}): BatchProgress => ({
  batch: 2,
  batches: 3,
  newWanted: 4,
  newLaunched: 4,
  newRunning: 4,
  newHealthy: 3,
  oldRemaining: 2,
  oldDraining: 1,
  waitingFor: '',
  ...overrides,
});

const passed = (
  batch: number,
  startedAt: number,
  endedAt: number,
  extra: Partial<BatchRecord> = {},
): BatchRecord => ({
  batch,
  tasks: 2,
  startedAt,
  launchedAt: startedAt + 4_000,
  healthyAt: endedAt,
  endedAt,
  outcome: 'succeeded',
  ...extra,
});

const s = (seconds: number): number => seconds * 1000;

describe('formatting', () => {
  it('formats elapsed time as mm:ss, h:mm:ss past an hour', () => {
    expect(formatElapsed(0)).toBe('00:00');
    expect(formatElapsed(42_400)).toBe('00:42');
    expect(formatElapsed(61_000)).toBe('01:01');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
  });

  it('words progress from the counts, or uses the engine words as given', () => {
    expect(describeProgress(progress())).toBe('batch 2/3: 3/4 new tasks healthy, 1 old task draining');
    expect(describeProgress(progress({ oldDraining: 2 }))).toBe(
      'batch 2/3: 3/4 new tasks healthy, 2 old tasks draining',
    );
    expect(describeProgress(progress({ oldDraining: 0 }))).toBe('batch 2/3: 3/4 new tasks healthy');
    expect(describeProgress(progress({ waitingFor: '1 old task to stop' }))).toBe(
      'batch 2/3: 1 old task to stop',
    );
    // The engine's words name the batch themselves: said once.
    expect(describeProgress(progress({ waitingFor: 'batch 2/3: 1/2 new tasks healthy' }))).toBe(
      'batch 2/3: 1/2 new tasks healthy',
    );
  });
});

describe('createProgressLog: a batch, event by event', () => {
  it('says the plan: how the service is held between batches and released one at a time', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({ sink, now: () => 0 });
    log.listener({ type: 'rollout-started', at: 0, plan, from: OLD, to: NEW });
    expect(lines).toEqual([
      '[00:00] rolling out web:2 (from web:1): 6 tasks in 3 batches of up to 2; the service is held between batches ' +
        '(maximumPercent 100, minimumHealthyPercent 100) and released one batch at a time (maximumPercent 134, minimumHealthyPercent 100)',
    ]);
  });

  it('with a batch schedule, the start line names each batch and its own release', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({ sink, now: () => 0 });
    const scheduled: BatchPlan = {
      ...plan,
      batchSize: 3,
      batches: [1, 3, 2],
      releases: [
        { maximumPercent: 117, minimumHealthyPercent: 100 },
        { maximumPercent: 150, minimumHealthyPercent: 100 },
        { maximumPercent: 134, minimumHealthyPercent: 100 },
      ],
    };
    log.listener({ type: 'rollout-started', at: 0, plan: scheduled, from: OLD, to: NEW });
    expect(lines).toEqual([
      '[00:00] rolling out web:2 (from web:1): 6 tasks in 3 batches of up to 3; the service is held between batches ' +
        '(maximumPercent 100, minimumHealthyPercent 100) and released one batch at a time (batches of 1, 3, 2, ' +
        'each with its own maximumPercent/minimumHealthyPercent: 117/100, 150/100, 134/100)',
    ]);
  });

  it('writes release, launched, progress, bake and passed lines in one group, with the time since the release', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({ sink, now: () => 0 });
    log.listener({ type: 'rollout-started', at: 0, plan, from: OLD, to: NEW });
    log.listener({ type: 'batch-started', at: s(1), batch: 1, batches: 3, tasks: 2 });
    log.listener({ type: 'batch-launched', at: s(5), batch: 1, batches: 3, tasks: 2 });
    log.listener({
      type: 'progress',
      at: s(12),
      progress: progress({
        batch: 1,
        newWanted: 2,
        newHealthy: 1,
        waitingFor: 'batch 1/3: 1/2 new tasks healthy',
      }),
    });
    log.listener({ type: 'batch-healthy', at: s(20), batch: 1, batches: 3, bakeMs: 30_000 });
    log.listener({
      type: 'batch-succeeded',
      at: s(50),
      record: passed(1, s(1), s(50), { healthyAt: s(20) }),
    });
    expect(lines.slice(1)).toEqual([
      '::group::Batch 1/3: 2 tasks',
      '[00:01] batch 1/3: starting 2 new tasks',
      '[00:05] batch 1/3: 2 new tasks launched; the service is held until they pass (4 s)',
      '[00:12] batch 1/3: 1/2 new tasks healthy (11 s)',
      '[00:20] batch 1/3: every gate passes; baking 30s before the next batch (19 s)',
      '[00:50] batch 1/3 passed: 2 new tasks healthy in 49 s',
      '::endgroup::',
    ]);
  });

  it('writes no bake line when there is no bake time', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({ sink, now: () => 0 });
    log.listener({ type: 'rollout-started', at: 0, plan, from: OLD, to: NEW });
    log.listener({ type: 'batch-started', at: s(1), batch: 1, batches: 3, tasks: 2 });
    log.listener({ type: 'batch-launched', at: s(5), batch: 1, batches: 3, tasks: 2 });
    log.listener({ type: 'batch-healthy', at: s(20), batch: 1, batches: 3, bakeMs: 0 });
    log.listener({ type: 'batch-succeeded', at: s(20), record: passed(1, s(1), s(20)) });
    expect(lines.filter((l) => l.includes('bak'))).toEqual([]);
    expect(lines.at(-2)).toBe('[00:20] batch 1/3 passed: 2 new tasks healthy in 19 s');
  });

  it('says each batch drained once its old tasks are gone, in the next batch`s group when they overlap', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({ sink, now: () => 0 });
    const b1 = passed(1, s(1), s(20), { oldTasks: 2 });
    const b2 = passed(2, s(20), s(40), { oldTasks: 2 });
    log.listener({ type: 'rollout-started', at: 0, plan, from: OLD, to: NEW });
    log.listener({ type: 'batch-started', at: s(1), batch: 1, batches: 3, tasks: 2 });
    log.listener({ type: 'batch-succeeded', at: s(20), record: b1 });
    log.listener({ type: 'batch-started', at: s(20), batch: 2, batches: 3, tasks: 2 });
    log.listener({ type: 'batch-drained', at: s(35), record: { ...b1, drainedAt: s(35) } });
    log.listener({ type: 'batch-succeeded', at: s(40), record: b2 });
    log.listener({
      type: 'progress',
      at: s(45),
      progress: progress({ waitingFor: 'batch 2/3 passed; 2 old tasks to drain before batch 3' }),
    });
    log.listener({ type: 'batch-drained', at: s(55), record: { ...b2, drainedAt: s(55) } });
    expect(lines.slice(5)).toEqual([
      '::group::Batch 2/3: 2 tasks',
      '[00:20] batch 2/3: starting 2 new tasks',
      '[00:35] batch 1/3: 2 old tasks drained and stopped (15s after it passed)',
      '[00:40] batch 2/3 passed: 2 new tasks healthy in 20 s',
      '::endgroup::',
      // Between batches nothing is being waited for since a release: no wait time.
      '[00:45] batch 2/3 passed; 2 old tasks to drain before batch 3',
      '[00:55] batch 2/3: 2 old tasks drained and stopped (15s after it passed)',
    ]);
    expect(lines.filter((l) => l.includes('drained and stopped'))).toHaveLength(2);
  });

  it('writes the failure as a plain line with the service events, and the last line counts passed batches', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({ sink, now: () => 0 });
    log.listener({ type: 'rollout-started', at: 0, plan, from: OLD, to: NEW });
    log.listener({ type: 'batch-started', at: s(30), batch: 2, batches: 3, tasks: 2 });
    log.listener({
      type: 'failed',
      at: s(50),
      failure: {
        batch: 2,
        kind: 'target-unhealthy',
        message: 'target 127.0.1.9:8080 unhealthy (Target.ResponseCodeMismatch)',
        serviceEvents: ['(service web) has started 2 tasks'],
      },
    });
    log.listener({
      type: 'rollout-finished',
      at: s(60),
      outcome: 'rolled-back',
      batches: [
        passed(1, 0, s(20)),
        { batch: 2, tasks: 2, startedAt: s(30), endedAt: s(50), outcome: 'failed' },
      ],
    });
    log.close();
    expect(lines.slice(1)).toEqual([
      '::group::Batch 2/3: 2 tasks',
      '[00:30] batch 2/3: starting 2 new tasks',
      '[00:50] FAILED in batch 2: target 127.0.1.9:8080 unhealthy (Target.ResponseCodeMismatch)',
      '    ECS: (service web) has started 2 tasks',
      '::endgroup::',
      '[01:00] rollout rolled-back: 1 of 3 batches passed',
    ]);
  });

  it('counts elapsed time from the action start when given', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({ sink, now: () => 5_000, startedAt: 0 });
    log.line('preflight: service web is ACTIVE');
    log.listener({ type: 'rollout-started', at: 65_000, plan, from: OLD, to: NEW });
    expect(lines[0]).toBe('[00:05] preflight: service web is ACTIVE');
    expect(lines[1]).toMatch(/^\[01:05\] rolling out web:2 /);
  });

  it('words the rollback once, with how it is done and its wait, and a rollback that did not finish as a plain line', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({ sink, now: () => 0, startedAt: 0 });
    log.listener({
      type: 'rollback-started',
      at: 1_000,
      to: OLD,
      how: 'StopServiceDeployment (ROLLBACK): ECS returns to web:1, keeping its running tasks',
    });
    log.listener({
      type: 'rollback-progress',
      at: 4_000,
      waitingFor: 'rollback: 4/6 tasks of web:1 healthy',
    });
    log.listener({
      type: 'rollback-finished',
      at: 9_000,
      ok: false,
      message: 'rollback to web:1 failed: timed out',
    });
    expect(lines).toEqual([
      '::group::Rollback to web:1',
      '[00:01] rolling back: StopServiceDeployment (ROLLBACK): ECS returns to web:1, keeping its running tasks',
      '[00:04] rollback: 4/6 tasks of web:1 healthy (3 s)',
      '[00:09] rollback did NOT finish: rollback to web:1 failed: timed out',
      '::endgroup::',
    ]);
    log.close();
  });
});

describe('createProgressLog with the engine`s heartbeat', () => {
  it('never goes 30 s without a line while the engine waits, and says a change at once', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({ sink, now: () => 0, startedAt: 0 });
    log.listener({ type: 'batch-started', at: 0, batch: 1, batches: 3, tasks: 2 });
    const base = progress({ batch: 1, newWanted: 2, newHealthy: 0 });
    // As rollout.ts wires it: the heartbeat's words become progress events.
    const heartbeat = new Heartbeat((waitingFor, at) =>
      log.listener({ type: 'progress', at, progress: { ...base, waitingFor } }),
    );
    // The engine looks every 5 s and says what it waits for after each look.
    for (let t = 0; t <= 90; t += 5) {
      heartbeat.say(t < 62 ? 'batch 1/3: 0/2 new tasks healthy' : 'batch 1/3: 1/2 new tasks healthy', s(t));
    }
    const times = lines
      .filter((l) => l.startsWith('['))
      .map((l) => {
        const [m = '0', sec = '0'] = (/^\[(\d+):(\d+)\]/.exec(l) ?? []).slice(1);
        return Number(m) * 60 + Number(sec);
      });
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(Math.max(...gaps)).toBeLessThan(30);
    expect(times.at(-1)).toBeGreaterThanOrEqual(70); // still saying it, to the end of the wait
    expect(lines).toContain('[01:05] batch 1/3: 1/2 new tasks healthy (65 s)');
    expect(lines.filter((l) => l.includes('0/2 new tasks healthy')).length).toBeGreaterThan(1);
  });
});

describe('the last line agrees with the `batches` output', () => {
  /** A ledger in which the given batches' old tasks have drained and stopped. */
  const drainedLedger = (batches: number[], at: number): DrainLedger => {
    const tasks = new Map<string, DrainRecord>();
    for (const batch of batches) {
      for (const n of [1, 2]) {
        const taskArn = `arn:aws:ecs:us-east-1:123456789012:task/c/old-${batch}-${n}`;
        tasks.set(taskArn, { taskArn, batch, stopSeenAt: at - 15_000, goneAt: at, stoppedAt: at });
      }
    }
    return { tasks };
  };

  const scenarios: { name: string; outcome: Outcome; passed: number; run: (book: BatchBook) => void }[] = [
    {
      name: 'succeeded',
      outcome: 'succeeded',
      passed: 3,
      run: (book) => {
        for (const k of [1, 2, 3]) {
          book.released(k, s(20 * k));
          book.launched(s(20 * k + 4));
          book.passedNow(s(20 * k + 15));
        }
        book.noteDrains(drainedLedger([1, 2, 3], s(90)));
      },
    },
    {
      name: 'rolled back in batch 2, with a bake time',
      outcome: 'rolled-back',
      passed: 1,
      run: (book) => {
        book.released(1, s(1));
        book.launched(s(5));
        book.healthy(s(20), 30_000);
        book.passedNow(s(50));
        book.released(2, s(50));
        book.launched(s(55));
        book.healthy(s(60), 30_000);
        book.failCurrent(s(70));
      },
    },
    {
      name: 'failed in batch 1 before any task launched',
      outcome: 'failed',
      passed: 0,
      run: (book) => {
        book.released(1, s(1));
        book.failCurrent(s(30));
      },
    },
    {
      name: 'cancelled in batch 3',
      outcome: 'cancelled',
      passed: 2,
      run: (book) => {
        for (const k of [1, 2]) {
          book.released(k, s(20 * k));
          book.launched(s(20 * k + 4));
          book.passedNow(s(20 * k + 15));
        }
        book.released(3, s(60));
        book.failCurrent(s(62));
      },
    },
  ];

  it.each(scenarios)(
    '$name: P of N batches passed, P = the `batches` output',
    async ({ outcome, passed, run }) => {
      const { sink, lines } = recorder();
      const log = createProgressLog({ sink, now: () => 0, startedAt: 0 });
      const collector = createSummaryCollector();
      const bus = new EventFanout([log.listener, collector.listener], realClock);
      const book = new BatchBook(plan, bus);
      bus.emit({ type: 'rollout-started', at: 0, plan, from: OLD, to: NEW });
      run(book);
      bus.emit({ type: 'rollout-finished', at: s(120), outcome, batches: book.records });
      await bus.flush(2_000);
      expect(bus.errors).toEqual([]);
      expect(lines.at(-1)).toBe(`[02:00] rollout ${outcome}: ${passed} of 3 batches passed`);
      expect(passedBatches(collector.collected())).toBe(passed);
      expect(book.passed).toBe(passed);
    },
  );
});
