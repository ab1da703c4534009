// The pure part of the pre-deploy task (a one-off RunTask before the service changes): which
// container runs the command, where its log is, and what one look at the task means. No I/O here;
// src/pre-deploy.ts runs it, platform/one-off-task.ts talks to ECS.
import { formatDuration } from './rollout/words.js';
import type { TaskView } from './rollout/snapshot.js';

/**
 * RunTask `startedBy` (API reference: up to 128 letters, numbers, hyphens, forward slashes and
 * underscores): names the action, so the task is found in the console and in ListTasks --started-by.
 */
export const PRE_DEPLOY_STARTED_BY = 'ecs-rolling-deploy/pre-deploy';

/** What the one-off task needs from the platform, in the engine's plain types. */
export interface OneOffTaskDriver {
  /**
   * RunTask of one task of `taskDefinitionArn` with the service's network configuration and launch
   * type (or capacity provider strategy, and platform version), `command` replacing `container`'s.
   * `clientToken` makes a retried call start no second task.
   */
  runTask(request: {
    taskDefinitionArn: string;
    container: string;
    command: readonly string[];
    startedBy: string;
    clientToken: string;
  }): Promise<{ task?: TaskView; failures: RunTaskFailure[] }>;
  /** undefined when ECS no longer knows the task. */
  describeTask(taskArn: string): Promise<TaskView | undefined>;
  stopTask(taskArn: string, reason: string): Promise<void>;
}

export interface RunTaskFailure {
  arn?: string;
  reason?: string;
  detail?: string;
}

interface ContainerDefinitionLike {
  name?: unknown;
  essential?: unknown;
  logConfiguration?: { logDriver?: unknown; options?: Record<string, unknown> };
}

function containersOf(body: Record<string, unknown>): ContainerDefinitionLike[] {
  const list = body['containerDefinitions'];
  return Array.isArray(list) ? (list as ContainerDefinitionLike[]) : [];
}

/**
 * The container that runs the command: the one named, which must exist, else the first essential
 * container (ECS's default for `essential` is true). Throws an input error naming the fix.
 */
export function preDeployContainer(body: Record<string, unknown>, named: string | undefined): string {
  const names = containersOf(body)
    .map((c) => c.name)
    .filter((n): n is string => typeof n === 'string');
  if (named !== undefined) {
    if (names.includes(named)) return named;
    throw new Error(
      `pre-deploy-container: the new task definition has no container "${named}"; write one of ${names.map((n) => `"${n}"`).join(', ')}`,
    );
  }
  const essential = containersOf(body).find((c) => c.essential !== false && typeof c.name === 'string');
  if (!essential)
    throw new Error(
      'pre-deploy-container: the new task definition has no essential container to run pre-deploy-command; name one with pre-deploy-container',
    );
  return essential.name as string;
}

export interface LogLink {
  group: string;
  /** undefined: no awslogs-stream-prefix, so the stream is named after the Docker container id. */
  stream?: string;
  url: string;
}

/**
 * The CloudWatch Logs link of `container` in task `taskId`, when the container uses the awslogs
 * driver. Page "Amazon ECS container logs for EC2 and Fargate launch types" (and the awslogs
 * driver's awslogs-stream-prefix option): the stream is `<prefix>/<container name>/<task id>`.
 * Without a prefix the stream is named by Docker's container id, so the link opens the group.
 * The console's fragment encodes each name twice over (`/` is `$252F`): URI-encoded, then `%` as `$25`.
 */
export function awslogsLink(
  body: Record<string, unknown>,
  container: string,
  taskId: string,
  fallbackRegion: string,
): LogLink | undefined {
  const definition = containersOf(body).find((c) => c.name === container);
  const logging = definition?.logConfiguration;
  if (!logging || logging.logDriver !== 'awslogs') return undefined;
  const options = logging.options ?? {};
  const group = options['awslogs-group'];
  if (typeof group !== 'string' || group === '') return undefined;
  const regionOption = options['awslogs-region'];
  const region = typeof regionOption === 'string' && regionOption !== '' ? regionOption : fallbackRegion;
  const prefix = options['awslogs-stream-prefix'];
  const stream = typeof prefix === 'string' && prefix !== '' ? `${prefix}/${container}/${taskId}` : undefined;
  const fragment = (text: string): string => encodeURIComponent(text).replace(/%/g, '$25');
  const page =
    `${consoleHost(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${fragment(group)}` +
    (stream !== undefined ? `/log-events/${fragment(stream)}` : '');
  return { group, ...(stream !== undefined ? { stream } : {}), url: page };
}

function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return 'https://console.amazonaws-us-gov.com';
  return `https://${region}.console.aws.amazon.com`;
}

export type PreDeployLook =
  | { kind: 'wait'; words: string }
  | { kind: 'succeeded'; exitCode: 0; stoppedReason?: string }
  | { kind: 'failed'; exitCode?: number; stoppedReason?: string; message: string }
  | { kind: 'timeout'; message: string };

/**
 * One look at the one-off task. STOPPED with the container's exit code 0 is success; any other
 * code, or a stop with no exit code (the container never ran: CannotPullContainerError,
 * TaskFailedToStart, ...), fails; still running at `startedAt + timeoutMs`, it is timed out.
 */
export function lookAtPreDeploy(
  task: TaskView | undefined,
  container: string,
  elapsedMs: number,
  timeoutMs: number,
): PreDeployLook {
  if (task && task.lastStatus === 'STOPPED') {
    const exitCode = task.containers.find((c) => c.name === container)?.exitCode;
    const why = task.stoppedReason;
    const reason = why ? ` (${why})` : '';
    if (exitCode === 0) return { kind: 'succeeded', exitCode: 0, ...(why ? { stoppedReason: why } : {}) };
    if (exitCode === undefined) {
      const containerReason = task.containers.find((c) => c.name === container)?.reason;
      return {
        kind: 'failed',
        ...(why ? { stoppedReason: why } : {}),
        message: `The pre-deploy task ${task.id} stopped before container "${container}" ran${reason}${containerReason ? `: ${containerReason}` : ''}.`,
      };
    }
    return {
      kind: 'failed',
      exitCode,
      ...(why ? { stoppedReason: why } : {}),
      message: `The pre-deploy task ${task.id} failed: container "${container}" exited with code ${exitCode}${reason}.`,
    };
  }
  if (elapsedMs >= timeoutMs) {
    const which = task ? `pre-deploy task ${task.id}` : 'pre-deploy task';
    return {
      kind: 'timeout',
      message: `The ${which} did not finish within pre-deploy-timeout (${formatDuration(timeoutMs)}): it was ${task?.lastStatus ?? 'not listed by ECS'}, and was stopped.`,
    };
  }
  if (!task) return { kind: 'wait', words: 'the pre-deploy task to be listed by ECS' };
  return {
    kind: 'wait',
    words: `the pre-deploy task ${task.id} to finish (${task.lastStatus}${task.desiredStatus === 'STOPPED' && task.lastStatus !== 'STOPPED' ? ', stopping' : ''})`,
  };
}
