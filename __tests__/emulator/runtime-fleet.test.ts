import http from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { createClock } from '../../emulator/src/clock.js';
import type { ContainerExit, TaskSpec } from '../../emulator/src/contracts.js';
import { behaviorOf } from '../../emulator/src/runtime/behavior.js';
import { createTaskRuntime } from '../../emulator/src/runtime/index.js';

const FLEET = 500;
const PORT = 8080;
const OCTET = 100 + Math.floor(Math.random() * 100);

function spec(i: number): TaskSpec {
  const taskId = `fleet${i}`;
  return {
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/big/${taskId}`,
    taskId,
    taskDefinition: 'web:7',
    revision: 7,
    ip: `127.${OCTET}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    containers: [
      {
        name: 'web',
        image: 'web:7',
        essential: true,
        port: PORT,
        environment: {},
        behavior: behaviorOf('web:7', {}),
        stopTimeoutSeconds: 30,
      },
    ],
  };
}

function taskIdAt(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve(res.statusCode === 200 ? String(res.headers['x-task-id']) : `status ${res.statusCode}`),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
  });
}

/** Run `work` over `items`, at most `limit` at a time. */
async function eachLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}

describe('in-process runtime, a fleet', () => {
  it(`starts ${FLEET} tasks that all answer, then shuts them all down`, async () => {
    const runtime = createTaskRuntime('in-process', { clock: createClock(0.02), log: () => {} });
    try {
      const specs = Array.from({ length: FLEET }, (_, i) => spec(i));
      const memoryBefore = process.memoryUsage();
      const t0 = performance.now();
      const handles = specs.map((s) => runtime.start(s));
      await Promise.all(handles.map((h) => h.listening));
      const tListening = performance.now();

      const answered = await eachLimited(specs, 50, (s) => taskIdAt(`http://${s.ip}:${PORT}/`));
      const tAnswered = performance.now();
      expect(answered).toEqual(specs.map((s) => s.taskId));
      const memoryRunning = process.memoryUsage();

      const exits: ContainerExit[] = [];
      for (const h of handles) h.onExit((exit) => exits.push(exit));
      // Half stop gracefully (SIGTERM), the rest are killed by shutdown().
      const stops = await Promise.all(handles.slice(0, FLEET / 2).map((h) => h.stop()));
      await runtime.shutdown();
      const tDown = performance.now();

      expect(stops.flat().every((exit) => exit.exitCode === 0)).toBe(true);
      expect(exits).toHaveLength(FLEET);
      expect(exits.filter((exit) => exit.exitCode === 137)).toHaveLength(FLEET / 2);
      await expect(taskIdAt(`http://${specs[0]?.ip}:${PORT}/`)).rejects.toThrow(/ECONNREFUSED/);

      const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      console.log(
        `[runtime-fleet] ${FLEET} in-process tasks: all listening in ${(tListening - t0).toFixed(0)} ms, ` +
          `${FLEET} requests (50 concurrent) in ${(tAnswered - tListening).toFixed(0)} ms, ` +
          `stop+shutdown in ${(tDown - tAnswered).toFixed(0)} ms; ` +
          `RSS +${mb(memoryRunning.rss - memoryBefore.rss)}, heap +${mb(memoryRunning.heapUsed - memoryBefore.heapUsed)}`,
      );
    } finally {
      await runtime.shutdown();
    }
  });
});
