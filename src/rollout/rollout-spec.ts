// What a rollout is asked to do (runRollout's options beside its session), and the phases it saves
// for the post step. Its own module so the loop's parts (rollout.ts, batches.ts) both read it.
import type { PacePolicy } from './pace.js';
import type { PlanInput } from './plan.js';
import type { BatchPlan, DeploymentSettings, HttpProbe, RolloutListener } from './types.js';

export type RunPhase = 'rolling-out' | 'rolling-back' | 'finished';

export interface PhaseInfo {
  /** The rollout's ECS service deployment, once found (the restore rolls it back). */
  serviceDeploymentArn?: string;
}

/** What a rollout is asked to do; the session (or its parts) comes beside it. */
export interface RolloutSpec {
  plan: BatchPlan;
  /**
   * What `plan` was made from (planBatches' input), so the plan can follow the service's desired
   * count when Application Auto Scaling changes it mid-rollout; without it, the plan's own batch size
   * and unavailability as counts.
   */
  planInput?: PlanInput;
  previousTaskDefinitionArn: string;
  newTaskDefinitionArn: string;
  /** The service's own deployment settings, restored in every outcome. */
  originalSettings: DeploymentSettings;
  batchTimeoutMs: number;
  rolloutTimeoutMs: number;
  /** Per batch: how long every gate must keep passing before the next batch is released. */
  bakeMs?: number;
  /** Release the next batch while the previous one's old tasks drain (default true). */
  overlap?: boolean;
  rollbackOnFailure: boolean;
  /** Bound on the rollback's wait; defaults to rolloutTimeoutMs. */
  rollbackTimeoutMs?: number;
  healthChecks?: {
    urls: readonly { url: string; shown: string }[];
    statuses: readonly { min: number; max: number }[];
    threshold: number;
  };
  probe?: HttpProbe;
  /**
   * Gate on the CloudWatch alarms the driver reads with each snapshot. `ignoredAtStart`: alarms
   * already in ALARM before the rollout that the user chose to ignore; each gates again once it
   * has been seen out of ALARM.
   */
  alarms?: { ignoredAtStart: readonly string[] };
  /** Per HTTP check; defaults to 5 s. */
  probeTimeoutMs?: number;
  /**
   * The containers with an ECS health check, per revision (from each task definition): a task is
   * healthy once they are HEALTHY; a new one that turns UNHEALTHY fails the batch. Empty or absent:
   * RUNNING (and the target groups, if any) is the gate.
   */
  containerChecks?: { new: readonly string[]; previous: readonly string[] };
  /** The longest deregistration delay of the service's target groups, to predict drain ends. */
  deregistrationDelayMs?: number;
  listeners?: readonly RolloutListener[];
  /** Cancellation: stop waiting, roll back if rollbackOnFailure, outcome `cancelled`. */
  signal?: AbortSignal;
  /** Called at every phase change (and when the service deployment is found), so main can save state. */
  onPhase?: (phase: RunPhase, info: PhaseInfo) => void | Promise<void>;
  pace?: PacePolicy;
}
