// Tasks. Pages: ECS API reference ListTasks / DescribeTasks / StopTask, and "Amazon ECS task
// lifecycle" (a task is listed as desiredStatus RUNNING until ECS decides to stop it).
import { taskArn } from './arns.js';
import { describeEach, findCluster, findTask, requireService } from './api-context.js';
import type { ApiContext, Handler } from './api-context.js';
import { invalid, optInt, optString, optStringList, reqString, wantsTags } from './input.js';
import { keyedPage } from './pagination.js';
import { taskShape } from './shapes.js';

export function taskHandlers(api: ApiContext): Record<string, Handler> {
  const { store } = api;
  return {
    ListTasks(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const serviceName = optString(input, 'serviceName');
      const service = serviceName === undefined ? undefined : requireService(api, cluster, serviceName);
      const family = optString(input, 'family');
      const startedBy = optString(input, 'startedBy');
      const launchType = optString(input, 'launchType');
      // ListTasks lists RUNNING tasks unless asked for STOPPED ones; PENDING is accepted and
      // returns nothing (API reference, desiredStatus).
      const desiredStatus = optString(input, 'desiredStatus') ?? 'RUNNING';
      if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus))
        throw invalid('desiredStatus should be one of [RUNNING, PENDING, STOPPED].');
      const matching = [...store.tasks.values()].filter(
        (t) =>
          t.clusterArn === cluster.arn &&
          t.desiredStatus === desiredStatus &&
          (service === undefined || t.serviceArn === service.arn) &&
          (family === undefined || t.family === family) &&
          (startedBy === undefined || t.startedBy === startedBy) &&
          (launchType === undefined || t.launchType === launchType),
      );
      // In start order; a task that leaves the list between pages moves no other (pagination.ts).
      const { items, nextToken } = keyedPage({
        operation: 'ListTasks',
        items: matching,
        key: (t) => [t.createdAt, t.arn],
        maxResults: optInt(input, 'maxResults'),
        defaultMaxResults: 100,
        nextToken: optString(input, 'nextToken'),
      });
      return { taskArns: items.map((t) => t.arn), nextToken };
    },

    DescribeTasks(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const ids = optStringList(input, 'tasks');
      if (!ids || ids.length === 0) throw invalid('Tasks cannot be empty.');
      if (ids.length > 100) throw invalid('Tasks cannot have more than 100 items.');
      const withTags = wantsTags(input);
      const { found, failures } = describeEach(
        ids,
        (given) => findTask(api, cluster, given),
        (task) => taskShape(task, withTags),
        (given) => (given.startsWith('arn:') ? given : taskArn(cluster.region, cluster.name, given)),
      );
      return { tasks: found, failures };
    },

    StopTask(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const task = findTask(api, cluster, reqString(input, 'task'));
      if (!task) throw invalid('The referenced task was not found.');
      const reason = optString(input, 'reason');
      // A user's StopTask is not a failure: the circuit breaker does not count it, and a service
      // task stopped this way is replaced by the scheduler.
      api.lifecycle.stop(
        task,
        reason === undefined || reason === '' ? 'Task stopped by user' : reason,
        'UserInitiated',
      );
      api.poke();
      return { task: taskShape(task, false) };
    },
  };
}
