// The decisions of a step with several services, pure: which services to stop when one fails,
// which to restore once every rollout has ended, and what each one's outcome and words are.
// src/modes/deploy-many.ts does the waiting and the calls; this file only decides.
//
// Worked rows (policy, what each service's own rollout ended with -> what happens):
//   rollback-all, [web succeeded, api rolled-back]            -> restore web; web rolled-back, api rolled-back
//   rollback-all, [web stopped+rolled back, api rolled-back]  -> nothing more; both rolled-back
//   continue,     [web succeeded, api rolled-back]            -> nothing more; web succeeded, api rolled-back
//   either,       [web not started, api failed in preflight]  -> nothing changed anywhere
import type { Outcome } from '../rollout/types.js';
import { taskDefinitionName } from '../rollout/words.js';

export type PartialFailurePolicy = 'rollback-all' | 'continue';

/** How one service's own rollout (its deploy() run) ended, before the step's decisions. */
export interface ServiceRun {
  service: string;
  /** undefined: its deploy() threw (preflight, input, lease) or it was never started. */
  outcome?: Outcome;
  /** True when its deploy changed the service (a new revision was rolled); false when unchanged or refused. */
  changed: boolean;
  /** Stopped through its abort signal because another service failed (not by the job's cancel). */
  stoppedForOther?: string;
  /** Its deploy threw before it changed anything. */
  error?: string;
  /** Its deploy() never got past the start barrier because another service's preflight failed. */
  notStarted?: string;
  /** Its own rollout's failure, in one message. */
  failureMessage?: string;
  /** Its own rollout rolled it back, and the rollback was confirmed. */
  rolledBack?: boolean;
  previousTaskDefinitionArn?: string;
  newTaskDefinitionArn?: string;
}

/** Whether a service that ends this way counts as a failure of the step. */
export function failedRun(run: ServiceRun): boolean {
  return run.outcome !== 'succeeded';
}

/** When one service fails: stop the others' rollouts (their abort signals) at once. */
export function stopsOthers(policy: PartialFailurePolicy): boolean {
  return policy === 'rollback-all';
}

/**
 * Services the step itself must put back once every rollout has ended: under rollback-all, when
 * any service failed, each service whose rollout succeeded with a change (the others either rolled
 * back on their own, were stopped and rolled back, or were never changed). Needs rollback-on-failure:
 * without it nothing is put back, as for one service.
 */
export function servicesToRestore(
  runs: readonly ServiceRun[],
  policy: PartialFailurePolicy,
  rollbackOnFailure: boolean,
): string[] {
  if (policy !== 'rollback-all' || !rollbackOnFailure) return [];
  if (!runs.some(failedRun)) return [];
  return runs.filter((r) => r.outcome === 'succeeded' && r.changed).map((r) => r.service);
}

/** What the step's restore of a succeeded service came to. */
export interface StepRestore {
  ok: boolean;
  message: string;
}

export interface ServiceVerdict {
  service: string;
  outcome: Outcome;
  /** What happened to it, in words: `web: ...` (for failure-reason and the step's message). */
  words: string;
  /** Why it did not succeed; undefined when it did. */
  failureReason?: string;
}

/** One service's outcome and words, given how its rollout ended and the step's restore of it. */
export function serviceVerdict(
  run: ServiceRun,
  firstFailure: string | undefined,
  jobCancelled: boolean,
  restore?: StepRestore,
): ServiceVerdict {
  const { service } = run;
  const prev = run.previousTaskDefinitionArn
    ? taskDefinitionName(run.previousTaskDefinitionArn)
    : 'its previous task definition';
  const next = run.newTaskDefinitionArn
    ? taskDefinitionName(run.newTaskDefinitionArn)
    : 'the new task definition';
  const because = firstFailure ? ` because ${firstFailure} failed` : '';
  if (run.notStarted !== undefined) {
    const reason = `not started, nothing changed: ${run.notStarted}`;
    return {
      service,
      outcome: jobCancelled ? 'cancelled' : 'failed',
      words: `${service}: ${reason}`,
      failureReason: reason,
    };
  }
  if (run.outcome === undefined) {
    const reason = run.error ?? 'the rollout did not run';
    return { service, outcome: 'failed', words: `${service}: failed: ${reason}`, failureReason: reason };
  }
  if (restore) {
    const reason = restore.ok
      ? `had succeeded on ${next}; rolled back to ${prev}${because} (on-partial-failure: rollback-all)`
      : `had succeeded on ${next}; rolling it back to ${prev}${because} failed: ${restore.message}`;
    return {
      service,
      outcome: restore.ok ? 'rolled-back' : 'failed',
      words: `${service}: ${reason}`,
      failureReason: reason,
    };
  }
  if (run.outcome === 'succeeded') {
    return { service, outcome: 'succeeded', words: `${service}: succeeded on ${next}` };
  }
  if (run.stoppedForOther !== undefined && !jobCancelled) {
    // Stopped through its signal, its rollout says `cancelled`; what matters is whether it went back.
    const reason = `stopped${because}; ${run.rolledBack ? `rolled back to ${prev}` : (run.failureMessage ?? `its rollout ended ${run.outcome}`)}`;
    return {
      service,
      outcome: run.rolledBack ? 'rolled-back' : run.outcome === 'failed' ? 'failed' : 'cancelled',
      words: `${service}: ${reason}`,
      failureReason: reason,
    };
  }
  const reason = run.failureMessage ?? `the rollout ended ${run.outcome}`;
  return {
    service,
    outcome: run.outcome,
    words: `${service}: ${run.outcome}: ${reason}`,
    failureReason: reason,
  };
}

/** The step's outcome: succeeded only when every service did; else the worst of theirs. */
export function overallOutcome(outcomes: readonly Outcome[], jobCancelled: boolean): Outcome {
  if (outcomes.every((o) => o === 'succeeded')) return 'succeeded';
  if (outcomes.includes('failed')) return 'failed';
  if (jobCancelled || outcomes.includes('cancelled')) return 'cancelled';
  return 'rolled-back';
}
