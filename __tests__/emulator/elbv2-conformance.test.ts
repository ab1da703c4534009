// Conformance of the ELBv2 answers' shapes with moto (a Python AWS mock nobody here wrote): the same
// calls, through the same SDK client, against `python3 -m moto.server` and the emulator. moto keeps
// state but runs no health check, so only shapes are compared: every member moto answers (key path
// and type) must be in the emulator's answer too, and errors must carry the same code and status.
// Skipped, with a message, where moto is not installed.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startHarness } from './elbv2-harness.js';
import type { Harness } from './elbv2-harness.js';

const motoAvailable =
  spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
if (!motoAvailable)
  console.warn(
    'elbv2-conformance: skipped, `python3 -c "import moto.server"` fails here (pip install "moto[server]")',
  );

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * Members moto answers that AWS does not for these calls: moto gives every listener an `SslPolicy`
 * (ELBSecurityPolicy-2016-08 by default) and an `AlpnPolicy` list, while AWS sets them only on HTTPS/TLS listeners (Listener in the
 * API reference: "[HTTPS or TLS listener] The security policy ...").
 */
const MOTO_ONLY = new Set(['Listeners[].SslPolicy', 'Listeners[].AlpnPolicy']);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A Query call to moto's EC2 (routed by the credential scope), for its default VPC's subnets. */
async function motoDefaultNetwork(endpoint: string): Promise<{ vpcId: string; subnets: string[] }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'Action=DescribeSubnets&Version=2016-11-15',
    signal: AbortSignal.timeout(10_000),
  });
  const xml = await response.text();
  const subnets = [...xml.matchAll(/<subnetId>([^<]+)<\/subnetId>/g)].map((m) => m[1] ?? '');
  const vpcId = /<vpcId>([^<]+)<\/vpcId>/.exec(xml)?.[1];
  if (!vpcId || subnets.length < 2)
    throw new Error(`moto has no default VPC with two subnets: ${xml.slice(0, 300)}`);
  return { vpcId, subnets: subnets.slice(0, 2) };
}

/** `path -> type` for every member of an SDK output, lists merged under `[]`. */
function shapeOf(value: unknown, path = '', into = new Map<string, string>()): Map<string, string> {
  if (value instanceof Date) into.set(path, 'Date');
  else if (Array.isArray(value)) {
    into.set(path, 'array');
    for (const item of value) shapeOf(item, `${path}[]`, into);
  } else if (value !== null && typeof value === 'object') {
    into.set(path, 'object');
    for (const [key, member] of Object.entries(value)) {
      if (key === '$metadata' || member === undefined) continue;
      shapeOf(member, path === '' ? key : `${path}.${key}`, into);
    }
  } else into.set(path, typeof value);
  return into;
}

type Outcome = { ok: true; output: unknown } | { ok: false; name: string; status: number | undefined };

/** The same script of calls against one endpoint; every answer (or error) by a label. */
async function script(
  client: ElasticLoadBalancingV2Client,
  network: { vpcId: string; subnets: string[] },
): Promise<Map<string, Outcome>> {
  const results = new Map<string, Outcome>();
  const call = async <T>(label: string, send: () => Promise<T>): Promise<T | undefined> => {
    try {
      const output = await send();
      results.set(label, { ok: true, output });
      return output;
    } catch (error) {
      if (!(error instanceof ElasticLoadBalancingV2ServiceException)) throw error;
      results.set(label, { ok: false, name: error.name, status: error.$metadata.httpStatusCode });
      return undefined;
    }
  };
  const lb = await call('CreateLoadBalancer', () =>
    client.send(new CreateLoadBalancerCommand({ Name: 'conf-alb', Subnets: network.subnets })),
  );
  const lbArn = lb?.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  await call('DescribeLoadBalancers', () =>
    client.send(new DescribeLoadBalancersCommand({ Names: ['conf-alb'] })),
  );
  const tg = await call('CreateTargetGroup', () =>
    client.send(
      new CreateTargetGroupCommand({
        Name: 'conf-tg',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: network.vpcId,
        TargetType: 'ip',
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 4,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 3,
        Matcher: { HttpCode: '200' },
      }),
    ),
  );
  const tgArn = tg?.TargetGroups?.[0]?.TargetGroupArn ?? '';
  await call('DescribeTargetGroups', () =>
    client.send(new DescribeTargetGroupsCommand({ Names: ['conf-tg'] })),
  );
  await call('DescribeTargetGroupAttributes', () =>
    client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn })),
  );
  await call('ModifyTargetGroupAttributes', () =>
    client.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tgArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }],
      }),
    ),
  );
  const listener = await call('CreateListener', () =>
    client.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
      }),
    ),
  );
  await call('DescribeListeners', () =>
    client.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn })),
  );
  await call('DescribeTargetGroups(LoadBalancerArn)', () =>
    client.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn })),
  );
  // 127.0.0.250:1 is closed: the emulator's health checks of it fail fast.
  const target = { Id: '127.0.0.250', Port: 1 };
  await call('RegisterTargets', () =>
    client.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [target] })),
  );
  await call('DescribeTargetHealth', () =>
    client.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn })),
  );
  await call('DeregisterTargets', () =>
    client.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [target] })),
  );

  await call('error: DescribeTargetGroups unknown name', () =>
    client.send(new DescribeTargetGroupsCommand({ Names: ['no-such-tg'] })),
  );
  await call('error: DescribeLoadBalancers unknown name', () =>
    client.send(new DescribeLoadBalancersCommand({ Names: ['no-such-alb'] })),
  );
  const listenerArn = listener?.Listeners?.[0]?.ListenerArn ?? '';
  await call('error: DescribeListeners unknown ARN', () =>
    client.send(new DescribeListenersCommand({ ListenerArns: [`${listenerArn.slice(0, -4)}0000`] })),
  );
  await call('error: CreateTargetGroup same name, other port', () =>
    client.send(
      new CreateTargetGroupCommand({
        Name: 'conf-tg',
        Protocol: 'HTTP',
        Port: 9090,
        VpcId: network.vpcId,
        TargetType: 'ip',
      }),
    ),
  );
  return results;
}

describe.skipIf(!motoAvailable)('ELBv2 answers have the shapes moto gives them', () => {
  let moto: ChildProcess | undefined;
  let motoClient: ElasticLoadBalancingV2Client;
  let h: Harness;
  let ours: Map<string, Outcome>;
  let theirs: Map<string, Outcome>;

  beforeAll(async () => {
    const port = await freePort();
    moto = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) }).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error('moto.server did not start within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // moto answers its own bugs with HTML 500s: never retry against it.
    motoClient = new ElasticLoadBalancingV2Client({
      endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    h = await startHarness(0.05);
    const network = await motoDefaultNetwork(endpoint);
    theirs = await script(motoClient, network);
    ours = await script(h.client, network);
  });
  afterAll(async () => {
    motoClient?.destroy();
    await h?.stop();
    if (moto?.exitCode === null) {
      const exited = new Promise((resolve) => moto?.once('exit', resolve));
      moto.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (moto.exitCode === null) moto.kill('SIGKILL');
    }
  });

  it('answers every call of the script where moto does, with every member moto has', () => {
    const problems: string[] = [];
    for (const [label, theirOutcome] of theirs) {
      const ourOutcome = ours.get(label);
      if (!ourOutcome) {
        problems.push(`${label}: no answer from the emulator`);
        continue;
      }
      if (!theirOutcome.ok) {
        if (ourOutcome.ok)
          problems.push(`${label}: moto fails with ${theirOutcome.name}, the emulator succeeds`);
        else if (ourOutcome.name !== theirOutcome.name || ourOutcome.status !== theirOutcome.status) {
          problems.push(
            `${label}: moto ${theirOutcome.name}/${theirOutcome.status}, emulator ${ourOutcome.name}/${ourOutcome.status}`,
          );
        }
        continue;
      }
      if (!ourOutcome.ok) {
        problems.push(`${label}: the emulator fails with ${ourOutcome.name}, moto succeeds`);
        continue;
      }
      const ourShape = shapeOf(ourOutcome.output);
      for (const [path, type] of shapeOf(theirOutcome.output)) {
        const mine = ourShape.get(path);
        if (mine !== type && !MOTO_ONLY.has(path))
          problems.push(`${label}: ${path} is ${type} in moto, ${mine ?? 'missing'} in the emulator`);
      }
    }
    expect(problems).toEqual([]);
    // The script really ran: both sides answered every call.
    expect([...theirs.keys()]).toEqual([...ours.keys()]);
    expect(theirs.size).toBe(16);
  });
});
