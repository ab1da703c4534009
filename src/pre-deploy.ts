// The pre-deploy task: after the new task definition is registered and before the service is
// changed, one task of the new definition runs `pre-deploy-command` (a migration) with the
// service's network configuration, and must exit 0. Its calls and its wait are the step's (a phase
// of the session's Calls), bounded by pre-deploy-timeout; a timeout or a cancellation stops the task.
import { randomUUID } from 'node:crypto';
import {
  awslogsLink,
  lookAtPreDeploy,
  PRE_DEPLOY_STARTED_BY,
  type OneOffTaskDriver,
} from './pre-deploy-plan.js';
import type { Calls } from './rollout/calls.js';
import { errorMessage, formatDuration } from './rollout/words.js';
import type { TaskView } from './rollout/snapshot.js';

export interface PreDeployReport {
  outcome: 'succeeded' | 'failed' | 'cancelled';
  container: string;
  command: readonly string[];
  taskArn?: string;
  exitCode?: number;
  stoppedReason?: string;
  logUrl?: string;
  /** One sentence: what happened. */
  message: string;
  durationMs: number;
}

export interface PreDeployOptions {
  tasks: OneOffTaskDriver;
  /** The step's calls (their bound and retries) and waits. */
  calls: Calls;
  log: { line(text: string): void; warning(text: string): void };
  taskDefinitionArn: string;
  /** The registered definition's body (for the awslogs options of the container). */
  body: Record<string, unknown>;
  container: string;
  command: readonly string[];
  timeoutMs: number;
  /** Region for a log link whose awslogs-region is not given. */
  region: string;
  signal?: AbortSignal;
  /** Told the task's ARN as soon as RunTask started it (saved for the post step). */
  onStarted?: (taskArn: string) => void;
}

/** How long a StopTask after a timeout or a cancel may keep being retried. */
const STOP_BOUND_MS = 30_000;

export async function runPreDeploy(opts: PreDeployOptions): Promise<PreDeployReport> {
  const { tasks, calls, log, container, command } = opts;
  const { clock } = calls;
  const startedAt = clock.now();
  const report = (
    outcome: PreDeployReport['outcome'],
    message: string,
    extra: Partial<PreDeployReport> = {},
  ): PreDeployReport => ({
    outcome,
    container,
    command,
    message,
    durationMs: clock.now() - startedAt,
    ...extra,
  });

  log.line(
    `pre-deploy: running ${JSON.stringify(command)} in container ${container} (RunTask, bounded by ${formatDuration(opts.timeoutMs)})`,
  );
  let started: Awaited<ReturnType<OneOffTaskDriver['runTask']>>;
  try {
    // One token for every attempt: a RunTask that reached ECS but whose answer was lost is not
    // started twice (RunTask API reference, clientToken).
    const clientToken = randomUUID();
    started = await calls.call('RunTask (pre-deploy)', () =>
      tasks.runTask({
        taskDefinitionArn: opts.taskDefinitionArn,
        container,
        command,
        startedBy: PRE_DEPLOY_STARTED_BY,
        clientToken,
      }),
    );
  } catch (error) {
    return report('failed', `The pre-deploy task could not be started: ${errorMessage(error)}`);
  }
  const task = started.task;
  if (!task) {
    const failures = started.failures
      .map((f) => [f.reason, f.detail, f.arn].filter(Boolean).join(' '))
      .join('; ');
    return report('failed', `RunTask started no pre-deploy task: ${failures || 'ECS gave no reason'}.`);
  }
  opts.onStarted?.(task.arn);
  const link = awslogsLink(opts.body, container, task.id, opts.region);
  const base: Partial<PreDeployReport> = { taskArn: task.arn, ...(link ? { logUrl: link.url } : {}) };
  log.line(`pre-deploy: started task ${task.id}${link ? `; its log: ${link.url}` : ''}`);

  const stop = async (reason: string): Promise<void> => {
    try {
      await calls.call('StopTask (pre-deploy)', () => tasks.stopTask(task.arn, reason), {
        boundMs: STOP_BOUND_MS,
      });
    } catch (error) {
      log.warning(`Could not stop the pre-deploy task ${task.id}: ${errorMessage(error)}. Stop it by hand.`);
    }
  };

  type Seen = { at: number; task: TaskView | undefined };
  const end = await calls.phase<Seen, PreDeployReport | { stopWith: string; report: PreDeployReport }>({
    says: (words) => log.line(`pre-deploy: waiting for ${words}`),
    ...(opts.signal ? { signal: opts.signal } : {}),
    // Reads may fail (throttled, 5xx) for a while, within the timeout and a minute more.
    deadline: () => startedAt + opts.timeoutMs + 60_000,
    observe: async () => ({ at: clock.now(), task: await tasks.describeTask(task.arn) }),
    step: (seen) => {
      const look = lookAtPreDeploy(seen.task, container, seen.at - startedAt, opts.timeoutMs);
      switch (look.kind) {
        case 'wait':
          return { wait: look.words };
        case 'succeeded':
          return {
            done: report('succeeded', `The pre-deploy task ${task.id} exited 0.`, {
              ...base,
              exitCode: 0,
              ...(look.stoppedReason ? { stoppedReason: look.stoppedReason } : {}),
            }),
          };
        case 'failed':
          return {
            done: report('failed', look.message, {
              ...base,
              ...(look.exitCode !== undefined ? { exitCode: look.exitCode } : {}),
              ...(look.stoppedReason ? { stoppedReason: look.stoppedReason } : {}),
            }),
          };
        case 'timeout':
          return {
            done: {
              stopWith: `pre-deploy-timeout (${formatDuration(opts.timeoutMs)}) passed`,
              report: report('failed', look.message, base),
            },
          };
      }
    },
  });
  // What is retried next (the rollout's first change) is not the pre-deploy's to say.
  calls.heartbeat.setSink((words) => log.line(words));
  const outcome =
    'done' in end
      ? end.done
      : 'cancelled' in end
        ? {
            stopWith: 'the workflow run was cancelled',
            report: report(
              'cancelled',
              `Cancelled while the pre-deploy task ${task.id} ran; it was stopped.`,
              base,
            ),
          }
        : {
            stopWith: 'the action could not follow it',
            report: report(
              'failed',
              `Could not follow the pre-deploy task ${task.id}: ${errorMessage(end.unreadable)}; it was stopped.`,
              base,
            ),
          };
  if ('stopWith' in outcome) {
    await stop(`Stopped by ecs-rolling-deploy: ${outcome.stopWith}`);
    return { ...outcome.report, durationMs: clock.now() - startedAt };
  }
  const code = outcome.exitCode !== undefined ? `exit code ${outcome.exitCode}` : 'no exit code';
  log.line(
    `pre-deploy: task ${task.id} stopped, ${code}${outcome.stoppedReason ? `, stoppedReason "${outcome.stoppedReason}"` : ''}${outcome.logUrl ? `; log: ${outcome.logUrl}` : ''}`,
  );
  return outcome;
}
