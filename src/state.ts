// The one owner of what main hands to the post step through core.saveState (GITHUB_STATE) and
// core.getState (STATE_<name>). Structured state is saved as JSON under one key.
import type { DeploymentSettings } from './rollout/types.js';

export const STATE_KEY = 'rollout';
/** With several services: a JSON array of RolloutState, one per service in the order given. */
export const MANY_STATE_KEY = 'rollouts';

/**
 * Where main was when it last saved. The post step acts only on a rollout that main left in
 * `rolling-out` or `rolling-back` (cancelled, timed out, crashed, or a restore main could not
 * confirm); `finished` means the service is where main left it on purpose: nothing to do.
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
  /** This run's id in the service's lease tag: the post step acts under the same lease. */
  leaseId?: string;
  /** The rollout's ECS service deployment, which the restore rolls back with StopServiceDeployment. */
  serviceDeploymentArn?: string;
  /**
   * Set when main ended (not cancelled) without confirming everything: `restore` when its rollback
   * was not seen through, `settings` when only the service's own settings could not be put back.
   * The post step finishes it, whatever on-cancel says.
   */
  pending?: 'restore' | 'settings';
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
  /**
   * Set (additive, several services) once this service's own rollout ended: `succeeded` tells the
   * post step a finished service it must still put back when another one was left unfinished and
   * on-partial-failure is rollback-all.
   */
  outcome?: string;
  /** The pre-deploy task, once RunTask started it: the post step stops it if main could not. */
  preDeployTaskArn?: string;
  startedAt: number;
  updatedAt: number;
}

/** Keeps the state the post step reads, saving the whole of it (JSON under STATE_KEY) on every change. */
export class StateRecorder {
  private state: RolloutState | undefined;

  constructor(
    private readonly save: (json: string) => void,
    private readonly log: { warning(message: string): void },
  ) {}

  /** Where main was when it last saved; undefined before the inputs were read. */
  get phase(): RolloutPhase | undefined {
    return this.state?.phase;
  }

  begin(cluster: string, service: string, startedAt: number): void {
    this.state = { phase: 'preflight', cluster, service, startedAt, updatedAt: startedAt };
    this.flush();
  }

  update(change: Partial<RolloutState>): void {
    if (!this.state) return;
    this.state = { ...this.state, ...change, updatedAt: Date.now() };
    this.flush();
  }

  /** Synchronous (core.saveState appends to GITHUB_STATE): safe in the last moments before an exit. */
  flush(): void {
    if (!this.state) return;
    try {
      this.save(JSON.stringify(this.state));
    } catch (error) {
      this.log.warning(
        `Could not save the rollout state for the post step: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

/**
 * Several services: one StateRecorder per service, all saved together as one JSON array under
 * MANY_STATE_KEY on every change of any of them.
 */
export class ManyStateRecorder {
  readonly services: StateRecorder[];
  private readonly saved: string[];

  constructor(
    count: number,
    private readonly save: (json: string) => void,
    log: { warning(message: string): void },
  ) {
    this.saved = Array.from({ length: count }, () => 'null');
    this.services = this.saved.map(
      (_, index) =>
        new StateRecorder((json) => {
          this.saved[index] = json;
          this.save(`[${this.saved.join(',')}]`);
        }, log),
    );
  }

  /** Applies one change to every service's state (the check run's ids, `concluded`). */
  updateAll(change: Partial<RolloutState>): void {
    for (const recorder of this.services) recorder.update(change);
  }

  flush(): void {
    for (const recorder of this.services) recorder.flush();
  }
}
