// Runs the reporter's GitHub calls one at a time, off the rollout's critical path: the rollout pushes
// work and goes on; only `drain` waits, and never longer than it is told.

export class ReportQueue {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `task` after every task pushed before it; its errors are swallowed (tasks log their own). */
  push(task: () => Promise<void>): void {
    this.tail = this.tail.then(task).catch(() => undefined);
  }

  /** Resolves true when every task pushed so far has run, false when `maxMs` passed first. */
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
