// One GitHub API call with a hard time limit and its error turned into a value. Reporting must never
// fail, slow or block a deployment, so nothing in here throws and nothing waits past `timeoutMs`.

export type CallResult<T> =
  { ok: true; value: T } | { ok: false; status?: number; message: string; timedOut: boolean };

export async function callGithub<T>(
  timeoutMs: number,
  request: (signal: AbortSignal) => Promise<T>,
): Promise<CallResult<T>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // Abort the fetch, and also race a timer: a server that accepts the request and never answers
  // must not hold the caller even if the transport ignores the abort.
  const timedOut = new Promise<CallResult<T>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      resolve({ ok: false, message: `no answer within ${timeoutMs} ms`, timedOut: true });
    }, timeoutMs);
    timer.unref();
  });
  const attempt = request(controller.signal).then(
    (value): CallResult<T> => ({ ok: true, value }),
    (error: unknown): CallResult<T> => failure(error, controller.signal.aborted),
  );
  try {
    return await Promise.race([attempt, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function failure<T>(error: unknown, aborted: boolean): CallResult<T> {
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const result: CallResult<T> = { ok: false, message, timedOut: aborted };
  if (status !== undefined) result.status = status;
  return result;
}

/** Octokit's RequestError carries the HTTP status; anything else (network, abort) has none. */
function httpStatusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const status = (error as { status: unknown }).status;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

/** 403 / 404 on a write: the token may not do this (fork PR, missing `permissions:`), not a blip. */
export function isPermissionDenied(result: { ok: false; status?: number }): boolean {
  return result.status === 403 || result.status === 404;
}

export function describeFailure(result: { ok: false; status?: number; message: string }): string {
  return result.status === undefined ? result.message : `HTTP ${result.status}: ${result.message}`;
}
