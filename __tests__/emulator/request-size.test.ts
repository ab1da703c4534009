// Over-large requests get AWS's answers, not a dropped connection: a task definition over 64 KiB is
// RegisterTaskDefinition's ClientException; a body over the front end's limit is its HTTP 413
// (emulator/src/server.ts, MAX_REQUEST_BODY_BYTES), for either protocol; the emulator answers
// normally afterwards.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ClientException,
  DescribeClustersCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { startEmulator } from '../../emulator/src/index.js';
import type { Emulator } from '../../emulator/src/index.js';
import { MAX_REQUEST_BODY_BYTES } from '../../emulator/src/server.js';

let emulator: Emulator;
let ecs: ECSClient;

beforeAll(async () => {
  emulator = await startEmulator({ taskRuntime: 'in-process' });
  ecs = new ECSClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  ecs?.destroy();
  await emulator?.stop();
});

/** A task definition whose one environment variable makes it about `bytes` long. */
const definitionOf = (bytes: number): RegisterTaskDefinitionCommandInput => ({
  family: 'big',
  containerDefinitions: [
    {
      name: 'app',
      image: 'demo/app:1',
      memory: 128,
      environment: [{ name: 'PAD', value: 'x'.repeat(bytes) }],
    },
  ],
});

describe('request size', () => {
  it('a task definition over 64 KiB is ClientException with the lengths, as ECS answers it; one under is registered', async () => {
    const error = await ecs
      .send(new RegisterTaskDefinitionCommand(definitionOf(70_000)))
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(ClientException);
    expect((error as Error).message).toMatch(
      /^Actual length: '7\d{4}'\. Max allowed length is '65536' bytes\.$/,
    );
    const ok = await ecs.send(new RegisterTaskDefinitionCommand(definitionOf(60_000)));
    expect(ok.taskDefinition?.revision).toBe(1);
  });

  it("an ECS body over the limit is HTTP 413 with the front end's plain-text answer, and is logged", async () => {
    const res = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition',
      },
      body: JSON.stringify(definitionOf(MAX_REQUEST_BODY_BYTES)),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('text; charset=utf-8');
    expect(await res.text()).toBe(`HTTP content length exceeded ${MAX_REQUEST_BODY_BYTES} bytes.`);
    expect(emulator.calls().at(-1)).toMatchObject({
      service: 'ecs',
      operation: 'RegisterTaskDefinition',
      status: 413,
      mutating: true,
    });
  });

  it('through the SDK it is an answer with HTTP status 413, not a network error', async () => {
    const error = await ecs
      .send(new RegisterTaskDefinitionCommand(definitionOf(MAX_REQUEST_BODY_BYTES + 1)))
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(413);
    // The same client goes on working.
    expect((await ecs.send(new DescribeClustersCommand({ clusters: ['none'] }))).failures).toHaveLength(1);
  });

  it('an ELBv2 Query body over the limit is HTTP 413 too', async () => {
    const res = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=DescribeTargetGroups&Version=2015-12-01&Names.member.1=${'x'.repeat(MAX_REQUEST_BODY_BYTES)}`,
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe(`HTTP content length exceeded ${MAX_REQUEST_BODY_BYTES} bytes.`);
  });
});
