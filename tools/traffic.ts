// A steady stream of HTTP requests through a load balancer listener, counting failures and which
// task definition revision served each request. "Zero downtime" is measured with this, never
// assumed. Bounded: it stops by itself after `maxDurationMs` even if nobody calls stop().
import http from 'node:http';

export interface TrafficOptions {
  /** Requests started per second (evenly spaced). */
  ratePerSecond: number;
  path?: string;
  requestTimeoutMs?: number;
  maxDurationMs?: number;
}

export interface TrafficReport {
  sent: number;
  succeeded: number;
  failed: number;
  /** Requests answered, by the `x-task-definition` header of the task that served them. */
  byTaskDefinition: Record<string, number>;
  /**
   * Requests sent again because the kept-alive connection they were given had just been closed by
   * the listener (ECONNRESET before any answer), as a browser does (RFC 9112 section 9.3.1).
   */
  resentOnStaleConnection: number;
  /** The first few failures, with status or error, for the message of a failing assertion. */
  failures: string[];
  durationMs: number;
  achievedRatePerSecond: number;
}

export interface Traffic {
  /** Stops starting requests, waits for the ones in flight, and reports. */
  stop(): Promise<TrafficReport>;
  /** Counts so far, without stopping. */
  snapshot(): TrafficReport;
}

export function startTraffic(url: string, options: TrafficOptions): Traffic {
  const target = new URL(options.path ?? '/', url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const started = Date.now();
  const report: TrafficReport = {
    sent: 0,
    succeeded: 0,
    failed: 0,
    resentOnStaleConnection: 0,
    byTaskDefinition: {},
    failures: [],
    durationMs: 0,
    achievedRatePerSecond: 0,
  };
  const inFlight = new Set<Promise<void>>();
  const fail = (why: string): void => {
    report.failed++;
    if (report.failures.length < 20) report.failures.push(`${new Date().toISOString()} ${why}`);
  };

  const fire = (): void => {
    report.sent++;
    const request = new Promise<void>((done) => send(done, true));
    inFlight.add(request);
    void request.then(() => inFlight.delete(request));
  };

  /** `mayResend` false: the one resend, on a connection of its own. */
  function send(done: () => void, mayResend: boolean): void {
    const req = http.get(
      target,
      { agent: mayResend ? agent : false, timeout: options.requestTimeoutMs ?? 5000 },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 400) {
            report.succeeded++;
            const served = String(res.headers['x-task-definition'] ?? 'unknown');
            report.byTaskDefinition[served] = (report.byTaskDefinition[served] ?? 0) + 1;
          } else {
            fail(`HTTP ${status}`);
          }
          done();
        });
        res.on('error', (error) => {
          fail(`response error: ${error.message}`);
          done();
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The listener closes a connection idle past its keep-alive timeout; a request the agent
      // put on it at that moment is reset unanswered. That is the client's race, not the
      // service's failure (Node's http docs, request.reusedSocket): send it once more, fresh.
      if (mayResend && req.reusedSocket && error.code === 'ECONNRESET') {
        report.resentOnStaleConnection++;
        send(done, false);
        return;
      }
      fail(`request error: ${error.message}`);
      done();
    });
  }

  const interval = setInterval(fire, Math.max(1, Math.round(1000 / options.ratePerSecond)));
  const bound = setTimeout(() => clearInterval(interval), options.maxDurationMs ?? 10 * 60_000);
  bound.unref();

  const finish = (): TrafficReport => {
    report.durationMs = Date.now() - started;
    report.achievedRatePerSecond = report.sent / Math.max(report.durationMs / 1000, 0.001);
    return { ...report, byTaskDefinition: { ...report.byTaskDefinition }, failures: [...report.failures] };
  };

  return {
    snapshot: finish,
    async stop() {
      clearInterval(interval);
      clearTimeout(bound);
      await Promise.all([...inFlight]);
      agent.destroy();
      return finish();
    },
  };
}
