// Batch after batch through the one wait loop (a session phase): observe, decide (decide.ts), make
// the one change the decision asks for under the lease, look again at the loop's pace. A read that
// fails while a batch is released holds the service blind; a verdict ends the phase.
import type { BatchBook } from './batch-book.js';
import { decide, type DecideContext, type Decision } from './decide.js';
import { START, type Position } from './progress.js';
import { EMPTY_LEDGER, predictedDrainEnd, trackDrains, type DrainLedger } from './drains.js';
import type { EventFanout } from './events.js';
import { releaseIgnoredAlarms } from './gates/alarms.js';
import { nextStreak } from './gates/http-checks.js';
import { noteTargetReasons } from './gates/target-health.js';
import { LeaseLost } from './guard.js';
import { describeLease } from './lease.js';
import { snapshotCalls } from './pace.js';
import { inputOfPlan } from './replan.js';
import type { RolloutSpec } from './rollout-spec.js';
import type { Session } from './session.js';
import type { BatchPlan, Clock, HttpCheckStreak, RolloutFailure } from './types.js';
import type { Snapshot } from './snapshot.js';
import { errorMessage } from './words.js';

/** How long a blind hold (reads failing while released) may retry before the next read tries again. */
const BLIND_HOLD_BOUND_MS = 10_000;

export interface LoopParts {
  session: Session;
  started: number;
  bus: EventFanout;
  book: BatchBook;
  /** The plan in force, replaced when the desired count changes. */
  current: { plan: BatchPlan };
}

/** Batch after batch through the one wait loop; resolves with the failure, or undefined when complete. */
export async function watchBatches(opts: RolloutSpec, parts: LoopParts): Promise<RolloutFailure | undefined> {
  const { session, started, bus, book, current } = parts;
  const { driver, clock, guard } = session;
  const planInput = opts.planInput ?? inputOfPlan(opts.plan);
  let position: Position = { ...START, releasedAt: started };
  let movedAt = started;
  let drains: DrainLedger = EMPTY_LEDGER;
  let reasons: ReadonlyMap<string, string> = new Map();
  let deploymentId: string | undefined;
  let ignoredAlarms: ReadonlySet<string> = new Set(opts.alarms?.ignoredAtStart ?? []);
  let streaks: HttpCheckStreak[] = (opts.healthChecks?.urls ?? []).map((u) => ({
    url: u.url,
    shown: u.shown,
    consecutiveFailures: 0,
  }));
  const released: number[] = [];
  let lastProgress: Decision['progress'] | undefined;

  const context = (): DecideContext => ({
    plan: current.plan,
    planInput,
    newTaskDefinitionArn: opts.newTaskDefinitionArn,
    position,
    rolloutStartedAt: started,
    batchTimeoutMs: opts.batchTimeoutMs,
    rolloutTimeoutMs: opts.rolloutTimeoutMs,
    bakeMs: opts.bakeMs ?? 0,
    overlap: opts.overlap ?? true,
    drains,
    seenReasons: reasons,
    ...(opts.containerChecks ? { containerChecks: opts.containerChecks.new } : {}),
    ...(deploymentId !== undefined ? { deploymentId } : {}),
    ...(opts.healthChecks && streaks.length > 0
      ? { httpChecks: { streaks, threshold: opts.healthChecks.threshold } }
      : {}),
    ...(opts.alarms ? { alarms: { ignored: ignoredAlarms } } : {}),
  });

  const act = (label: string, change: () => Promise<void>): Promise<void> => session.change(label, change);
  // Released, the service is not held: if the action cannot see the batch launch, ECS would go on
  // past the batch (stop old tasks as new ones turn healthy, start more) with no gate. So a read
  // that fails while released holds the service at once, blind (holding is always safe); once the
  // action sees again, a batch still short of its tasks is released again.
  let heldBlind = false;
  const holdBlind = async (): Promise<void> => {
    if (position.stage !== 'released' || heldBlind) return;
    try {
      await session.change(
        'UpdateService (hold)',
        () => driver.updateService({ settings: current.plan.hold }),
        {
          boundMs: BLIND_HOLD_BOUND_MS,
        },
      );
      heldBlind = true;
    } catch {
      // The next failed read tries again; a lost lease is reported at the next change.
    }
  };

  const end = await session.phase<Snapshot, RolloutFailure | undefined>({
    says: (words, at) => {
      if (lastProgress) bus.emit({ type: 'progress', at, progress: { ...lastProgress, waitingFor: words } });
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
    deadline: () => Math.min(started + opts.rolloutTimeoutMs, movedAt + opts.batchTimeoutMs),
    observe: async () => {
      try {
        return await driver.observe(opts.alarms ? { alarms: true } : undefined);
      } catch (error) {
        await holdBlind();
        throw error;
      }
    },
    calls: (s) => {
      let live = 0;
      let stopping = 0;
      for (const t of s.tasks) {
        if (t.lastStatus === 'STOPPED') continue;
        if (t.desiredStatus === 'RUNNING') live += 1;
        else stopping += 1;
      }
      return snapshotCalls(live, stopping, s.service.targetGroupArns.length);
    },
    ...(opts.pace ? { pace: opts.pace } : {}),
    step: async (snapshot) => {
      if (deploymentId === undefined) {
        const primary = snapshot.service.deployments.find((d) => d.status === 'PRIMARY');
        if (primary?.taskDefinitionArn === opts.newTaskDefinitionArn) deploymentId = primary.id;
      }
      reasons = noteTargetReasons(reasons, snapshot, opts.newTaskDefinitionArn);
      ignoredAlarms = releaseIgnoredAlarms(ignoredAlarms, snapshot.alarms);
      drains = trackDrains(drains, snapshot, {
        newTaskDefinitionArn: opts.newTaskDefinitionArn,
        released,
        since: started,
      });
      book.noteDrains(drains);
      if (position.stage === 'held' || position.stage === 'healthy')
        streaks = await probe(opts, streaks, clock);

      const at = snapshot.at;
      try {
        // A verdict that changes only the action's own position (healthy, passed) is decided on
        // again from the same snapshot, so a pass and the next release come together. A change to
        // the service is followed by a look at the loop's pace, within the API budget: right after
        // a release, urgently (the batch must be held again before its tasks turn healthy).
        for (;;) {
          const d = decide(snapshot, context());
          lastProgress = d.progress;
          switch (d.kind) {
            case 'fail':
              return { done: d.failure };
            case 'complete':
              return { done: undefined };
            case 'release':
              await act('UpdateService (release)', () => driver.updateService({ settings: d.settings }));
              position = { batch: d.batch, stage: 'released', releasedAt: clock.now() };
              movedAt = position.releasedAt;
              released.push(current.plan.batches[d.batch - 1] ?? 0);
              book.released(d.batch, position.releasedAt);
              return { wait: d.progress.waitingFor, urgent: true };
            case 'hold':
              await act('UpdateService (hold)', () => driver.updateService({ settings: d.settings }));
              heldBlind = false;
              position = { ...position, stage: 'held', launchedAt: at };
              book.launched(at);
              return { wait: d.progress.waitingFor };
            case 'replan': {
              current.plan = d.plan;
              book.replanned(d.plan, d.from, position.batch, at);
              // Released, the old percents apply to the new count: send the batch's own for it.
              const settings = d.settings;
              if (settings && !heldBlind)
                await act('UpdateService (release)', () => driver.updateService({ settings }));
              continue;
            }
            case 'healthy':
              position = { ...position, stage: 'healthy', healthyAt: at };
              book.healthy(at, opts.bakeMs ?? 0);
              continue;
            case 'pass':
              position = { ...position, stage: 'passed' };
              movedAt = at;
              book.passedNow(at);
              book.noteDrains(drains);
              continue;
            case 'wait': {
              if (heldBlind && position.stage === 'released') {
                // Held while the action could not see: the batch is short of its tasks, release it again.
                const settings = current.plan.releases[position.batch - 1] ?? current.plan.hold;
                await act('UpdateService (release)', () => driver.updateService({ settings }));
                heldBlind = false;
                return { wait: d.progress.waitingFor, urgent: true };
              }
              await guard?.keepAlive();
              // A verdict is near (every new task RUNNING): the release that follows it should not
              // wait for the lease's read-back.
              if (d.urgent && position.stage === 'held') await guard?.prepareChange();
              const drainEnd = predictedDrainEnd(drains, opts.deregistrationDelayMs);
              const wakeAt = [d.wakeAt, drainEnd]
                .filter((t): t is number => t !== undefined)
                .sort((a, b) => a - b)[0];
              return {
                wait: d.progress.waitingFor,
                ...(d.urgent ? { urgent: true } : {}),
                ...(wakeAt !== undefined ? { wakeAt } : {}),
              };
            }
          }
        }
      } catch (error) {
        if (error instanceof LeaseLost) return { done: takenOverFailure(error, position.batch) };
        return {
          done: {
            batch: position.batch,
            kind: 'error',
            message: `${errorMessage(error)} (in batch ${Math.max(1, position.batch)}/${current.plan.batches.length})`,
          },
        };
      }
    },
  });
  if ('done' in end) return end.done;
  if ('cancelled' in end)
    return {
      batch: position.batch,
      kind: 'cancelled',
      message:
        `the rollout was cancelled in batch ${Math.max(1, position.batch)}/${current.plan.batches.length}` +
        (end.waitingFor ? ` while waiting for ${end.waitingFor.replace(/^batch \d+\/\d+: /, '')}` : ''),
    };
  return {
    batch: position.batch,
    kind: 'error',
    message: `could not observe the service: ${errorMessage(end.unreadable)}`,
  };
}

/** One GET per health-check URL, together; the probe port never throws, but guard anyway. */
async function probe(
  opts: RolloutSpec,
  streaks: HttpCheckStreak[],
  clock: Clock,
): Promise<HttpCheckStreak[]> {
  const { probe: port, healthChecks } = opts;
  if (!port || !healthChecks || streaks.length === 0) return streaks;
  const timeout = opts.probeTimeoutMs ?? 5_000;
  return Promise.all(
    streaks.map(async (streak) => {
      const answer = await port
        .get(streak.url, timeout)
        .catch((err: unknown) => ({ error: errorMessage(err) }));
      return nextStreak(streak, answer, healthChecks.statuses, clock.now());
    }),
  );
}

export function takenOverFailure(error: LeaseLost, batch: number): RolloutFailure {
  const holder = error.holder.kind === 'other' ? describeLease(error.holder.lease) : 'another run';
  return {
    batch,
    kind: 'taken-over',
    message: `another rollout took the service's lease (${holder}); this run changed nothing after that`,
  };
}
