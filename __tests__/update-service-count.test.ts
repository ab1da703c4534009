// The action never sends a desiredCount: Application Auto Scaling owns it and may change it at any
// time (its scale-out goes on during deployments), so a count read at the start and sent back later
// would undo the autoscaler's. Every UpdateService the driver makes, in every shape the engine asks
// for (start held, release, hold, restore, settings back), carries none.
import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createEcsServiceDriver } from '../src/platform/ecs-service.js';
import type { DeploymentSettings } from '../src/rollout/types.js';

const ecsMock = mockClient(ECSClient);
const TD = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:2';
const held: DeploymentSettings = { maximumPercent: 100, minimumHealthyPercent: 100 };
const breaker = { enable: true, rollback: false };

describe('UpdateService never carries a desiredCount', () => {
  beforeEach(() => {
    ecsMock.reset();
    ecsMock.on(UpdateServiceCommand).resolves({});
    // The driver reads the service's whole deploymentConfiguration before it sends settings; the
    // service itself has a count, which must not come back in the UpdateService.
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'web',
          status: 'ACTIVE',
          desiredCount: 6,
          deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
        },
      ],
    });
  });

  it.each([
    ['start held', { taskDefinitionArn: TD, settings: held }],
    ['release', { settings: { maximumPercent: 134, minimumHealthyPercent: 100, circuitBreaker: breaker } }],
    [
      'restore to the previous revision',
      { taskDefinitionArn: TD, settings: { maximumPercent: 200, minimumHealthyPercent: 100 } },
    ],
    ['task definition only', { taskDefinitionArn: TD }],
  ])('%s', async (_what, change) => {
    const driver = createEcsServiceDriver({
      ecs: new ECSClient({ region: 'us-east-1' }),
      elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
      cluster: 'prod',
      service: 'web',
    });
    await driver.updateService(change);
    const [call] = ecsMock.commandCalls(UpdateServiceCommand);
    expect(call?.args[0].input).toMatchObject({ cluster: 'prod', service: 'web' });
    expect(call?.args[0].input).not.toHaveProperty('desiredCount');
  });
});
