// One ELBv2 HTTP health check against one target: a GET of the group's path at the target's
// address and health-check port. Models the guide's settings: no response within
// HealthCheckTimeoutSeconds is a failed check (Target.Timeout); a code outside Matcher is a failed
// check (Target.ResponseCodeMismatch); a connection error is Target.FailedHealthChecks; "after each
// health check is completed, the load balancer node closes the connection", so no keep-alive.
import http from 'node:http';
import type { Clock } from '../contracts.js';
import type { CodeMatcher, ProbeOutcome } from './target-health.js';

export interface ProbeRequest {
  host: string;
  port: number;
  path: string;
  timeoutSeconds: number;
  matcher: CodeMatcher;
}

/** Sends one health check; never rejects. `cancel()` aborts it without an outcome. */
export function probe(
  request: ProbeRequest,
  clock: Clock,
): { outcome: Promise<ProbeOutcome>; cancel(): void } {
  let settle: (outcome: ProbeOutcome) => void = () => undefined;
  const outcome = new Promise<ProbeOutcome>((resolve) => {
    settle = resolve;
  });
  let done = false;
  const finish = (result: ProbeOutcome | undefined): void => {
    if (done) return;
    done = true;
    timer.cancel();
    req.destroy();
    if (result !== undefined) settle(result);
  };

  const req = http.get(
    {
      host: request.host,
      port: request.port,
      path: request.path,
      agent: false,
      headers: { 'user-agent': 'ELB-HealthChecker/2.0', connection: 'close' },
    },
    (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      finish(request.matcher(status) ? { ok: true, status } : { ok: false, kind: 'code', status });
    },
  );
  req.on('error', (err: NodeJS.ErrnoException) =>
    finish({ ok: false, kind: 'connection', detail: err.code ?? err.message }),
  );
  // The deadline is judged after the event loop's next poll: when this process was stalled (a busy
  // machine), a response that reached the socket in time is still queued behind the timer, and the
  // load balancer's own pause must not count against the target.
  const timer = clock.after(request.timeoutSeconds, () =>
    setImmediate(() => finish({ ok: false, kind: 'timeout' })),
  );

  return { outcome, cancel: () => finish(undefined) };
}
