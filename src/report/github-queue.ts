// Runs the reporter's GitHub calls one at a time, off the rollout's critical path: the rollout pushes
// work and goes on; only `drain` (at the end) waits, and never longer than it is told.

export class ReportQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private generation = 0;

  /** Runs `task` after every task pushed before it; its errors are swallowed (tasks log their own). */
  push(task: () => Promise<void>): void {
    const generation = this.generation;
    this.pending += 1;
    this.tail = this.tail
      .then(async () => {
        // Tasks pushed before a `discard()` are dropped unstarted.
        if (generation === this.generation) await task();
      })
      .catch(() => undefined)
      .finally(() => {
        this.pending -= 1;
      });
  }

  /** Drops every task that has not started yet (the one running finishes or times out by itself). */
  discard(): void {
    this.generation += 1;
  }

  get size(): number {
    return this.pending;
  }

  /** Resolves true when every pushed task has run, false when `maxMs` passed first. */
  async drain(maxMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), maxMs);
      timer.unref();
    });
    try {
      return await Promise.race([this.tail.then(() => true), expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
