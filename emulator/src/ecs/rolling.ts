// The arithmetic of the ECS rolling update, kept pure so it can be tested as a table. Each rule
// names the ECS developer guide page it models.
import { isLive, isUp } from './task-lifecycle.js';

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

/**
 * Whether a task in `lastStatus` counts toward maximumPercent. The API reference
 * (DeploymentConfiguration, maximumPercent) says "an upper limit on the number of your service's
 * tasks that are allowed in the RUNNING or PENDING state"; no AWS document says whether a task
 * ECS is stopping (DEACTIVATING while its targets drain, then STOPPING, DEPROVISIONING) still
 * counts. Unconfirmed, so both readings are modelled (EmulatorOptions.drainingCountsTowardMaximum):
 *
 * - `drainingCounts` false (the default, the API reference's words): only tasks on their way up or
 *   RUNNING count (PROVISIONING, PENDING, ACTIVATING, RUNNING); ECS may start the next tasks as soon
 *   as old ones are told to stop.
 * - `drainingCounts` true: every task not yet STOPPED counts, so the next tasks wait for the drain
 *   (the group's deregistration delay) of the ones being replaced.
 */
export function countsTowardMaximum(lastStatus: string, drainingCounts: boolean): boolean {
  if (!isLive(lastStatus)) return false;
  return drainingCounts || isUp(lastStatus);
}

export interface RollingInput {
  desired: number;
  maximumPercent: number;
  minimumHealthyPercent: number;
  /** Tasks of the service that count toward maximumPercent (countsTowardMaximum). */
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
 * One step of the rolling update. Launch while the tasks counted toward maximumPercent
 * (`liveCount`, see countsTowardMaximum) plus the new one stay within it; stop old tasks only while
 * the healthy count stays at or above minimumHealthyPercent (unhealthy old tasks cost nothing to
 * stop, so they go first).
 *
 * Worked rows (desired 4, minimum 100%; ecs-rolling.test.ts repeats them):
 *
 * | maximum | tasks                                   | counted   | launch |
 * | 200%    | 4 old healthy                           | 4         | 4      |
 * | 150%    | 4 old healthy                           | 4         | 2      |
 * | 150%    | 2 new + 2 old healthy, 2 old draining   | 6 (draining counts) | 0 |
 * | 150%    | the same                                | 4 (it does not)     | 2 |
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

export interface FailingInput {
  desired: number;
  maximumPercent: number;
  minimumHealthyPercent: number;
  /** Tasks of the service that count toward maximumPercent (countsTowardMaximum). */
  liveCount: number;
  /** Tasks ECS has told to stop that are not STOPPED yet (draining, stopping). */
  stoppingCount: number;
  /** Healthy tasks that are not failing and that this step does not stop, every deployment. */
  healthy: number;
  /** Tasks ECS still wants running that are in RUNNING, failing ones included. */
  running: number;
  /** Tasks the PRIMARY deployment still lacks (desired minus its kept, not failing, tasks). */
  missing: number;
  /** PRIMARY tasks launched but not yet healthy: replacements in flight. */
  starting: number;
  mayLaunch: boolean;
  /** Tasks that failed ELB health checks (past the grace period), in the order to stop them. */
  failing: string[];
}

/**
 * Which tasks that failed ELB health checks to stop now. ECS replaces them start-first:
 *
 * - Page "Deploy Amazon ECS services by replacing tasks": "If tasks become unhealthy, the Amazon
 *   ECS service scheduler will start replacement tasks first and maintain minimumHealthyPercent
 *   tasks until the replacement tasks become healthy. As the replacement tasks launch and become
 *   healthy, the unhealthy tasks will gradually be stopped." (Also page "Amazon ECS services": once
 *   a replacement is HEALTHY, the unhealthy task it replaces is stopped.) So a failing task is
 *   stopped only when a healthy task stands in for it: healthy + failing left >= desiredCount. The
 *   replacements themselves are rollingStep's launches (a failing task is not counted as one the
 *   deployment keeps), within maximumPercent.
 * - The documented exception, API reference DeploymentConfiguration, minimumHealthyPercent: "If any
 *   tasks are unhealthy and if maximumPercent doesn't allow the Amazon ECS scheduler to start
 *   replacement tasks, the scheduler stops the unhealthy tasks one-by-one — using the
 *   minimumHealthyPercent as a constraint — to clear up capacity". Here: no room under
 *   maximumPercent, replacements still missing and none in flight, no task already on its way
 *   down (one by one), and the tasks left RUNNING stay at or above the floor. minimumHealthyPercent
 *   counts tasks "in the RUNNING state" (same page): failing tasks are RUNNING, so a service whose
 *   tasks all fail still frees room, and with minimumHealthyPercent 100 and maximumPercent 100 it
 *   cannot (nothing in the documentation lets it).
 */
export function failingToStop(input: FailingInput): string[] {
  const covered = Math.max(0, input.healthy + input.failing.length - input.desired);
  if (covered > 0) return input.failing.slice(0, covered);

  const noRoom = maxTaskCount(input.desired, input.maximumPercent) - input.liveCount <= 0;
  const oneByOne = input.stoppingCount === 0;
  const floor = minHealthyCount(input.desired, input.minimumHealthyPercent);
  if (
    input.failing.length > 0 &&
    input.mayLaunch &&
    input.missing > 0 &&
    input.starting === 0 &&
    noRoom &&
    oneByOne &&
    input.running - 1 >= floor
  )
    return input.failing.slice(0, 1);
  return [];
}
