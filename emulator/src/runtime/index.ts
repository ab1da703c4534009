// The task runtimes: 'process' runs each container as a real child process; 'in-process' runs the
// same app as servers inside the emulator's process, for fleets of hundreds of tasks. Both bind
// each app to its task's own loopback address at the container port, so health checks and the
// load balancer's listener reach them the same way.
import type { Clock, ContainerSpec, Log, TaskHandle, TaskRuntime, TaskSpec } from '../contracts.js';
import { launchOf, type ContainerRun } from './container-run.js';
import { runContainerInProcess } from './in-process-container.js';
import { spawnContainer } from './process-container.js';
import { createTaskHandle, type RunningTask } from './task-handle.js';

export { behaviorOf } from './behavior.js';

export function createTaskRuntime(
  kind: 'process' | 'in-process',
  deps: { clock: Clock; log: Log },
): TaskRuntime {
  const { clock, log } = deps;
  const running = new Set<RunningTask>();
  let shutDown = false;

  const runContainer = (task: TaskSpec, container: ContainerSpec): ContainerRun => {
    const launch = launchOf(task, container, clock);
    const label = `task ${task.taskId} container ${container.name}`;
    return kind === 'process'
      ? spawnContainer(launch, container.environment, label, log)
      : runContainerInProcess(launch, label);
  };

  return {
    kind,
    start(spec: TaskSpec): TaskHandle {
      if (shutDown) throw new Error(`task runtime is shut down; cannot start task ${spec.taskId}`);
      const task = createTaskHandle(
        spec,
        spec.containers.map((container) => runContainer(spec, container)),
        clock,
        log,
      );
      running.add(task);
      void task.ended.then(() => running.delete(task));
      return task;
    },
    async shutdown() {
      shutDown = true;
      const tasks = [...running];
      for (const task of tasks) task.kill();
      await Promise.all(tasks.map((task) => task.ended));
    },
  };
}
