// What the job summary of one rollout is made from (gathered by summary-collect.ts), and the word
// for each outcome.
import type { BatchPlan, BatchRecord, Outcome, RolloutFailure } from '../rollout/types.js';
import type { ImageChange } from '../taskdef-compare.js';
import type { PreDeploySummary, RevisionsSummary } from './pre-deploy-section.js';

export interface RollbackRecord {
  /** Task definition ARN the service was put back on. */
  to: string;
  startedAt: number;
  finishedAt?: number;
  ok?: boolean;
  message?: string;
}

export interface SummaryInput {
  cluster: string;
  service: string;
  outcome: Outcome | 'planned';
  previousTaskDefinitionArn?: string;
  newTaskDefinitionArn?: string;
  /** False when the new definition equalled the current one, so no revision was registered. */
  registered?: boolean;
  imageChanges: readonly ImageChange[];
  plan?: BatchPlan;
  batches: readonly BatchRecord[];
  failure?: RolloutFailure;
  rollback?: RollbackRecord;
  /** When the rollout began (ms since the epoch); the table's times are counted from it. */
  startedAt?: number;
  durationMs: number;
  /** Extra lines worth a reader's attention (warnings), shown under the outcome. */
  notes?: readonly string[];
  /** The pre-deploy task, when one ran. */
  preDeploy?: PreDeploySummary;
  /** keep-revisions, when it ran. */
  revisions?: RevisionsSummary;
}

export const OUTCOME_WORD: Record<SummaryInput['outcome'], string> = {
  succeeded: 'Succeeded',
  'rolled-back': 'Rolled back',
  failed: 'Failed',
  cancelled: 'Cancelled',
  planned: 'Planned',
};
