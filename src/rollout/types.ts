// The engine's vocabulary. No AWS SDK type appears here: the platform driver translates AWS's
// answers into these plain shapes, and the engine (plan, decide, gates, run) reasons about them.

/** The ECS deployment settings the action sets while it paces a rollout, and restores after. */
export interface DeploymentSettings {
  maximumPercent: number;
  minimumHealthyPercent: number;
  /** The service's circuit breaker, kept as the service had it (undefined when the service has none). */
  circuitBreaker?: { enable: boolean; rollback: boolean };
}

/** The pure result of plan.ts: how a rollout of `desired` tasks is cut into batches, and paced. */
export interface BatchPlan {
  desired: number;
  /** New tasks started per batch (the last may be smaller). */
  batchSize: number;
  /** Of each batch's old tasks, how many may stop before their replacements are healthy. */
  maxUnavailable: number;
  /** Sizes of the batches in order; they add up to `desired`. */
  batches: number[];
  /**
   * Settings under which ECS can neither start a task (the count is at the cap) nor stop a healthy
   * one below the desired count: the service waits here between batches.
   */
  hold: DeploymentSettings;
  /** Per batch: the settings that let ECS start exactly that batch's tasks. */
  releases: DeploymentSettings[];
  /** Where ECS's percent rounding could not give exactly what was asked, in words (additive). */
  notes?: string[];
}

// ---------------------------------------------------------------------------------------------
// Verdicts and what the engine reports.

/** Why a rollout failed: every field a user needs to act, already worded for them. */
export interface RolloutFailure {
  /** 1-based batch that failed; 0 for failures before the first batch (preflight, register). */
  batch: number;
  kind:
    | 'task-stopped'
    | 'target-unhealthy'
    | 'container-unhealthy'
    | 'http-check'
    | 'batch-timeout'
    | 'rollout-timeout'
    | 'ecs-rollback'
    | 'superseded'
    | 'taken-over'
    | 'bake'
    | 'alarm'
    | 'cancelled'
    | 'error';
  /** One sentence: what went wrong, naming the task, target, reason code or stoppedReason. */
  message: string;
  taskArn?: string;
  target?: { targetGroupArn: string; id: string; port: number };
  reasonCode?: string;
  /** For an `alarm` failure: the alarm's name. */
  alarmName?: string;
  /** Service events ECS wrote since the rollout began, oldest first. */
  serviceEvents?: string[];
}

export interface BatchProgress {
  /** 1-based batch being watched. */
  batch: number;
  batches: number;
  /** New tasks wanted by the end of this batch (cumulative). */
  newWanted: number;
  /** New tasks ECS has launched so far (any state short of stopped). */
  newLaunched: number;
  newRunning: number;
  newHealthy: number;
  /** Old tasks ECS still means to run. */
  oldRemaining: number;
  /** Old tasks ECS is stopping: deregistered, draining their connections, or in their stop timeout. */
  oldDraining: number;
  /** What the engine waits for, in words (for the log line). */
  waitingFor: string;
}

export interface BatchRecord {
  batch: number;
  tasks: number;
  /** When the action released the batch (settings that let ECS start its tasks). */
  startedAt: number;
  /** When its tasks were seen launched, and the service held again. */
  launchedAt?: number;
  /** When every gate first passed (bake time starts here). */
  healthyAt?: number;
  /** The verdict: every gate passed through the bake time. */
  endedAt?: number;
  /** Old tasks ECS stopped while this batch was the current one. */
  oldTasks?: number;
  /** When the first of them was seen told to stop (its drain began). */
  drainStartedAt?: number;
  /** When those old tasks were all seen drained (targets gone) and stopped. */
  drainedAt?: number;
  outcome: 'succeeded' | 'failed' | 'in-progress';
}

export type Outcome = 'succeeded' | 'rolled-back' | 'failed' | 'cancelled';

export type RolloutEvent =
  | { type: 'rollout-started'; at: number; plan: BatchPlan; from: string; to: string }
  | { type: 'batch-started'; at: number; batch: number; batches: number; tasks: number }
  /** The service's desired count changed mid-rollout (from `from` to plan.desired): the batches follow. */
  | { type: 'replanned'; at: number; plan: BatchPlan; from: number; batch: number }
  | { type: 'batch-launched'; at: number; batch: number; batches: number; tasks: number }
  | { type: 'batch-healthy'; at: number; batch: number; batches: number; bakeMs: number }
  | { type: 'progress'; at: number; progress: BatchProgress }
  | { type: 'batch-succeeded'; at: number; record: BatchRecord }
  | { type: 'batch-drained'; at: number; record: BatchRecord }
  | { type: 'failed'; at: number; failure: RolloutFailure }
  | { type: 'rollback-started'; at: number; to: string; how: string }
  | { type: 'rollback-progress'; at: number; waitingFor: string }
  | { type: 'rollback-finished'; at: number; ok: boolean; message: string }
  | { type: 'rollout-finished'; at: number; outcome: Outcome; batches: BatchRecord[] };

/** Anything that listens to a rollout: the log, the job summary, the GitHub check run. */
export type RolloutListener = (event: RolloutEvent) => void | Promise<void>;

/** Injected time, so pure code and the loop's tests never wait for real time. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Added by the engine work (additive): the HTTP probe port, HTTP-check streaks, the rollout result.

/**
 * One HTTP GET with a timeout; implemented outside the engine (with @actions/http-client). It never
 * throws: a connection error or timeout comes back as `error`.
 */
export interface HttpProbe {
  get(url: string, timeoutMs: number): Promise<{ status?: number; error?: string }>;
}

/** Consecutive failed HTTP checks of one URL while a batch settles. */
export interface HttpCheckStreak {
  /** The URL as the user gave it: it may carry credentials, so never put it in a message. */
  url: string;
  /** The URL as it may be shown: credentials and query values replaced by `***`. */
  shown: string;
  consecutiveFailures: number;
  /** When the last check answered, and whether it passed. */
  checkedAt?: number;
  passed?: boolean;
  /** The last answer in words: `status 503`, `connect ECONNREFUSED`. */
  last?: string;
}

/** What runRollout returns: the outcome, every batch, the failure and the rollback, if any. */
export interface RolloutResult {
  outcome: Outcome;
  batches: BatchRecord[];
  failure?: RolloutFailure;
  rollback?: { ok: boolean; message: string; durationMs: number };
  /** Whether the service's own deployment settings were put back, and what was done. */
  settingsRestored: { ok: boolean; message: string; takenOver?: boolean };
  durationMs: number;
  /** With rollback off after a failure: the state the service is left in, said plainly. */
  serviceLeft?: string;
  /**
   * False when the action could not confirm the service is back where it should be (reads kept
   * failing, or the settings could not be put back): main leaves the post step to finish it.
   */
  settled: boolean;
}
