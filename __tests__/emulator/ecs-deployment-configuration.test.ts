// A service's whole deploymentConfiguration in the emulator (emulator/src/ecs/deployment-configuration.ts):
// every member is stored and answered by DescribeServices and DescribeServiceDeployments; a member
// left out of UpdateService keeps its value, a member sent replaces that member; bad values are
// refused as ECS refuses them, and a refused request changes nothing.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { harness, serviceInput, webTaskDefinition } from './ecs-fakes.js';
import type { Harness } from './ecs-fakes.js';
import { describeDeployment, listDeployments, steady } from './ecs-deployment-helpers.js';

let h: Harness;
beforeEach(async () => {
  h = harness();
  await h.ok('CreateCluster', { clusterName: 'demo' });
  await h.ok('RegisterTaskDefinition', webTaskDefinition('1'));
});
afterEach(async () => {
  await h.stop();
});

const HOOK = {
  targetType: 'AWS_LAMBDA',
  hookTargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:smoke',
  roleArn: 'arn:aws:iam::000000000000:role/ecs-hooks',
  lifecycleStages: ['PRE_SCALE_UP', 'POST_SCALE_UP'],
  hookDetails: { suite: 'smoke', retries: 2 },
  timeoutConfiguration: { timeoutInMinutes: 30, action: 'ROLLBACK' },
};

const WHOLE = {
  maximumPercent: 150,
  minimumHealthyPercent: 50,
  deploymentCircuitBreaker: { enable: true, rollback: false },
  alarms: { alarmNames: ['web-5xx', 'web-latency'], enable: true, rollback: true },
  strategy: 'ROLLING',
  bakeTimeInMinutes: 5,
  lifecycleHooks: [HOOK],
};

type Configuration = Record<string, unknown>;
const described = async (): Promise<Configuration> => {
  const out = await h.ok<{ services: { deploymentConfiguration: Configuration }[] }>('DescribeServices', {
    cluster: 'demo',
    services: ['web'],
  });
  return out.services[0]!.deploymentConfiguration;
};

const expectRefused = async (operation: string, input: unknown, message: RegExp): Promise<void> => {
  const answer = await h.call(operation, input);
  expect(answer.status).toBe(400);
  expect(answer.body['__type']).toBe('InvalidParameterException');
  expect(answer.body['message']).toMatch(message);
};

describe('every member is stored and answered', () => {
  it('CreateService keeps alarms, bake time, hooks and strategy; DescribeServices and the service deployment answer them', async () => {
    await h.ok('CreateService', serviceInput('web:1', { desiredCount: 2, deploymentConfiguration: WHOLE }));
    expect(await described()).toEqual(WHOLE);
    await steady(h, 'web:1');
    const [first] = await listDeployments(h);
    const deployment = await describeDeployment(h, first!.serviceDeploymentArn);
    expect(deployment.deploymentConfiguration).toEqual(WHOLE);
    // Alarms enabled: monitored while the deployment ran, never triggered (no CloudWatch here).
    expect(deployment.alarms).toEqual({
      status: 'MONITORING_COMPLETE',
      alarmNames: ['web-5xx', 'web-latency'],
      triggeredAlarmNames: [],
    });
  });

  it('a service created without one has the defaults: 200/100, breaker off, ROLLING, bake 0, alarms DISABLED', async () => {
    await h.ok('CreateService', serviceInput('web:1', { desiredCount: 1 }));
    expect(await described()).toEqual({
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: false, rollback: false },
      strategy: 'ROLLING',
      bakeTimeInMinutes: 0,
    });
    const [first] = await listDeployments(h);
    expect((await describeDeployment(h, first!.serviceDeploymentArn)).alarms).toEqual({ status: 'DISABLED' });
  });
});

describe('UpdateService: a member left out keeps its value, a member sent replaces it', () => {
  beforeEach(async () => {
    await h.ok('CreateService', serviceInput('web:1', { desiredCount: 1, deploymentConfiguration: WHOLE }));
  });

  it('the percents alone change only the percents', async () => {
    await h.ok('UpdateService', {
      cluster: 'demo',
      service: 'web',
      deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 100 },
    });
    expect(await described()).toEqual({ ...WHOLE, maximumPercent: 100, minimumHealthyPercent: 100 });
  });

  it('alarms sent replace the alarms whole; hooks sent replace the hooks', async () => {
    await h.ok('UpdateService', {
      cluster: 'demo',
      service: 'web',
      deploymentConfiguration: {
        alarms: { alarmNames: [], enable: false, rollback: false },
        lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_SCALE_UP'] }],
      },
    });
    expect(await described()).toEqual({
      ...WHOLE,
      alarms: { alarmNames: [], enable: false, rollback: false },
      lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_SCALE_UP'] }],
    });
  });

  it('the strategy can change, and a linear configuration is taken with LINEAR (defaults filled in)', async () => {
    await h.ok('UpdateService', {
      cluster: 'demo',
      service: 'web',
      deploymentConfiguration: { strategy: 'LINEAR', linearConfiguration: { stepPercent: 12.5 } },
    });
    expect(await described()).toEqual({
      ...WHOLE,
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 12.5, stepBakeTimeInMinutes: 6 },
    });
  });
});

describe('validation, as ECS refuses bad members', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['bake time above 24 hours', { bakeTimeInMinutes: 1441 }, /bakeTimeInMinutes must be between 0 and 1440/],
    ['negative bake time', { bakeTimeInMinutes: -1 }, /bakeTimeInMinutes must be between 0 and 1440/],
    [
      'an unknown strategy',
      { strategy: 'RED_BLACK' },
      /strategy should be one of \[ROLLING, BLUE_GREEN, LINEAR, CANARY\]/,
    ],
    [
      'alarms without rollback',
      { alarms: { alarmNames: ['a'], enable: true } },
      /alarms requires alarmNames, enable and rollback/,
    ],
    [
      'a breaker without rollback',
      { deploymentCircuitBreaker: { enable: true } },
      /requires both enable and rollback/,
    ],
    [
      'linear configuration under ROLLING',
      { linearConfiguration: { stepPercent: 10 } },
      /only valid when the deployment strategy is LINEAR/,
    ],
    [
      'canary configuration under LINEAR',
      { strategy: 'LINEAR', canaryConfiguration: {} },
      /only valid when the deployment strategy is CANARY/,
    ],
    [
      'a linear step under 3%',
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 2.5 } },
      /stepPercent must be a multiple of 0.1 between 3.0 and 100.0/,
    ],
    [
      'a canary of 0%',
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 0 } },
      /canaryPercent must be a multiple of 0.1/,
    ],
    [
      'a canary bake over 24 hours',
      { strategy: 'CANARY', canaryConfiguration: { canaryBakeTimeInMinutes: 2000 } },
      /canaryBakeTimeInMinutes must be between 0 and 1440/,
    ],
    [
      'a Lambda hook without its function',
      { lifecycleHooks: [{ lifecycleStages: ['PRE_SCALE_UP'] }] },
      /hookTargetArn is required/,
    ],
    [
      'a hook without stages',
      { lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: [] }] },
      /lifecycleStages can not be empty/,
    ],
    [
      'a hook at an unknown stage',
      { lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['LATER'] }] },
      /lifecycleStages should be one of/,
    ],
    [
      'a hook of an unknown type',
      { lifecycleHooks: [{ targetType: 'SNS', lifecycleStages: ['PRE_SCALE_UP'] }] },
      /targetType should be one of \[AWS_LAMBDA, PAUSE\]/,
    ],
    [
      'a hook timeout of 0',
      { lifecycleHooks: [{ ...HOOK, timeoutConfiguration: { timeoutInMinutes: 0 } }] },
      /timeoutInMinutes must be between 1 and 20160/,
    ],
  ];

  it.each(bad)('CreateService refuses %s', async (_what, configuration, message) => {
    await expectRefused(
      'CreateService',
      serviceInput('web:1', { deploymentConfiguration: configuration }),
      message,
    );
    const answer = await h.call('DescribeServices', { cluster: 'demo', services: ['web'] });
    expect((answer.body['failures'] as { reason: string }[])[0]?.reason).toBe('MISSING');
  });

  it.each(bad)('UpdateService refuses %s and changes nothing', async (_what, configuration, message) => {
    await h.ok('CreateService', serviceInput('web:1', { desiredCount: 1, deploymentConfiguration: WHOLE }));
    await expectRefused(
      'UpdateService',
      {
        cluster: 'demo',
        service: 'web',
        desiredCount: 3,
        deploymentConfiguration: { maximumPercent: 100, ...configuration },
      },
      message,
    );
    expect(await described()).toEqual(WHOLE);
    const out = await h.ok<{ services: { desiredCount: number }[] }>('DescribeServices', {
      cluster: 'demo',
      services: ['web'],
    });
    expect(out.services[0]!.desiredCount).toBe(1);
  });
});
