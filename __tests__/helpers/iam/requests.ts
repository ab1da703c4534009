// What IAM authorizes for one recorded emulator call (its request body, kept by wire capture): the
// action, each resource the Service Authorization Reference lists as required for it, and the
// condition keys the policy tests. Sources, by page title:
// - "Actions, resources, and condition keys for Amazon Elastic Container Service": the resource
//   types per action (DescribeServiceDeployments and StopServiceDeployment: the service and the
//   service-deployment; DescribeServiceRevisions: the service and the service-revision;
//   DescribeTaskDefinition, ListTaskDefinitions: none; DescribeContainerInstances: container-instance),
//   `ecs:cluster`, `aws:TagKeys`.
// - ListTasks: the reference names `container-instance`, which a Fargate service's tasks have none
//   of; "Identity-based policy examples for Amazon Elastic Container Service" grants it on `*` with
//   `ecs:cluster`, so it is modelled as `*` with that key.
// - RegisterTaskDefinition: `*` (the same examples page; see docs/iam.md), plus
//   ecs:TagResource with `ecs:CreateAction` when it carries tags ("Grant permission to tag resources
//   on creation"). iam:PassRole is not modelled: the policy names the user's roles by placeholder.
// - "Actions, resources, and condition keys for Elastic Load Balancing V2": its Describe actions
//   have no resource type, so `*`.
// - RunTask on the task-definition with `ecs:cluster`; StopTask on the task; ListServices on `*`
//   with `ecs:cluster`; DeregisterTaskDefinition on the task definition (the policy grants `*`).
import type { CallRecord } from '../../../emulator/src/contracts.js';
import { ACCOUNT_ID } from '../../../emulator/src/ecs/arns.js';
import type { Authorization } from './policy.js';

type Body = Record<string, unknown>;
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const strs = (value: unknown): string[] => (Array.isArray(value) ? value.map(str) : []);
/** `name` or `arn:…:kind/name`: the name. */
const nameOf = (ref: string): string => (ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref);

/** The service a run deploys: the one the action asks ECS about, in the region its ARNs name. */
export interface RunTarget {
  region: string;
  account: string;
  cluster: string;
  service: string;
}

const ECS_ARN = /arn:aws:ecs:([a-z0-9-]+):(\d{12}):/;

/**
 * The cluster and service of the action's first DescribeServices request among `calls` (the input
 * names them; the service need not exist), with the region and account of the first ECS ARN in the
 * action's requests or answers, else the emulator's defaults (us-east-1, ACCOUNT_ID).
 */
export function runTarget(calls: readonly CallRecord[]): RunTarget | undefined {
  const first = calls.find((c) => c.operation === 'DescribeServices' && c.wire !== undefined);
  if (!first?.wire) return undefined;
  const body = JSON.parse(first.wire.request || '{}') as Body;
  const service = strs(body['services'])[0];
  if (!service) return undefined;
  const arn = calls
    .map((c) => ECS_ARN.exec(`${c.wire?.request ?? ''} ${c.wire?.response ?? ''}`))
    .find((m) => m !== null);
  return {
    region: arn?.[1] ?? 'us-east-1',
    account: arn?.[2] ?? ACCOUNT_ID,
    cluster: nameOf(str(body['cluster']) || 'default'),
    service: nameOf(service),
  };
}

/**
 * Every service a run deploys (several services in one step: one DescribeServices per service),
 * the first as runTarget gives it first.
 */
export function runTargets(calls: readonly CallRecord[]): RunTarget[] {
  const first = runTarget(calls);
  if (!first) return [];
  const names = new Set<string>([first.service]);
  for (const call of calls) {
    if (call.operation !== 'DescribeServices' || call.wire === undefined) continue;
    const body = JSON.parse(call.wire.request || '{}') as Body;
    for (const service of strs(body['services'])) names.add(nameOf(service));
  }
  return [...names].map((service) => ({ ...first, service }));
}

/**
 * The authorizations `call` needs, or a string saying why this file cannot tell (an operation it
 * has no model for, a call without wire capture).
 */
export function authorizationsOf(call: CallRecord, run: RunTarget): Authorization[] | string {
  if (call.service === 'elbv2')
    return [{ action: `elasticloadbalancing:${call.operation}`, resource: '*', context: {} }];
  if (call.wire === undefined) return 'no wire capture (start the emulator with recordWire: true)';
  const body = JSON.parse(call.wire.request || '{}') as Body;
  // "Actions, resources, and condition keys for Amazon CloudWatch": DescribeAlarms and DeleteAlarms
  // act on the `alarm` resource, arn:aws:cloudwatch:<region>:<account>:alarm:<name>.
  if (call.service === 'cloudwatch') {
    const alarms = strs(body['AlarmNames']);
    return alarms.length > 0
      ? alarms.map((name) => ({
          action: `cloudwatch:${call.operation}`,
          resource: `arn:aws:cloudwatch:${run.region}:${run.account}:alarm:${name}`,
          context: {},
        }))
      : [{ action: `cloudwatch:${call.operation}`, resource: '*', context: {} }];
  }
  const prefix = `arn:aws:ecs:${run.region}:${run.account}`;
  const cluster = nameOf(str(body['cluster']) || 'default');
  const clusterContext = { 'ecs:cluster': [`${prefix}:cluster/${cluster}`] };
  const serviceArn = (ref: string): string =>
    ref.startsWith('arn:') ? ref : `${prefix}:service/${cluster}/${ref}`;
  /** `…:service-deployment/c/s/id` or `…:service-revision/c/s/id` → `…:service/c/s`. */
  const serviceOf = (arn: string): string =>
    arn.replace(/:service-(deployment|revision)\/([^/]+\/[^/]+)\/.*$/, ':service/$2');
  const action = `ecs:${call.operation}`;
  const on = (resource: string, context: Record<string, string[]> = {}): Authorization => ({
    action,
    resource,
    context,
  });

  switch (call.operation) {
    case 'DescribeServices':
      return strs(body['services']).map((s) => on(serviceArn(s), clusterContext));
    case 'UpdateService':
    case 'ListServiceDeployments':
      return [on(serviceArn(str(body['service'])), clusterContext)];
    case 'DescribeServiceDeployments':
      return strs(body['serviceDeploymentArns']).flatMap((a) => [on(serviceOf(a)), on(a)]);
    case 'StopServiceDeployment': {
      const arn = str(body['serviceDeploymentArn']);
      return [on(serviceOf(arn)), on(arn)];
    }
    case 'DescribeServiceRevisions':
      return strs(body['serviceRevisionArns']).flatMap((a) => [on(serviceOf(a)), on(a)]);
    case 'ListTagsForResource':
      return [on(str(body['resourceArn']))];
    case 'TagResource': {
      const keys = (Array.isArray(body['tags']) ? (body['tags'] as Body[]) : []).map((t) => str(t['key']));
      return [on(str(body['resourceArn']), { 'aws:TagKeys': keys })];
    }
    case 'UntagResource':
      return [on(str(body['resourceArn']), { 'aws:TagKeys': strs(body['tagKeys']) })];
    case 'ListTasks':
      return [on('*', clusterContext)];
    case 'DescribeTasks':
      return strs(body['tasks']).map((t) =>
        on(t.startsWith('arn:') ? t : `${prefix}:task/${cluster}/${t}`, clusterContext),
      );
    case 'DescribeContainerInstances':
      return strs(body['containerInstances']).map((ci) =>
        on(ci.startsWith('arn:') ? ci : `${prefix}:container-instance/${cluster}/${ci}`, clusterContext),
      );
    case 'DescribeTaskDefinition':
    case 'ListTaskDefinitions':
      return [on('*')];
    case 'RegisterTaskDefinition': {
      const tags = Array.isArray(body['tags']) ? (body['tags'] as Body[]) : [];
      const tagging: Authorization = {
        action: 'ecs:TagResource',
        resource: '*',
        context: {
          'ecs:CreateAction': ['RegisterTaskDefinition'],
          'aws:TagKeys': tags.map((t) => str(t['key'])),
        },
      };
      return tags.length > 0 ? [on('*'), tagging] : [on('*')];
    }
    // RunTask: the task-definition resource, with `ecs:cluster` (the cluster it runs in); its
    // iam:PassRole for the task's roles is not modelled (as for RegisterTaskDefinition).
    case 'RunTask': {
      const ref = str(body['taskDefinition']);
      return [on(ref.startsWith('arn:') ? ref : `${prefix}:task-definition/${ref}`, clusterContext)];
    }
    case 'StopTask': {
      const task = str(body['task']);
      return [on(task.startsWith('arn:') ? task : `${prefix}:task/${cluster}/${task}`, clusterContext)];
    }
    // ListServices: no resource type, `ecs:cluster`.
    case 'ListServices':
      return [on('*', clusterContext)];
    case 'DeregisterTaskDefinition': {
      const ref = str(body['taskDefinition']);
      return [on(ref.startsWith('arn:') ? ref : `${prefix}:task-definition/${ref}`)];
    }
    default:
      return `no IAM model for ECS ${call.operation}: add it to __tests__/helpers/iam/requests.ts`;
  }
}
