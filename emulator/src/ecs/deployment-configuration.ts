// A service's deploymentConfiguration: every member ECS's model has (botocore ecs 2014-11-13
// DeploymentConfiguration: maximumPercent, minimumHealthyPercent, deploymentCircuitBreaker, alarms,
// strategy, bakeTimeInMinutes, lifecycleHooks, linearConfiguration, canaryConfiguration), checked
// as ECS checks them, stored, and answered back whole.
//
// Pages: API reference DeploymentConfiguration, DeploymentAlarms, DeploymentCircuitBreaker,
// DeploymentLifecycleHook, LinearConfiguration, CanaryConfiguration; "Deploy Amazon ECS services by
// replacing tasks" (REPLICA defaults maximumPercent 200, minimumHealthyPercent 100).
//
// What is modelled of them: the percents and the circuit breaker drive the scheduler (rolling.ts,
// scheduler.ts). The rest is stored only: no CloudWatch alarm is evaluated here, no lifecycle hook
// is invoked, and a BLUE_GREEN / LINEAR / CANARY service still deploys as a rolling update (the
// traffic shift between two target groups is not modelled).
import { AwsError } from '../contracts.js';
import { invalid, optBool, optInt, optObject, optObjectList, optString, optStringList } from './input.js';
import type { Input } from './input.js';

export const DEPLOYMENT_STRATEGIES = ['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'] as const;
const HOOK_TARGET_TYPES = ['AWS_LAMBDA', 'PAUSE'];
const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
];
const HOOK_TIMEOUT_ACTIONS = ['ROLLBACK', 'CONTINUE'];
/** bakeTimeInMinutes, stepBakeTimeInMinutes, canaryBakeTimeInMinutes: 0 to 1440 minutes (24 hours). */
const MAX_BAKE_MINUTES = 1440;
/** DeploymentLifecycleHookTimeoutConfiguration timeoutInMinutes: the model's range, 1 to 20160. */
const MAX_HOOK_TIMEOUT_MINUTES = 20160;

export interface DeploymentAlarmsConfig {
  alarmNames: string[];
  enable: boolean;
  rollback: boolean;
}

export interface LifecycleHookConfig {
  targetType?: string;
  hookTargetArn?: string;
  roleArn?: string;
  lifecycleStages: string[];
  hookDetails?: unknown;
  timeoutConfiguration?: { timeoutInMinutes?: number; action?: string };
}

export interface DeploymentConfiguration {
  maximumPercent: number;
  minimumHealthyPercent: number;
  deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
  strategy: (typeof DEPLOYMENT_STRATEGIES)[number];
  bakeTimeInMinutes: number;
  alarms?: DeploymentAlarmsConfig;
  lifecycleHooks?: LifecycleHookConfig[];
  linearConfiguration?: { stepPercent: number; stepBakeTimeInMinutes: number };
  canaryConfiguration?: { canaryPercent: number; canaryBakeTimeInMinutes: number };
}

/**
 * A service created without a deploymentConfiguration: REPLICA defaults, the circuit breaker off,
 * the ROLLING strategy (the model's documented default) and a bake time of 0, which DescribeServices
 * shows on such a service.
 */
function defaults(): DeploymentConfiguration {
  return {
    maximumPercent: 200,
    minimumHealthyPercent: 100,
    deploymentCircuitBreaker: { enable: false, rollback: false },
    strategy: 'ROLLING',
    bakeTimeInMinutes: 0,
  };
}

/**
 * The configuration after CreateService (`current` undefined) or UpdateService. A member left out of
 * an UpdateService keeps its current value (ECS's UpdateService is stateful: aws/aws-cdk#27131, a
 * circuit breaker left out stays on; aws/copilot-cli#4565, alarms left out are not changed); a member
 * sent replaces that member whole, its own required fields included. Everything is checked before
 * anything is returned, so a refused request changes nothing.
 */
export function deploymentConfigurationOf(
  given: Input | undefined,
  current: DeploymentConfiguration | undefined,
): DeploymentConfiguration {
  const next = structuredClone(current ?? defaults());
  if (!given) return next;

  next.maximumPercent = optInt(given, 'maximumPercent') ?? next.maximumPercent;
  next.minimumHealthyPercent = optInt(given, 'minimumHealthyPercent') ?? next.minimumHealthyPercent;
  if (next.minimumHealthyPercent < 0 || next.minimumHealthyPercent > 100)
    throw invalid('minimumHealthyPercent must be between 0 and 100.');
  if (next.maximumPercent < 100)
    throw invalid(
      'maximumPercent must be greater than or equal to 100 for services using the REPLICA scheduling strategy.',
    );

  const breaker = optObject(given, 'deploymentCircuitBreaker');
  if (breaker) {
    const enable = optBool(breaker, 'enable');
    const rollback = optBool(breaker, 'rollback');
    if (enable === undefined || rollback === undefined)
      throw invalid('deploymentCircuitBreaker requires both enable and rollback.');
    next.deploymentCircuitBreaker = { enable, rollback };
  }

  const alarms = optObject(given, 'alarms');
  if (alarms) {
    // DeploymentAlarms: alarmNames, enable and rollback are all required.
    const alarmNames = optStringList(alarms, 'alarmNames');
    const enable = optBool(alarms, 'enable');
    const rollback = optBool(alarms, 'rollback');
    if (alarmNames === undefined || enable === undefined || rollback === undefined)
      throw invalid('alarms requires alarmNames, enable and rollback.');
    next.alarms = { alarmNames: [...alarmNames], enable, rollback };
  }

  const strategy = optString(given, 'strategy');
  if (strategy !== undefined) {
    if (!(DEPLOYMENT_STRATEGIES as readonly string[]).includes(strategy))
      throw invalid(`strategy should be one of [${DEPLOYMENT_STRATEGIES.join(', ')}].`);
    next.strategy = strategy as DeploymentConfiguration['strategy'];
  }

  const bake = optInt(given, 'bakeTimeInMinutes');
  if (bake !== undefined) next.bakeTimeInMinutes = minutes(bake, 'bakeTimeInMinutes');

  const hooks = optObjectList(given, 'lifecycleHooks');
  if (hooks) next.lifecycleHooks = hooks.map(lifecycleHookOf);

  // LinearConfiguration / CanaryConfiguration: "Only valid when the deployment strategy is LINEAR"
  // (CANARY); each member has a documented range and default.
  const linear = optObject(given, 'linearConfiguration');
  if (linear) {
    if (next.strategy !== 'LINEAR')
      throw invalid('linearConfiguration is only valid when the deployment strategy is LINEAR.');
    const stepPercent = optNumber(linear, 'stepPercent') ?? 10;
    if (stepPercent < 3 || stepPercent > 100 || !tenths(stepPercent))
      throw invalid('stepPercent must be a multiple of 0.1 between 3.0 and 100.0.');
    next.linearConfiguration = {
      stepPercent,
      stepBakeTimeInMinutes: minutes(optInt(linear, 'stepBakeTimeInMinutes') ?? 6, 'stepBakeTimeInMinutes'),
    };
  }
  const canary = optObject(given, 'canaryConfiguration');
  if (canary) {
    if (next.strategy !== 'CANARY')
      throw invalid('canaryConfiguration is only valid when the deployment strategy is CANARY.');
    const canaryPercent = optNumber(canary, 'canaryPercent') ?? 5;
    if (canaryPercent < 0.1 || canaryPercent > 100 || !tenths(canaryPercent))
      throw invalid('canaryPercent must be a multiple of 0.1 between 0.1 and 100.0.');
    next.canaryConfiguration = {
      canaryPercent,
      canaryBakeTimeInMinutes: minutes(
        optInt(canary, 'canaryBakeTimeInMinutes') ?? 10,
        'canaryBakeTimeInMinutes',
      ),
    };
  }
  return next;
}

/** The DeploymentConfiguration shape DescribeServices (and a ServiceDeployment) answers: every member stored. */
export function deploymentConfigurationShape(config: DeploymentConfiguration): Record<string, unknown> {
  return {
    deploymentCircuitBreaker: { ...config.deploymentCircuitBreaker },
    maximumPercent: config.maximumPercent,
    minimumHealthyPercent: config.minimumHealthyPercent,
    alarms: config.alarms && structuredClone(config.alarms),
    strategy: config.strategy,
    bakeTimeInMinutes: config.bakeTimeInMinutes,
    lifecycleHooks: config.lifecycleHooks && structuredClone(config.lifecycleHooks),
    linearConfiguration: config.linearConfiguration && { ...config.linearConfiguration },
    canaryConfiguration: config.canaryConfiguration && { ...config.canaryConfiguration },
  };
}

/**
 * A ServiceDeployment's `alarms` (API reference ServiceDeploymentAlarms): DISABLED unless the
 * service's alarms are enabled; then MONITORING while the deployment runs and MONITORING_COMPLETE
 * after. No alarm is evaluated here, so none is ever TRIGGERED.
 */
export function deploymentAlarmsView(
  config: DeploymentConfiguration | undefined,
  finished: boolean,
  triggered: readonly string[] = [],
): Record<string, unknown> {
  const alarms = config?.alarms;
  if (!alarms?.enable) return { status: 'DISABLED' };
  // API reference ServiceDeploymentAlarms: TRIGGERED once an alarm failed the deployment
  // (scheduler.ts, deployment-alarms.ts), with the alarms that did in triggeredAlarmNames.
  return {
    status: triggered.length > 0 ? 'TRIGGERED' : finished ? 'MONITORING_COMPLETE' : 'MONITORING',
    alarmNames: [...alarms.alarmNames],
    triggeredAlarmNames: [...triggered],
  };
}

function lifecycleHookOf(hook: Input): LifecycleHookConfig {
  const targetType = optString(hook, 'targetType');
  if (targetType !== undefined && !HOOK_TARGET_TYPES.includes(targetType))
    throw invalid(`targetType should be one of [${HOOK_TARGET_TYPES.join(', ')}].`);
  const hookTargetArn = optString(hook, 'hookTargetArn');
  // DeploymentLifecycleHook: "You must provide this parameter when configuring an AWS_LAMBDA
  // lifecycle hook" (AWS_LAMBDA is the default targetType).
  if ((targetType ?? 'AWS_LAMBDA') === 'AWS_LAMBDA' && !hookTargetArn)
    throw invalid('hookTargetArn is required for a lifecycle hook of target type AWS_LAMBDA.');
  const lifecycleStages = optStringList(hook, 'lifecycleStages') ?? [];
  if (lifecycleStages.length === 0) throw invalid('lifecycleStages can not be empty.');
  for (const stage of lifecycleStages) {
    if (!HOOK_STAGES.includes(stage))
      throw invalid(`lifecycleStages should be one of [${HOOK_STAGES.join(', ')}].`);
  }
  const out: LifecycleHookConfig = { lifecycleStages: [...lifecycleStages] };
  if (targetType !== undefined) out.targetType = targetType;
  if (hookTargetArn !== undefined) out.hookTargetArn = hookTargetArn;
  const roleArn = optString(hook, 'roleArn');
  if (roleArn !== undefined) out.roleArn = roleArn;
  if (hook['hookDetails'] !== undefined && hook['hookDetails'] !== null)
    out.hookDetails = structuredClone(hook['hookDetails']);
  const timeout = optObject(hook, 'timeoutConfiguration');
  if (timeout) {
    const timeoutInMinutes = optInt(timeout, 'timeoutInMinutes');
    if (
      timeoutInMinutes !== undefined &&
      (timeoutInMinutes < 1 || timeoutInMinutes > MAX_HOOK_TIMEOUT_MINUTES)
    )
      throw invalid(`timeoutInMinutes must be between 1 and ${MAX_HOOK_TIMEOUT_MINUTES}.`);
    const action = optString(timeout, 'action');
    if (action !== undefined && !HOOK_TIMEOUT_ACTIONS.includes(action))
      throw invalid(`action should be one of [${HOOK_TIMEOUT_ACTIONS.join(', ')}].`);
    out.timeoutConfiguration = {
      ...(timeoutInMinutes !== undefined ? { timeoutInMinutes } : {}),
      ...(action !== undefined ? { action } : {}),
    };
  }
  return out;
}

function minutes(value: number, name: string): number {
  if (value < 0 || value > MAX_BAKE_MINUTES)
    throw invalid(`${name} must be between 0 and ${MAX_BAKE_MINUTES}.`);
  return value;
}

/** A Double member (stepPercent, canaryPercent). */
function optNumber(input: Input, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new AwsError('SerializationException', `NUMBER_VALUE can not be converted to a Double (${key})`);
  return value;
}

function tenths(value: number): boolean {
  return Math.abs(value * 10 - Math.round(value * 10)) < 1e-9;
}
