// The arithmetic of the ECS rolling update, kept pure so it can be tested as a table. Each rule
// names the ECS developer guide page it models.

/**
 * Page "Deploy Amazon ECS services by replacing tasks" (rolling update): maximumPercent is an upper
 * limit on the service's tasks during a deployment, as a percent of desiredCount rounded DOWN.
 */
export const maxTaskCount = (desired: number, maximumPercent: number): number =>
  Math.floor((desired * maximumPercent) / 100);

/** Same page: minimumHealthyPercent is a lower limit on healthy tasks, rounded UP. */
export const minHealthyCount = (desired: number, minimumHealthyPercent: number): number =>
  Math.ceil((desired * minimumHealthyPercent) / 100);

/**
 * Page "How the Amazon ECS deployment circuit breaker detects failures": the failure threshold is
 * 0.5 x desired task count, at least 3 and at most 200. (The page does not say how a half is
 * rounded; we round up, so 7 tasks give 4.)
 */
export const circuitBreakerThreshold = (desired: number): number =>
  Math.min(200, Math.max(3, Math.ceil(0.5 * desired)));

export interface RollingInput {
  desired: number;
  maximumPercent: number;
  minimumHealthyPercent: number;
  /** Every task of the service not yet STOPPED, draining and stopping ones included. */
  liveCount: number;
  /** Tasks of the PRIMARY deployment that ECS still wants running. */
  primary: { arn: string; healthy: boolean }[];
  /** Tasks of older deployments that ECS still wants running. */
  old: { arn: string; healthy: boolean }[];
  /** False once the PRIMARY deployment has FAILED with no rollback: ECS stops launching. */
  mayLaunch: boolean;
}

export interface RollingDecision {
  launch: number;
  /** Old (or surplus primary) tasks to stop now, in order. */
  stop: string[];
}

/**
 * One step of the rolling update. Launch while every live task plus the new one stays within
 * maximumPercent; stop old tasks only while the healthy count stays at or above
 * minimumHealthyPercent (unhealthy old tasks cost nothing to stop, so they go first).
 *
 * Draining tasks count toward maximumPercent. The API reference (DeploymentConfiguration) counts
 * tasks "in the RUNNING or PENDING state"; a task being stopped is still the service's until its
 * targets are gone (page "Amazon ECS task lifecycle": DEACTIVATING is where the target group
 * deregistration happens, before STOPPING), so ECS does not start the next batch on its room: every
 * task not yet STOPPED counts. This is why a long deregistration delay slows every rolling deployment.
 */
export function rollingStep(input: RollingInput): RollingDecision {
  const maxTasks = maxTaskCount(input.desired, input.maximumPercent);
  const minHealthy = minHealthyCount(input.desired, input.minimumHealthyPercent);
  const stop: string[] = [];

  // Scale-in (desiredCount lowered): surplus primary tasks go, not-yet-healthy ones first.
  const surplus = input.primary.length - input.desired;
  const primaryByHealth = [...input.primary].sort((a, b) => Number(a.healthy) - Number(b.healthy));
  for (let i = 0; i < surplus; i++) stop.push(primaryByHealth[i]!.arn);
  const primaryKept = primaryByHealth.slice(Math.max(0, surplus));

  let healthy = primaryKept.filter((t) => t.healthy).length + input.old.filter((t) => t.healthy).length;
  if (input.mayLaunch) {
    for (const task of input.old.filter((t) => !t.healthy)) stop.push(task.arn);
    for (const task of input.old.filter((t) => t.healthy)) {
      if (healthy - 1 < minHealthy) break;
      stop.push(task.arn);
      healthy -= 1;
    }
  }

  const launch = input.mayLaunch
    ? Math.max(0, Math.min(input.desired - primaryKept.length, maxTasks - input.liveCount))
    : 0;
  return { launch, stop };
}
