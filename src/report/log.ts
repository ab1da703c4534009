// The progress log: a RolloutListener that writes one timestamped line per event, groups each batch
// (core.startGroup), and never lets more than 30 s pass without a line saying what it waits for.
// `[00:42] batch 2/3: 1/2 new targets healthy, 1 old target draining (12 s)`
import type { BatchProgress, RolloutEvent, RolloutListener } from '../rollout/types.js';

/** Where lines go: @actions/core in the action, an array in tests. */
/**
 * No error annotations here: the step's one annotation is main's core.setFailed, which already
 * carries the failure and what became of the service; a second one would say it twice.
 */
export interface LogSink {
  info(line: string): void;
  startGroup(name: string): void;
  endGroup(): void;
}

export interface ProgressLogOptions {
  sink: LogSink;
  now?: () => number;
  /** Elapsed times count from here (the action's start); else from the rollout-started event. */
  startedAt?: number;
  /** A line is repeated when nothing was written for this long (default 25 s, under the 30 s promise). */
  heartbeatMs?: number;
  setInterval?: (fn: () => void, ms: number) => { unref?: () => void } | NodeJS.Timeout;
  clearInterval?: (handle: unknown) => void;
}

export interface ProgressLog {
  listener: RolloutListener;
  /** Write a line outside the rollout (preflight, register), timestamped like the rest. */
  line(text: string): void;
  /** Stop the heartbeat and close any open group. */
  close(): void;
}

/** `mm:ss`, or `h:mm:ss` past an hour. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

const plural = (n: number, word: string): string =>
  `${n} ${word}${n === 1 ? '' : /(s|sh|ch|x)$/.test(word) ? 'es' : 's'}`;

/** The words of a progress line, without the timestamp and the wait time. */
export function describeProgress(p: BatchProgress): string {
  const prefix = `batch ${p.batch}/${p.batches}`;
  const waiting = p.waitingFor.trim();
  if (waiting) return waiting.startsWith('batch ') ? waiting : `${prefix}: ${waiting}`;
  const parts = [`${p.newHealthy}/${p.newWanted} new targets healthy`];
  if (p.oldDraining > 0) parts.push(`${plural(p.oldDraining, 'old target')} draining`);
  return `${prefix}: ${parts.join(', ')}`;
}

export function createProgressLog(options: ProgressLogOptions): ProgressLog {
  const { sink } = options;
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 25_000;
  let startedAt: number | undefined = options.startedAt;
  let batchStartedAt: number | undefined;
  let groupOpen = false;
  let lastLineAt = now();
  /** What the rollout waits for now, repeated by the heartbeat: (now) => words. */
  let waiting: ((at: number) => string) | undefined;

  const stamp = (at: number): string => `[${formatElapsed(at - (startedAt ?? at))}]`;
  const write = (at: number, text: string): void => {
    sink.info(`${stamp(at)} ${text}`);
    lastLineAt = now();
  };
  const openGroup = (name: string): void => {
    closeGroup();
    sink.startGroup(name);
    groupOpen = true;
  };
  const closeGroup = (): void => {
    if (groupOpen) sink.endGroup();
    groupOpen = false;
  };
  const waitedFor = (at: number): string =>
    batchStartedAt === undefined ? '' : ` (${Math.max(0, Math.round((at - batchStartedAt) / 1000))} s)`;

  const handle = (event: RolloutEvent): void => {
    switch (event.type) {
      case 'rollout-started': {
        startedAt ??= event.at;
        const { plan } = event;
        write(
          event.at,
          `rolling out ${event.to} (from ${event.from}): ${plural(plan.desired, 'task')} in ` +
            `${plural(plan.batches.length, 'batch')} of ${plan.batchSize} (deployment settings: ` +
            `maximumPercent ${plan.settings.maximumPercent}, minimumHealthyPercent ${plan.settings.minimumHealthyPercent})`,
        );
        break;
      }
      case 'batch-started':
        batchStartedAt = event.at;
        openGroup(`Batch ${event.batch}/${event.batches}: ${plural(event.tasks, 'task')}`);
        write(event.at, `batch ${event.batch}/${event.batches}: starting ${plural(event.tasks, 'new task')}`);
        waiting = (at) =>
          `batch ${event.batch}/${event.batches}: waiting for ${plural(event.tasks, 'new task')} to start${waitedFor(at)}`;
        break;
      case 'progress': {
        const words = describeProgress(event.progress);
        write(event.at, `${words}${waitedFor(event.at)}`);
        waiting = (at) => `${words}${waitedFor(at)}`;
        break;
      }
      case 'batch-succeeded': {
        const r = event.record;
        const took = r.endedAt !== undefined ? ` in ${Math.round((r.endedAt - r.startedAt) / 1000)} s` : '';
        write(
          event.at,
          `batch ${r.batch} done: ${plural(r.tasks, 'new task')} healthy, old ones drained${took}`,
        );
        closeGroup();
        waiting = undefined;
        batchStartedAt = undefined;
        break;
      }
      case 'failed': {
        const f = event.failure;
        write(event.at, `FAILED${f.batch > 0 ? ` in batch ${f.batch}` : ''}: ${f.message}`);
        for (const line of f.serviceEvents ?? []) sink.info(`    ECS: ${line}`);
        closeGroup();
        waiting = undefined;
        break;
      }
      case 'rollback-started':
        batchStartedAt = event.at;
        openGroup(`Rollback to ${event.to}`);
        write(event.at, `rolling back to ${event.to}`);
        waiting = (at) => `rollback: waiting for the service to run ${event.to} again${waitedFor(at)}`;
        break;
      case 'rollback-progress': {
        // restorePrevious already words it `rollback: ...`; say it once.
        const words = `rollback: ${event.waitingFor.replace(/^rollback:\s*/, '')}`;
        write(event.at, `${words}${waitedFor(event.at)}`);
        waiting = (at) => `${words}${waitedFor(at)}`;
        break;
      }
      case 'rollback-finished':
        write(event.at, `rollback ${event.ok ? 'finished' : 'did NOT finish'}: ${event.message}`);
        closeGroup();
        waiting = undefined;
        batchStartedAt = undefined;
        break;
      case 'rollout-finished':
        closeGroup();
        write(event.at, `rollout ${event.outcome} after ${plural(event.batches.length, 'batch')}`);
        waiting = undefined;
        break;
    }
  };

  const timer = (options.setInterval ?? setInterval)(
    () => {
      const at = now();
      if (waiting && at - lastLineAt >= heartbeatMs) write(at, `still waiting: ${waiting(at)}`);
    },
    Math.max(1000, Math.floor(heartbeatMs / 5)),
  );
  (timer as { unref?: () => void }).unref?.();

  return {
    listener: (event) => {
      try {
        handle(event);
      } catch {
        // The log must never break a rollout.
      }
    },
    line: (text) => write(now(), text),
    close: () => {
      (options.clearInterval ?? ((h: unknown) => clearInterval(h as NodeJS.Timeout)))(timer);
      closeGroup();
    },
  };
}
