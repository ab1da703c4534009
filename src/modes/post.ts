// The post step's flow (`post-if: always()`): finishes what main left unfinished — a cancelled or
// crashed rollout, a rollback main could not see through, settings it could not put back — through
// the same restore path main uses (rollout/restore-run.ts), in a session under main's lease, then
// concludes the check run and the deployment. The decision is the pure `decidePost(state, onCancel)`
// (post-decision.ts). src/post.ts wires it up; tests call `runPost(deps)` with a fake driver.
import { healthCheckedNames } from '../container-checks.js';
import type { OneOffTaskDriver } from '../pre-deploy-plan.js';
import { stopLeftPreDeployTask } from '../pre-deploy-post.js';
import type { ReporterSettings } from '../report/github.js';
import { ServiceGuard } from '../rollout/guard.js';
import { formatOwnSettings, runIdentity } from '../rollout/lease.js';
import type { ServiceDriver } from '../rollout/port.js';
import { putBackSettings, type SettingsResult } from '../rollout/restore-ask.js';
import { restorePrevious, type RestoreResult } from '../rollout/restore-run.js';
import { Calls } from '../rollout/calls.js';
import { Session } from '../rollout/session.js';
import type { Clock, RolloutListener } from '../rollout/types.js';
import { Heartbeat } from '../rollout/watch.js';
import { capitalise, errorMessage, taskDefinitionName } from '../rollout/words.js';
import type { Settings } from '../settings.js';
import type { RolloutState } from '../state.js';
import { CANCELLED_JOB_WAIT_MS, decidePost, type PostDecision } from './post-decision.js';

/** How long one lease call (read, renew, give back) may retry in the post step. */
const POST_LEASE_CALL_BOUND_MS = 15_000;
/** How long one call of the restore (settings, stop, fallback) may retry in the post step. */
const POST_CALL_BOUND_MS = 60_000;

export type PostSettings = Pick<Settings, 'onCancel' | 'rolloutTimeoutMs'> & ReporterSettings;

export interface PostReporter {
  readonly listener: RolloutListener;
  finish(outcome: 'cancelled' | 'failed' | 'rolled-back', summaryMarkdown: string): Promise<void>;
}

export interface PostLog {
  info(message: string): void;
  warning(message: string): void;
}

export interface PostDeps {
  state: RolloutState | undefined;
  settings: PostSettings;
  /** Built only when the service must be touched. */
  driver: (state: RolloutState) => ServiceDriver;
  /** undefined: no GitHub reporting (no token, report: none). */
  reporter?: (state: RolloutState) => PostReporter | undefined;
  log: PostLog;
  clock: Clock;
  /** Stops the restore's wait (the post step itself is being cancelled). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** For a pre-deploy task main left running. */
  oneOffTasks?: (state: RolloutState) => OneOffTaskDriver;
}

export interface PostResult {
  decision: PostDecision;
  /** Set when post restored the service. */
  restore?: RestoreResult;
  settingsRestored?: SettingsResult;
  /** Markdown of what post did, for the check run and the job summary; '' when nothing was done. */
  summary: string;
  /** True when post tried to restore the service and could not: the step should fail. */
  failed: boolean;
  /** Why it failed, in one sentence, when it did. */
  problem?: string;
}

export async function runPost(deps: PostDeps): Promise<PostResult> {
  const { state, settings, log, clock } = deps;
  const decision = decidePost(state, settings.onCancel);
  if (decision.kind === 'nothing' || !state) {
    log.info(`Nothing to do: ${decision.reason}.`);
    return { decision, summary: '', failed: false };
  }

  log.warning(`${capitalise(decision.reason)}.`);
  // What main concluded stays concluded: post only reports a run that main could not finish.
  const reporter = state.concluded ? undefined : deps.reporter?.(state);
  const title = state.pending ? 'finishing the rollout' : 'rollout cancelled';
  const lines: string[] = [`### ${state.service}: ${title}`, '', `${capitalise(decision.reason)}.`];
  let result: PostResult = { decision, summary: '', failed: false };
  const heartbeat = new Heartbeat((waitingFor, at) => {
    log.info(waitingFor);
    reporter?.listener({ type: 'rollback-progress', at, waitingFor });
  });
  // Main stopped before changing the service, maybe while its pre-deploy task ran: stop that task.
  if (decision.kind === 'conclude' && state.preDeployTaskArn && deps.oneOffTasks) {
    const words = await stopLeftPreDeployTask(
      state.preDeployTaskArn,
      deps.oneOffTasks(state),
      new Calls({ clock, heartbeat, callBoundMs: POST_CALL_BOUND_MS }),
    );
    log.info(words);
    lines.push('', words);
  }

  let driver: ServiceDriver | undefined;
  let driverProblem = '';
  // A `conclude` touches the service only to give back the lease main may have taken before it stopped.
  if (decision.kind !== 'conclude' || state.leaseId) {
    try {
      driver = deps.driver(state);
    } catch (err) {
      driverProblem = errorMessage(err);
    }
  }
  // Main's lease, taken up under main's identity: post acts only while it is still this run's.
  const guard =
    driver && state.leaseId
      ? new ServiceGuard({
          driver,
          clock,
          identity: runIdentity(deps.env ?? process.env, state.leaseId),
          // The post step has 4.5 min in all before GitHub's kill; a lease call must not eat 2 of them.
          callBoundMs: POST_LEASE_CALL_BOUND_MS,
        })
      : undefined;
  guard?.adopt();
  const session = driver
    ? new Session({
        driver,
        clock,
        heartbeat,
        callBoundMs: POST_CALL_BOUND_MS,
        ...(guard ? { guard } : {}),
      })
    : undefined;
  const giveBack = (s: Session): Promise<boolean> =>
    s.giveBack({
      onError: (error) =>
        log.warning(
          `Could not remove the rollout's lease from the service (it expires by itself): ${errorMessage(error)}`,
        ),
    });

  if (decision.kind === 'restore' && !session) {
    const message = `could not reach ECS to roll back ${state.service}: ${driverProblem}`;
    log.warning(capitalise(message));
    lines.push('', `- ${capitalise(message)}.`);
    result = { decision, summary: '', failed: true, problem: message };
  } else if (decision.kind === 'restore' && session) {
    const prev = taskDefinitionName(decision.previousTaskDefinitionArn);
    log.info(
      `Rolling ${state.service} back to ${prev}, waiting for every task of it to be healthy (target groups, container health checks)…`,
    );
    // Back means HEALTHY in the previous revision's container health checks too (a worker's only
    // health signal); a read that fails leaves RUNNING and the target groups as the test.
    const previousContainerChecks = await session.driver
      .describeTaskDefinition(decision.previousTaskDefinitionArn)
      .then((record) => healthCheckedNames(record.body))
      .catch(() => undefined);
    const restore = await restorePrevious({
      session,
      previousTaskDefinitionArn: decision.previousTaskDefinitionArn,
      ...(previousContainerChecks ? { previousContainerChecks } : {}),
      ...(state.newTaskDefinitionArn ? { newTaskDefinitionArn: state.newTaskDefinitionArn } : {}),
      originalSettings: decision.originalSettings,
      desiredCount: state.desiredCount ?? 0,
      ...(state.serviceDeploymentArn ? { serviceDeploymentArn: state.serviceDeploymentArn } : {}),
      rolloutStartedAt: state.startedAt,
      timeoutMs: Math.min(settings.rolloutTimeoutMs, CANCELLED_JOB_WAIT_MS),
      ...(deps.signal ? { signal: deps.signal } : {}),
      onStarted: (_how, words) =>
        reporter?.listener({
          type: 'rollback-started',
          at: clock.now(),
          to: decision.previousTaskDefinitionArn,
          how: words,
        }),
    });
    reporter?.listener({
      type: 'rollback-finished',
      at: clock.now(),
      ok: restore.ok,
      message: restore.message,
    });
    (restore.ok ? log.info : log.warning)(capitalise(restore.message));
    (restore.settingsRestored.ok ? log.info : log.warning)(capitalise(restore.settingsRestored.message));
    lines.push('', `- ${capitalise(restore.message)}.`, `- ${capitalise(restore.settingsRestored.message)}.`);
    const failed = !restore.takenOver && (!restore.ok || !restore.settingsRestored.ok);
    result = {
      decision,
      restore,
      settingsRestored: restore.settingsRestored,
      summary: '',
      failed,
      ...(failed ? { problem: !restore.ok ? restore.message : restore.settingsRestored.message } : {}),
    };
    if (!failed && !restore.takenOver) await giveBack(session);
  } else if (decision.kind === 'leave') {
    const to = state.newTaskDefinitionArn
      ? taskDefinitionName(state.newTaskDefinitionArn)
      : 'the new revision';
    if (!state.pending)
      lines.push(
        '',
        `- Left the service as it is: ECS goes on with its deployment of ${to}, without this action's health gate.`,
      );
    if (decision.originalSettings && !session) {
      lines.push(`- Could not reach ECS to put back the service's deployment settings: ${driverProblem}.`);
      result = { decision, summary: '', failed: true, problem: driverProblem };
    } else if (decision.originalSettings && session) {
      // The pacing settings were the action's, for its batches; the service owner's go back so
      // ECS finishes (and later deployments run) the way the service was configured.
      const settingsRestored = await putBackSettings(session, decision.originalSettings);
      (settingsRestored.ok ? log.info : log.warning)(capitalise(settingsRestored.message));
      lines.push(`- ${capitalise(settingsRestored.message)}.`);
      const failed = !settingsRestored.ok && !settingsRestored.takenOver;
      result = {
        decision,
        settingsRestored,
        summary: '',
        failed,
        ...(failed ? { problem: settingsRestored.message } : {}),
      };
      if (settingsRestored.ok) await giveBack(session);
    } else {
      lines.push('- The service keeps the deployment settings it has now (main did not record its own).');
    }
  } else {
    lines.push('', '- Nothing to restore.');
    const given = guard && session ? await giveBackMainsLease(guard, session, log) : undefined;
    if (given) lines.push(`- ${given}`);
  }

  const summary = lines.join('\n');
  if (reporter)
    await reporter.finish(state.pending ? (result.failed ? 'failed' : 'rolled-back') : 'cancelled', summary);
  return { ...result, summary };
}

/**
 * Main stopped after it took the service's lease but before it changed the service (killed while it
 * registered the task definition, say): give the lease back, or every run of the service would be
 * refused until it expires. The settings record goes with it unless the service's live settings
 * differ from it: then it still names the service's own (an earlier run left its pacing values on).
 */
async function giveBackMainsLease(
  guard: ServiceGuard,
  session: Session,
  log: PostLog,
): Promise<string | undefined> {
  const warn = (error: unknown): void =>
    log.warning(
      `Could not remove the lease main had taken on the service (it expires by itself): ${errorMessage(error)}`,
    );
  let keepRecordedSettings: boolean;
  try {
    const record = await guard.read();
    if (record.holder.kind !== 'ours') return undefined;
    const live = (await session.driver.describeService()).settings;
    const recorded = record.recordedSettings;
    keepRecordedSettings = recorded !== undefined && formatOwnSettings(recorded) !== formatOwnSettings(live);
  } catch (error) {
    warn(error);
    return undefined;
  }
  if (!(await session.giveBack({ keepRecordedSettings, onError: warn }))) return undefined;
  const message = 'Gave back the lease main had taken on the service.';
  log.info(message);
  return message;
}
