// A local stand-in for the GitHub REST API: records every request and answers like GitHub does for
// check runs, commit statuses and deployments, unless a test overrides a route (an error or a hang).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
  authorization?: string;
}

/** A canned answer, or 'hang' to accept the request and never answer. */
export type Answer = { status: number; body?: unknown } | 'hang';
export type Route = (req: RecordedRequest) => Answer | undefined;

export interface FakeGithub {
  url: string;
  requests: RecordedRequest[];
  /** Requests whose method and path match, in order. */
  find(method: string, pathPattern: RegExp): RecordedRequest[];
  /**
   * The first request (already recorded or still to come) whose method and path match and that
   * `accept` takes; rejects, saying what it waited for, when none came within `timeoutMs`.
   */
  waitFor(
    method: string,
    pathPattern: RegExp,
    timeoutMs: number,
    accept?: (req: RecordedRequest) => boolean,
  ): Promise<RecordedRequest>;
  /** Routes are tried newest first; the default GitHub-like answers come last. */
  route(method: string, pathPattern: RegExp, answer: Answer | ((req: RecordedRequest) => Answer)): void;
  close(): Promise<void>;
}

export async function startFakeGithub(): Promise<FakeGithub> {
  const requests: RecordedRequest[] = [];
  const routes: Route[] = [];
  /** Called with every request as it is recorded. */
  const watchers = new Set<(req: RecordedRequest) => void>();
  let nextId = 1000;

  const defaults: Route = (req) => {
    if (req.method === 'POST' && /\/check-runs$/.test(req.path))
      return { status: 201, body: { id: ++nextId, ...req.body } };
    if (req.method === 'PATCH' && /\/check-runs\/\d+$/.test(req.path))
      return { status: 200, body: { id: Number(req.path.split('/').pop()), ...req.body } };
    if (req.method === 'POST' && /\/statuses\/[0-9a-f]+$/.test(req.path))
      return { status: 201, body: { id: ++nextId, ...req.body } };
    if (req.method === 'POST' && /\/deployments$/.test(req.path))
      return { status: 201, body: { id: ++nextId, ...req.body } };
    if (req.method === 'POST' && /\/deployments\/\d+\/statuses$/.test(req.path))
      return { status: 201, body: { id: ++nextId, ...req.body } };
    return { status: 404, body: { message: 'Not Found' } };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      if (text) body = JSON.parse(text) as Record<string, unknown>;
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        body,
      };
      if (req.headers.authorization) recorded.authorization = req.headers.authorization;
      requests.push(recorded);
      for (const watcher of [...watchers]) watcher(recorded);
      let answer: Answer | undefined;
      for (const r of [...routes].reverse()) {
        answer = r(recorded);
        if (answer) break;
      }
      answer ??= defaults(recorded) ?? { status: 500 };
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(answer.body ?? { message: `status ${answer.status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    find: (method, pattern) => requests.filter((r) => r.method === method && pattern.test(r.path)),
    waitFor(method, pattern, timeoutMs, accept = () => true) {
      const matches = (r: RecordedRequest): boolean =>
        r.method === method && pattern.test(r.path) && accept(r);
      const seen = requests.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise<RecordedRequest>((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(watcher);
          reject(
            new Error(
              `no ${method} ${pattern} request within ${timeoutMs} ms (${requests.length} requests seen)`,
            ),
          );
        }, timeoutMs);
        const watcher = (r: RecordedRequest): void => {
          if (!matches(r)) return;
          clearTimeout(timer);
          watchers.delete(watcher);
          resolve(r);
        };
        watchers.add(watcher);
      });
    },
    route(method, pattern, answer) {
      routes.push((req) =>
        req.method === method && pattern.test(req.path)
          ? typeof answer === 'function'
            ? answer(req)
            : answer
          : undefined,
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const HEAD_SHA = '9f2c1e7a4b3d5f60718293a4b5c6d7e8f9012345';
export const MERGE_SHA = 'aa11bb22cc33dd44ee55ff6677889900aabbccdd';
export const PUSH_SHA = '0123456789abcdef0123456789abcdef01234567';

export type EventKind = 'push' | 'pull_request' | 'workflow_dispatch';

/** GITHUB_* variables and an event file as a runner sets them for `event`, pointed at `apiUrl`. */
export function githubEnv(event: EventKind, apiUrl: string): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-event-'));
  const eventPath = join(dir, 'event.json');
  const repository = { name: 'shop', full_name: 'acme/shop', owner: { login: 'acme' } };
  const payloads: Record<EventKind, unknown> = {
    push: { ref: 'refs/heads/main', after: PUSH_SHA, repository },
    pull_request: {
      action: 'synchronize',
      number: 42,
      pull_request: { number: 42, head: { sha: HEAD_SHA, ref: 'feature/x' }, base: { ref: 'main' } },
      repository,
    },
    workflow_dispatch: {
      ref: 'refs/heads/main',
      inputs: { environment: 'production', 'rollback-to': 'previous' },
      repository,
    },
  };
  writeFileSync(eventPath, JSON.stringify(payloads[event]));
  const sha = event === 'pull_request' ? MERGE_SHA : PUSH_SHA;
  const ref = event === 'pull_request' ? 'refs/pull/42/merge' : 'refs/heads/main';
  const workflow =
    event === 'pull_request' ? 'deploy-pr.yml' : event === 'push' ? 'deploy.yml' : 'rollback.yml';
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SHA: sha,
    GITHUB_REF: ref,
    GITHUB_WORKFLOW_REF: `acme/shop/.github/workflows/${workflow}@${ref}`,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: apiUrl,
    GITHUB_RUN_ID: '7001234567',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_NUMBER: '88',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTOR: 'octocat',
  };
}
