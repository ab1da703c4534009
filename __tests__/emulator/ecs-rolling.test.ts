// The rolling update's arithmetic (emulator/src/ecs/rolling.ts) and the task address allocator, as
// tables: ECS's rounding, the circuit breaker threshold, and one step's launch/stop decision.
import type { Server } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import {
  circuitBreakerThreshold,
  countsTowardMaximum,
  failingToStop,
  maxTaskCount,
  minHealthyCount,
  rollingStep,
} from '../../emulator/src/ecs/rolling.js';
import { createIpAllocator } from '../../emulator/src/ecs/ips.js';
import { claimAddressBlock, listenOnClaimPort } from '../../emulator/src/ecs/address-block.js';

const tasks = (prefix: string, healthy: boolean[]): { arn: string; healthy: boolean }[] =>
  healthy.map((h, i) => ({ arn: `${prefix}${i}`, healthy: h }));

describe('rounding', () => {
  it('maximumPercent rounds down and minimumHealthyPercent rounds up', () => {
    expect(maxTaskCount(3, 150)).toBe(4); // 4.5
    expect(maxTaskCount(6, 200)).toBe(12);
    expect(minHealthyCount(3, 50)).toBe(2); // 1.5
    expect(minHealthyCount(6, 100)).toBe(6);
    expect(minHealthyCount(5, 0)).toBe(0);
  });

  it('circuit breaker threshold is 0.5 x desired, at least 3, at most 200', () => {
    expect([1, 2, 6, 7, 10, 100, 400, 1000].map(circuitBreakerThreshold)).toEqual([
      3, 3, 3, 4, 5, 50, 200, 200,
    ]);
  });
});

describe('countsTowardMaximum (the two readings of maximumPercent)', () => {
  const lifecycle = [
    'PROVISIONING',
    'PENDING',
    'ACTIVATING',
    'RUNNING',
    'DEACTIVATING',
    'STOPPING',
    'DEPROVISIONING',
    'STOPPED',
  ];
  it('API reference reading (default): only tasks on their way up or RUNNING count', () => {
    expect(lifecycle.filter((s) => countsTowardMaximum(s, false))).toEqual([
      'PROVISIONING',
      'PENDING',
      'ACTIVATING',
      'RUNNING',
    ]);
  });
  it('draining counts: every task not yet STOPPED counts', () => {
    expect(lifecycle.filter((s) => countsTowardMaximum(s, true))).toEqual(lifecycle.slice(0, 7));
  });
});

describe('rollingStep, the worked rows of its comment', () => {
  const step = { desired: 4, minimumHealthyPercent: 100, mayLaunch: true };
  const fourOld = tasks('o', [true, true, true, true]);
  // 2 new and 2 old healthy, plus 2 old draining (no longer wanted, so in neither list).
  const mid = { primary: tasks('p', [true, true]), old: tasks('o', [true, true]) };
  const counted = (states: string[], draining: boolean): number =>
    states.filter((s) => countsTowardMaximum(s, draining)).length;
  const midStates = ['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'DEACTIVATING', 'DEACTIVATING'];
  const rows = [
    { max: 200, input: { liveCount: 4, primary: [], old: fourOld }, launch: 4 },
    { max: 150, input: { liveCount: 4, primary: [], old: fourOld }, launch: 2 },
    { max: 150, input: { liveCount: counted(midStates, true), ...mid }, launch: 0 },
    { max: 150, input: { liveCount: counted(midStates, false), ...mid }, launch: 2 },
  ];
  for (const { max, input, launch } of rows) {
    it(`maximum ${max}%, ${input.liveCount} counted, ${input.primary.length} new: launch ${launch}`, () => {
      expect(rollingStep({ ...step, maximumPercent: max, ...input }).launch).toBe(launch);
    });
  }
});

describe('rollingStep', () => {
  const base = { desired: 4, maximumPercent: 200, minimumHealthyPercent: 100, mayLaunch: true };

  it('launches up to maximumPercent, counting the tasks it is given as counted (liveCount)', () => {
    expect(
      rollingStep({ ...base, liveCount: 4, primary: [], old: tasks('o', [true, true, true, true]) }),
    ).toEqual({ launch: 4, stop: [] });
    expect(
      rollingStep({
        ...base,
        maximumPercent: 150,
        liveCount: 4,
        primary: [],
        old: tasks('o', [true, true, true, true]),
      }),
    ).toEqual({
      launch: 2,
      stop: [],
    });
    // Two old tasks still draining, counted (drainingCountsTowardMaximum): no room for more yet.
    expect(
      rollingStep({
        ...base,
        maximumPercent: 150,
        liveCount: 6,
        primary: tasks('p', [true, true]),
        old: tasks('o', [true, true]),
      }).launch,
    ).toBe(0);
  });

  it('stops old tasks only while healthy stays at or above minimumHealthyPercent, unhealthy ones first', () => {
    const step = rollingStep({
      ...base,
      liveCount: 8,
      primary: tasks('p', [true, true, false, false]),
      old: tasks('o', [true, true, true, false]),
    });
    // healthy = 2 + 3 = 5, minimum 4: the unhealthy old task goes free, then one healthy one.
    expect(step.stop).toEqual(['o3', 'o0']);
    expect(step.launch).toBe(0);
  });

  it('with minimumHealthyPercent 0 and maximumPercent 100 it stops before it launches', () => {
    const step = rollingStep({
      ...base,
      maximumPercent: 100,
      minimumHealthyPercent: 0,
      liveCount: 4,
      primary: [],
      old: tasks('o', [true, true, true, true]),
    });
    expect(step).toEqual({ launch: 0, stop: ['o0', 'o1', 'o2', 'o3'] });
  });

  it('scales in surplus primary tasks, not-yet-healthy ones first', () => {
    const step = rollingStep({
      ...base,
      desired: 2,
      liveCount: 4,
      primary: tasks('p', [true, false, true, false]),
      old: [],
    });
    expect(step).toEqual({ launch: 0, stop: ['p1', 'p3'] });
  });

  it('a FAILED deployment (no rollback) launches nothing and keeps the old tasks', () => {
    expect(
      rollingStep({
        ...base,
        mayLaunch: false,
        liveCount: 4,
        primary: [],
        old: tasks('o', [true, true, true, true]),
      }),
    ).toEqual({ launch: 0, stop: [] });
  });
});

describe('failingToStop (tasks that failed ELB health checks)', () => {
  // Six tasks, all failing; maximumPercent 200 leaves room for six replacements.
  const all = {
    desired: 6,
    maximumPercent: 200,
    minimumHealthyPercent: 100,
    liveCount: 6,
    stoppingCount: 0,
    healthy: 0,
    running: 6,
    missing: 6,
    starting: 0,
    mayLaunch: true,
    failing: ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'],
  };

  it('stops none while there is room to start replacements first, then one per healthy replacement', () => {
    expect(failingToStop(all)).toEqual([]);
    // Six replacements in flight, none healthy yet.
    expect(failingToStop({ ...all, liveCount: 12, missing: 0, starting: 6 })).toEqual([]);
    // Two of them healthy: two unhealthy tasks go.
    expect(failingToStop({ ...all, liveCount: 12, healthy: 2, missing: 0, starting: 4 })).toEqual([
      'f0',
      'f1',
    ]);
  });

  it('healthy tasks of any deployment stand in for failing ones (a failing new version during a rollout)', () => {
    expect(failingToStop({ ...all, desired: 4, healthy: 4, liveCount: 8, failing: ['n0', 'n1'] })).toEqual([
      'n0',
      'n1',
    ]);
  });

  it('with no room under maximumPercent: one at a time, keeping minimumHealthyPercent RUNNING', () => {
    const full = {
      ...all,
      desired: 2,
      maximumPercent: 100,
      minimumHealthyPercent: 50,
      liveCount: 2,
      stoppingCount: 0,
    };
    const two = { ...full, running: 2, missing: 2, failing: ['f0', 'f1'] };
    expect(failingToStop(two)).toEqual(['f0']);
    // f0 still on its way down: if it counts toward the maximum (2), wait for it, one by one; if it
    // does not (1), there is room to start a replacement first.
    for (const liveCount of [1, 2])
      expect(
        failingToStop({ ...two, liveCount, stoppingCount: 1, running: 1, missing: 2, failing: ['f1'] }),
      ).toEqual([]);
    // A replacement in flight: the last one waits for it to be healthy.
    expect(
      failingToStop({
        ...two,
        liveCount: 2,
        running: 2,
        missing: 1,
        starting: 1,
        failing: ['f1'],
      }),
    ).toEqual([]);
    // minimumHealthyPercent 100 with maximumPercent 100 allows nothing.
    expect(failingToStop({ ...two, minimumHealthyPercent: 100 })).toEqual([]);
    // A FAILED deployment launches no replacement, so nothing is stopped to make room for one.
    expect(failingToStop({ ...two, mayLaunch: false })).toEqual([]);
  });
});

describe('task addresses', () => {
  it('hands out distinct loopback addresses from 127.0.1.1, skipping .0 and .255 and 127.0.0.x', () => {
    const ips = createIpAllocator();
    const taken = Array.from({ length: 600 }, () => ips.take());
    expect(taken[0]).toBe('127.0.1.1');
    expect(new Set(taken).size).toBe(600);
    for (const ip of taken) {
      expect(ip.startsWith('127.0.0.')).toBe(false);
      expect(ip.endsWith('.0') || ip.endsWith('.255')).toBe(false);
    }
    expect(taken).toContain('127.0.2.1');
  });

  it('each emulator claims a 127.N block no other emulator holds, in this process or another', async () => {
    const first = await claimAddressBlock();
    // Someone else (another process, as far as the OS is concerned) holds the first free block
    // after it, the one the next claim looks at first. Other test files' emulators, in other
    // workers, may hold blocks too, so the test takes the first one it can rather than assume
    // first + 1 is free (listening there blindly failed with EADDRINUSE on CI).
    const other = await holdFirstFreeBlockAfter(first.block);
    const second = await claimAddressBlock();
    try {
      expect(second.block).not.toBe(first.block);
      expect(second.block).not.toBe(other.block);
    } finally {
      await Promise.all([first.release(), second.release()]);
      await new Promise((closed) => other.server.close(closed));
    }
  });
});

/** A listener on the claim port of the first block after `after` that nobody holds. */
async function holdFirstFreeBlockAfter(after: number): Promise<{ block: number; server: Server }> {
  for (let i = 1; i < 254; i++) {
    const block = ((after - 1 + i) % 254) + 1;
    const server = await listenOnClaimPort(block);
    if (server) return { block, server };
  }
  throw new Error('every 127.N block is held');
}
