// One ELBv2 HTTP health check against one target: a GET of the group's path at the target's
// address and health-check port. Models the guide's settings: no response within
// HealthCheckTimeoutSeconds is a failed check (Target.Timeout); a code outside Matcher is a failed
// check (Target.ResponseCodeMismatch); a connection error is Target.FailedHealthChecks; "after each
// health check is completed, the load balancer node closes the connection", so no keep-alive.
import http from 'node:http';
import type { Clock } from '../contracts.js';
import type { CodeMatcher, ProbeOutcome } from './target-health.js';

/** How many timeouts' worth of this process's own stalls a check may be credited. */
const STALL_CREDIT = 4;

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
  // The deadline models a remote load balancer's clock, which this process's own stalls do not
  // stop: where the loop could not run (a busy 2-core machine, a GC pause, a herd of checks that a
  // stall bunched up, an in-process target that shares the loop), the target could not answer and
  // the checker could not read, so that time is credited back, up to STALL_CREDIT timeouts so a
  // target that truly hangs still times out. It is judged after the loop's next poll, so an answer
  // that reached the socket in time is read first. A calm loop times out at the deadline.
  const sentAt = clock.now();
  const stalledAtSend = clock.stalledMs();
  const timeoutMs = clock.ms(request.timeoutSeconds);
  const judge = (): void => {
    setImmediate(() => {
      if (done) return;
      const credit = Math.min(clock.stalledMs() - stalledAtSend, STALL_CREDIT * timeoutMs);
      const owedMs = timeoutMs + credit - (clock.now() - sentAt);
      if (owedMs <= 0) finish({ ok: false, kind: 'timeout' });
      else timer = clock.after(owedMs / clock.ms(1), judge);
    });
  };
  let timer = clock.after(request.timeoutSeconds, judge);

  return { outcome, cancel: () => finish(undefined) };
}
