// deployMany with two fake services on one fake clock: no service is changed before every
// service passed its preflight, and a healthy pair both roll out.
import { describe, expect, it } from '@jest/globals';
import { deployMany } from '../src/modes/deploy-many.js';
import { Heartbeat } from '../src/rollout/watch.js';
import { readSettings } from '../src/settings.js';
import { FakeClock, FakeService, NEW, OLD, accessDenied } from './helpers/fake-service.js';

// (A failure of one service with the other mid-rollout is multi.test.ts's, against the emulator: the
// fake service models one service per clock.)

const IDENTITY = { id: 'run-1', run: 'local' };

function run(clock: FakeClock, services: FakeService[]) {
  const settings = readSettings(
    (name) =>
      ({
        service: 'web\napi',
        'task-definition': NEW,
        'batch-size': '2',
        'batch-timeout': '5m',
        'rollout-timeout': '30m',
        report: 'none',
      })[name] ?? '',
    () => undefined,
    '/w',
  );
  return deployMany({
    settings,
    identity: IDENTITY,
    clock,
    callBoundMs: 5_000,
    context: (i) => ({
      driver: services[i] as FakeService,
      log: { line: () => undefined, warning: () => undefined },
      heartbeat: new Heartbeat(() => undefined),
      listeners: [],
      saveState: () => undefined,
    }),
  });
}

describe('deployMany', () => {
  it('one service refused in preflight: the other is never changed (no lease, no update)', async () => {
    const clock = new FakeClock();
    const web = new FakeService({ clock, desired: 4 });
    const api = new FakeService({ clock, desired: 4 });
    api.breakOp('describeService', () => accessDenied());
    const result = await run(clock, [web, api]);
    expect(result.outcome).toBe('failed');
    expect(result.services.map((s) => s.verdict.outcome)).toEqual(['failed', 'failed']);
    expect(result.services[0]?.verdict.words).toMatch(/^web: not started, nothing changed: api failed/);
    expect(result.services[1]?.verdict.words).toMatch(/AccessDenied/);
    for (const s of [web, api]) {
      expect(s.callCounts.updateService).toBe(0);
      expect(s.callCounts.tagService).toBe(0);
    }
  });

  it('two healthy services: both roll out, each on its own driver', async () => {
    const clock = new FakeClock();
    const web = new FakeService({ clock, desired: 4 });
    const api = new FakeService({ clock, desired: 2 });
    const result = await run(clock, [web, api]);
    expect(result.failureMessage).toBeUndefined();
    expect(result.outcome).toBe('succeeded');
    expect(
      result.services.map((s) => [s.verdict.outcome, s.previousTaskDefinitionArn, s.taskDefinitionArn]),
    ).toEqual([
      ['succeeded', OLD, NEW],
      ['succeeded', OLD, NEW],
    ]);
    expect(web.updates.some((u) => u.taskDefinitionArn === NEW)).toBe(true);
    expect(api.updates.some((u) => u.taskDefinitionArn === NEW)).toBe(true);
  });
});
