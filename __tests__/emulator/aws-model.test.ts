// The emulator's wire traffic against AWS's own service models (botocore's, the definitions AWS
// generates its SDKs from): every operation the emulator serves, driven through the real SDK
// clients with wire capture on, each request, answer and error checked for member names, types,
// required members and enum values. Zero problems is the bar; anything the emulator cannot match is
// written down in emulator/README.md ("Known differences from AWS's models"). Skipped, with the
// reason, where botocore is not installed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startEmulator } from '../../emulator/src/index.js';
import type { Emulator } from '../../emulator/src/index.js';
import { formatProblems, loadAwsModels, validateCallRecords } from '../helpers/aws-model/index.js';
import type { AwsModels } from '../helpers/aws-model/index.js';
import { expectWith } from '../helpers/expect-with.js';
import { driveEcs } from './aws-model-ecs-traffic.js';
import { driveElbv2, MALFORMED_REQUEST, TARGET_STATES } from './aws-model-elbv2-traffic.js';
import { servedOperations } from './aws-model-served.js';

const loaded = loadAwsModels();
if ('missing' in loaded)
  console.warn(`aws-model.test: SKIPPED: AWS's service models are not here: ${loaded.missing}`);
const models = 'models' in loaded ? loaded.models : undefined;

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  // One attempt: a retry would hide an answer, and the throttled calls must stay throttled.
  maxAttempts: 1,
});

(models ? describe : describe.skip)(
  `the emulator against botocore ${models?.botocoreVersion ?? '(absent)'}'s models`,
  () => {
    const m = models as AwsModels;

    describe('ECS (JSON 1.1)', () => {
      let emulator: Emulator;
      let ecs: ECSClient;
      beforeAll(async () => {
        emulator = await startEmulator({ recordWire: true, taskRuntime: 'in-process', timeScale: 0.05 });
        ecs = new ECSClient(clientConfig(emulator.endpoint));
      });
      afterAll(async () => {
        ecs.destroy();
        await emulator.stop();
      });

      it('answers every ECS operation it serves as the model says, errors included', async () => {
        const served = await servedOperations(emulator.endpoint, m);
        emulator.clearCalls(); // the probes are not traffic to check
        await driveEcs(emulator, ecs, new Set(served.ecs));
        const calls = emulator.calls();
        const problems = validateCallRecords(calls, (i) => `call ${i}`, m);
        expectWith(problems, formatProblems(problems)).toEqual([]);

        // Not vacuous: every call was captured and checked, every served operation called, the
        // documented errors answered.
        expect(calls.every((c) => c.wire !== undefined)).toBe(true);
        const called = new Set(calls.filter((c) => c.service === 'ecs').map((c) => c.operation));
        expectWith(
          served.ecs.filter((op) => !called.has(op)),
          'served ECS operations this test never calls: add them to aws-model-ecs-traffic.ts',
        ).toEqual([]);
        expect(served.ecs.length).toBeGreaterThanOrEqual(18);
        const errors = new Set(calls.map((c) => c.errorCode));
        for (const code of [
          'ClusterNotFoundException',
          'ServiceNotFoundException',
          'ServiceNotActiveException',
          'ClientException',
          'InvalidParameterException',
          'ThrottlingException',
        ])
          expectWith(errors.has(code), code).toBe(true);
      });
    });

    describe('ELBv2 (Query)', () => {
      let emulator: Emulator;
      let elbv2: ElasticLoadBalancingV2Client;
      beforeAll(async () => {
        // Slower than the ECS half: `initial` / Elb.RegistrationInProgress lasts 1 AWS second, 250 ms
        // here, ample for the DescribeTargetHealth sent right after RegisterTargets to see it.
        emulator = await startEmulator({ recordWire: true, taskRuntime: 'in-process', timeScale: 0.25 });
        elbv2 = new ElasticLoadBalancingV2Client(clientConfig(emulator.endpoint));
      });
      afterAll(async () => {
        elbv2.destroy();
        await emulator.stop();
      });

      it('answers every ELBv2 operation it serves as the model says, in every target state, errors included', async () => {
        const served = await servedOperations(emulator.endpoint, m);
        emulator.clearCalls(); // the probes are not traffic to check
        const { statesSeen } = await driveElbv2(emulator, elbv2);
        const calls = emulator.calls();
        const problems = validateCallRecords(calls, (i) => `call ${i}`, m);
        // The one request sent against the model on purpose is caught, and nothing else is wrong.
        const malformed = problems.filter(
          (p) =>
            p.operation === MALFORMED_REQUEST.operation &&
            p.part === 'request' &&
            p.path === MALFORMED_REQUEST.path,
        );
        expect(malformed).toHaveLength(1);
        const rest = problems.filter((p) => !malformed.includes(p));
        expectWith(rest, formatProblems(rest)).toEqual([]);

        expect(calls.every((c) => c.wire !== undefined)).toBe(true);
        expectWith([...statesSeen].sort(), 'DescribeTargetHealth states seen').toEqual(
          expect.arrayContaining([...TARGET_STATES]),
        );
        const called = new Set(calls.filter((c) => c.service === 'elbv2').map((c) => c.operation));
        expectWith(
          served.elbv2.filter((op) => !called.has(op)),
          'served ELBv2 operations this test never calls: add them to aws-model-elbv2-traffic.ts',
        ).toEqual([]);
        expect(served.elbv2.length).toBeGreaterThanOrEqual(12);
        const errors = new Set(calls.map((c) => c.errorCode));
        for (const code of [
          'LoadBalancerNotFound',
          'TargetGroupNotFound',
          'ListenerNotFound',
          'DuplicateLoadBalancerName',
          'DuplicateTargetGroupName',
          'DuplicateListener',
          'TargetGroupAssociationLimit',
          'InvalidTarget',
          'TooManyTargets',
          'ResourceInUse',
          'ValidationError',
          'Throttling',
        ])
          expectWith(errors.has(code), code).toBe(true);
      });
    });
  },
);
