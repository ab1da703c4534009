// A target group's facts the rollout needs: its target type, health check and deregistration delay.
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetGroupFacts } from '../rollout/port.js';
import { driverError, refusal } from './errors.js';

/** ELBv2's default deregistration delay when the attribute is absent (300 s). */
const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300;

export async function describeTargetGroup(
  elbv2: ElasticLoadBalancingV2Client,
  arn: string,
  where: string,
): Promise<TargetGroupFacts> {
  try {
    const [groups, attributes] = await Promise.all([
      elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] })),
      elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn })),
    ]);
    const group = groups.TargetGroups?.[0];
    if (!group) throw refusal(`Target group ${arn} not found`, 'TargetGroupNotFound');
    const delay = attributes.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
    return {
      arn,
      name: group.TargetGroupName ?? '',
      targetType: group.TargetType ?? '',
      healthCheck: {
        protocol: group.HealthCheckProtocol ?? 'HTTP',
        port: group.HealthCheckPort ?? 'traffic-port',
        path: group.HealthCheckPath ?? '/',
        intervalSeconds: group.HealthCheckIntervalSeconds ?? 30,
        timeoutSeconds: group.HealthCheckTimeoutSeconds ?? 5,
        healthyThreshold: group.HealthyThresholdCount ?? 5,
        unhealthyThreshold: group.UnhealthyThresholdCount ?? 2,
        matcher: group.Matcher?.HttpCode ?? group.Matcher?.GrpcCode ?? '200',
      },
      deregistrationDelaySeconds: delay !== undefined ? Number(delay) : DEFAULT_DEREGISTRATION_DELAY_SECONDS,
    };
  } catch (error) {
    const code = (error as Error).name;
    if (code === 'TargetGroupNotFoundException' || code === 'TargetGroupNotFound') {
      throw driverError(
        error,
        `Target group ${arn} of ${where} does not exist`,
        'The service points at a deleted target group: recreate it or update the service’s loadBalancers',
      );
    }
    throw driverError(error, `Describing target group ${arn} failed`);
  }
}
