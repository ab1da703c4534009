// Errors from the platform: AWS's error code and message kept, with the context a user needs to
// act (which cluster, service, target group or task definition, and what to do about it).

/** One way to turn anything thrown into a sentence. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

/** AWS's error code: the SDK puts it in `name` (e.g. `ClusterNotFoundException`). */
export function awsErrorCode(error: unknown): string | undefined {
  if (error instanceof Error && error.name && error.name !== 'Error') return error.name;
  return undefined;
}

/** Throttling as the SDK classifies it: the code, or the `$retryable.throttling` marker. */
export function isThrottling(error: unknown): boolean {
  const code = awsErrorCode(error);
  if (code && /^(ThrottlingException|Throttling|TooManyRequestsException|RequestLimitExceeded)$/.test(code)) {
    return true;
  }
  const retryable = (error as { $retryable?: { throttling?: boolean } } | null)?.$retryable;
  return retryable?.throttling === true;
}

/**
 * An error with AWS's code kept as its `name`, so code that tells throttling from the rest (the
 * rollout's back-off) still recognises a wrapped error. `$retryable` is copied for the same reason.
 */
export class PlatformError extends Error {
  readonly code: string | undefined;
  readonly $retryable?: { throttling?: boolean };

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.name = options.code ?? 'PlatformError';
    const retryable = (options.cause as { $retryable?: { throttling?: boolean } } | null | undefined)
      ?.$retryable;
    if (retryable) this.$retryable = retryable;
  }
}

/**
 * `<what failed>: <AWS code>: <AWS message>. <fix>`. A PlatformError passes through unchanged, so a
 * clear error raised deeper is not wrapped twice.
 */
export function wrapAwsError(error: unknown, what: string, fix?: string): PlatformError {
  if (error instanceof PlatformError) return error;
  const code = awsErrorCode(error);
  const detail = code ? `${code}: ${errorMessage(error)}` : errorMessage(error);
  const options: { code?: string; cause?: unknown } = { cause: error };
  if (code) options.code = code;
  return new PlatformError(`${what}: ${detail}${fix ? `. ${fix}` : ''}`, options);
}
