// The post step's part of the pre-deploy task: when main stopped (killed, or ended by the runner)
// while its one-off task ran, that task is stopped here, so a cancelled job leaves nothing running.
// A task already stopped is left alone. Bounded; a failure is a warning.
import type { OneOffTaskDriver } from './pre-deploy-plan.js';
import type { Calls } from './rollout/calls.js';
import { errorMessage } from './rollout/words.js';

const BOUND_MS = 20_000;

/** What was done, in one sentence for the log and the summary. */
export async function stopLeftPreDeployTask(
  taskArn: string,
  tasks: OneOffTaskDriver,
  calls: Calls,
): Promise<string> {
  const id = taskArn.slice(taskArn.lastIndexOf('/') + 1);
  const bound = { boundMs: BOUND_MS };
  try {
    const task = await calls.call('DescribeTasks (pre-deploy)', () => tasks.describeTask(taskArn), bound);
    if (!task || task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED')
      return `The pre-deploy task ${id} had already stopped.`;
    await calls.call(
      'StopTask (pre-deploy)',
      () => tasks.stopTask(taskArn, 'Stopped by ecs-rolling-deploy: the run ended while it ran'),
      bound,
    );
    return `Stopped the pre-deploy task ${id}, which was still running.`;
  } catch (error) {
    return `Could not stop the pre-deploy task ${id}: ${errorMessage(error)}. Stop it by hand.`;
  }
}
