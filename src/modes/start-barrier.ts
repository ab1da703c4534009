// Several services, one rule: no service is changed until every service has passed its preflight.
// Each deploy() waits here (its beforeChange hook) once its own preflight and target are resolved;
// the barrier opens when every service has arrived (or finished without a change, e.g. unchanged),
// and refuses every waiter at once when any service fails before it arrives, or the job is cancelled.

export class StartBarrier {
  private readonly arrived = new Set<number>();
  private failure: Error | undefined;
  private opened = false;
  private readonly waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(
    private readonly count: number,
    signal?: AbortSignal,
  ) {
    signal?.addEventListener(
      'abort',
      () => this.fail(new Error('the job was cancelled before any service was changed')),
      {
        once: true,
      },
    );
  }

  get isOpen(): boolean {
    return this.opened;
  }

  /** Service `index` passed its preflight: resolves when all have, rejects when one failed. */
  arrive(index: number): Promise<void> {
    if (this.opened) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    this.arrived.add(index);
    const waiting = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.check();
    return waiting;
  }

  /** Service `index` ended without waiting here: fine (counts as arrived) or failed (refuses all). */
  leave(index: number, failure?: Error): void {
    if (this.opened) return;
    if (failure) {
      this.fail(failure);
      return;
    }
    this.arrived.add(index);
    this.check();
  }

  private fail(error: Error): void {
    if (this.opened || this.failure) return;
    this.failure = error;
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  private check(): void {
    if (this.failure || this.arrived.size < this.count) return;
    this.opened = true;
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}
