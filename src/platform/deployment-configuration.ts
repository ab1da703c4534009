// The service's own deploymentConfiguration, kept whole. The action changes only the two percents
// (it paces a rollout with them); everything else the service has (alarms, bake time, lifecycle
// hooks, strategy, circuit breaker and its threshold, linear/canary configuration, early success
// criteria and whatever AWS adds next) goes back in every UpdateService exactly as it was read.
//
// What ECS does with a member left out of UpdateService's deploymentConfiguration is not stated in
// the API reference (UpdateService, DeploymentConfiguration pages). Users report that an omitted
// member keeps its current value: aws/aws-cdk#27131 (leaving DeploymentCircuitBreaker out "does not
// turn off the circuit breaker"; only `enable: false` does), aws/copilot-cli#4565 (alarms: "UpdateService
// won't pick up any changes if they are not explicitly specified"), aws/aws-cdk#25346 ("the ECS
// UpdateService API is stateful"). A member that IS sent replaces that member whole: alarms and the
// breaker have required fields (DeploymentAlarms: alarmNames, enable, rollback; DeploymentCircuitBreaker:
// enable, rollback), so a breaker sent as {enable, rollback} alone would lose resetOnHealthyTask and
// thresholdConfiguration. Sending the whole configuration read from DescribeServices is right under
// either reading, and never depends on which one ECS follows.
import type { DeploymentConfiguration } from '@aws-sdk/client-ecs';
import type { DeploymentSettings } from '../rollout/types.js';

/**
 * The configuration to send: `current` (as DescribeServices last answered it) with the two percents
 * set from `settings`. The breaker is the service's own object; `settings.circuitBreaker`, when
 * given, sets only its enable/rollback (the engine carries them as the service had them, or as an
 * earlier run recorded them on the service).
 */
export function mergeDeploymentConfiguration(
  current: DeploymentConfiguration | undefined,
  settings: DeploymentSettings,
): DeploymentConfiguration {
  const merged: DeploymentConfiguration = structuredClone(current ?? {});
  merged.maximumPercent = settings.maximumPercent;
  merged.minimumHealthyPercent = settings.minimumHealthyPercent;
  if (settings.circuitBreaker) {
    merged.deploymentCircuitBreaker = {
      ...merged.deploymentCircuitBreaker,
      enable: settings.circuitBreaker.enable,
      rollback: settings.circuitBreaker.rollback,
    };
  }
  return merged;
}
