// One ELBv2 listener as a real HTTP reverse proxy on a loopback port. Each request goes to the
// target `choose()` names at the moment it arrives, so a target that starts draining gets no new
// request while the ones already sent to it run to completion ("the load balancer stops sending
// requests to targets that are deregistering, but uses connection draining to ensure that
// in-flight traffic completes on the existing connections", DeregisterTargets). Answers as an ALB
// does ("HTTP error codes" in the ALB guide): 503 when the target group has no target to send to,
// 502 when the target closes the connection or refuses it, 504 when it stays silent past the idle
// timeout.
import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Log, TargetRef } from '../contracts.js';

export interface ListenerProxyOptions {
  /** Loopback address to listen on; default 127.0.0.1. */
  host?: string;
  /** The port the listener has on AWS, sent to targets as X-Forwarded-Port. */
  awsPort: number;
  /** The target for one new request (and the group it was chosen in), or undefined when there is none. */
  choose(): (TargetRef & { targetGroupArn?: string }) | undefined;
  /**
   * Told of every request once it is answered, for the load balancer's CloudWatch metrics: who
   * answered (the target, or the load balancer itself), the status, and how long the target took
   * to start its answer (real ms).
   */
  onRequest?(request: ProxiedRequest): void;
  /** Where a target of a group is reached (an `instance` target: its instance's address). */
  hostOf?(targetGroupArn: string, id: string): string | undefined;
  /** Real ms a target may stay silent before the request fails with 504 (ALB idle timeout). */
  idleTimeoutMs: number;
  log: Log;
}

export interface ProxiedRequest {
  /** The target the request went to; absent when there was none (the 503 of an empty group). */
  target?: TargetRef & { targetGroupArn?: string };
  status: number;
  /** The load balancer answered itself (502, 503, 504), not the target. */
  byLoadBalancer: boolean;
  /** Real ms from sending the request to the target's response headers (TargetResponseTime). */
  targetMs?: number;
}

export interface ListenerProxy {
  readonly url: string;
  readonly port: number;
  /** Requests forwarded and not yet finished, per target `id:port`. */
  inFlight(): Map<string, number>;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1): meaningful for one connection only, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

function errorPage(res: ServerResponse, status: 502 | 503 | 504): void {
  const text = {
    502: '502 Bad Gateway',
    503: '503 Service Temporarily Unavailable',
    504: '504 Gateway Time-out',
  }[status];
  const body = `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, {
    server: 'awselb/2.0',
    'content-type': 'text/html',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export async function startListenerProxy(options: ListenerProxyOptions): Promise<ListenerProxy> {
  const host = options.host ?? '127.0.0.1';
  // A new connection per forwarded request: a pooled idle connection to a task that has just been
  // stopped would fail the next request sent over it, which an ALB (that knows the target is gone)
  // never does.
  const agent = new http.Agent({ keepAlive: false });
  const inFlight = new Map<string, number>();
  const track = (key: string, delta: number): void => {
    const n = (inFlight.get(key) ?? 0) + delta;
    if (n > 0) inFlight.set(key, n);
    else inFlight.delete(key);
  };

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const target = options.choose();
    const report = (r: Omit<ProxiedRequest, 'target'>): void => {
      try {
        options.onRequest?.(target ? { target, ...r } : r);
      } catch (error) {
        options.log(`elbv2 listener :${options.awsPort}: metrics: ${String(error)}`);
      }
    };
    if (!target) {
      req.resume();
      errorPage(res, 503);
      report({ status: 503, byLoadBalancer: true });
      return;
    }
    const host =
      target.targetGroupArn !== undefined && options.hostOf
        ? options.hostOf(target.targetGroupArn, target.id)
        : target.id;
    if (host === undefined) {
      req.resume();
      errorPage(res, 502);
      return;
    }
    const key = `${target.id}:${target.port}`;
    track(key, 1);
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      track(key, -1);
    };

    const client = req.socket.remoteAddress ?? '127.0.0.1';
    const forwardedFor = req.headers['x-forwarded-for'];
    const headers: IncomingHttpHeaders = {
      ...endToEnd(req.headers),
      'x-forwarded-for': forwardedFor ? `${String(forwardedFor)}, ${client}` : client,
      'x-forwarded-proto': 'http',
      'x-forwarded-port': String(options.awsPort),
    };
    const sentAt = Date.now();
    const upstream = http.request(
      { host, port: target.port, method: req.method, path: req.url, headers, agent },
      (answer) => {
        report({ status: answer.statusCode ?? 502, byLoadBalancer: false, targetMs: Date.now() - sentAt });
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
        answer.pipe(res);
        answer.on('end', done);
        // The target closed the connection mid-body: the client's response cannot be completed.
        answer.on('aborted', () => {
          done();
          res.destroy();
        });
      },
    );
    upstream.setTimeout(options.idleTimeoutMs, () => {
      upstream.destroy();
      done();
      if (!res.headersSent) {
        errorPage(res, 504);
        report({ status: 504, byLoadBalancer: true });
      } else res.destroy();
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      done();
      if (!res.headersSent) {
        options.log(`elbv2 listener :${options.awsPort}: target ${key} failed: ${err.code ?? err.message}`);
        errorPage(res, 502);
        report({ status: 502, byLoadBalancer: true });
      } else res.destroy();
    });
    // The client went away before the answer was complete: stop the work on the target too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      done();
    });
    req.pipe(upstream);
  };

  const server = http.createServer(forward);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    inFlight: () => new Map(inFlight),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
