// The ServiceDriver for a service with the ECS deployment controller, over the AWS SDK v3.
// It reads and changes; it never decides (that is src/rollout). Every AWS error leaves here as a
// classified DriverError with what was being done and, where there is one, the fix.
import {
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ECSClient,
  type Service,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ObserveOptions, ServiceDriver, TargetGroupFacts } from '../rollout/port.js';
import type { AlarmView, ServiceView } from '../rollout/snapshot.js';
import type { DeploymentSettings } from '../rollout/types.js';
import { describeAlarms } from './alarms.js';
import { mergeDeploymentConfiguration } from './deployment-configuration.js';
import { driverError, refusal } from './errors.js';
import { ServiceObserver, type ObservedAlarms } from './observe.js';
import { serviceDeploymentCalls } from './service-deployments.js';
import { assertDeployableService, describeServiceRaw, toServiceView } from './shapes.js';
import { serviceTagCalls } from './tags.js';
import { describeTargetGroup } from './target-groups.js';
import { taskDefinitionCalls } from './task-definitions.js';

export interface EcsServiceDriverOptions {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  cluster: string;
  service: string;
  /** Clock for snapshot times; Date.now by default. */
  now?: () => number;
  /** CloudWatch alarms to read with every snapshot (the alarm gate); none by default. */
  alarms?: ObservedAlarms;
}

export function createEcsServiceDriver(options: EcsServiceDriverOptions): ServiceDriver {
  const { ecs, elbv2, cluster, service } = options;
  const ref = { cluster, service };
  const where = `service "${service}" in cluster "${cluster}"`;
  const cloudwatch = options.alarms?.cloudwatch;
  let serviceArn: string | undefined;
  /**
   * The service's whole deploymentConfiguration as DescribeServices last answered it (every
   * describeService and every observe refreshes it): what each UpdateService sends back, with only
   * the two percents changed. The action never changes the other members, so the last read is them.
   */
  let lastConfiguration: DeploymentConfiguration | undefined;
  const remember = (raw: Service): void => {
    if (raw.serviceArn) serviceArn = raw.serviceArn;
    if (raw.deploymentConfiguration) lastConfiguration = raw.deploymentConfiguration;
  };
  const observer = new ServiceObserver(
    { ecs, elbv2 },
    ref,
    options.now ?? Date.now,
    options.alarms,
    remember,
  );

  const describeService = async (): Promise<ServiceView> => {
    const raw = await describeServiceRaw(ecs, ref);
    assertDeployableService(raw, ref);
    remember(raw);
    return toServiceView(raw);
  };

  const arnOfService = async (): Promise<string> => {
    if (!serviceArn) remember(await describeServiceRaw(ecs, ref));
    if (!serviceArn) throw refusal(`ECS returned no ARN for ${where}`);
    return serviceArn;
  };

  return {
    cluster,
    service,
    describeService,

    async describeTargetGroups(arns: readonly string[]): Promise<TargetGroupFacts[]> {
      // One call per group (a service has at most 5), so a missing group is named: a
      // DescribeTargetGroups with several ARNs fails as a whole with TargetGroupNotFound.
      const groups = await Promise.all(arns.map((arn) => describeTargetGroup(elbv2, arn, where)));
      // How the observer finds each task's targets: by IP (`ip`) or by instance and host port.
      observer.noteTargetTypes(groups);
      return groups;
    },

    ...taskDefinitionCalls(ecs),

    async updateService(change: {
      taskDefinitionArn?: string;
      settings?: DeploymentSettings;
    }): Promise<void> {
      const input: UpdateServiceCommandInput = { cluster, service };
      if (change.taskDefinitionArn) input.taskDefinition = change.taskDefinitionArn;
      try {
        if (change.settings) {
          // A driver that has not read the service yet (the post step's, say) reads it first: a
          // configuration of the percents alone is never sent (deployment-configuration.ts).
          if (!lastConfiguration) remember(await describeServiceRaw(ecs, ref));
          input.deploymentConfiguration = mergeDeploymentConfiguration(lastConfiguration, change.settings);
        }
        await ecs.send(new UpdateServiceCommand(input));
      } catch (error) {
        throw driverError(error, `UpdateService for ${where} failed`);
      }
    },

    observe: (options?: ObserveOptions) => observer.observe(options),

    ...(cloudwatch
      ? {
          describeAlarms: (names: readonly string[]): Promise<AlarmView[]> =>
            describeAlarms(cloudwatch, names),
        }
      : {}),

    ...serviceTagCalls(ecs, arnOfService, where),

    ...serviceDeploymentCalls(ecs, ref, where),
  };
}
