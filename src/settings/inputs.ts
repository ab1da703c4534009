// The action's inputs and outputs by name, and the defaults action.yml gives its inputs.

export type Mode = 'deploy' | 'rollback' | 'plan';

/** The action's inputs by name, as action.yml declares them. */
export const INPUT = {
  cluster: 'cluster',
  service: 'service',
  taskDefinition: 'task-definition',
  containerName: 'container-name',
  image: 'image',
  images: 'images',
  batchSize: 'batch-size',
  maxUnavailable: 'max-unavailable',
  batchTimeout: 'batch-timeout',
  rolloutTimeout: 'rollout-timeout',
  healthCheckUrl: 'health-check-url',
  healthCheckStatus: 'health-check-status',
  healthCheckThreshold: 'health-check-threshold',
  bakeTime: 'bake-time',
  drainOverlap: 'drain-overlap',
  rollbackOnFailure: 'rollback-on-failure',
  waitForIdle: 'wait-for-idle',
  mode: 'mode',
  rollbackTo: 'rollback-to',
  onCancel: 'on-cancel',
  githubToken: 'github-token',
  report: 'report',
  checkName: 'check-name',
  environment: 'environment',
  environmentUrl: 'environment-url',
  onPartialFailure: 'on-partial-failure',
  preDeployCommand: 'pre-deploy-command',
  preDeployContainer: 'pre-deploy-container',
  preDeployTimeout: 'pre-deploy-timeout',
  keepRevisions: 'keep-revisions',
  alarms: 'alarms',
  useServiceAlarms: 'use-service-alarms',
  ignoreAlarmsAtStart: 'ignore-alarms-at-start',
} as const;

export type InputName = (typeof INPUT)[keyof typeof INPUT];

/** The action's outputs by name, as action.yml declares them. */
export const OUTPUT = {
  taskDefinitionArn: 'task-definition-arn',
  previousTaskDefinitionArn: 'previous-task-definition-arn',
  outcome: 'outcome',
  batches: 'batches',
  durationSeconds: 'duration-seconds',
  failureReason: 'failure-reason',
  services: 'services',
} as const;

/**
 * The defaults action.yml declares (a test keeps the two in step). A runner sets every input that
 * has a default, whether the step names it or not, so a value equal to its default is never taken
 * as the user's choice. They are applied here too for a run outside a runner, where an input that
 * is not set reads as ''. github-token's runner default is `${{ github.token }}`, which has no
 * local equivalent.
 */
export const DEFAULTS: Readonly<Partial<Record<InputName, string>>> = {
  cluster: 'default',
  'batch-size': '10%, 100%',
  'max-unavailable': '0',
  'batch-timeout': '10m',
  'rollout-timeout': '60m',
  'health-check-status': '200-399',
  'health-check-threshold': '3',
  'bake-time': '0s',
  'drain-overlap': 'true',
  'rollback-on-failure': 'true',
  'wait-for-idle': 'false',
  mode: 'deploy',
  'rollback-to': 'previous',
  'on-cancel': 'rollback',
  report: 'check',
  'on-partial-failure': 'rollback-all',
  'pre-deploy-timeout': '10m',
  'keep-revisions': '0',
  'use-service-alarms': 'true',
  'ignore-alarms-at-start': 'false',
};
