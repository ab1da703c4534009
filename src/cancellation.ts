// Turns the runner's cancellation signals into an AbortSignal for the rollout, and makes sure the
// main step's state is saved before the runner kills the process.
//
// When a job is cancelled (or times out) the runner sends SIGINT to the step's process, SIGTERM
// 7.5 s later and kills the process tree 2.5 s after that. Node's default SIGINT/SIGTERM handlers
// exit at once, which would leave the service mid-batch with the action's pacing settings and no
// record for the post step. With these handlers:
//   1st SIGINT  -> `signal` aborts: runRollout stops waiting and (rollback-on-failure) starts its
//                  rollback; main saves state at each phase change as usual.
//   SIGTERM, a 2nd SIGINT, or `graceMs` after the first signal
//              -> `beforeExit()` (synchronous: save state) and exit, before the SIGKILL. The post
//                 step then finishes the rollback from the saved phase.
//
// Usage in main.ts:
//   const cancellation = installCancellation({ beforeExit: () => saveState(...), log: core });
//   try { await runRollout({ ..., signal: cancellation.signal }); } finally { cancellation.dispose(); }
//   if (cancellation.cancelledBy) ... // outcome is 'cancelled'

export type CancelSignal = 'SIGINT' | 'SIGTERM';

export interface CancellationOptions {
  /**
   * Runs synchronously just before the forced exit, told why: save state and write the outputs
   * here (core.saveState and core.setOutput append to their files synchronously).
   */
  beforeExit?: (why: string) => void;
  log?: { info(message: string): void; warning(message: string): void };
  /** How long after the first signal the process exits even without SIGTERM. */
  graceMs?: number;
  /** Exit code of the forced exit. */
  exitCode?: number;
  /** Injected for tests; the real process by default. */
  process?: SignalSource;
  exit?: (code: number) => void;
}

export interface SignalSource {
  on(event: CancelSignal, listener: () => void): unknown;
  off(event: CancelSignal, listener: () => void): unknown;
}

export interface Cancellation {
  /** Aborts at the first SIGINT or SIGTERM; pass it to runRollout. */
  readonly signal: AbortSignal;
  /** The signal that cancelled the run, if one did. */
  readonly cancelledBy: CancelSignal | undefined;
  /** Removes the handlers and the exit timer (call when main is done, in every outcome). */
  dispose(): void;
}

/**
 * Exits 1 s before the runner's SIGTERM would come: SIGTERM arrives 7.5 s after SIGINT and the kill
 * 2.5 s after that, so the backstop sits inside the window with time to save state.
 */
const DEFAULT_GRACE_MS = 8_000;

export function installCancellation(options: CancellationOptions = {}): Cancellation {
  const source: SignalSource = options.process ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const exitCode = options.exitCode ?? 1;
  const controller = new AbortController();
  let cancelledBy: CancelSignal | undefined;
  let timer: NodeJS.Timeout | undefined;
  let exiting = false;

  const forceExit = (why: string): void => {
    if (exiting) return;
    exiting = true;
    options.log?.warning(
      `${why}: saving the rollout's state and exiting; the post step takes over from here.`,
    );
    try {
      options.beforeExit?.(why);
    } catch (err) {
      options.log?.warning(
        `Could not save state before exiting: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    dispose();
    exit(exitCode);
  };

  const onSignal = (name: CancelSignal): void => {
    if (cancelledBy === undefined) {
      cancelledBy = name;
      options.log?.warning(
        `Received ${name} (the job was cancelled or timed out): stopping the rollout. ` +
          'It rolls back now if it can; the post step finishes what is left.',
      );
      controller.abort(new Error(`cancelled by ${name}`));
      if (name === 'SIGTERM') {
        forceExit('Received SIGTERM');
        return;
      }
      timer = setTimeout(
        () => forceExit(`Still running ${Math.round(graceMs / 1000)} s after ${name}`),
        graceMs,
      );
      timer.unref();
      return;
    }
    forceExit(name === cancelledBy ? `Received ${name} again` : `Received ${name} after ${cancelledBy}`);
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  source.on('SIGINT', onInt);
  source.on('SIGTERM', onTerm);

  function dispose(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    source.off('SIGINT', onInt);
    source.off('SIGTERM', onTerm);
  }

  return {
    signal: controller.signal,
    get cancelledBy() {
      return cancelledBy;
    },
    dispose,
  };
}
