// The record of each batch as the rollout moves it along (released, launched, healthy, passed,
// drained), and the events that tell the log, the job summary and the check run about it.
import { batchDrain, type DrainLedger } from './drains.js';
import type { EventFanout } from './events.js';
import type { BatchPlan, BatchRecord } from './types.js';

export class BatchBook {
  readonly records: BatchRecord[] = [];
  private readonly drained = new Set<number>();

  constructor(
    private plan: BatchPlan,
    private readonly bus: EventFanout,
  ) {}

  /** The desired count changed: later batches (and the count of batches) follow the new plan. */
  replanned(plan: BatchPlan, from: number, batch: number, at: number): void {
    this.plan = plan;
    const current = this.current;
    // The batch in flight may have been cut by a scale-in: its record says what it now starts.
    if (current?.outcome === 'in-progress' && current.batch === batch)
      current.tasks = plan.batches[batch - 1] ?? current.tasks;
    this.bus.emit({ type: 'replanned', at, plan, from, batch });
  }

  get current(): BatchRecord | undefined {
    return this.records[this.records.length - 1];
  }

  /** Batches whose verdict is in. */
  get passed(): number {
    return this.records.filter((r) => r.outcome === 'succeeded').length;
  }

  released(batch: number, at: number): void {
    const tasks = this.plan.batches[batch - 1] ?? 0;
    this.records.push({ batch, tasks, startedAt: at, outcome: 'in-progress' });
    this.bus.emit({ type: 'batch-started', at, batch, batches: this.plan.batches.length, tasks });
  }

  launched(at: number): void {
    const r = this.current;
    if (!r || r.launchedAt !== undefined) return;
    r.launchedAt = at;
    this.bus.emit({
      type: 'batch-launched',
      at,
      batch: r.batch,
      batches: this.plan.batches.length,
      tasks: r.tasks,
    });
  }

  healthy(at: number, bakeMs: number): void {
    const r = this.current;
    if (!r) return;
    r.healthyAt ??= at;
    this.bus.emit({ type: 'batch-healthy', at, batch: r.batch, batches: this.plan.batches.length, bakeMs });
  }

  passedNow(at: number): void {
    const r = this.current;
    if (!r || r.outcome !== 'in-progress') return;
    r.launchedAt ??= at;
    r.healthyAt ??= at;
    r.endedAt = at;
    r.outcome = 'succeeded';
    this.bus.emit({ type: 'batch-succeeded', at, record: { ...r } });
  }

  failCurrent(at: number): void {
    const r = this.current;
    if (r?.outcome === 'in-progress') {
      r.outcome = 'failed';
      r.endedAt = at;
    }
  }

  /** Notes the batches whose old tasks have all drained and stopped, once each. */
  noteDrains(ledger: DrainLedger): void {
    for (const r of this.records) {
      if (this.drained.has(r.batch)) continue;
      const d = batchDrain(ledger, r.batch);
      r.oldTasks = d.tasks;
      if (d.startedAt !== undefined) r.drainStartedAt = d.startedAt;
      if (d.doneAt === undefined || d.tasks < r.tasks) continue;
      this.drained.add(r.batch);
      r.drainedAt = d.doneAt;
      this.bus.emit({ type: 'batch-drained', at: d.doneAt, record: { ...r } });
    }
  }
}
