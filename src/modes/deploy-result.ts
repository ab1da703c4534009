// What a deploy is given and what it returns: main and a step of several services build the one,
// the outputs, the summary and the post step's saved state read the other.
import type { RunIdentity } from '../rollout/lease.js';
import type { Session } from '../rollout/session.js';
import type { BatchPlan, HttpProbe, RolloutListener, RolloutResult } from '../rollout/types.js';
import type { PreDeployReport } from '../pre-deploy.js';
import type { OneOffTaskDriver } from '../pre-deploy-plan.js';
import type { RevisionDriver } from '../keep-revisions.js';
import type { Settings } from '../settings.js';
import type { RolloutState } from '../state.js';
import type { ImageChange } from '../taskdef-compare.js';

export interface DeployLog {
  /** A timestamped progress line. */
  line(text: string): void;
  warning(text: string): void;
}

export interface DeployOptions {
  settings: Settings;
  /** The step's session: the service's driver, its lease, the call bound, the one wait loop. */
  session: Session;
  identity: RunIdentity;
  log: DeployLog;
  listeners?: readonly RolloutListener[];
  probe?: HttpProbe;
  /** Cancellation: the rollout stops waiting and rolls back (when rollback-on-failure). */
  signal?: AbortSignal;
  /** Saves progress for the post step; called at every phase with the fields known so far. */
  saveState?: (update: Partial<RolloutState>) => void;
  serverUrl?: string;
  /**
   * Awaited once preflight and the target are resolved, before the first change (the lease). A
   * step with several services waits here until every service passed preflight; a rejection ends
   * this deploy with nothing changed (src/modes/start-barrier.ts).
   */
  beforeChange?: () => Promise<void>;
  /** RunTask for pre-deploy-command (needed when settings.preDeploy is set). */
  oneOffTasks?: OneOffTaskDriver;
  /** keep-revisions' calls (needed when settings.keepRevisions > 0). */
  revisions?: RevisionDriver;
  /** The AWS region, for the pre-deploy task's log link. */
  region?: string;
}

export interface DeployResult {
  outcome: RolloutResult['outcome'];
  previousTaskDefinitionArn: string;
  newTaskDefinitionArn: string;
  /** True when the service already ran the definition: nothing rolled, health verified only. */
  unchanged: boolean;
  imageChanges: ImageChange[];
  plan?: BatchPlan;
  rollout?: RolloutResult;
  startedAt: number;
  durationMs: number;
  notes: string[];
  /** Why it failed, in one message (the `failure-reason` output). */
  failureMessage?: string;
  /** What the step's one error annotation says: the failure and what became of the service. */
  stepFailure?: string;
  /** The pre-deploy task, when pre-deploy-command ran one. */
  preDeploy?: PreDeployReport;
  /** keep-revisions, when it ran (after a successful rollout). */
  revisions?: { keep: number; deregistered: string[]; warnings: string[] };
}
