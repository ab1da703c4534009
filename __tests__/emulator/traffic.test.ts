// The traffic meter itself (tools/traffic.ts): what it counts as a failed request. A server that
// closes a kept-alive connection as the next request arrives is the client's race, resent once;
// a connection reset on a fresh connection, or twice, is a failure the meter must report.
import { describe, it, expect } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startTraffic } from '../../tools/traffic.js';

/** A server that answers the first request on each connection and resets it on the next. */
async function withServer(resetFirstRequestToo: boolean, run: (url: string) => Promise<void>): Promise<void> {
  const served = new WeakMap<Socket, number>();
  const server = http.createServer((req, res) => {
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    if (n > 1 || resetFirstRequestToo) {
      req.socket.destroy();
      return;
    }
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('traffic meter', () => {
  it('resends a request reset on a reused kept-alive connection, once, on a connection of its own', async () => {
    await withServer(false, async (url) => {
      const traffic = startTraffic(url, { ratePerSecond: 50, maxDurationMs: 5000 });
      await new Promise((r) => setTimeout(r, 400));
      const report = await traffic.stop();
      expect(report.sent).toBeGreaterThan(5);
      expect(report.resentOnStaleConnection).toBeGreaterThan(0);
      expect(report.failures).toEqual([]);
      expect(report.succeeded).toBe(report.sent);
    });
  });

  it('counts a reset on a fresh connection as a failed request', async () => {
    await withServer(true, async (url) => {
      const traffic = startTraffic(url, { ratePerSecond: 20, maxDurationMs: 5000 });
      await new Promise((r) => setTimeout(r, 300));
      const report = await traffic.stop();
      expect(report.sent).toBeGreaterThan(2);
      expect(report.failed).toBe(report.sent);
      expect(report.failures[0]).toMatch(/socket hang up|ECONNRESET/);
    });
  });
});
