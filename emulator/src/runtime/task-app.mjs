// The emulated task's app: one small HTTP server per container, shared by both runtimes (the child
// process in task-child.mjs and the in-process runtime), so a task behaves the same in either.
// Plain JavaScript so a child starts with bare `node`, no TypeScript loader. Types: task-app.d.mts.
//
// Answers: a path containing "health" answers 200 `ok`, or 500 `unhealthy` per the behaviour; any
// other path answers 200 with a JSON body naming the task definition, revision, task id and
// container, or 500 for the fraction `errorRate` (evenly spread: with 0.2, every fifth request, so
// a test's count of 5xx is exact rather than a draw), after `latencyMs` when the behaviour is
// `slow-<s>` (health answers stay fast: the load balancer's checks see a healthy target).
// `/slow?ms=N` holds the request N ms first (tests
// use it to keep a request in flight across SIGTERM), after an interim `102 Processing` sent the
// moment the app has the request, so a client can tell that it is in flight rather than guess with a
// sleep. Every answer carries `x-task-definition` and `x-task-id`.
//
// Test-only control path: `POST /_emulator/health/fail` makes the health path answer 500 from then
// on, `POST /_emulator/health/pass` puts it back to what the behaviour says. It exists only so an
// end-to-end test can turn a running task unhealthy at the moment it chooses (a timer-based
// `unhealthy-after-<s>` races the rollout); real apps have no such thing, and nothing in the
// emulator's AWS behaviour depends on it.
import http from 'node:http';
import { setTimeout, clearTimeout } from 'node:timers';
import { URL } from 'node:url';
import { Buffer } from 'node:buffer';

/** Longest a `/slow` request may be held, so no test can wedge a task for ever. */
const MAX_SLOW_MS = 120_000;

export function createTaskApp(config, deps = {}) {
  const now = deps.now ?? Date.now;
  const pending = new Set();
  let listenedAt = 0;
  let closing = false;
  let startTimer;
  let closed;
  /** Set by the test-only control path; false = as the behaviour says. */
  let forcedUnhealthy = false;
  /** Owed failures: each request adds errorRate; a whole one owed is paid with a 500. */
  let errorDebt = 0;

  const server = http.createServer((req, res) => {
    // A body we do not read would stall a keep-alive connection; drain it.
    req.resume();
    const path = pathOf(req.url);
    // Checked before the health path: the control paths contain "health" too.
    if (path.startsWith('/_emulator/')) {
      const control = CONTROL[path];
      if (!control) send(res, 404, 'text/plain; charset=utf-8', 'no such control path');
      else if (req.method !== 'POST') send(res, 405, 'text/plain; charset=utf-8', 'use POST');
      else {
        forcedUnhealthy = control.forcedUnhealthy;
        send(res, 200, 'text/plain; charset=utf-8', control.answer);
      }
      return;
    }
    if (path.toLowerCase().includes('health')) {
      const healthy =
        !forcedUnhealthy &&
        !config.unhealthy &&
        !(config.unhealthyAfterMs !== undefined && now() - listenedAt >= config.unhealthyAfterMs);
      send(res, healthy ? 200 : 500, 'text/plain; charset=utf-8', healthy ? 'ok' : 'unhealthy');
      return;
    }
    const answer = () => {
      pending.delete(timer);
      errorDebt += config.errorRate;
      const failed = errorDebt >= 1 - 1e-9;
      if (failed) errorDebt -= 1;
      const body = {
        taskDefinition: config.taskDefinition,
        revision: config.revision,
        taskId: config.taskId,
        container: config.container,
      };
      if (failed) body.error = 'emulated failure (errorRate)';
      send(res, failed ? 500 : 200, 'application/json', JSON.stringify(body));
    };
    const slowMs = (path === '/slow' ? slowMsOf(req.url) : 0) + (config.latencyMs ?? 0);
    const timer = slowMs > 0 ? setTimeout(answer, slowMs) : undefined;
    if (timer) {
      pending.add(timer);
      // Interim answer (Node's client emits 'information'): "the app holds your request now".
      if (path === '/slow') res.writeProcessing();
    } else answer();
  });

  function send(res, status, contentType, body) {
    if (res.destroyed) return;
    const headers = {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      'x-task-definition': config.taskDefinition,
      'x-task-id': config.taskId,
    };
    // Once stopping, a finished request must not leave a keep-alive connection behind: the app
    // exits only when every connection has ended, as a well-written server does on SIGTERM.
    if (closing) headers.connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
  }

  const listening = new Promise((resolve, reject) => {
    const listen = () => {
      startTimer = undefined;
      if (closing) {
        resolve(false);
        return;
      }
      server.once('error', reject);
      server.listen(config.port, config.ip, () => {
        server.off('error', reject);
        listenedAt = now();
        resolve(true);
      });
    };
    if (config.slowStartMs > 0) startTimer = setTimeout(listen, config.slowStartMs);
    else listen();
  });

  return {
    listening,
    /** Graceful stop: no new connections; in-flight requests finish; resolves when all have ended. */
    close() {
      if (closed) return closed;
      closing = true;
      if (startTimer) {
        clearTimeout(startTimer);
        startTimer = undefined;
      }
      closed = server.listening
        ? new Promise((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          })
        : Promise.resolve();
      return closed;
    },
    /** Abrupt stop, as SIGKILL: every connection dropped, in-flight requests included. */
    destroy() {
      closing = true;
      if (startTimer) clearTimeout(startTimer);
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      if (server.listening) server.close();
      server.closeAllConnections();
    },
  };
}

/** The test-only control paths (see the comment at the top). */
const CONTROL = {
  '/_emulator/health/fail': { forcedUnhealthy: true, answer: 'health checks now fail' },
  '/_emulator/health/pass': { forcedUnhealthy: false, answer: 'health checks follow the behaviour again' },
};

function pathOf(rawUrl) {
  try {
    return new URL(rawUrl ?? '/', 'http://task').pathname;
  } catch {
    return '/';
  }
}

function slowMsOf(rawUrl) {
  try {
    const ms = Number(new URL(rawUrl ?? '/', 'http://task').searchParams.get('ms'));
    return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_SLOW_MS) : 0;
  } catch {
    return 0;
  }
}
