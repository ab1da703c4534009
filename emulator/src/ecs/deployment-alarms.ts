// ECS deployment alarms: the CloudWatch alarms named in a service's deploymentConfiguration.alarms
// that ECS watches during a rolling deployment and for a bake time after it. Pages "How CloudWatch
// alarms detect Amazon ECS deployment failures" and "Amazon ECS deployment failure detection"; API
// reference DeploymentAlarms, ServiceDeploymentAlarms.
//
// - ECS sets the deployment FAILED "when it detects that a specified CloudWatch alarm has gone into
//   the ALARM state"; with rollback it goes back to the last COMPLETED deployment (the circuit
//   breaker's path, deployments.ts reviveLastCompleted). A FAILED deployment launches no new task.
// - An alarm already in ALARM when the deployment starts does not fail it (aws/copilot-cli#4512,
//   "ABR deployment setting is ignored if associated alarms are already in alarm state"): what
//   counts is a transition into ALARM after the deployment began.
// - The bake time: "a period of time after a new service version has scaled out and the old service
//   version has scaled in, during which Amazon ECS continues to monitor the alarm"; ECS "computes
//   this time period based on the alarm configuration" and does not say how. The emulator's reading:
//   one full evaluation window of the named alarm that takes longest to see it, made of periods that
//   are complete after the deployment settled, and then CloudWatch's evaluation of the last one:
//   (EvaluationPeriods + 1) x Period (periods are aligned, so the first whole one can start up to a
//   Period late) + EVALUATION_SECONDS (CloudWatch evaluates on its own cadence, after a period
//   closes). So an alarm can fire on datapoints the new version alone produced, and a breach in the
//   window's last period is seen before the bake ends rather than raced by it. The deployment stays
//   IN_PROGRESS until then (the page: "the deployment status remains IN_PROGRESS for a prolonged
//   amount of time").
// - Named alarms that do not exist are never in ALARM and add no bake time.
import { EVALUATION_SECONDS } from '../cloudwatch/alarms.js';
import type { DeploymentConfiguration } from './deployment-configuration.js';

/** What ECS reads of one alarm (DescribeAlarms). Times are the emulator clock's ms. */
export interface AlarmReading {
  state: string;
  stateTransitionedAt: number;
  /** AWS seconds. */
  period: number;
  evaluationPeriods: number;
}

export type AlarmLookup = (name: string) => AlarmReading | undefined;

type AlarmsConfig = NonNullable<DeploymentConfiguration['alarms']>;

/** The service's deployment alarms when ECS uses them (enable true), else undefined. */
export function watchedAlarms(config: DeploymentConfiguration): AlarmsConfig | undefined {
  const alarms = config.alarms;
  return alarms?.enable && alarms.alarmNames.length > 0 ? alarms : undefined;
}

/** The named alarms that went into ALARM since `since` (the deployment's start), in config order. */
export function triggeredAlarms(alarms: AlarmsConfig, lookup: AlarmLookup, since: number): string[] {
  return alarms.alarmNames.filter((name) => {
    const alarm = lookup(name);
    return alarm !== undefined && alarm.state === 'ALARM' && alarm.stateTransitionedAt >= since;
  });
}

/**
 * Bake time in AWS seconds: for the named alarm (that exists) slowest to see a breach, one window of
 * whole periods after the deployment settled, then one evaluation of it (the module's header).
 */
export function bakeSeconds(alarms: AlarmsConfig, lookup: AlarmLookup): number {
  let longest = 0;
  for (const name of alarms.alarmNames) {
    const alarm = lookup(name);
    if (alarm) longest = Math.max(longest, alarm.period * (alarm.evaluationPeriods + 1));
  }
  return longest === 0 ? 0 : longest + EVALUATION_SECONDS;
}
