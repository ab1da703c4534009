import { describe, expect, it } from '@jest/globals';
import {
  batchDrain,
  EMPTY_LEDGER,
  predictedDrainEnd,
  trackDrains,
  unfinished,
  type DrainLedger,
} from '../src/rollout/drains.js';
import { fresh, NEW, old, snapshot, T0, TG1, type SnapshotSpec } from './helpers/fake-service.js';

const track = (ledger: DrainLedger, spec: SnapshotSpec, released: number[]): DrainLedger =>
  trackDrains(ledger, snapshot(spec), { newTaskDefinitionArn: NEW, released, since: T0 });

describe('trackDrains: each old task seen told to stop, draining, gone and stopped', () => {
  it('follows two old tasks through their drain and puts them with batch 1', () => {
    let l = track(
      EMPTY_LEDGER,
      {
        at: T0 + 1_000,
        tasks: [
          ...old(4),
          ...old(2, { lastStatus: 'DEACTIVATING', desiredStatus: 'STOPPED', target: 'draining' }, 5),
          ...fresh(2),
        ],
      },
      [2],
    );
    expect(unfinished(l)).toEqual({ count: 2, draining: 2, oldestStopSeenAt: T0 + 1_000 });
    expect(batchDrain(l, 1)).toEqual({ tasks: 2, startedAt: T0 + 1_000 });
    l = track(
      l,
      {
        at: T0 + 9_000,
        tasks: [
          ...old(4),
          ...old(2, { lastStatus: 'STOPPING', desiredStatus: 'STOPPED', target: undefined }, 5),
          ...fresh(2),
        ],
      },
      [2],
    );
    expect(unfinished(l).count).toBe(2);
    l = track(
      l,
      {
        at: T0 + 11_000,
        tasks: [
          ...old(4),
          ...old(
            2,
            { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', target: undefined, stoppedAt: T0 + 10_500 },
            5,
          ),
          ...fresh(2),
        ],
      },
      [2],
    );
    expect(unfinished(l)).toEqual({ count: 0, draining: 0 });
    expect(batchDrain(l, 1)).toEqual({ tasks: 2, startedAt: T0 + 1_000, doneAt: T0 + 11_000 });
    const records = [...l.tasks.values()];
    expect(records.map((r) => [r.batch, r.stopSeenAt, r.drainingSeenAt, r.goneAt, r.stoppedAt])).toEqual([
      [1, T0 + 1_000, T0 + 1_000, T0 + 9_000, T0 + 11_000],
      [1, T0 + 1_000, T0 + 1_000, T0 + 9_000, T0 + 11_000],
    ]);
  });

  it('an old task ECS stops a moment after the next batch was released still belongs to the batch that replaced it', () => {
    const l = track(
      EMPTY_LEDGER,
      {
        at: T0,
        tasks: [...old(5), ...old(1, { desiredStatus: 'STOPPED', target: 'draining' }, 6), ...fresh(2)],
      },
      [2, 2],
    );
    const l2 = track(
      l,
      {
        at: T0 + 500,
        tasks: [...old(4), ...old(2, { desiredStatus: 'STOPPED', target: 'draining' }, 5), ...fresh(2)],
      },
      [2, 2],
    );
    expect([...l2.tasks.values()].map((r) => r.batch)).toEqual([1, 1]);
  });

  it('a task that stopped before the rollout began is none of its business; nothing is tracked before a release', () => {
    expect(
      track(
        EMPTY_LEDGER,
        {
          at: T0,
          tasks: old(1, {
            lastStatus: 'STOPPED',
            desiredStatus: 'STOPPED',
            target: undefined,
            stoppedAt: T0 - 60_000,
          }),
        },
        [2],
      ).tasks.size,
    ).toBe(0);
    expect(
      track(EMPTY_LEDGER, { at: T0, tasks: old(1, { desiredStatus: 'STOPPED', target: 'draining' }) }, [])
        .tasks.size,
    ).toBe(0);
  });

  it('predicts when the first drain ends from the deregistration delay', () => {
    const l = track(
      EMPTY_LEDGER,
      { at: T0 + 2_000, tasks: old(1, { desiredStatus: 'STOPPED', target: 'draining' }) },
      [1],
    );
    expect(predictedDrainEnd(l, 300_000)).toBe(T0 + 302_000);
    expect(predictedDrainEnd(l, undefined)).toBeUndefined();
    expect(predictedDrainEnd(EMPTY_LEDGER, 300_000)).toBeUndefined();
  });

  it('a target still in another group keeps the task from being gone', () => {
    const spec: SnapshotSpec = {
      at: T0,
      groups: [TG1, 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/admin/2222'],
      tasks: old(1, {
        desiredStatus: 'STOPPED',
        target: {
          [TG1]: 'unused',
          'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/admin/2222': 'draining',
        },
      }),
    };
    const r = [...track(EMPTY_LEDGER, spec, [1]).tasks.values()][0];
    expect(r?.goneAt).toBeUndefined();
    expect(r?.drainingSeenAt).toBe(T0);
  });
});
