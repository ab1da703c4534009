// The post step (`post-if: always()`): finds a rollout that main left unfinished (the job was
// cancelled, timed out or main crashed) and, by `on-cancel`, puts the service back on the previous
// task definition with the same health gate as a failed rollout, then concludes the check run and
// the deployment as `cancelled`.
//
// Usage: src/entry/post.ts calls `run()`. Tests call `runPost(deps)` with a fake driver and reporter.
// The decision is the pure `decidePost(state, onCancel)`.
import * as core from '@actions/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAwsClients } from './platform/aws.js';
import { createEcsServiceDriver } from './platform/ecs-service.js';
import type { ServiceDriver } from './platform/service-driver.js';
import { createGithubReporter, type ReporterSettings } from './report/github.js';
import { createOctokit, readGithubContext } from './report/github-client.js';
import { taskDefinitionName } from './rollout/describe-state.js';
import { putBackSettings, restorePrevious, type RestoreResult } from './rollout/restore.js';
import type { Clock, DeploymentSettings, RolloutListener } from './rollout/types.js';
import { DEFAULTS, readSettings, type Settings } from './settings.js';
import { STATE_KEY, type RolloutState } from './state.js';
import { parseDuration } from './parse/duration.js';

/**
 * The most the post step waits for the restore. GitHub's workflow-cancellation docs: "After the 5
 * minute cancellation timeout period, the server will forcibly terminate all jobs and steps marked
 * for cancellation that are still running." Post must have put the settings back and reported
 * before then; ECS goes on moving the service back after the wait ends either way.
 */
export const CANCELLED_JOB_WAIT_MS = 4.5 * 60_000;

export type PostDecision =
  | { kind: 'nothing'; reason: string }
  /** Main stopped before it changed the service: only the check run is left to conclude. */
  | { kind: 'conclude'; reason: string }
  | {
      kind: 'restore';
      previousTaskDefinitionArn: string;
      originalSettings: DeploymentSettings;
      reason: string;
    }
  /** on-cancel: leave. The service keeps the new revision; only its own deployment settings go back. */
  | { kind: 'leave'; originalSettings?: DeploymentSettings; reason: string };

/** Parses what main saved; undefined when there is nothing (main never started) or it is unreadable. */
export function parseState(raw: string): RolloutState | undefined {
  if (raw.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return undefined;
    const state = value as Partial<RolloutState>;
    if (
      typeof state.phase !== 'string' ||
      typeof state.cluster !== 'string' ||
      typeof state.service !== 'string'
    ) {
      return undefined;
    }
    return value as RolloutState;
  } catch {
    return undefined;
  }
}

export function decidePost(state: RolloutState | undefined, onCancel: 'rollback' | 'leave'): PostDecision {
  if (!state) return { kind: 'nothing', reason: 'main saved no rollout state (it did not start a rollout)' };
  const where = `${state.cluster}/${state.service}`;
  if (state.phase === 'finished') return { kind: 'nothing', reason: `main finished the rollout of ${where}` };
  if (state.phase === 'preflight' && state.concluded) {
    return { kind: 'nothing', reason: `main stopped before it changed ${where} and reported why` };
  }
  if (state.phase === 'preflight') {
    return { kind: 'conclude', reason: `main stopped before it changed ${where}: the service is untouched` };
  }
  const stage = state.phase === 'rolling-back' ? 'in the rollback' : 'in the rollout';
  if (onCancel === 'leave') {
    return {
      kind: 'leave',
      ...(state.originalSettings ? { originalSettings: state.originalSettings } : {}),
      reason: `main stopped ${stage} of ${where}; on-cancel is leave`,
    };
  }
  if (!state.previousTaskDefinitionArn || !state.originalSettings) {
    // Without them there is nothing safe to go back to; the user must look.
    return {
      kind: 'leave',
      ...(state.originalSettings ? { originalSettings: state.originalSettings } : {}),
      reason: `main stopped ${stage} of ${where} but did not record the previous task definition, so there is nothing to roll back to`,
    };
  }
  return {
    kind: 'restore',
    previousTaskDefinitionArn: state.previousTaskDefinitionArn,
    originalSettings: state.originalSettings,
    reason: `main stopped ${stage} of ${where}; on-cancel is rollback`,
  };
}

/** What the post step needs from the inputs. */
export type PostSettings = Pick<Settings, 'onCancel' | 'rolloutTimeoutMs'> & ReporterSettings;

export interface PostReporter {
  readonly listener: RolloutListener;
  finish(outcome: 'cancelled', summaryMarkdown: string): Promise<void>;
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
}

export interface PostResult {
  decision: PostDecision;
  /** Set when post restored the service. */
  restore?: RestoreResult;
  settingsRestored?: { ok: boolean; message: string };
  /** Markdown of what post did, for the check run and the job summary; '' when nothing was done. */
  summary: string;
  /** True when post tried to restore the service and could not: the step should fail. */
  failed: boolean;
  /** Why it failed, in one sentence, when it did. */
  problem?: string;
}

export async function runPost(deps: PostDeps): Promise<PostResult> {
  const { state, settings, log } = deps;
  const decision = decidePost(state, settings.onCancel);
  if (decision.kind === 'nothing' || !state) {
    log.info(`Nothing to do: ${decision.reason}.`);
    return { decision, summary: '', failed: false };
  }

  log.warning(`${capitalise(decision.reason)}.`);
  // What main concluded stays concluded: post only reports a run that main could not finish.
  const reporter = state.concluded ? undefined : deps.reporter?.(state);
  const lines: string[] = [`### ${state.service}: rollout cancelled`, '', `${capitalise(decision.reason)}.`];
  let result: PostResult = { decision, summary: '', failed: false };

  let driver: ServiceDriver | undefined;
  let driverProblem = '';
  if (decision.kind !== 'conclude') {
    try {
      driver = deps.driver(state);
    } catch (err) {
      driverProblem = err instanceof Error ? err.message : String(err);
    }
  }

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
    reporter?.listener({
      type: 'rollback-started',
      at: deps.clock.now(),
      to: decision.previousTaskDefinitionArn,
    });
    const restore = await restorePrevious({
      driver,
      clock: deps.clock,
      previousTaskDefinitionArn: decision.previousTaskDefinitionArn,
      originalSettings: decision.originalSettings,
      timeoutMs: Math.min(settings.rolloutTimeoutMs, CANCELLED_JOB_WAIT_MS),
      onProgress: (waitingFor) => {
        log.info(waitingFor);
        reporter?.listener({ type: 'rollback-progress', at: deps.clock.now(), waitingFor });
      },
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    reporter?.listener({
      type: 'rollback-finished',
      at: deps.clock.now(),
      ok: restore.ok,
      message: restore.message,
    });
    (restore.ok ? log.info : log.warning)(capitalise(restore.message));
    (restore.settingsRestored.ok ? log.info : log.warning)(capitalise(restore.settingsRestored.message));
    lines.push('', `- ${capitalise(restore.message)}.`, `- ${capitalise(restore.settingsRestored.message)}.`);
    result = {
      decision,
      restore,
      settingsRestored: restore.settingsRestored,
      summary: '',
      failed: !restore.ok || !restore.settingsRestored.ok,
      ...(!restore.ok
        ? { problem: restore.message }
        : !restore.settingsRestored.ok
          ? { problem: restore.settingsRestored.message }
          : {}),
    };
  } else if (decision.kind === 'leave') {
    const to = state.newTaskDefinitionArn
      ? taskDefinitionName(state.newTaskDefinitionArn)
      : 'the new revision';
    lines.push(
      '',
      `- Left the service as it is: ECS goes on with its deployment of ${to}, without this action's health gate.`,
    );
    if (decision.originalSettings && !driver) {
      lines.push(`- Could not reach ECS to put back the service's deployment settings: ${driverProblem}.`);
    } else if (decision.originalSettings && driver) {
      // The pacing settings were the action's, for its batches; the service owner's go back so
      // ECS finishes (and later deployments run) the way the service was configured.
      const settingsRestored = await putBackSettings(driver, decision.originalSettings, {
        clock: deps.clock,
      });
      (settingsRestored.ok ? log.info : log.warning)(capitalise(settingsRestored.message));
      lines.push(`- ${capitalise(settingsRestored.message)}.`);
      result = { decision, settingsRestored, summary: '', failed: false };
    } else {
      lines.push('- The service keeps the deployment settings it has now (main did not record its own).');
    }
  } else {
    lines.push('', '- Nothing to restore.');
  }

  const summary = lines.join('\n');
  if (reporter) {
    await reporter.finish('cancelled', summary);
  }
  return { ...result, summary };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Real time, for the restore's waits. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleep(ms, undefined, signal ? { signal } : {});
  },
};

/**
 * The inputs the post step uses. When the inputs do not parse (main then failed before it changed
 * anything, so there is rarely work), the defaults of action.yml stand in rather than failing post.
 */
function postSettings(state: RolloutState | undefined): PostSettings {
  try {
    return readSettings();
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
  try {
    const state = parseState(core.getState(STATE_KEY));
    const settings = postSettings(state);
    const token = core.getInput('github-token').trim();
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
        if (!token || settings.report === 'none') return undefined;
        return createGithubReporter({
          octokit: createOctokit(token),
          context: readGithubContext(),
          settings: { ...settings, cluster: s.cluster, service: s.service },
          log: { info: core.info, warning: core.warning },
          resume: {
            ...(s.checkRunId !== undefined ? { checkRunId: s.checkRunId } : {}),
            ...(s.deploymentId !== undefined ? { deploymentId: s.deploymentId } : {}),
          },
        });
      },
      log: { info: core.info, warning: core.warning },
      clock: systemClock,
      signal: controller.signal,
    });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);

    if (result.summary && !process.env['GITHUB_STEP_SUMMARY']) {
      core.info('GITHUB_STEP_SUMMARY is not set: no job summary written.');
    } else if (result.summary) {
      try {
        await core.summary.addRaw(result.summary, true).write();
      } catch (err) {
        core.warning(`Could not write the job summary: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (result.failed) {
      core.setFailed(
        `The post step could not put ${state?.service ?? 'the service'} back as it was: ${result.problem ?? 'see the warnings above'}`,
      );
    }
  } catch (err) {
    // Only a failure to restore fails the post step; anything else here (reading state, building
    // clients) is reported and the job's own result stands.
    core.warning(`Post step: ${err instanceof Error ? err.message : String(err)}`);
  }
}
