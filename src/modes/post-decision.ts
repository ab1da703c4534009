// The post step's decision, pure: from what main saved (and on-cancel), what is left to do.
import type { DeploymentSettings } from '../rollout/types.js';
import type { RolloutState } from '../state.js';

/**
 * The most the post step waits for the restore. GitHub's workflow-cancellation docs: "After the 5
 * minute cancellation timeout period, the server will forcibly terminate all jobs and steps marked
 * for cancellation that are still running." Post must have put the settings back and reported
 * before then; ECS goes on moving the service back after the wait ends either way.
 */
export const CANCELLED_JOB_WAIT_MS = 4.5 * 60_000;

export type PostDecision =
  | { kind: 'nothing'; reason: string }
  /** Main stopped before it changed the service: only the check run is left to conclude. */
  | { kind: 'conclude'; reason: string }
  | {
      kind: 'restore';
      previousTaskDefinitionArn: string;
      originalSettings: DeploymentSettings;
      reason: string;
    }
  /** on-cancel: leave, or only the settings are left to put back. The service keeps its revision. */
  | { kind: 'leave'; originalSettings?: DeploymentSettings; reason: string };

/** Parses what main saved; undefined when there is nothing (main never started) or it is unreadable. */
export function parseState(raw: string): RolloutState | undefined {
  if (raw.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return undefined;
    const state = value as Partial<RolloutState>;
    if (
      typeof state.phase !== 'string' ||
      typeof state.cluster !== 'string' ||
      typeof state.service !== 'string'
    ) {
      return undefined;
    }
    return value as RolloutState;
  } catch {
    return undefined;
  }
}

export function decidePost(state: RolloutState | undefined, onCancel: 'rollback' | 'leave'): PostDecision {
  if (!state) return { kind: 'nothing', reason: 'main saved no rollout state (it did not start a rollout)' };
  const where = `${state.cluster}/${state.service}`;
  if (state.phase === 'finished') return { kind: 'nothing', reason: `main finished the rollout of ${where}` };
  if (state.phase === 'preflight' && state.concluded) {
    return { kind: 'nothing', reason: `main stopped before it changed ${where} and reported why` };
  }
  if (state.phase === 'preflight') {
    return { kind: 'conclude', reason: `main stopped before it changed ${where}: the service is untouched` };
  }
  const stage = state.phase === 'rolling-back' ? 'in the rollback' : 'in the rollout';
  // Main finished, but could not confirm all of it: finish that, whatever on-cancel says (no cancel).
  if (state.pending === 'settings') {
    return {
      kind: 'leave',
      ...(state.originalSettings ? { originalSettings: state.originalSettings } : {}),
      reason: `main finished the rollout of ${where} but could not put back the service's own deployment settings`,
    };
  }
  if (state.pending === 'restore' && state.previousTaskDefinitionArn && state.originalSettings) {
    return {
      kind: 'restore',
      previousTaskDefinitionArn: state.previousTaskDefinitionArn,
      originalSettings: state.originalSettings,
      reason: `main rolled ${where} back but could not confirm the service is back on its previous task definition`,
    };
  }
  if (onCancel === 'leave') {
    return {
      kind: 'leave',
      ...(state.originalSettings ? { originalSettings: state.originalSettings } : {}),
      reason: `main stopped ${stage} of ${where}; on-cancel is leave`,
    };
  }
  if (!state.previousTaskDefinitionArn || !state.originalSettings) {
    // Without them there is nothing safe to go back to; the user must look.
    return {
      kind: 'leave',
      ...(state.originalSettings ? { originalSettings: state.originalSettings } : {}),
      reason: `main stopped ${stage} of ${where} but did not record the previous task definition, so there is nothing to roll back to`,
    };
  }
  return {
    kind: 'restore',
    previousTaskDefinitionArn: state.previousTaskDefinitionArn,
    originalSettings: state.originalSettings,
    reason: `main stopped ${stage} of ${where}; on-cancel is rollback`,
  };
}

/**
 * Several services (the `rollouts` state): what the post step finishes. Under rollback-all, when any
 * service was left unfinished or cancelled (main was cancelled or died before it put them all back), every
 * service main finished on a new revision is put back too, so the step stays all or nothing. Such
 * a service is handed on as a rollout stopped in its rollback: decidePost then restores it (or,
 * with on-cancel: leave, leaves it).
 */
export function manyStatesToFinish(
  states: readonly RolloutState[],
  policy: 'rollback-all' | 'continue',
): RolloutState[] {
  const succeededOnNew = (s: RolloutState): boolean =>
    s.phase === 'finished' &&
    s.outcome === 'succeeded' &&
    s.newTaskDefinitionArn !== undefined &&
    s.newTaskDefinitionArn !== s.previousTaskDefinitionArn;
  // Left unfinished by main, or cancelled: main puts the succeeded ones back itself when it ends on
  // its own, but not on a cancel (the runner kills it within seconds).
  const leftOrCancelled = states.some(
    (s) =>
      s.outcome !== 'succeeded' &&
      (s.outcome === 'cancelled' ||
        s.pending !== undefined ||
        s.phase === 'rolling-out' ||
        s.phase === 'rolling-back'),
  );
  if (policy !== 'rollback-all' || !leftOrCancelled) return [...states];
  return states.map((s) => (succeededOnNew(s) ? { ...s, phase: 'rolling-back' } : s));
}

/** Parses the `rollouts` state: one RolloutState per service; undefined when absent or unreadable. */
export function parseManyStates(raw: string): RolloutState[] | undefined {
  if (raw.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return undefined;
    return value.flatMap((entry: unknown) => {
      const state = parseState(JSON.stringify(entry ?? null));
      return state ? [state] : [];
    });
  } catch {
    return undefined;
  }
}
