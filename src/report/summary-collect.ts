// Collects the rollout from the engine's events: what the job summary renders, and what the outputs
// count (outputs.ts: the `batches` output is the batches whose verdict is in). summaryInput puts it
// together with what main knows (settings, the deploy's result) into one SummaryInput.
import type { DeployResult } from '../modes/deploy-result.js';
import type { BatchPlan, BatchRecord, Outcome, RolloutFailure, RolloutListener } from '../rollout/types.js';
import type { Settings } from '../settings.js';
import type { RollbackRecord, SummaryInput } from './summary-input.js';

/** Collects what renderSummary needs from the engine's events. */
export interface CollectedRollout {
  plan?: BatchPlan;
  from?: string;
  to?: string;
  startedAt?: number;
  finishedAt?: number;
  outcome?: Outcome;
  batches: BatchRecord[];
  failure?: RolloutFailure;
  rollback?: RollbackRecord;
}

export function createSummaryCollector(): { listener: RolloutListener; collected(): CollectedRollout } {
  const state: CollectedRollout = { batches: [] };
  const upsert = (record: BatchRecord): void => {
    const index = state.batches.findIndex((b) => b.batch === record.batch);
    if (index >= 0) state.batches[index] = record;
    else state.batches.push(record);
  };
  const listener: RolloutListener = (event) => {
    switch (event.type) {
      case 'rollout-started':
        state.plan = event.plan;
        state.from = event.from;
        state.to = event.to;
        state.startedAt = event.at;
        break;
      case 'replanned':
        state.plan = event.plan;
        break;
      case 'batch-started':
        upsert({ batch: event.batch, tasks: event.tasks, startedAt: event.at, outcome: 'in-progress' });
        break;
      case 'batch-launched': {
        const r = state.batches.find((b) => b.batch === event.batch);
        if (r) upsert({ ...r, launchedAt: event.at });
        break;
      }
      case 'batch-healthy': {
        const r = state.batches.find((b) => b.batch === event.batch);
        if (r) upsert({ ...r, healthyAt: r.healthyAt ?? event.at });
        break;
      }
      case 'batch-succeeded':
      case 'batch-drained':
        upsert(event.record);
        break;
      case 'failed': {
        state.failure = event.failure;
        const open = state.batches.find(
          (b) => b.batch === event.failure.batch && b.outcome === 'in-progress',
        );
        if (open) upsert({ ...open, outcome: 'failed', endedAt: event.at });
        break;
      }
      case 'rollback-started':
        state.rollback = { to: event.to, startedAt: event.at };
        break;
      case 'rollback-finished': {
        // A rollback that could not be started ends without a rollback-started: it was still tried.
        const rollback =
          state.rollback ?? (state.from !== undefined ? { to: state.from, startedAt: event.at } : undefined);
        if (rollback)
          state.rollback = { ...rollback, finishedAt: event.at, ok: event.ok, message: event.message };
        break;
      }
      case 'rollout-finished':
        state.outcome = event.outcome;
        state.finishedAt = event.at;
        for (const record of event.batches) upsert(record);
        break;
      default:
        break;
    }
  };
  return {
    listener,
    collected: () => ({ ...state, batches: [...state.batches].sort((a, b) => a.batch - b.batch) }),
  };
}

/** The summary's input: what main knows (settings, the deploy's result) with what was collected. */
export function summaryInput(
  settings: Pick<Settings, 'cluster' | 'service'>,
  result: DeployResult | undefined,
  collected: CollectedRollout,
  outcome: SummaryInput['outcome'],
  startedAt: number,
  durationMs: number,
  failureMessage: string | undefined,
): SummaryInput {
  const input: SummaryInput = {
    cluster: settings.cluster,
    service: settings.service,
    outcome,
    imageChanges: result?.imageChanges ?? [],
    batches: collected.batches,
    startedAt: collected.startedAt ?? result?.startedAt ?? startedAt,
    durationMs,
    notes: result?.notes ?? [],
  };
  if (result) {
    input.previousTaskDefinitionArn = result.previousTaskDefinitionArn;
    input.newTaskDefinitionArn = result.newTaskDefinitionArn;
    // The summary's `registered: false` means "unchanged": nothing was registered or rolled.
    input.registered = !result.unchanged;
    if (result.plan) input.plan = result.plan;
    if (result.preDeploy)
      input.preDeploy = { ...result.preDeploy, serviceUntouched: result.preDeploy.outcome !== 'succeeded' };
    if (result.revisions) input.revisions = result.revisions;
  }
  const failure =
    result?.rollout?.failure ??
    collected.failure ??
    (failureMessage ? { batch: 0, kind: 'error' as const, message: failureMessage } : undefined);
  if (failure) input.failure = failure;
  if (collected.rollback) input.rollback = collected.rollback;
  return input;
}
