// The emulator as `npm run emulator` runs it: a CLI that prints one ready line, seeds the demo on
// request, and leaves no task process behind whether it is stopped with a signal or killed.
import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ECSClient,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  ElasticLoadBalancingV2Client,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startEmulator, createScenario } from '../../emulator/src/index.js';
import { expectWith } from '../helpers/expect-with.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'emulator/src/cli.ts');
const TSX_BIN = join(ROOT, 'node_modules/.bin/tsx');
// Fast enough that the seed's 6 tasks are healthy in about a second on a loaded 2-core machine.
const TIME_SCALE = '0.05';

interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** Lines printed on stdout so far. */
  lines: string[];
  stderr(): string;
  /** Resolves with the first `count` stdout lines, or rejects after `timeoutMs`. */
  waitForLines(count: number, timeoutMs: number): Promise<string[]>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: RunningCli[] = [];

afterEach(async () => {
  // Whatever a failed test left running: the CLI, then any of its task processes.
  for (const cli of started.splice(0)) {
    const tree = descendants(cli.child.pid as number);
    cli.child.kill('SIGKILL');
    for (const p of tree) killQuietly(p.pid);
    await exitOrTimeout(cli, 5000);
  }
});

/**
 * `npm run emulator` is `tsx emulator/src/cli.ts`; `viaTsxBin` runs exactly that (tsx relays
 * signals to the node it starts), otherwise the CLI runs in one node process with tsx's loader,
 * so that process is the emulator itself.
 */
function startCli(args: string[], viaTsxBin = false): RunningCli {
  const child = viaTsxBin
    ? spawn(TSX_BIN, [CLI, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, signal });
    }),
  );
  const cli: RunningCli = {
    child,
    lines,
    stderr: () => stderr,
    exited,
    async waitForLines(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (lines.length < count) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `emulator CLI exited (${child.exitCode ?? child.signalCode}) before printing ${count} line(s); stderr:\n${stderr}`,
          );
        }
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(
            `emulator CLI printed ${lines.length} of ${count} line(s) in ${timeoutMs} ms; stderr:\n${stderr}`,
          );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 250));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return lines.slice(0, count);
    },
  };
  started.push(cli);
  return cli;
}

interface Proc {
  pid: number;
  ppid: number;
  args: string;
}

/** Every live process below `root`, from `ps` (zombies excluded: they hold no resources). */
function descendants(root: number): Proc[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  const all = out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && !(m[3] ?? '').startsWith('Z'))
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[4] ?? '' }));
  const found: Proc[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop() as number;
    for (const p of all) {
      if (p.ppid === parent) {
        found.push(p);
        frontier.push(p.pid);
      }
    }
  }
  return found;
}

const taskChildren = (procs: Proc[]): Proc[] => procs.filter((p) => p.args.includes('task-child.mjs'));

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * The CLI's exit, or 'timeout' after `ms`. The timer is cleared either way: one left pending kept
 * jest's process alive for up to 30 s after the last test.
 */
async function exitOrTimeout(
  cli: RunningCli,
  ms: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([cli.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch {
    return true;
  }
}

function clients(endpoint: string): { ecs: ECSClient; elbv2: ElasticLoadBalancingV2Client } {
  const config = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  return { ecs: new ECSClient(config), elbv2: new ElasticLoadBalancingV2Client(config) };
}

const READY_LINE = /^emulator ready: (http:\/\/127\.0\.0\.1:(\d+)) /;
const DEMO_LINE = /^demo listener: (http:\/\/127\.0\.0\.1:\d+) \(cluster demo, service web\)$/;

describe('emulator CLI', () => {
  it('prints exactly one ready line with its endpoint, serves both APIs there, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const cli = startCli(['--port', String(port), '--time-scale', TIME_SCALE]);
    const [ready] = await cli.waitForLines(1, 30_000);
    const match = READY_LINE.exec(ready ?? '');
    expectWith(match, `ready line: ${ready}`).not.toBeNull();
    const endpoint = match?.[1] as string;
    expect(Number(match?.[2])).toBe(port);

    const { ecs, elbv2 } = clients(endpoint);
    try {
      // An empty emulator: both protocols answer on the one port.
      const described = await ecs
        .send(new DescribeServicesCommand({ cluster: 'default', services: ['none'] }))
        .catch((e: Error) => e);
      expect(described).toBeInstanceOf(Error);
      expect((described as Error).name).toBe('ClusterNotFoundException');
      expect((await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups).toEqual([]);
    } finally {
      ecs.destroy();
      elbv2.destroy();
    }

    cli.child.kill('SIGTERM');
    const exit = await exitOrTimeout(cli, 15_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(cli.lines).toEqual([ready]);
    expect(await refused(`${endpoint}/_emulator/health`)).toBe(true);
  });

  it('refuses a bad option value with the usage and exit code 2, before starting anything', async () => {
    const cli = startCli(['--seed', 'nonsense']);
    const exit = await exitOrTimeout(cli, 30_000);
    expect(exit).toEqual({ code: 2, signal: null });
    expect(cli.stderr()).toMatch(/--seed knows only "demo"[\s\S]*usage: npm run emulator/);
    expect(cli.lines).toEqual([]);
  });

  it('--fault (repeatable) sets fault rules at start and --draining-counts-toward-maximum the ECS reading; both show over HTTP', async () => {
    const port = await freePort();
    const rules = [
      { operation: 'DescribeClusters', service: 'ecs', error: { code: 'ServerException', httpStatus: 503 } },
      { operation: 'DescribeTargetGroups', latencyMs: 1, times: 5 },
    ];
    const cli = startCli([
      '--port',
      String(port),
      '--time-scale',
      TIME_SCALE,
      '--draining-counts-toward-maximum',
      ...rules.flatMap((rule) => ['--fault', JSON.stringify(rule)]),
    ]);
    const [ready] = await cli.waitForLines(1, 30_000);
    const endpoint = READY_LINE.exec(ready ?? '')?.[1] as string;
    const listed = (await (await fetch(`${endpoint}/_emulator/faults`)).json()) as { rules: unknown[] };
    expect(listed.rules).toEqual(rules);
    const state = (await (await fetch(`${endpoint}/_emulator/state`)).json()) as {
      ecs: { settings: unknown };
    };
    expect(state.ecs.settings).toEqual({ drainingCountsTowardMaximum: true });
    const { ecs, elbv2 } = clients(endpoint);
    try {
      const failed = await ecs.send(new DescribeClustersCommand({})).catch((e: Error) => e);
      expect((failed as Error).name).toBe('ServerException');
      expect((failed as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(503);
    } finally {
      ecs.destroy();
      elbv2.destroy();
    }
    cli.child.kill('SIGTERM');
    expect(await Promise.race([cli.exited, sleep(15_000).then(() => 'timeout' as const)])).toEqual({
      code: 0,
      signal: null,
    });
  });

  it('refuses a --fault that is not a valid rule, naming what is wrong, with exit code 2', async () => {
    const cli = startCli(['--fault', '{"operation":"DescribeServices","rate":2,"drop":true}']);
    const exit = await Promise.race([cli.exited, sleep(30_000).then(() => 'timeout' as const)]);
    expect(exit).toEqual({ code: 2, signal: null });
    expect(cli.stderr()).toMatch(/--fault .*fault rate must be within 0\.\.1[\s\S]*usage: npm run emulator/);
    expect(cli.lines).toEqual([]);
  });

  it('--seed demo: prints the listener URL, serves the demo service through it, and SIGTERM (through tsx, as npm run does) leaves no task process', async () => {
    const port = await freePort();
    const cli = startCli(['--port', String(port), '--seed', 'demo', '--time-scale', TIME_SCALE], true);
    const [ready, demoLine] = await cli.waitForLines(2, 60_000);
    const endpoint = READY_LINE.exec(ready ?? '')?.[1];
    const listenerUrl = DEMO_LINE.exec(demoLine ?? '')?.[1];
    expectWith(endpoint, `ready line: ${ready}`).toBeDefined();
    expectWith(listenerUrl, `demo line: ${demoLine}`).toBeDefined();

    const { ecs, elbv2 } = clients(endpoint as string);
    try {
      const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] })))
        .services?.[0];
      expect(service?.runningCount).toBe(6);
      expect(service?.deploymentConfiguration).toMatchObject({
        minimumHealthyPercent: 100,
        maximumPercent: 200,
      });
      expect(service?.taskDefinition).toMatch(/:task-definition\/web:1$/);
      const targetGroupArn = service?.loadBalancers?.[0]?.targetGroupArn as string;
      const [group] =
        (await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] })))
          .TargetGroups ?? [];
      expect(group).toMatchObject({ TargetGroupName: 'web', TargetType: 'ip', HealthCheckPath: '/health' });
      const health =
        (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })))
          .TargetHealthDescriptions ?? [];
      expect(health.map((d) => d.TargetHealth?.State)).toEqual(Array(6).fill('healthy'));

      // `npm run demo` deploys examples/task-definitions/web.json onto this service, changing only
      // the image: the seed's web:1 must agree with it on everything else a rollout looks at.
      const example = JSON.parse(readFileSync(join(ROOT, 'examples/task-definitions/web.json'), 'utf8')) as {
        family: string;
        containerDefinitions: { name: string; portMappings: { containerPort: number }[] }[];
      };
      const web1 = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' })))
        .taskDefinition;
      expect(web1?.family).toBe(example.family);
      expect(web1?.containerDefinitions?.map((c) => [c.name, c.portMappings?.[0]?.containerPort])).toEqual(
        example.containerDefinitions.map((c) => [c.name, c.portMappings[0]?.containerPort]),
      );
    } finally {
      ecs.destroy();
      elbv2.destroy();
    }

    const answer = await fetch(listenerUrl as string, { signal: AbortSignal.timeout(5000) });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-task-definition')).toBe('web:1');

    const tasks = taskChildren(descendants(cli.child.pid as number));
    expect(tasks).toHaveLength(6);

    cli.child.kill('SIGTERM');
    const exit = await exitOrTimeout(cli, 20_000);
    expect(exit).not.toBe('timeout');
    await until('every task process to exit', () => tasks.every((t) => !alive(t.pid)), 5000);
    expect(cli.lines).toHaveLength(2);
    expect(await refused(listenerUrl as string)).toBe(true);
  });

  it('killed with SIGKILL, it leaves no orphan task process', async () => {
    const port = await freePort();
    const cli = startCli(['--port', String(port), '--seed', 'demo', '--time-scale', TIME_SCALE]);
    const [, demoLine] = await cli.waitForLines(2, 60_000);
    const listenerUrl = DEMO_LINE.exec(demoLine ?? '')?.[1] as string;
    const tasks = taskChildren(descendants(cli.child.pid as number));
    expect(tasks).toHaveLength(6);
    // Their parent is the emulator itself, so nobody is left to stop them but the tasks themselves.
    expect(tasks.every((t) => t.ppid === cli.child.pid)).toBe(true);

    cli.child.kill('SIGKILL');
    await cli.exited;
    await until(
      'every task process of the killed emulator to exit',
      () => tasks.every((t) => !alive(t.pid)),
      10_000,
    );
    expect(await refused(listenerUrl)).toBe(true);
  });
});

describe('startEmulator from code', () => {
  it('stop() resolves only once every task process it started has exited', async () => {
    const emulator = await startEmulator({ taskRuntime: 'process', timeScale: 0.05 });
    let tasks: Proc[] = [];
    try {
      await createScenario(emulator.endpoint, {
        cluster: 'lifecycle',
        service: 'web',
        desiredCount: 3,
        taskDefinition: {
          family: 'lifecycle-web',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          // Its own port, so tasks of emulators in parallel test files never share an address.
          containerDefinitions: [
            { name: 'web', image: 'demo/web:1', essential: true, portMappings: [{ containerPort: 18_083 }] },
          ],
        },
        waitForSteadyState: true,
        waitTimeoutMs: 30_000,
      });
      tasks = taskChildren(descendants(process.pid));
      expect(tasks).toHaveLength(3);
    } finally {
      await emulator.stop();
    }
    // No waiting here: stop() itself must not resolve while a task process lives.
    expect(tasks.filter((t) => alive(t.pid))).toEqual([]);
    expect(taskChildren(descendants(process.pid))).toEqual([]);
  });
});
