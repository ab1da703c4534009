// `/_emulator/faults` over real HTTP (emulator/src/fault-admin.ts): add a rule from outside the
// emulator's process, see it fire through the real SDK, list it, clear it; invalid rules are a 400
// that says what is wrong.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateClusterCommand,
  DescribeClustersCommand,
  ECSClient,
  ServerException,
} from '@aws-sdk/client-ecs';
import { startEmulator } from '../../emulator/src/index.js';
import type { Emulator } from '../../emulator/src/index.js';

let emulator: Emulator;
let ecs: ECSClient;
let url: string;

beforeAll(async () => {
  emulator = await startEmulator({ taskRuntime: 'in-process' });
  url = `${emulator.endpoint}/_emulator/faults`;
  ecs = new ECSClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
});
afterAll(async () => {
  ecs?.destroy();
  await emulator?.stop();
});
beforeEach(() => emulator.clearFaults());

const post = async (body: string): Promise<{ status: number; json: Record<string, unknown> }> => {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
const list = async (): Promise<unknown[]> =>
  ((await (await fetch(url)).json()) as { rules: unknown[] }).rules;

describe('POST, GET, DELETE /_emulator/faults', () => {
  it('a posted rule fires on the next matching call, shows what is left of it, and is spent after `times`', async () => {
    const rule = {
      operation: 'DescribeClusters',
      service: 'ecs',
      error: { code: 'ServerException', httpStatus: 500, message: 'injected over HTTP' },
      times: 2,
    };
    const added = await post(JSON.stringify(rule));
    expect(added).toEqual({ status: 200, json: { rule, rules: [rule] } });

    const first = await ecs.send(new DescribeClustersCommand({ clusters: ['demo'] })).catch((e: Error) => e);
    expect(first).toBeInstanceOf(ServerException);
    expect((first as Error).message).toBe('injected over HTTP');
    expect(await list()).toEqual([{ ...rule, times: 1 }]);
    await expect(ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }))).rejects.toBeInstanceOf(
      ServerException,
    );
    expect(await list()).toEqual([]);
    const after = await ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }));
    expect(after.clusters?.map((c) => c.clusterName)).toEqual(['demo']);
    // The call log shows the faulted calls as any other.
    const codes = emulator
      .calls()
      .filter((c) => c.operation === 'DescribeClusters')
      .map((c) => c.errorCode ?? c.status);
    expect(codes.slice(-3)).toEqual(['ServerException', 'ServerException', 200]);
  });

  it('DELETE clears every rule', async () => {
    await post(JSON.stringify({ operation: '*', latencyMs: 1 }));
    await post(JSON.stringify({ operation: 'DescribeClusters', drop: true }));
    const res = await fetch(url, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ cleared: 2 });
    expect(await list()).toEqual([]);
    expect((await ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }))).clusters).toHaveLength(1);
  });

  it('an invalid rule is a 400 naming the problem, and adds nothing', async () => {
    const cases: [string, RegExp][] = [
      ['not json', /fault rule as JSON/],
      ['[]', /JSON object/],
      [JSON.stringify({ latencyMs: 5 }), /needs an operation/],
      [JSON.stringify({ operation: 'X', drop: true, rate: 2 }), /0\.\.1/],
      [JSON.stringify({ operation: 'X' }), /does nothing/],
      [JSON.stringify({ operation: 'X', drop: 'yes' }), /drop must be true or false/],
      [JSON.stringify({ operation: 'X', drop: true, service: 'sqs' }), /"ecs", "elbv2" or "cloudwatch"/],
      [JSON.stringify({ operation: 'X', drop: true, times: 0 }), /times must be a whole number/],
      [JSON.stringify({ operation: 'X', error: { httpStatus: 500 } }), /error needs a code/],
      [JSON.stringify({ operation: 'X', error: { code: 'E', httpStatus: 200 } }), /400\.\.599/],
      [JSON.stringify({ operation: 'X', drop: true, dropp: true }), /unknown fault rule field "dropp"/],
    ];
    for (const [body, message] of cases) {
      const answer = await post(body);
      expect(answer.status).toBe(400);
      expect(String(answer.json['message'])).toMatch(message);
    }
    expect(await list()).toEqual([]);
  });

  it('other methods are a 405 with Allow', async () => {
    const res = await fetch(url, { method: 'PUT', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST, DELETE');
  });
});
