// The call log's wire capture (`recordWire`): off by default; when on, each record keeps the request
// body as received and the answer's body as sent, marks injected faults, and keeps no answer for a
// dropped connection.
import { afterAll, describe, expect, it } from '@jest/globals';
import { DescribeClustersCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startServer } from '../../emulator/src/server.js';
import type { RunningServer } from '../../emulator/src/server.js';
import { createCallLog } from '../../emulator/src/call-log.js';
import type { CallLog } from '../../emulator/src/call-log.js';
import { createFaultInjector } from '../../emulator/src/faults.js';
import { dummyCredentials, fakeEcs, fakeElbv2 } from './server-fake-protocols.js';

describe('wire capture', () => {
  const servers: RunningServer[] = [];
  const clients: { destroy(): void }[] = [];
  const faults = createFaultInjector();

  const start = async (
    recordWire: boolean,
  ): Promise<{ log: CallLog; ecs: ECSClient; elbv2: ElasticLoadBalancingV2Client }> => {
    const log = createCallLog();
    const server = await startServer({
      region: 'us-east-1',
      protocols: [fakeEcs(), fakeElbv2()],
      calls: log,
      faults,
      recordWire,
    });
    servers.push(server);
    const config = {
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: dummyCredentials,
      maxAttempts: 1,
    };
    const ecs = new ECSClient(config);
    const elbv2 = new ElasticLoadBalancingV2Client(config);
    clients.push(ecs, elbv2);
    return { log, ecs, elbv2 };
  };

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('is off by default', async () => {
    const { log, ecs } = await start(false);
    await ecs.send(new DescribeClustersCommand({ clusters: ['a'] }));
    expect(log.all()).toHaveLength(1);
    expect(log.all()[0]?.wire).toBeUndefined();
  });

  it('keeps both bodies of a JSON and of a Query call, exactly as they crossed the wire', async () => {
    const { log, ecs, elbv2 } = await start(true);
    const ecsAnswer = await ecs.send(new DescribeClustersCommand({ clusters: ['a'] }));
    await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web'] }));
    const [ecsCall, elbCall] = log.all();
    expect(JSON.parse(ecsCall?.wire?.request ?? '')).toEqual({ clusters: ['a'] });
    const { $metadata: _, ...answered } = ecsAnswer;
    expect(JSON.parse(ecsCall?.wire?.response ?? '')).toMatchObject(answered);
    expect(new URLSearchParams(elbCall?.wire?.request).get('Names.member.1')).toBe('web');
    expect(elbCall?.wire?.response).toMatch(/^<DescribeTargetGroupsResponse /);
    expect(elbCall?.wire?.injected).toBeUndefined();
  });

  it('marks an injected error, and keeps no answer for a dropped connection', async () => {
    const { log, ecs } = await start(true);
    faults.add({
      operation: 'DescribeClusters',
      error: { code: 'ServerException', httpStatus: 500 },
      times: 1,
    });
    await ecs.send(new DescribeClustersCommand({ clusters: ['a'] })).catch(() => undefined);
    faults.add({ operation: 'DescribeClusters', drop: true, times: 1 });
    await ecs.send(new DescribeClustersCommand({ clusters: ['a'] })).catch(() => undefined);
    const [faulted, dropped] = log.all();
    expect(faulted?.status).toBe(500);
    expect(faulted?.wire).toMatchObject({ injected: true });
    expect(JSON.parse(faulted?.wire?.response ?? '')).toMatchObject({ __type: 'ServerException' });
    expect(dropped?.status).toBe(0);
    expect(dropped?.wire).toEqual({ request: '{"clusters":["a"]}', injected: true });
  });
});
