// The progress log: a RolloutListener that writes one timestamped line per event and groups each
// batch (core.startGroup). A batch reads: released (`starting 2 new tasks`), launched (the service
// held again), baking (only with a bake time), passed (the verdict), and, once its old tasks have
// drained and stopped, drained (with overlap that line comes during the next batch). The engine's
// one heartbeat (rollout/watch.ts) sends a progress event at least every 20 s while it waits, so
// the log never goes 30 s without saying what it waits for. The last line counts the batches whose
// verdict is in, as the `batches` output does.
// `[00:42] batch 2/3: 1/2 new tasks healthy, 2 old tasks draining (12 s)`
import type { BatchPlan, BatchProgress, RolloutEvent, RolloutListener } from '../rollout/types.js';
import { formatDuration, formatElapsed, plural, taskDefinitionName } from '../rollout/words.js';

/**
 * Where lines go: the action's channels, an array in tests. No error annotations here: the step's
 * one annotation is main's core.setFailed, which already carries the failure and what became of
 * the service; a second one would say it twice.
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
}

export interface ProgressLog {
  listener: RolloutListener;
  /** Write a line outside the rollout (preflight, register), timestamped like the rest. */
  line(text: string): void;
  /** Close any open group. */
  close(): void;
}

/** The words of a progress line, without the timestamp and the wait time. */
export function describeProgress(p: BatchProgress): string {
  const prefix = `batch ${p.batch}/${p.batches}`;
  const waiting = p.waitingFor.trim();
  if (waiting) return waiting.startsWith('batch ') ? waiting : `${prefix}: ${waiting}`;
  const parts = [`${p.newHealthy}/${p.newWanted} new tasks healthy`];
  if (p.oldDraining > 0) parts.push(`${plural(p.oldDraining, 'old task')} draining`);
  return `${prefix}: ${parts.join(', ')}`;
}

export function createProgressLog(options: ProgressLogOptions): ProgressLog {
  const { sink } = options;
  const now = options.now ?? Date.now;
  let startedAt: number | undefined = options.startedAt;
  let batchStartedAt: number | undefined;
  let planned: number | undefined;
  let groupOpen = false;

  const stamp = (at: number): string => `[${formatElapsed(at - (startedAt ?? at))}]`;
  const write = (at: number, text: string): void => {
    sink.info(`${stamp(at)} ${text}`);
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
  const label = (batch: number): string => `batch ${batch}${planned !== undefined ? `/${planned}` : ''}`;
  const waitedFor = (at: number): string =>
    batchStartedAt === undefined ? '' : ` (${Math.max(0, Math.round((at - batchStartedAt) / 1000))} s)`;

  const handle = (event: RolloutEvent): void => {
    switch (event.type) {
      case 'rollout-started': {
        startedAt ??= event.at;
        const { plan } = event;
        planned = plan.batches.length;
        const release = plan.releases[0];
        write(
          event.at,
          `rolling out ${taskDefinitionName(event.to)} (from ${taskDefinitionName(event.from)}): ${plural(plan.desired, 'task')} in ` +
            `${plural(plan.batches.length, 'batch')} of up to ${plan.batchSize}; the service is held between batches ` +
            `(maximumPercent ${plan.hold.maximumPercent}, minimumHealthyPercent ${plan.hold.minimumHealthyPercent})` +
            (release ? ` and released one batch at a time (${releaseWords(plan)})` : ''),
        );
        break;
      }
      case 'replanned': {
        const { plan } = event;
        planned = plan.batches.length;
        const left = plan.batches.slice(event.batch);
        const next = plan.releases[event.batch];
        write(
          event.at,
          `the service's desired count changed from ${event.from} to ${plan.desired} (Application Auto Scaling or another caller): ` +
            (left.length > 0
              ? `${plural(
                  left.reduce((a, b) => a + b, 0),
                  'task',
                )} left in ${plural(left.length, 'batch')} of up to ${Math.max(...left)}` +
                (next
                  ? ` (released at maximumPercent ${next.maximumPercent}, minimumHealthyPercent ${next.minimumHealthyPercent})`
                  : '')
              : 'no batch left to release; the rollout ends once the old tasks are replaced and drained') +
            `; now ${plural(plan.batches.length, 'batch')} in all`,
        );
        break;
      }
      case 'batch-started':
        batchStartedAt = event.at;
        openGroup(`Batch ${event.batch}/${event.batches}: ${plural(event.tasks, 'task')}`);
        write(event.at, `batch ${event.batch}/${event.batches}: starting ${plural(event.tasks, 'new task')}`);
        break;
      case 'batch-launched':
        write(
          event.at,
          `batch ${event.batch}/${event.batches}: ${plural(event.tasks, 'new task')} launched; the service is held until they pass${waitedFor(event.at)}`,
        );
        break;
      case 'batch-healthy':
        if (event.bakeMs > 0)
          write(
            event.at,
            `batch ${event.batch}/${event.batches}: every gate passes; baking ${formatDuration(event.bakeMs)} before the next batch${waitedFor(event.at)}`,
          );
        break;
      case 'batch-drained': {
        const r = event.record;
        const after =
          r.endedAt !== undefined
            ? ` (${formatDuration(Math.max(0, event.at - r.endedAt))} after it passed)`
            : '';
        write(
          event.at,
          `${label(r.batch)}: ${plural(r.oldTasks ?? r.tasks, 'old task')} drained and stopped${after}`,
        );
        break;
      }
      case 'progress': {
        const words = describeProgress(event.progress);
        write(event.at, `${words}${waitedFor(event.at)}`);
        break;
      }
      case 'batch-succeeded': {
        const r = event.record;
        const took = r.endedAt !== undefined ? ` in ${Math.round((r.endedAt - r.startedAt) / 1000)} s` : '';
        write(event.at, `${label(r.batch)} passed: ${plural(r.tasks, 'new task')} healthy${took}`);
        closeGroup();
        batchStartedAt = undefined;
        break;
      }
      case 'failed': {
        const f = event.failure;
        write(event.at, `FAILED${f.batch > 0 ? ` in batch ${f.batch}` : ''}: ${f.message}`);
        for (const line of f.serviceEvents ?? []) sink.info(`    ECS: ${line}`);
        closeGroup();
        break;
      }
      case 'rollback-started':
        batchStartedAt = event.at;
        openGroup(`Rollback to ${taskDefinitionName(event.to)}`);
        write(event.at, `rolling back: ${event.how}`);
        break;
      case 'rollback-progress': {
        // restorePrevious already words it `rollback: ...`; say it once.
        const words = `rollback: ${event.waitingFor.replace(/^rollback:\s*/, '')}`;
        write(event.at, `${words}${waitedFor(event.at)}`);
        break;
      }
      case 'rollback-finished':
        write(event.at, `rollback ${event.ok ? 'finished' : 'did NOT finish'}: ${event.message}`);
        closeGroup();
        batchStartedAt = undefined;
        break;
      case 'rollout-finished': {
        closeGroup();
        const passed = event.batches.filter((b) => b.outcome === 'succeeded').length;
        write(
          event.at,
          `rollout ${event.outcome}: ${passed} of ${plural(planned ?? event.batches.length, 'batch')} passed`,
        );
        break;
      }
    }
  };

  return {
    listener: (event) => {
      try {
        handle(event);
      } catch {
        // The log must never break a rollout.
      }
    },
    line: (text) => write(now(), text),
    close: () => closeGroup(),
  };
}

/** The one release every batch gets, or with a batch schedule each batch's size and its own settings. */
function releaseWords(plan: BatchPlan): string {
  const words = plan.releases.map((r) => `${r.maximumPercent}/${r.minimumHealthyPercent}`);
  const first = plan.releases[0];
  if (new Set(words).size <= 1 || !first)
    return `maximumPercent ${first?.maximumPercent ?? 100}, minimumHealthyPercent ${first?.minimumHealthyPercent ?? 100}`;
  const shown = plan.batches.length <= 12 ? plan.batches.length : 10;
  const more = shown < plan.batches.length ? ', …' : '';
  return (
    `batches of ${plan.batches.slice(0, shown).join(', ')}${more}, each with its own ` +
    `maximumPercent/minimumHealthyPercent: ${words.slice(0, shown).join(', ')}${more}`
  );
}
