import { describe, it, expect } from '@jest/globals';
import { createProgressLog, describeProgress, formatElapsed, type LogSink } from '../src/report/log.js';
import type { BatchPlan, BatchProgress } from '../src/rollout/types.js';

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
  settings: { maximumPercent: 134, minimumHealthyPercent: 100 },
};

const progress = (overrides: Partial<BatchProgress> = {}): BatchProgress => ({
  batch: 2,
  batches: 3,
  newWanted: 2,
  newRunning: 2,
  newHealthy: 1,
  oldRemaining: 4,
  oldDraining: 1,
  waitingFor: '',
  ...overrides,
});

/** A fake interval timer driven by hand. */
function fakeTimers(): { tick: () => void; setInterval: (fn: () => void) => object } {
  let fn: (() => void) | undefined;
  return {
    tick: () => fn?.(),
    setInterval: (f) => ((fn = f), {}),
  };
}

describe('formatting', () => {
  it('formats elapsed time as mm:ss, h:mm:ss past an hour', () => {
    expect(formatElapsed(0)).toBe('00:00');
    expect(formatElapsed(42_400)).toBe('00:42');
    expect(formatElapsed(61_000)).toBe('01:01');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
  });

  it('words progress from the counts, or uses the engine words as given', () => {
    expect(describeProgress(progress())).toBe('batch 2/3: 1/2 new targets healthy, 1 old target draining');
    expect(describeProgress(progress({ oldDraining: 2 }))).toBe(
      'batch 2/3: 1/2 new targets healthy, 2 old targets draining',
    );
    expect(describeProgress(progress({ oldDraining: 0 }))).toBe('batch 2/3: 1/2 new targets healthy');
    expect(describeProgress(progress({ waitingFor: '1 old task to stop' }))).toBe(
      'batch 2/3: 1 old task to stop',
    );
    expect(describeProgress(progress({ waitingFor: 'batch 2/3: x' }))).toBe('batch 2/3: x');
  });
});

describe('createProgressLog', () => {
  it('writes timestamped lines, one group per batch, and the failure as a plain line', () => {
    const { sink, lines } = recorder();
    const timers = fakeTimers();
    const now = 1_000_000;
    const log = createProgressLog({
      sink,
      now: () => now,
      setInterval: timers.setInterval,
      clearInterval: () => {},
    });
    log.listener({ type: 'rollout-started', at: now, plan, from: 'web:1', to: 'web:2' });
    log.listener({ type: 'batch-started', at: now + 30_000, batch: 2, batches: 3, tasks: 2 });
    log.listener({ type: 'progress', at: now + 42_000, progress: progress() });
    log.listener({
      type: 'failed',
      at: now + 50_000,
      failure: {
        batch: 2,
        kind: 'target-unhealthy',
        message: 'target 127.0.1.9:8080 unhealthy (Target.ResponseCodeMismatch)',
        serviceEvents: ['(service web) has started 2 tasks'],
      },
    });
    log.listener({ type: 'rollout-finished', at: now + 60_000, outcome: 'rolled-back', batches: [] });
    log.close();
    expect(lines).toEqual([
      '[00:00] rolling out web:2 (from web:1): 6 tasks in 3 batches of 2 (deployment settings: maximumPercent 134, minimumHealthyPercent 100)',
      '::group::Batch 2/3: 2 tasks',
      '[00:30] batch 2/3: starting 2 new tasks',
      '[00:42] batch 2/3: 1/2 new targets healthy, 1 old target draining (12 s)',
      '[00:50] FAILED in batch 2: target 127.0.1.9:8080 unhealthy (Target.ResponseCodeMismatch)',
      '    ECS: (service web) has started 2 tasks',
      '::endgroup::',
      '[01:00] rollout rolled-back after 0 batches',
    ]);
  });

  it('never lets 25 s pass without a line saying what it waits for', () => {
    const { sink, lines } = recorder();
    const timers = fakeTimers();
    let now = 0;
    const log = createProgressLog({
      sink,
      now: () => now,
      setInterval: timers.setInterval,
      clearInterval: () => {},
    });
    log.listener({ type: 'rollout-started', at: 0, plan, from: 'web:1', to: 'web:2' });
    log.listener({ type: 'batch-started', at: 0, batch: 1, batches: 3, tasks: 2 });
    log.listener({ type: 'progress', at: 2_000, progress: progress({ batch: 1, newHealthy: 0 }) });
    const before = lines.length;
    now = 20_000;
    timers.tick();
    expect(lines).toHaveLength(before); // 18 s of silence: not yet
    now = 27_000;
    timers.tick();
    expect(lines.at(-1)).toBe(
      '[00:27] still waiting: batch 1/3: 0/2 new targets healthy, 1 old target draining (27 s)',
    );
    now = 30_000;
    timers.tick();
    expect(lines).toHaveLength(before + 1); // just wrote one
    log.listener({
      type: 'batch-succeeded',
      at: 31_000,
      record: { batch: 1, tasks: 2, startedAt: 0, endedAt: 31_000, outcome: 'succeeded' },
    });
    now = 90_000;
    timers.tick();
    expect(lines.at(-1)).toBe('::endgroup::'); // nothing to wait for between batches: no heartbeat
    log.close();
  });

  it('counts elapsed time from the action start when given', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({
      sink,
      now: () => 5_000,
      startedAt: 0,
      setInterval: () => ({}),
      clearInterval: () => {},
    });
    log.line('preflight: service web is ACTIVE');
    log.listener({ type: 'rollout-started', at: 65_000, plan, from: 'a', to: 'b' });
    expect(lines[0]).toBe('[00:05] preflight: service web is ACTIVE');
    expect(lines[1]).toMatch(/^\[01:05\] rolling out b/);
  });

  it('words the rollback once, with its wait, and a rollback that did not finish as a plain line', () => {
    const { sink, lines } = recorder();
    const log = createProgressLog({
      sink,
      now: () => 0,
      startedAt: 0,
      setInterval: () => ({}),
      clearInterval: () => {},
    });
    log.listener({ type: 'rollback-started', at: 1_000, to: 'web:1' });
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
      '[00:01] rolling back to web:1',
      '[00:04] rollback: 4/6 tasks of web:1 healthy (3 s)',
      '[00:09] rollback did NOT finish: rollback to web:1 failed: timed out',
      '::endgroup::',
    ]);
    log.close();
  });
});
