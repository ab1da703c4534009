// The one owner of what main hands to the post step through core.saveState (GITHUB_STATE) and
// core.getState (STATE_<name>). Structured state is saved as JSON under one key.
import type { DeploymentSettings } from './rollout/types.js';

export const STATE_KEY = 'rollout';

/**
 * Where main was when it last saved. The post step acts only on a rollout that main left in
 * `rolling-out` or `rolling-back` (cancelled, timed out or crashed); `finished` means nothing to do.
 */
export type RolloutPhase = 'preflight' | 'rolling-out' | 'rolling-back' | 'finished';

export interface RolloutState {
  phase: RolloutPhase;
  cluster: string;
  service: string;
  region?: string;
  previousTaskDefinitionArn?: string;
  newTaskDefinitionArn?: string;
  desiredCount?: number;
  /** The service's own deployment settings, to restore in every outcome. */
  originalSettings?: DeploymentSettings;
  /** GitHub check run to conclude, when one was created. */
  checkRunId?: number;
  /** GitHub deployment to conclude, when one was created. */
  deploymentId?: number;
  /**
   * Set (additive) once main has concluded the check run and deployment itself: the post step then
   * leaves them as main reported them, and a `preflight` phase means main stopped on an error of
   * its own, not that it was cancelled.
   */
  concluded?: boolean;
  startedAt: number;
  updatedAt: number;
}
