// The task app's test-only control path, which the rollback scenarios rely on to turn a running
// task unhealthy at a chosen moment.
import { describe, it, expect, afterEach } from '@jest/globals';
import { createTaskApp } from '../../emulator/src/runtime/task-app.mjs';
import type { TaskApp } from '../../emulator/src/runtime/task-app.mjs';

const apps: TaskApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function startApp(port: number): Promise<string> {
  const app = createTaskApp({
    ip: '127.0.0.1',
    port,
    taskDefinition: 'web:2',
    revision: 2,
    taskId: 'control',
    container: 'web',
    unhealthy: false,
    slowStartMs: 0,
    errorRate: 0,
  });
  apps.push(app);
  expect(await app.listening).toBe(true);
  return `http://127.0.0.1:${port}`;
}

/** A free port: listen on 0, read it, close. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const status = async (url: string, init?: RequestInit): Promise<number> =>
  (await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) })).status;

describe('task app test-only health control', () => {
  it('fails and restores the health path on POST, leaving other paths serving', async () => {
    const base = await startApp(await freePort());
    expect(await status(`${base}/health`)).toBe(200);

    expect(await status(`${base}/_emulator/health/fail`, { method: 'POST' })).toBe(200);
    expect(await status(`${base}/health`)).toBe(500);
    // Only the health path changes: traffic is still served.
    expect(await status(`${base}/`)).toBe(200);

    expect(await status(`${base}/_emulator/health/pass`, { method: 'POST' })).toBe(200);
    expect(await status(`${base}/health`)).toBe(200);
  });

  it('changes nothing on GET or an unknown control path', async () => {
    const base = await startApp(await freePort());
    expect(await status(`${base}/_emulator/health/fail`)).toBe(405);
    expect(await status(`${base}/_emulator/nothing`, { method: 'POST' })).toBe(404);
    expect(await status(`${base}/health`)).toBe(200);
  });
});
