// Several services in one step (`service` lists them one a line): each is one deploy() run with its
// own driver, lease, preflight, plan, batches and gates, all at once. Around them this module adds
// only the step's rules:
//   - no service is changed before every service passed its preflight (src/modes/start-barrier.ts);
//   - one task definition is registered once (src/modes/shared-registration.ts);
//   - when one fails, the others are stopped through their abort signals (they roll back as a
//     cancelled rollout does) and, under on-partial-failure: rollback-all, the ones that had already
//     succeeded are put back too, through the same restore path as a failed rollout.
// What to stop, what to restore and each service's outcome are decided in many-decision.ts (pure).
import { deploy } from './deploy.js';
import type { DeployResult } from './deploy-result.js';
import { ServiceGuard } from '../rollout/guard.js';
import type { RunIdentity } from '../rollout/lease.js';
import { Session } from '../rollout/session.js';
import type { Clock, HttpProbe, Outcome } from '../rollout/types.js';
import { errorMessage } from '../rollout/words.js';
import type { ServiceTarget, Settings } from '../settings.js';
import { checkOneBodyPerFamily, SharedRegistration } from './shared-registration.js';
import { StartBarrier } from './start-barrier.js';
import type { RolloutState } from '../state.js';
import { loadTargetFile, type TargetFile } from './target.js';
import { restoreSucceeded, type ServiceContext } from './many-restore.js';
import {
  failedRun,
  overallOutcome,
  serviceVerdict,
  servicesToRestore,
  stopsOthers,
  type ServiceRun,
  type ServiceVerdict,
  type StepRestore,
} from './many-decision.js';

export interface DeployManyOptions {
  settings: Settings;
  context(index: number, settings: Settings): ServiceContext;
  identity: RunIdentity;
  clock: Clock;
  probe?: HttpProbe;
  /** The job's cancellation: every service's rollout stops (and rolls back). */
  signal?: AbortSignal;
  callBoundMs?: number;
  serverUrl?: string;
}

export interface ServiceResult {
  service: string;
  settings: Settings;
  /** Its deploy()'s result; undefined when it threw (preflight, lease) or never started. */
  result?: DeployResult;
  verdict: ServiceVerdict;
  previousTaskDefinitionArn?: string;
  taskDefinitionArn?: string;
}

export interface ManyResult {
  outcome: Outcome;
  services: ServiceResult[];
  /** Each service and what happened to it, one a line; undefined when all succeeded. */
  failureMessage?: string;
  durationMs: number;
}

/** One service's settings: the step's, with its own service, task definition and check name. */
export function serviceSettings(settings: Settings, target: ServiceTarget): Settings {
  const { taskDefinition: _shared, ...rest } = settings;
  return Object.freeze({
    ...rest,
    service: target.service,
    services: [target],
    ...(target.taskDefinition ? { taskDefinition: target.taskDefinition } : {}),
  });
}

export async function deployMany(opts: DeployManyOptions): Promise<ManyResult> {
  const { settings, clock, identity } = opts;
  const startedAt = clock.now();
  const targets = settings.services;
  const policy = settings.onPartialFailure;
  const perService = targets.map((t) => serviceSettings(settings, t));

  // 0. Every file, before any AWS call: a file ECS would refuse, or one family given two contents.
  if (settings.mode === 'deploy') {
    const files: { service: string; file: TargetFile }[] = [];
    for (const s of perService) {
      const file = await loadTargetFile(s);
      if (file) files.push({ service: s.service, file });
    }
    checkOneBodyPerFamily(files);
  }

  const contexts = perService.map((s, i) => opts.context(i, s));
  const controllers = targets.map(() => new AbortController());
  const cancelAll = (): void => {
    for (const c of controllers) if (!c.signal.aborted) c.abort(opts.signal?.reason);
  };
  if (opts.signal?.aborted) cancelAll();
  opts.signal?.addEventListener('abort', cancelAll, { once: true });
  const barrier = new StartBarrier(targets.length, opts.signal);
  const registration = new SharedRegistration();
  const runs: ServiceRun[] = targets.map((t) => ({ service: t.service, changed: false }));
  const results: (DeployResult | undefined)[] = targets.map(() => undefined);
  const states: Partial<RolloutState>[] = targets.map(() => ({}));
  const done = new Set<number>();
  let firstFailed: number | undefined;

  const fail = (i: number): void => {
    if (firstFailed === undefined) firstFailed = i;
    if (opts.signal?.aborted) return;
    // Before the barrier opened nothing changed anywhere: every other service stops, whatever the policy.
    if (barrier.isOpen && !stopsOthers(policy)) return;
    for (const [j, c] of controllers.entries()) {
      if (j === i || done.has(j) || c.signal.aborted) continue;
      const run = runs[j];
      if (run) run.stoppedForOther = `${targets[i]?.service ?? 'another service'} failed`;
      contexts[j]?.log.line(
        `stopping: ${targets[i]?.service ?? 'another service'} failed (on-partial-failure: ${policy})`,
      );
      c.abort(new Error(`${targets[i]?.service ?? 'another service'} failed`));
    }
  };

  const one = async (i: number): Promise<void> => {
    const ctx = contexts[i];
    const s = perService[i];
    const controller = controllers[i];
    if (!ctx || !s || !controller) return;
    const save = (change: Partial<RolloutState>): void => {
      states[i] = { ...states[i], ...change };
      ctx.saveState(change);
    };
    try {
      const result = await deploy({
        settings: s,
        session: new Session({
          driver: registration.wrap(ctx.driver),
          clock,
          guard: new ServiceGuard({ driver: ctx.driver, clock, identity }),
          heartbeat: ctx.heartbeat,
          ...(opts.callBoundMs !== undefined ? { callBoundMs: opts.callBoundMs } : {}),
        }),
        identity,
        log: ctx.log,
        listeners: ctx.listeners,
        ...(opts.probe ? { probe: opts.probe } : {}),
        signal: controller.signal,
        saveState: save,
        ...(opts.serverUrl ? { serverUrl: opts.serverUrl } : {}),
        beforeChange: () => barrier.arrive(i),
      });
      results[i] = result;
      runs[i] = {
        ...runs[i],
        service: s.service,
        outcome: result.outcome,
        changed: !result.unchanged,
        rolledBack: result.rollout?.rollback?.ok === true,
        previousTaskDefinitionArn: result.previousTaskDefinitionArn,
        newTaskDefinitionArn: result.newTaskDefinitionArn,
        ...(result.failureMessage !== undefined ? { failureMessage: result.failureMessage } : {}),
      };
      save({ outcome: result.outcome });
      done.add(i);
      if (result.outcome === 'succeeded') {
        barrier.leave(i);
      } else {
        barrier.leave(i, new Error(`${s.service}: ${result.failureMessage ?? `ended ${result.outcome}`}`));
        fail(i);
      }
    } catch (error) {
      const run = runs[i];
      if (run) run.error = errorMessage(error);
      done.add(i);
      barrier.leave(i, new Error(`${s.service}: ${errorMessage(error)}`));
      fail(i);
    }
  };
  try {
    await Promise.all(targets.map((_, i) => one(i)));
  } finally {
    opts.signal?.removeEventListener('abort', cancelAll);
  }

  const jobCancelled = opts.signal?.aborted === true;
  const first = firstFailed === undefined ? undefined : targets[firstFailed]?.service;
  // The barrier never opened: no service was changed; every one but the first failure never started.
  if (!barrier.isOpen) {
    for (const [i, run] of runs.entries()) {
      if (i === firstFailed || run.outcome === 'succeeded') continue;
      run.notStarted = jobCancelled
        ? 'the job was cancelled'
        : `${first ?? 'another service'} failed before any service was changed`;
    }
  }

  // The ones that had succeeded go back too (rollback-all). Not when the job is cancelled: the
  // runner kills main within seconds, and the post step puts them back from the saved state.
  const restores = new Map<number, StepRestore>();
  const toRestore = jobCancelled ? [] : servicesToRestore(runs, policy, settings.rollbackOnFailure);
  await Promise.all(
    toRestore.map(async (name) => {
      const i = targets.findIndex((t) => t.service === name);
      const ctx = contexts[i];
      if (!ctx) return;
      const own = { ...opts, rolloutTimeoutMs: opts.settings.rolloutTimeoutMs };
      restores.set(i, await restoreSucceeded(own, ctx, states[i] ?? {}, first ?? 'another service'));
    }),
  );

  const services: ServiceResult[] = runs.map((run, i) => {
    const result = results[i];
    const state = states[i] ?? {};
    const previous = result?.previousTaskDefinitionArn ?? state.previousTaskDefinitionArn;
    const next = result?.newTaskDefinitionArn ?? state.newTaskDefinitionArn;
    return {
      service: run.service,
      settings: perService[i] ?? settings,
      ...(result ? { result } : {}),
      verdict: serviceVerdict(run, first, jobCancelled, restores.get(i)),
      ...(previous !== undefined ? { previousTaskDefinitionArn: previous } : {}),
      ...(next !== undefined ? { taskDefinitionArn: next } : {}),
    };
  });
  const outcome = overallOutcome(
    services.map((s) => s.verdict.outcome),
    jobCancelled,
  );
  const manyResult: ManyResult = { outcome, services, durationMs: clock.now() - startedAt };
  if (outcome !== 'succeeded' || runs.some(failedRun)) {
    const failed = services.filter((s) => s.verdict.outcome !== 'succeeded').length;
    manyResult.failureMessage = [
      `${failed} of ${services.length} services did not succeed${first ? ` (${first} failed first; on-partial-failure: ${policy})` : ''}:`,
      ...services.map((s) => `- ${s.verdict.words}`),
    ].join('\n');
  }
  return manyResult;
}
