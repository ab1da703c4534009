// Service deployments. Pages: ECS API reference ListServiceDeployments, DescribeServiceDeployments,
// DescribeServiceRevisions, StopServiceDeployment (shapes and members as the ECS API model, botocore
// ecs 2014-11-13, has them); "View service history using Amazon ECS service deployments",
// "Stopping Amazon ECS service deployments", "Amazon ECS service revisions". The records and their
// states are service-deployments.ts's; the rollback's move on the ECS deployments is deployments.ts's.
import { AwsError } from '../contracts.js';
import { describeEach, findCluster, requireService } from './api-context.js';
import type { ApiContext, Handler } from './api-context.js';
import { deploymentAlarmsView, deploymentConfigurationShape } from './deployment-configuration.js';
import { reviveLastCompleted } from './deployments.js';
import { addEvent } from './events.js';
import { invalid, optInt, optObject, optString, optStringList, reqString, seconds } from './input.js';
import type { Input } from './input.js';
import { keyedPage } from './pagination.js';
import {
  circuitBreakerView,
  isFinished,
  requestRollback,
  revisionCounts,
  SERVICE_DEPLOYMENT_STATUSES,
  serviceDeploymentsOf,
} from './service-deployments.js';
import type { ServiceDeploymentRecord, ServiceRevisionRecord } from './service-deployments.js';
import type { EcsStore } from './store.js';

/** DescribeServiceDeployments / DescribeServiceRevisions: "You can specify a maximum of 20 ARNs." */
const MAX_DESCRIBE = 20;
const SERVICE_DEPLOYMENT_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service-deployment\/[^/]+\/[^/]+\/[^/]+$/;

export function deploymentHandlers(api: ApiContext): Record<string, Handler> {
  const { store, clock } = api;
  return {
    ListServiceDeployments(input, ctx) {
      const cluster = findCluster(api, input, ctx);
      const service = requireService(api, cluster, reqString(input, 'service'));
      const statuses = optStringList(input, 'status');
      for (const status of statuses ?? []) {
        if (!(SERVICE_DEPLOYMENT_STATUSES as readonly string[]).includes(status))
          throw invalid(`status should be one of [${SERVICE_DEPLOYMENT_STATUSES.join(', ')}].`);
      }
      const { after, before } = createdAtFilter(optObject(input, 'createdAt'));
      const { items, nextToken } = keyedPage({
        operation: 'ListServiceDeployments',
        items: serviceDeploymentsOf(store, service).filter(
          (r) =>
            (statuses === undefined || statuses.length === 0 || statuses.includes(r.status)) &&
            (after === undefined || r.createdAt > after) &&
            (before === undefined || r.createdAt < before),
        ),
        // Newest first.
        key: (r) => [r.sequence],
        descending: true,
        maxResults: optInt(input, 'maxResults'),
        // API reference: "ListServiceDeployments returns up to 20 results" without maxResults.
        defaultMaxResults: 20,
        nextToken: optString(input, 'nextToken'),
      });
      return { serviceDeployments: items.map(briefShape), nextToken };
    },

    DescribeServiceDeployments(input) {
      const arns = describedArns(input, 'serviceDeploymentArns');
      const { found, failures } = describeEach(
        arns,
        (arn) => store.serviceDeployments.get(arn),
        (r) => deploymentShape(store, r),
        (arn) => arn,
      );
      return { serviceDeployments: found, failures };
    },

    DescribeServiceRevisions(input) {
      const arns = describedArns(input, 'serviceRevisionArns');
      const { found, failures } = describeEach(
        arns,
        (arn) => store.serviceRevisions.get(arn),
        revisionShape,
        (arn) => arn,
      );
      return { serviceRevisions: found, failures };
    },

    /**
     * Page "Stopping Amazon ECS service deployments": a deployment PENDING or IN_PROGRESS "moves to
     * the ROLLBACK_REQUESTED state, and then the rollback operation starts"; one already stopping
     * or rolling back (STOP_REQUESTED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS) continues. A
     * finished one cannot be stopped: ConflictException (the model's error for "conflict in the
     * current state of the resource"). The rollback revives the deployment that ran the last
     * successful revision with the tasks it still runs (deployments.ts, reviveLastCompleted).
     */
    StopServiceDeployment(input) {
      const arn = reqString(input, 'serviceDeploymentArn');
      // API reference: stopType "The valid values are ROLLBACK." (the model's enum also lists ABORT).
      const stopType = optString(input, 'stopType') ?? 'ROLLBACK';
      if (stopType === 'ABORT')
        throw invalid(
          'stopType ABORT is not supported for this service deployment; the valid value is ROLLBACK.',
        );
      if (stopType !== 'ROLLBACK') throw invalid('stopType should be one of [ABORT, ROLLBACK].');
      if (!SERVICE_DEPLOYMENT_ARN.test(arn)) throw invalid(`Invalid service deployment ARN: ${arn}`);
      const record = store.serviceDeployments.get(arn);
      const service = record && store.services.get(record.serviceArn);
      if (!record || !service)
        throw new AwsError(
          'ServiceDeploymentNotFoundException',
          `The service deployment ${arn} does not exist.`,
        );
      if (isFinished(record.status))
        throw conflict(`The service deployment is ${record.status} and can no longer be stopped.`);
      if (record.status !== 'PENDING' && record.status !== 'IN_PROGRESS')
        return { serviceDeploymentArn: record.arn };
      const stopped = service.deployments[0];
      if (service.status !== 'ACTIVE' || stopped?.id !== record.deploymentId)
        throw conflict('The service deployment is not the one the service is running.');

      const now = clock.now();
      const revived = reviveLastCompleted(
        service,
        now,
        (id) => `ECS deployment rolling back to deploymentId ${id} (StopServiceDeployment).`,
      );
      if (!revived) throw conflict('The service has no successful service revision to roll back to.');
      // The stopped deployment launches nothing more; its tasks are stopped as an old deployment's.
      stopped.rolloutState = 'FAILED';
      stopped.rolloutStateReason = `ECS deployment ${stopped.id} stopped: rolling back to deploymentId ${revived.id}.`;
      requestRollback(store, record, revived, 'Rollback requested with StopServiceDeployment.', now, true);
      addEvent(service, `rolling back to deployment ${revived.id}.`, now);
      api.poke();
      return { serviceDeploymentArn: record.arn };
    },
  };
}

const conflict = (message: string): AwsError => new AwsError('ConflictException', message);

function describedArns(input: Input, key: string): string[] {
  const arns = optStringList(input, key);
  if (!arns || arns.length === 0) throw invalid(`${key} can not be empty.`);
  if (arns.length > MAX_DESCRIBE) throw invalid(`${key} can have at most ${MAX_DESCRIBE} items.`);
  return arns;
}

/** ListServiceDeployments `createdAt`: `before` / `after`, epoch seconds on the wire; in ms here. */
function createdAtFilter(given: Input | undefined): { after?: number; before?: number } {
  const out: { after?: number; before?: number } = {};
  for (const bound of ['after', 'before'] as const) {
    const value = given?.[bound];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new AwsError('SerializationException', `Expected a timestamp for createdAt.${bound}`);
    out[bound] = value * 1000;
  }
  return out;
}

/** API reference ServiceDeploymentBrief. */
function briefShape(record: ServiceDeploymentRecord): Record<string, unknown> {
  return {
    serviceDeploymentArn: record.arn,
    serviceArn: record.serviceArn,
    clusterArn: record.clusterArn,
    startedAt: seconds(record.startedAt),
    createdAt: seconds(record.createdAt),
    finishedAt: seconds(record.finishedAt),
    targetServiceRevisionArn: record.targetRevisionArn,
    status: record.status,
    statusReason: record.statusReason,
  };
}

/**
 * API reference ServiceDeployment. Counts are live until the deployment finishes, then as they were
 * then. `alarms` follows the service's alarms configuration, TRIGGERED once the deployment alarms
 * failed the deployment (scheduler.ts). `lifecycleStage` and
 * `lifecycleHookDetails` (blue/green stages and hooks) are left out.
 */
export function deploymentShape(store: EcsStore, record: ServiceDeploymentRecord): Record<string, unknown> {
  const service = store.services.get(record.serviceArn);
  const counts = (arn: string): unknown =>
    service
      ? revisionCounts(store, service, arn)
      : { arn, requestedTaskCount: 0, runningTaskCount: 0, pendingTaskCount: 0 };
  const config = record.final?.deploymentConfiguration ?? service?.deploymentConfiguration;
  return {
    ...briefShape(record),
    targetServiceRevisionArn: undefined,
    stoppedAt: seconds(record.stoppedAt),
    updatedAt: seconds(record.updatedAt),
    sourceServiceRevisions: record.final?.sources ?? record.sourceRevisionArns.map(counts),
    targetServiceRevision: record.final?.target ?? counts(record.targetRevisionArn),
    deploymentConfiguration: config && deploymentConfigurationShape(config),
    rollback: record.rollback && {
      reason: record.rollback.reason,
      startedAt: seconds(record.rollback.startedAt),
      serviceRevisionArn: record.rollback.serviceRevisionArn,
    },
    deploymentCircuitBreaker: service && circuitBreakerView(service, record),
    alarms: deploymentAlarmsView(config, isFinished(record.status), record.triggeredAlarmNames),
  };
}

/** API reference ServiceRevision (no image digests: images are never pulled here). */
function revisionShape(revision: ServiceRevisionRecord): Record<string, unknown> {
  return {
    serviceRevisionArn: revision.arn,
    serviceArn: revision.serviceArn,
    clusterArn: revision.clusterArn,
    taskDefinition: revision.taskDefinitionArn,
    launchType: revision.launchType,
    platformVersion: revision.platformVersion,
    platformFamily: revision.platformVersion !== undefined ? 'Linux' : undefined,
    loadBalancers: revision.loadBalancers.map((lb) => ({ ...lb })),
    serviceRegistries: [],
    networkConfiguration: revision.networkConfiguration,
    containerImages: revision.containerImages.map((c) => ({ ...c })),
    guardDutyEnabled: false,
    createdAt: seconds(revision.createdAt),
  };
}
