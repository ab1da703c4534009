import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createClock } from '../../emulator/src/clock.js';
import type { ContainerExit, ContainerSpec, TaskRuntime, TaskSpec } from '../../emulator/src/contracts.js';
import { behaviorOf } from '../../emulator/src/runtime/behavior.js';
import { createTaskRuntime } from '../../emulator/src/runtime/index.js';
import { exitReason } from '../../emulator/src/runtime/task-handle.js';

// 1 AWS second = 20 real ms.
const SCALE = 0.02;
const PORT = 8080;
// A second octet of our own, so these addresses do not collide with other suites running at once.
const OCTET = 100 + Math.floor(Math.random() * 100);
let nextHost = 1;

function task(image: string, overrides: Partial<ContainerSpec> = {}, extra: ContainerSpec[] = []): TaskSpec {
  const n = nextHost++;
  const taskId = `t${n}`;
  const environment = overrides.environment ?? {};
  return {
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/demo/${taskId}`,
    taskId,
    taskDefinition: 'web:3',
    revision: 3,
    ip: `127.${OCTET}.${n >> 8}.${n & 255 || 1}`,
    containers: [
      {
        name: 'web',
        image,
        essential: true,
        port: PORT,
        environment,
        behavior: behaviorOf(image, environment),
        stopTimeoutSeconds: 30,
        ...overrides,
      },
      ...extra,
    ],
  };
}

function idleContainer(name: string): ContainerSpec {
  return {
    name,
    image: 'sidecar:1',
    essential: false,
    environment: {},
    behavior: behaviorOf('sidecar:1', {}),
    stopTimeoutSeconds: 30,
  };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection, bounded by `timeoutMs`. */
function get(url: string, timeoutMs = 5000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on('error', reject);
  });
}

/**
 * A request the app holds (`/slow`): `received` resolves at the app's interim 102 Processing, i.e.
 * once the app has the request in hand; `answer` settles with the final answer or the error.
 */
function heldRequest(url: string, timeoutMs = 15_000): { received: Promise<void>; answer: Promise<Answer> } {
  let onReceived!: () => void;
  let onNoInterim!: (error: Error) => void;
  const received = new Promise<void>((resolve, reject) => {
    onReceived = resolve;
    onNoInterim = reject;
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('information', (info) => {
      if (info.statusCode === 102) onReceived();
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on('error', reject);
  });
  // An answer (or error) before any 102 means the app never held the request: say so at once.
  answer.then(
    () => onNoInterim(new Error(`${url} answered without a 102 Processing first`)),
    (error: Error) => onNoInterim(error),
  );
  return { received, answer };
}

async function refused(url: string): Promise<boolean> {
  try {
    await get(url, 1000);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  }
}

/** Polls `check` every 20 ms until it holds; throws after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Live task-app child pids of `ppid` (a zombie left for a non-reaping init counts as gone). */
function childPids(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.ppid === ppid && stat.state !== 'Z' && cmdline(Number(entry)).includes('task-child.mjs'))
      pids.push(Number(entry));
  }
  return pids;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

function readProcStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

const base = (spec: TaskSpec): string => `http://${spec.ip}:${PORT}`;

describe('exitReason', () => {
  it.each([
    [{ essential: true }, { exitCode: 1 }, 'none', 'Essential container exited'],
    [{ essential: false }, { exitCode: 0 }, 'none', 'Container exited'],
    [
      { essential: true },
      { exitCode: 1, error: 'listen 127.0.0.9:80: EADDRINUSE' },
      'none',
      'listen 127.0.0.9:80: EADDRINUSE',
    ],
    [{ essential: true }, { exitCode: 0 }, 'stop', undefined],
    [{ essential: true }, { exitCode: 137 }, 'stop-timeout', 'SIGKILL after stop timeout'],
    [{ essential: true }, { exitCode: 137 }, 'kill', 'SIGKILL'],
  ] as const)('%j ended %j after %s -> %s', (container, end, request, reason) => {
    expect(exitReason(container, end, request)).toBe(reason);
  });
});

describe.each(['process', 'in-process'] as const)('%s task runtime', (kind) => {
  let runtime: TaskRuntime | undefined;
  const logs: string[] = [];
  const start = (spec: TaskSpec) => {
    runtime ??= createTaskRuntime(kind, { clock: createClock(SCALE), log: (line) => logs.push(line) });
    return runtime.start(spec);
  };
  afterEach(async () => {
    await runtime?.shutdown();
    runtime = undefined;
    logs.length = 0;
  });

  it('answers with its task definition, revision, task id and container; health answers ok', async () => {
    const spec = task('web:3');
    const handle = start(spec);
    await handle.listening;

    const root = await get(`${base(spec)}/orders?id=1`);
    expect(root.status).toBe(200);
    expect(JSON.parse(root.body)).toEqual({
      taskDefinition: 'web:3',
      revision: 3,
      taskId: spec.taskId,
      container: 'web',
    });
    expect(root.headers['x-task-definition']).toBe('web:3');
    expect(root.headers['x-task-id']).toBe(spec.taskId);

    for (const path of ['/health', '/healthz', '/api/health/live']) {
      const health = await get(`${base(spec)}${path}`);
      expect([path, health.status, health.body]).toEqual([path, 200, 'ok']);
      expect(health.headers['x-task-id']).toBe(spec.taskId);
    }
  });

  it('unhealthy: the health path answers 500 from the start, other paths 200', async () => {
    const spec = task('web:unhealthy');
    const handle = start(spec);
    await handle.listening;
    expect((await get(`${base(spec)}/health`)).status).toBe(500);
    expect((await get(`${base(spec)}/`)).status).toBe(200);
  });

  it('behaviour from EMULATOR_BEHAVIOR wins over the image tag', async () => {
    const environment = { EMULATOR_BEHAVIOR: 'unhealthy' };
    const spec = task('web:2', { environment, behavior: behaviorOf('web:2', environment) });
    const handle = start(spec);
    await handle.listening;
    expect((await get(`${base(spec)}/health`)).status).toBe(500);
  });

  it('crash: exits with code 1 before listening; listening rejects', async () => {
    const spec = task('web:crash');
    const handle = start(spec);
    const exits: ContainerExit[] = [];
    handle.onExit((exit) => exits.push(exit));
    await expect(handle.listening).rejects.toThrow(/exit code 1/);
    await until('the exit to be reported', () => exits.length === 1);
    expect(exits).toEqual([{ containerName: 'web', exitCode: 1, reason: 'Essential container exited' }]);
    expect(await refused(`${base(spec)}/health`)).toBe(true);
  });

  it('an essential container that exits stops the rest of the task', async () => {
    const spec = task('web:crash', {}, [idleContainer('sidecar')]);
    const handle = start(spec);
    const exits: ContainerExit[] = [];
    handle.onExit((exit) => exits.push(exit));
    await until('both containers to exit', () => exits.length === 2);
    expect(exits).toContainEqual({ containerName: 'web', exitCode: 1, reason: 'Essential container exited' });
    // The sidecar is stopped with SIGTERM: 0 when its handler was in place, 143 (128 + SIGTERM, as
    // Docker reports it) when the signal came while its process was still starting.
    const sidecar = exits.find((exit) => exit.containerName === 'sidecar');
    expect(sidecar?.reason).toBeUndefined();
    expect([0, 143]).toContain(sidecar?.exitCode);
    // The same exits again through onExit, for a listener that subscribes late.
    const replayed: ContainerExit[] = [];
    handle.onExit((exit) => replayed.push(exit));
    expect(replayed).toHaveLength(2);
  });

  it('slow start: listens only after the scaled delay', async () => {
    const spec = task('web:slow-start-15'); // 15 AWS s = 300 ms
    const began = Date.now();
    const handle = start(spec);
    // Probe from the start until it answers. A stalled machine can only make it answer later, never
    // sooner, so "refused at first, and no answer before 300 ms" holds however loaded it is.
    const probes: { afterMs: number; refused: boolean }[] = [];
    await until('the slow-starting app to answer', async () => {
      const wasRefused = await refused(`${base(spec)}/health`);
      probes.push({ afterMs: Date.now() - began, refused: wasRefused });
      return !wasRefused;
    });
    expect(probes[0]?.refused).toBe(true);
    expect(probes.find((p) => !p.refused)?.afterMs).toBeGreaterThanOrEqual(290);
    await handle.listening;
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect((await get(`${base(spec)}/health`)).status).toBe(200);
  });

  it('stopped during its slow start: exits 0 without ever listening', async () => {
    const spec = task('web:slow-start-500'); // 10 s real: the stop lands inside it
    const handle = start(spec);
    // Running with its SIGTERM handler in place: stopped now, it is in its slow start, not booting.
    await handle.started;
    expect(await handle.stop()).toEqual([{ containerName: 'web', exitCode: 0 }]);
    await expect(handle.listening).rejects.toThrow(/before listening/);
  });

  it('unhealthy-after: health turns 500 the scaled delay after listening, other paths stay 200', async () => {
    const spec = task('web:unhealthy-after-50'); // 50 AWS s = 1 s
    const handle = start(spec);
    await handle.listening;
    expect((await get(`${base(spec)}/health`)).status).toBe(200);
    await until('health to turn 500', async () => (await get(`${base(spec)}/health`)).status === 500);
    expect((await get(`${base(spec)}/`)).status).toBe(200);
  });

  it('error rate: about that fraction of non-health requests answer 500; health is unaffected', async () => {
    const spec = task('web:error-rate-0.3');
    const handle = start(spec);
    await handle.listening;
    let failures = 0;
    for (let i = 0; i < 200; i++) {
      const answer = await get(`${base(spec)}/item/${i}`);
      expect([200, 500]).toContain(answer.status);
      if (answer.status === 500) failures++;
    }
    // Binomial(200, 0.3): mean 60, sd 6.5; 30..90 is more than 4.5 sd either side.
    expect(failures).toBeGreaterThanOrEqual(30);
    expect(failures).toBeLessThanOrEqual(90);
    for (let i = 0; i < 20; i++) expect((await get(`${base(spec)}/health`)).status).toBe(200);
  });

  it('SIGTERM: stops accepting, finishes the in-flight request, exits 0', async () => {
    // The request ends 300 ms after the app has it; SIGKILL would come 2.4 s after the stop: a wide
    // margin, so only an app that does not finish its work gracefully can fail this.
    const spec = task('web:3', { stopTimeoutSeconds: 120 });
    const handle = start(spec);
    await handle.listening;
    const inFlight = heldRequest(`${base(spec)}/slow?ms=300`);
    await inFlight.received; // the app holds it: in flight when SIGTERM comes
    const stopped = handle.stop();
    await until('new connections to be refused', () => refused(`${base(spec)}/health`), 3000);
    const answer = await inFlight.answer;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ taskId: spec.taskId });
    expect(await stopped).toEqual([{ containerName: 'web', exitCode: 0 }]);
  });

  it('SIGKILL after the stop timeout when in-flight work outlasts it: exit 137', async () => {
    const spec = task('web:3', { stopTimeoutSeconds: 10 }); // 200 ms
    const handle = start(spec);
    await handle.listening;
    const held = heldRequest(`${base(spec)}/slow?ms=10000`);
    const inFlight = held.answer.then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    );
    await held.received;
    expect(await handle.stop()).toEqual([
      { containerName: 'web', exitCode: 137, reason: 'SIGKILL after stop timeout' },
    ]);
    expect(await inFlight).toMatch(/ECONNRESET|socket hang up/);
  });

  it('kill(): exit 137 at once, in-flight requests dropped', async () => {
    const spec = task('web:3');
    const handle = start(spec);
    await handle.listening;
    const held = heldRequest(`${base(spec)}/slow?ms=10000`);
    const inFlight = held.answer.then(
      () => 'answered',
      () => 'dropped',
    );
    await held.received;
    const exits: ContainerExit[] = [];
    handle.onExit((exit) => exits.push(exit));
    handle.kill();
    expect(await inFlight).toBe('dropped');
    await until('the exit', () => exits.length === 1);
    expect(exits).toEqual([{ containerName: 'web', exitCode: 137, reason: 'SIGKILL' }]);
  });

  it('a container without a port runs idle and stops with exit 0', async () => {
    const spec = task('web:3', {}, [idleContainer('sidecar')]);
    const handle = start(spec);
    await handle.listening;
    expect((await get(`${base(spec)}/`)).status).toBe(200);
    expect(await handle.stop()).toEqual(
      expect.arrayContaining([
        { containerName: 'web', exitCode: 0 },
        { containerName: 'sidecar', exitCode: 0 },
      ]),
    );
  });

  it('shutdown() ends every task (and, for processes, leaves no child) and refuses new tasks', async () => {
    const specs = [task('web:3'), task('web:slow-start-1000'), task('web:3', {}, [idleContainer('sidecar')])];
    const handles = specs.map((spec) => start(spec));
    await Promise.all([handles[0]?.listening, handles[2]?.listening]);
    if (kind === 'process') expect(childPids(process.pid).length).toBeGreaterThanOrEqual(4);
    const exits: ContainerExit[] = [];
    for (const handle of handles) handle.onExit((exit) => exits.push(exit));

    await runtime?.shutdown();
    expect(exits).toHaveLength(4);
    expect(exits.every((exit) => exit.exitCode === 137)).toBe(true);
    expect(childPids(process.pid)).toEqual([]);
    expect(await refused(`${base(specs[0] as TaskSpec)}/`)).toBe(true);
    expect(() => runtime?.start(task('web:3'))).toThrow(/shut down/);
  });
});

describe('process runtime, emulator killed with SIGKILL', () => {
  it('leaves no child process behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runtime-orphans-'));
    const runtimeUrl = pathToFileURL(join(import.meta.dirname, '../../emulator/src/runtime/index.ts')).href;
    const clockUrl = pathToFileURL(join(import.meta.dirname, '../../emulator/src/clock.ts')).href;
    const script = join(dir, 'parent.mts');
    writeFileSync(
      script,
      `import { createTaskRuntime, behaviorOf } from ${JSON.stringify(runtimeUrl)};
import { createClock } from ${JSON.stringify(clockUrl)};
const runtime = createTaskRuntime('process', { clock: createClock(0.02), log: () => {} });
const handles = [1, 2, 3].map((n) => runtime.start({
  taskArn: 'arn:' + n, taskId: 'o' + n, taskDefinition: 'web:1', revision: 1, ip: '127.${OCTET}.250.' + n,
  containers: [{ name: 'web', image: 'web:1', essential: true, port: ${PORT}, environment: {},
    behavior: behaviorOf('web:1', {}), stopTimeoutSeconds: 30 }],
}));
await Promise.all(handles.map((h) => h.listening));
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);
`,
    );
    const parent = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: join(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let children: number[] = [];
    try {
      let stderr = '';
      parent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`parent not ready in 20 s: ${stderr}`)), 20_000);
        parent.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        parent.on('exit', (code) => reject(new Error(`parent exited with ${code}: ${stderr}`)));
      });
      children = childPids(parent.pid as number);
      expect(children).toHaveLength(3);
      expect((await get(`http://127.${OCTET}.250.1:${PORT}/`)).status).toBe(200);

      parent.kill('SIGKILL');
      await until(
        'every child of the killed parent to exit',
        () => children.every((pid) => !alive(pid)),
        5000,
      );
      // A killed child's main thread shows as a zombie before its last thread has closed the
      // socket they share, so the port is refused a moment after, not at once.
      await until(
        'the killed task port to refuse connections',
        () => refused(`http://127.${OCTET}.250.1:${PORT}/`),
        5000,
      );
    } finally {
      parent.kill('SIGKILL');
      for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
