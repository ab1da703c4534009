// The one place the AWS SDK clients are built. Everything comes from the standard AWS environment,
// never from action inputs: region (AWS_REGION / AWS_DEFAULT_REGION), endpoint (AWS_ENDPOINT_URL and
// the service-specific AWS_ENDPOINT_URL_ECS / AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2, which the
// SDK resolves itself when no `endpoint` is passed — @smithy/core getEndpointUrlConfig, per the AWS
// SDKs and Tools guide "Service-specific endpoints"), credentials (the SDK's default provider chain).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import packageJson from '../../package.json' with { type: 'json' };

export const USER_AGENT_NAME = 'ecs-rolling-deploy';
export const VERSION: string = packageJson.version;

export const CONNECTION_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 20_000;

export interface AwsClients {
  region: string;
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  /** For the alarm gate (DescribeAlarms); AWS_ENDPOINT_URL_CLOUDWATCH overrides its endpoint. */
  cloudwatch: CloudWatchClient;
}

/**
 * AWS_REGION first, then AWS_DEFAULT_REGION. The JavaScript SDK v3 reads only AWS_REGION (and the
 * shared config file); the AWS CLI and aws-actions/configure-aws-credentials set both, and users
 * often set only AWS_DEFAULT_REGION, so the action reads both and passes the region explicitly.
 */
export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const region = (env.AWS_REGION ?? '').trim() || (env.AWS_DEFAULT_REGION ?? '').trim();
  if (!region) {
    throw new Error(
      'No AWS region: set AWS_REGION or AWS_DEFAULT_REGION in the environment of this step ' +
        '(aws-actions/configure-aws-credentials with `aws-region:` sets both).',
    );
  }
  return region;
}

export function createAwsClients(env: NodeJS.ProcessEnv = process.env): AwsClients {
  const region = regionFromEnv(env);
  const common = {
    region,
    // Adaptive: the standard retry policy plus client-side rate limiting that slows down after a
    // throttling answer — the rollout polls the same read APIs every second while a batch settles.
    retryMode: 'adaptive',
    maxAttempts: 5,
    // AWS calls may hang: a connection must open within 5 s and an answer arrive within 20 s (the
    // socket idle time), or the SDK gives up and retries. The engine retries again, within the
    // bound of the phase it is in, so a hung call costs seconds, not the whole rollout.
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    customUserAgent: [[USER_AGENT_NAME, VERSION]] as [string, string][],
  };
  return {
    region,
    ecs: new ECSClient(common),
    elbv2: new ElasticLoadBalancingV2Client(common),
    cloudwatch: new CloudWatchClient(common),
  };
}
