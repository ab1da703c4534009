// Shared by the elbv2-*.test.ts files: the ELBv2 part behind the real protocol server, a real SDK
// client pointed at it, and small HTTP servers on their own 127.0.0.x addresses to act as targets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ElasticLoadBalancingV2Client,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  CreateListenerCommand,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createClock } from '../../emulator/src/clock.js';
import { startServer } from '../../emulator/src/server.js';
import { createElbv2 } from '../../emulator/src/elbv2/index.js';
import type { Clock, Elbv2Part } from '../../emulator/src/contracts.js';

export const REGION = 'us-east-1';
export const VPC = 'vpc-0123456789abcdef0';
export const SUBNETS = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'];

export interface Harness {
  elbv2: Elbv2Part;
  client: ElasticLoadBalancingV2Client;
  clock: Clock;
  endpoint: string;
  stop(): Promise<void>;
}

export async function startHarness(timeScale: number): Promise<Harness> {
  const clock = createClock(timeScale);
  const elbv2 = createElbv2({ clock, log: () => undefined });
  const server = await startServer({ region: REGION, protocols: [elbv2.protocol] });
  const client = new ElasticLoadBalancingV2Client({
    endpoint: server.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return {
    elbv2,
    client,
    clock,
    endpoint: server.endpoint,
    async stop() {
      client.destroy();
      await server.close();
      await elbv2.stop();
      clock.dispose();
    },
  };
}

export interface GroupSetup {
  name: string;
  healthCheck?: {
    path?: string;
    intervalSeconds?: number;
    timeoutSeconds?: number;
    healthy?: number;
    unhealthy?: number;
    matcher?: string;
  };
  deregistrationDelaySeconds?: number;
  /** Create a load balancer and a listener forwarding to the group (default true). */
  listener?: boolean;
}

/** A load balancer, an ip target group and (by default) a listener; returns their ARNs and the listener's URL. */
export async function setupGroup(
  h: Harness,
  setup: GroupSetup,
): Promise<{ targetGroupArn: string; loadBalancerArn?: string; listenerArn?: string; url?: string }> {
  const hc = setup.healthCheck ?? {};
  const tg = await h.client.send(
    new CreateTargetGroupCommand({
      Name: setup.name,
      Protocol: 'HTTP',
      Port: 8080,
      VpcId: VPC,
      TargetType: 'ip',
      HealthCheckPath: hc.path ?? '/health',
      HealthCheckIntervalSeconds: hc.intervalSeconds ?? 5,
      HealthCheckTimeoutSeconds: hc.timeoutSeconds ?? 4,
      HealthyThresholdCount: hc.healthy ?? 2,
      UnhealthyThresholdCount: hc.unhealthy ?? 2,
      Matcher: { HttpCode: hc.matcher ?? '200' },
    }),
  );
  const targetGroupArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
  if (setup.deregistrationDelaySeconds !== undefined) {
    await h.client.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: targetGroupArn,
        Attributes: [
          { Key: 'deregistration_delay.timeout_seconds', Value: String(setup.deregistrationDelaySeconds) },
        ],
      }),
    );
  }
  if (setup.listener === false) return { targetGroupArn };
  const lb = await h.client.send(
    new CreateLoadBalancerCommand({ Name: `${setup.name}-alb`, Subnets: SUBNETS }),
  );
  const loadBalancerArn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const listener = await h.client.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
    }),
  );
  const listenerArn = listener.Listeners?.[0]?.ListenerArn ?? '';
  const url = h.elbv2.listeners().find((l) => l.listenerArn === listenerArn)?.url ?? '';
  return { targetGroupArn, loadBalancerArn, listenerArn, url };
}

export type HealthMode = 'ok' | 'fail' | 'hang';

/**
 * A target app: `/health` per `mode`; `/status/NNN` answers NNN; `/echo...` answers
 * 201 with the request it saw as JSON; any other path answers its own IP,
 * or waits for `release()` while `hold` is set.
 */
export interface FakeTarget {
  ip: string;
  port: number;
  mode: HealthMode;
  healthChecks: number;
  /** Requests to non-health paths, in arrival order. */
  served: string[];
  /** While true, non-health requests wait until `release()`. */
  hold: boolean;
  release(): void;
  /** Resolves when a held request has arrived. */
  held(): Promise<void>;
  close(): Promise<void>;
}

export async function startTarget(ip: string, mode: HealthMode = 'ok'): Promise<FakeTarget> {
  const waiting: (() => void)[] = [];
  const arrivals: (() => void)[] = [];
  let heldCount = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      target.healthChecks++;
      if (target.mode === 'hang') return; // never answers: the check times out
      res.writeHead(target.mode === 'ok' ? 200 : 500).end();
      return;
    }
    target.served.push(req.url ?? '');
    if (req.url?.startsWith('/echo')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const echo = {
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        res.writeHead(201, { 'content-type': 'application/json', 'x-target': ip }).end(JSON.stringify(echo));
      });
      return;
    }
    const fixed = /^\/status\/(\d{3})$/.exec(req.url ?? '');
    if (fixed) {
      res.writeHead(Number(fixed[1])).end();
      return;
    }
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(ip);
    };
    if (target.hold) {
      waiting.push(answer);
      heldCount++;
      for (const a of arrivals.splice(0)) a();
    } else answer();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, ip, () => resolve());
  });
  const target: FakeTarget = {
    ip,
    port: (server.address() as AddressInfo).port,
    mode,
    healthChecks: 0,
    served: [],
    hold: false,
    release() {
      for (const answer of waiting.splice(0)) answer();
    },
    held: () => (heldCount > 0 ? Promise.resolve() : new Promise<void>((resolve) => arrivals.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return target;
}

/** Polls `probe` until it returns a value other than undefined; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One GET through a listener: status and body. */
export async function get(url: string, path = '/'): Promise<{ status: number; body: string }> {
  const response = await fetch(new URL(path, url), { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}
