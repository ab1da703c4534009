// The one list of a task's states, in the order the ECS developer guide page "Amazon ECS task
// lifecycle" gives them: PROVISIONING (awsvpc: the ENI is provisioned), PENDING (waiting on the
// agent), ACTIVATING (target group registration), RUNNING, DEACTIVATING (deregistration and
// draining), STOPPING, DEPROVISIONING (the ENI is detached), STOPPED. Every set of states the
// emulator asks about is a run of this list, so a state added or moved changes all of them at once.

export const TASK_LIFECYCLE = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
] as const;

export type TaskStatus = (typeof TASK_LIFECYCLE)[number];

const position = (status: string): number => TASK_LIFECYCLE.indexOf(status as TaskStatus);
const RUNNING = position('RUNNING');

/**
 * On the way up, not yet RUNNING (PROVISIONING, PENDING, ACTIVATING): DescribeServices'
 * pendingCount and a revision's pendingTaskCount count these; a task's networkBindings are not yet
 * visible (API reference NetworkBinding: visible "After a task reaches the RUNNING status").
 */
export const isStarting = (status: string): boolean => {
  const at = position(status);
  return at >= 0 && at < RUNNING;
};

/** Starting or RUNNING: the tasks the API reference's maximumPercent counts ("RUNNING or PENDING"). */
export const isUp = (status: string): boolean => {
  const at = position(status);
  return at >= 0 && at <= RUNNING;
};

/** Not yet STOPPED: the task still holds its place (and, on EC2, its container instance's resources). */
export const isLive = (status: string): boolean => status !== 'STOPPED';

/** 1 for PROVISIONING up to 8 for STOPPED: how far along the lifecycle the task is. */
export const lifecycleStep = (status: TaskStatus): number => position(status) + 1;
