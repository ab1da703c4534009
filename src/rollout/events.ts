// Fans rollout events out to listeners without letting one break or block the rollout. Each
// listener gets its own queue, so it sees events in order; a listener that throws loses nothing
// but its own event, and one that hangs holds up only its own queue.
import type { Clock, RolloutEvent, RolloutListener } from './types.js';

export class EventFanout {
  private readonly queues: Promise<void>[];
  /** Listener errors, kept so a caller can log them; never thrown. */
  readonly errors: unknown[] = [];

  constructor(
    private readonly listeners: readonly RolloutListener[],
    private readonly clock: Clock,
  ) {
    this.queues = listeners.map(() => Promise.resolve());
  }

  emit(event: RolloutEvent): void {
    this.listeners.forEach((listener, i) => {
      const queue = this.queues[i] ?? Promise.resolve();
      this.queues[i] = queue
        .then(() => listener(event))
        .catch((err: unknown) => {
          this.errors.push(err);
        });
    });
  }

  /** Waits, at most `timeoutMs`, for every listener to take every event. */
  async flush(timeoutMs: number): Promise<void> {
    const ac = new AbortController();
    await Promise.race([
      Promise.all(this.queues),
      this.clock.sleep(timeoutMs, ac.signal).catch(() => undefined),
    ]);
    ac.abort();
  }
}
