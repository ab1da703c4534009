// strategyRefusal (src/modes/preflight.ts): which deployment strategies the action refuses before any
// change, as a table. The refusal through a whole run is main.test.ts's; through dist/, e2e's.
import { describe, expect, it } from '@jest/globals';
import { strategyRefusal } from '../src/modes/preflight.js';
import type { ServiceView } from '../src/rollout/snapshot.js';

const service = (deploymentStrategy?: string): ServiceView => ({
  arn: 'arn:aws:ecs:us-east-1:000000000000:service/prod/web',
  name: 'web',
  clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/prod',
  status: 'ACTIVE',
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1',
  settings: { maximumPercent: 200, minimumHealthyPercent: 100 },
  deployments: [],
  events: [],
  targetGroupArns: [],
  deploymentController: 'ECS',
  ...(deploymentStrategy !== undefined ? { deploymentStrategy } : {}),
});

const WHERE = 'service "web" in cluster "prod"';

describe('strategyRefusal', () => {
  it.each([
    [undefined, false],
    ['ROLLING', false],
    ['BLUE_GREEN', true],
    ['LINEAR', true],
    ['CANARY', true],
  ])('strategy %s: refused %s', (strategy, refused) => {
    const message = strategyRefusal(service(strategy), WHERE);
    expect(message !== undefined).toBe(refused);
    if (message) {
      expect(message).toMatch(/^Service "web" in cluster "prod" uses the /);
      expect(message).toContain(`${strategy} deployment strategy`);
      expect(message).toMatch(/Nothing was changed/);
      expect(message).toMatch(/switch the service to the ROLLING strategy/);
    }
  });
});
