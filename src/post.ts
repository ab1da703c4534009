// The post step (`post-if: always()`): finishes what main left unfinished — a cancelled or crashed
// rollout, a rollback main could not see through, settings it could not put back — through the
// same restore path main uses (rollout/restore-run.ts), under the same lease, then concludes the
// check run and the deployment.
//
// Usage: src/entry/post.ts calls `run()`. Tests call `runPost(deps)` with a fake driver and reporter.
// The decision is the pure `decidePost(state, onCancel)` (post-decision.ts).
import * as core from '@actions/core';
import { createChannels } from './channels.js';
import { realClock } from './clock.js';
import { parseDuration } from './parse/duration.js';
import { createAwsClients } from './platform/aws.js';
import { createEcsServiceDriver } from './platform/ecs-service.js';
import { CANCELLED_JOB_WAIT_MS, decidePost, parseState, type PostDecision } from './post-decision.js';
import { createGithubReporter, reportsToGithub, type ReporterSettings } from './report/github.js';
import { createOctokit, readGithubContext } from './report/github-client.js';
import { ServiceGuard } from './rollout/guard.js';
import { formatOwnSettings, runIdentity } from './rollout/lease.js';
import type { ServiceDriver } from './rollout/port.js';
import {
  putBackSettings,
  restorePrevious,
  type RestoreResult,
  type SettingsResult,
} from './rollout/restore-run.js';
import type { Clock, RolloutListener } from './rollout/types.js';
import { Heartbeat } from './rollout/watch.js';
import { capitalise, errorMessage, taskDefinitionName } from './rollout/words.js';
import { Redactor } from './secrets.js';
import { DEFAULTS, readSettings, type Settings } from './settings.js';
import { STATE_KEY, type RolloutState } from './state.js';

export { CANCELLED_JOB_WAIT_MS, decidePost, parseState, type PostDecision };

/** What the post step needs from the inputs. */
/** How long one lease call (read, renew, give back) may retry in the post step. */
const POST_LEASE_CALL_BOUND_MS = 15_000;

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

  if (decision.kind === 'restore' && !driver) {
    const message = `could not reach ECS to roll back ${state.service}: ${driverProblem}`;
    log.warning(capitalise(message));
    lines.push('', `- ${capitalise(message)}.`);
    result = { decision, summary: '', failed: true, problem: message };
  } else if (decision.kind === 'restore' && driver) {
    const prev = taskDefinitionName(decision.previousTaskDefinitionArn);
    log.info(
      `Rolling ${state.service} back to ${prev}, waiting for every task of it to be healthy in its target groups…`,
    );
    const heartbeat = new Heartbeat((waitingFor, at) => {
      log.info(waitingFor);
      reporter?.listener({ type: 'rollback-progress', at, waitingFor });
    });
    const restore = await restorePrevious({
      driver,
      clock,
      heartbeat,
      ...(guard ? { guard } : {}),
      previousTaskDefinitionArn: decision.previousTaskDefinitionArn,
      ...(state.newTaskDefinitionArn ? { newTaskDefinitionArn: state.newTaskDefinitionArn } : {}),
      originalSettings: decision.originalSettings,
      desiredCount: state.desiredCount ?? 0,
      ...(state.serviceDeploymentArn ? { serviceDeploymentArn: state.serviceDeploymentArn } : {}),
      rolloutStartedAt: state.startedAt,
      timeoutMs: Math.min(settings.rolloutTimeoutMs, CANCELLED_JOB_WAIT_MS),
      callBoundMs: 60_000,
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
    if (!failed && !restore.takenOver) await releaseLease(guard, log);
  } else if (decision.kind === 'leave') {
    const to = state.newTaskDefinitionArn
      ? taskDefinitionName(state.newTaskDefinitionArn)
      : 'the new revision';
    if (!state.pending)
      lines.push(
        '',
        `- Left the service as it is: ECS goes on with its deployment of ${to}, without this action's health gate.`,
      );
    if (decision.originalSettings && !driver) {
      lines.push(`- Could not reach ECS to put back the service's deployment settings: ${driverProblem}.`);
      result = { decision, summary: '', failed: true, problem: driverProblem };
    } else if (decision.originalSettings && driver) {
      // The pacing settings were the action's, for its batches; the service owner's go back so
      // ECS finishes (and later deployments run) the way the service was configured.
      const settingsRestored = await putBackSettings({
        driver,
        clock,
        ...(guard ? { guard } : {}),
        original: decision.originalSettings,
        boundMs: 60_000,
      });
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
      if (settingsRestored.ok) await releaseLease(guard, log);
    } else {
      lines.push('- The service keeps the deployment settings it has now (main did not record its own).');
    }
  } else {
    lines.push('', '- Nothing to restore.');
    const given = guard && driver ? await giveBackLease(guard, driver, log) : undefined;
    if (given) lines.push(`- ${given}`);
  }

  const summary = lines.join('\n');
  if (reporter)
    await reporter.finish(state.pending ? (result.failed ? 'failed' : 'rolled-back') : 'cancelled', summary);
  return { ...result, summary };
}

async function releaseLease(guard: ServiceGuard | undefined, log: PostLog): Promise<void> {
  try {
    await guard?.release(false);
  } catch (error) {
    log.warning(
      `Could not remove the rollout's lease from the service (it expires by itself): ${errorMessage(error)}`,
    );
  }
}

/**
 * Main stopped after it took the service's lease but before it changed the service (killed while it
 * registered the task definition, say): give the lease back, or every run of the service would be
 * refused until it expires. The settings record goes with it unless the service's live settings
 * differ from it: then it still names the service's own (an earlier run left its pacing values on).
 */
async function giveBackLease(
  guard: ServiceGuard,
  driver: ServiceDriver,
  log: PostLog,
): Promise<string | undefined> {
  try {
    const record = await guard.read();
    if (record.holder.kind !== 'ours') return undefined;
    const live = (await driver.describeService()).settings;
    const recorded = record.recordedSettings;
    await guard.release(recorded !== undefined && formatOwnSettings(recorded) !== formatOwnSettings(live));
    const message = 'Gave back the lease main had taken on the service.';
    log.info(message);
    return message;
  } catch (error) {
    log.warning(
      `Could not remove the lease main had taken on the service (it expires by itself): ${errorMessage(error)}`,
    );
    return undefined;
  }
}

/**
 * The inputs the post step uses. When the inputs do not parse (main then failed before it changed
 * anything, so there is rarely work), the defaults of action.yml stand in rather than failing post.
 */
function postSettings(state: RolloutState | undefined, mask: (secret: string) => void): PostSettings {
  try {
    return readSettings(undefined, mask);
  } catch {
    const timeout = parseDuration(DEFAULTS['rollout-timeout'] ?? '60m');
    const onCancel = core.getInput('on-cancel').trim() === 'leave' ? 'leave' : 'rollback';
    const cluster = state?.cluster ?? '';
    const service = state?.service ?? '';
    return {
      mode: 'deploy',
      cluster,
      service,
      report: 'check',
      checkName: `ECS deploy ${cluster}/${service}`,
      onCancel,
      rolloutTimeoutMs: timeout.ok ? timeout.value : 60 * 60_000,
    };
  }
}

export async function run(): Promise<void> {
  const redactor = new Redactor((secret) => core.setSecret(secret));
  const out = createChannels(redactor);
  try {
    const state = parseState(core.getState(STATE_KEY));
    const settings = postSettings(state, (secret) => redactor.add(secret));
    const token = core.getInput('github-token').trim();
    if (token) redactor.add(token);
    // The post step can be cancelled too; stop waiting then, with the settings still put back.
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    const result = await runPost({
      state,
      settings,
      driver: (s) => {
        const env =
          s.region && !process.env['AWS_REGION'] ? { ...process.env, AWS_REGION: s.region } : process.env;
        const clients = createAwsClients(env);
        return createEcsServiceDriver({
          ecs: clients.ecs,
          elbv2: clients.elbv2,
          cluster: s.cluster,
          service: s.service,
        });
      },
      reporter: (s) => {
        if (!token || !reportsToGithub(settings)) return undefined;
        return createGithubReporter({
          octokit: createOctokit(token),
          context: readGithubContext(),
          settings: { ...settings, cluster: s.cluster, service: s.service },
          log: out,
          redact: out.redact,
          resume: {
            ...(s.checkRunId !== undefined ? { checkRunId: s.checkRunId } : {}),
            ...(s.deploymentId !== undefined ? { deploymentId: s.deploymentId } : {}),
          },
        });
      },
      log: out,
      clock: realClock,
      signal: controller.signal,
    });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);

    if (result.summary) await out.writeSummary(result.summary);
    if (result.failed) {
      out.setFailed(
        `The post step could not put ${state?.service ?? 'the service'} back as it was: ${result.problem ?? 'see the warnings above'}`,
      );
    }
  } catch (err) {
    // Only a failure to restore fails the post step; anything else here (reading state, building
    // clients) is reported and the job's own result stands.
    out.warning(`Post step: ${errorMessage(err)}`);
  }
}
