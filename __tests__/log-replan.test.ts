// The log line for a desired count changed mid-rollout (replan.ts): what changed, what is left, the
// release it is paced at, and the batch count the later lines use.
import { describe, it, expect } from '@jest/globals';
import { createProgressLog, type LogSink } from '../src/report/log.js';
import { planBatches, type PlanInput } from '../src/rollout/plan.js';
import { replanBatches } from '../src/rollout/replan.js';

const OLD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const NEW = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const input: PlanInput = {
  desired: 6,
  batchSize: { kind: 'count', value: 2 },
  maxUnavailable: { kind: 'count', value: 0 },
};

function logOf(): { lines: string[]; log: ReturnType<typeof createProgressLog> } {
  const lines: string[] = [];
  const sink: LogSink = {
    info: (l) => lines.push(l),
    startGroup: () => undefined,
    endGroup: () => undefined,
  };
  return { lines, log: createProgressLog({ sink, now: () => 0 }) };
}

describe('createProgressLog: the desired count changed', () => {
  it('scale-out: what is left, at which release, and the new batch count in later lines', () => {
    const plan = planBatches(input);
    const next = replanBatches({ plan, input, released: 2, desired: 9 });
    const { lines, log } = logOf();
    log.listener({ type: 'rollout-started', at: 0, plan, from: OLD, to: NEW });
    log.listener({ type: 'replanned', at: 7_000, plan: next, from: 6, batch: 2 });
    log.listener({ type: 'batch-started', at: 9_000, batch: 3, batches: 5, tasks: 2 });
    log.listener({ type: 'rollout-finished', at: 20_000, outcome: 'succeeded', batches: [] });
    expect(lines[1]).toBe(
      "[00:07] the service's desired count changed from 6 to 9 (Application Auto Scaling or another caller): " +
        '5 tasks left in 3 batches of up to 2 (released at maximumPercent 123, minimumHealthyPercent 100); now 5 batches in all',
    );
    expect(lines.at(-1)).toBe('[00:20] rollout succeeded: 0 of 5 batches passed');
  });

  it('scale-in below what was released: nothing left to release, the old tasks to finish', () => {
    const plan = planBatches(input);
    const next = replanBatches({ plan, input, released: 2, desired: 3 });
    const { lines, log } = logOf();
    log.listener({ type: 'rollout-started', at: 0, plan, from: OLD, to: NEW });
    log.listener({ type: 'replanned', at: 7_000, plan: next, from: 6, batch: 2 });
    expect(lines.slice(1)).toEqual([
      "[00:07] the service's desired count changed from 6 to 3 (Application Auto Scaling or another caller): " +
        'no batch left to release; the rollout ends once the old tasks are replaced and drained; now 2 batches in all',
    ]);
  });
});
