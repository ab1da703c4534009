// Tasks. Pages: ECS API reference RunTask / ListTasks / DescribeTasks / StopTask, and "Amazon ECS
// task lifecycle" (a task is listed as desiredStatus RUNNING until ECS decides to stop it).
import { AwsError } from '../contracts.js';
import { taskArn } from './arns.js';
import { describeEach, findCluster, findTask, requireService } from './api-context.js';
import type { ApiContext, Handler } from './api-context.js';
import { activeDefinition, networkConfigurationOf } from './api-services.js';
import {
  invalid,
  optInt,
  optObject,
  optObjectList,
  optString,
  optStringList,
  reqString,
  tagsOf,
  wantsTags,
} from './input.js';
import { keyedPage } from './pagination.js';
import { taskShape } from './shapes.js';

/** RunTask API reference: "A total of 8192 characters are allowed for overrides" (their JSON). */
const MAX_OVERRIDES_CHARS = 8192;
/** RunTask API reference, startedBy: up to 128 letters, numbers, hyphens, forward slashes and underscores. */
const STARTED_BY = /^[A-Za-z0-9_/-]{1,128}$/;

export function taskHandlers(api: ApiContext): Record<string, Handler> {
  const { store } = api;
  /** clientToken -> the tasks its RunTask started, so a retried call starts none again. */
  const runTokens = new Map<string, { request: string; taskArns: string[] }>();
  return {
    // A standalone task: no service, placed at once (the emulator has no capacity to run out of),
    // in the subnets given; its containers may run a one-off command (containerOverrides).
    RunTask(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const definition = activeDefinition(api, reqString(input, 'taskDefinition'), ctx);
      const count = optInt(input, 'count') ?? 1;
      if (count < 1 || count > 10) throw invalid('count must be between 1 and 10.');
      const launchType = optString(input, 'launchType');
      const strategy = optObjectList(input, 'capacityProviderStrategy');
      if (launchType !== undefined && strategy !== undefined && strategy.length > 0)
        throw invalid('Specifying both a launch type and capacity provider strategy is not supported.');
      if (strategy !== undefined && strategy.length > 0)
        throw invalid('This emulator models only launchType, not capacity provider strategies.');
      if (launchType !== undefined && launchType !== 'EC2' && launchType !== 'FARGATE')
        throw invalid('launchType should be one of [EC2, FARGATE, EXTERNAL].');
      networkConfigurationOf(input, definition);
      const startedBy = optString(input, 'startedBy');
      if (startedBy !== undefined && !STARTED_BY.test(startedBy))
        throw invalid(
          'startedBy may contain up to 128 letters, numbers, hyphens, forward slashes and underscores.',
        );
      const overrides = optObject(input, 'overrides');
      if (overrides && JSON.stringify(overrides).length > MAX_OVERRIDES_CHARS)
        throw invalid(`Container Overrides length must be at most ${MAX_OVERRIDES_CHARS}`);
      const names = new Set(
        ((definition.body['containerDefinitions'] ?? []) as { name?: string }[]).map((c) => c.name),
      );
      const commands = new Map<string, string[]>();
      for (const override of (overrides ? optObjectList(overrides, 'containerOverrides') : undefined) ?? []) {
        const name = optString(override, 'name');
        if (name === undefined || !names.has(name))
          throw invalid(
            `Override for container named ${String(name)} is not a container in the TaskDefinition.`,
          );
        const command = optStringList(override, 'command');
        if (command !== undefined) commands.set(name, command);
      }
      // clientToken (API reference): the same token with the same request answers the same tasks;
      // with another request it is a ConflictException.
      const clientToken = optString(input, 'clientToken');
      const { clientToken: _token, ...request } = input;
      const fingerprint = JSON.stringify(request);
      if (clientToken !== undefined) {
        const earlier = runTokens.get(clientToken);
        if (earlier && earlier.request !== fingerprint) {
          throw new AwsError(
            'ConflictException',
            `The specified clientToken is already in use with a different RunTask request (tasks ${earlier.taskArns.join(', ')}).`,
          );
        }
        if (earlier) {
          const tasks = earlier.taskArns.map((arn) => store.tasks.get(arn)).filter((t) => t !== undefined);
          return { tasks: tasks.map((t) => taskShape(t, false)), failures: [] };
        }
      }
      const tasks = [];
      for (let i = 0; i < count; i++) {
        tasks.push(
          api.lifecycle.runStandalone(
            {
              clusterArn: cluster.arn,
              clusterName: cluster.name,
              region: cluster.region,
              launchType: launchType ?? 'EC2',
              ...(startedBy !== undefined ? { startedBy } : {}),
              // RunTask API reference, group: "The default value is the family name of the task definition".
              group: optString(input, 'group') ?? `family:${definition.family}`,
              commands,
              tags: tagsOf(input) ?? [],
            },
            definition,
          ),
        );
      }
      if (clientToken !== undefined)
        runTokens.set(clientToken, { request: fingerprint, taskArns: tasks.map((t) => t.arn) });
      api.poke();
      return { tasks: tasks.map((t) => taskShape(t, true)), failures: [] };
    },

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
