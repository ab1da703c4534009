// Reading service deployments and the service's state through the ECS protocol of a fake-backed
// harness (ecs-fakes.ts), for the service-deployment tests.
import { TG_ARN, until } from './ecs-fakes.js';
import type { Harness } from './ecs-fakes.js';

export interface BriefView {
  serviceDeploymentArn: string;
  serviceArn: string;
  clusterArn: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  targetServiceRevisionArn: string;
  status: string;
  statusReason?: string;
}

export interface RevisionSummaryView {
  arn: string;
  requestedTaskCount: number;
  runningTaskCount: number;
  pendingTaskCount: number;
}

export interface DeploymentView extends Omit<BriefView, 'targetServiceRevisionArn'> {
  stoppedAt?: number;
  updatedAt: number;
  sourceServiceRevisions: RevisionSummaryView[];
  targetServiceRevision: RevisionSummaryView;
  deploymentConfiguration: Record<string, unknown>;
  rollback?: { reason: string; startedAt?: number; serviceRevisionArn: string };
  deploymentCircuitBreaker: { status: string; failureCount: number; threshold: number };
  alarms: unknown;
}

export interface TaskView {
  taskArn: string;
  lastStatus: string;
  desiredStatus: string;
  taskDefinitionArn: string;
  startedBy: string;
  privateIPv4Address: string;
}

interface ServiceView {
  desiredCount: number;
  deployments: { id: string; status: string; taskDefinition: string; rolloutState: string }[];
}

export const tasksOf = (x: Harness): TaskView[] => (x.ecs.state() as { tasks: TaskView[] }).tasks;
const serviceOf = (x: Harness): ServiceView => (x.ecs.state() as { services: ServiceView[] }).services[0]!;

/** The fields a brief and a full description share, to compare the two. */
export const brief = (d: BriefView): string => `${d.serviceDeploymentArn} ${d.status} ${d.createdAt}`;

export async function listDeployments(
  x: Harness,
  filters: Record<string, unknown> = {},
): Promise<BriefView[]> {
  const out = await x.ok<{ serviceDeployments: BriefView[] }>('ListServiceDeployments', {
    cluster: 'demo',
    service: 'web',
    ...filters,
  });
  return out.serviceDeployments;
}

export async function describeDeployment(x: Harness, arn: string): Promise<DeploymentView> {
  const out = await x.ok<{ serviceDeployments: DeploymentView[]; failures: unknown[] }>(
    'DescribeServiceDeployments',
    { serviceDeploymentArns: [arn] },
  );
  if (out.serviceDeployments.length !== 1)
    throw new Error(`no service deployment ${arn}: ${JSON.stringify(out)}`);
  return out.serviceDeployments[0]!;
}

export async function revisions(x: Harness, arns: string[]): Promise<Record<string, unknown>[]> {
  const out = await x.ok<{ serviceRevisions: Record<string, unknown>[] }>('DescribeServiceRevisions', {
    serviceRevisionArns: arns,
  });
  return out.serviceRevisions;
}

/** Until the service has one COMPLETED deployment of `revision` (`web:N`) with all its tasks healthy. */
export async function steady(x: Harness, revision: string, timeoutMs = 15_000): Promise<void> {
  await until(
    () => {
      const s = serviceOf(x);
      const d = s.deployments;
      if (
        d.length !== 1 ||
        d[0]!.rolloutState !== 'COMPLETED' ||
        !d[0]!.taskDefinition.endsWith(`/${revision}`)
      )
        return undefined;
      const up = tasksOf(x).filter((t) => t.desiredStatus === 'RUNNING');
      const healthy = up.every(
        (t) =>
          t.lastStatus === 'RUNNING' &&
          x.targets.health(TG_ARN, { id: t.privateIPv4Address, port: 8080 }).state === 'healthy',
      );
      return up.length === s.desiredCount && healthy ? true : undefined;
    },
    timeoutMs,
    `steady state on ${revision}`,
  );
}
