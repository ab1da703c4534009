// The `main` step. It only orchestrates: inputs -> AWS clients -> driver -> deploy (or rollback)
// -> outputs, job summary, GitHub report. One try/catch, and exactly one core.setFailed at the end.
import * as core from '@actions/core';
import { installCancellation } from './cancellation.js';
import { deploy, type DeployResult } from './deploy.js';
import { runPlan, type PlanResult } from './modes/plan.js';
import { createAwsClients } from './platform/aws.js';
import { createEcsServiceDriver } from './platform/ecs-service.js';
import { errorMessage } from './platform/errors.js';
import { createHttpProbe } from './platform/http-probe.js';
import { createGithubReporter, type GithubReporter } from './report/github.js';
import { createOctokit, readGithubContext } from './report/github-client.js';
import { createProgressLog, type LogSink } from './report/log.js';
import { createSummaryCollector, renderSummary, type SummaryInput } from './report/summary.js';
import type { Clock, RolloutFailure } from './rollout/types.js';
import { OUTPUT, readSettings, type Settings } from './settings.js';
import { STATE_KEY, type RolloutState } from './state.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Real time. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleep(ms, undefined, signal ? { signal } : {});
  },
};

const coreSink: LogSink = {
  info: (line) => core.info(line),
  startGroup: (name) => core.startGroup(name),
  endGroup: () => core.endGroup(),
};

/** Keeps the state the post step reads, saving the whole of it (JSON under STATE_KEY) on every change. */
class StateRecorder {
  private state: RolloutState | undefined;
  constructor(private readonly save: (json: string) => void) {}
  begin(cluster: string, service: string, startedAt: number): void {
    this.state = { phase: 'preflight', cluster, service, startedAt, updatedAt: startedAt };
    this.flush();
  }
  update(change: Partial<RolloutState>): void {
    if (!this.state) return;
    this.state = { ...this.state, ...change, updatedAt: Date.now() };
    this.flush();
  }
  flush(): void {
    try {
      this.save(JSON.stringify(this.state));
    } catch (error) {
      core.warning(`Could not save the rollout state for the post step: ${errorMessage(error)}`);
    }
  }
}

export async function run(): Promise<void> {
  const startedAt = Date.now();
  const progress = createProgressLog({ sink: coreSink, startedAt });
  const state = new StateRecorder((json) => core.saveState(STATE_KEY, json));
  const collector = createSummaryCollector();
  // The runner sends SIGINT, then SIGTERM: the first stops the rollout (which rolls back); the
  // state is saved at every phase and once more before a forced exit, for the post step.
  const cancellation = installCancellation({
    beforeExit: () => state.flush(),
    log: { info: (m) => core.info(m), warning: (m) => core.warning(m) },
  });

  let settings: Settings | undefined;
  let reporter: GithubReporter | undefined;
  let result: DeployResult | undefined;
  let planned: PlanResult | undefined;
  let failureMessage: string | undefined;
  let stepFailure: string | undefined;
  try {
    settings = readSettings();
    state.begin(settings.cluster, settings.service, startedAt);
    const clients = createAwsClients();
    state.update({ region: clients.region });
    const driver = createEcsServiceDriver({
      ecs: clients.ecs,
      elbv2: clients.elbv2,
      cluster: settings.cluster,
      service: settings.service,
    });
    reporter = createReporter(settings);
    if (reporter) {
      await reporter.start();
      state.update({
        ...(reporter.checkRunId !== undefined ? { checkRunId: reporter.checkRunId } : {}),
        ...(reporter.deploymentId !== undefined ? { deploymentId: reporter.deploymentId } : {}),
      });
    }

    if (settings.mode === 'plan') {
      planned = await runPlan({
        settings,
        driver,
        log: { info: (m) => core.info(m), warning: (m) => core.warning(m) },
      });
      state.update({ phase: 'finished' });
    } else {
      result = await deploy({
        settings,
        driver,
        clock: realClock,
        log: { line: (text) => progress.line(text), warning: (text) => core.warning(text) },
        listeners: [progress.listener, collector.listener, ...(reporter ? [reporter.listener] : [])],
        probe: createHttpProbe({ setSecret: (secret) => core.setSecret(secret) }),
        signal: cancellation.signal,
        saveState: (change) => state.update(change),
      });
      if (result.outcome !== 'succeeded') {
        failureMessage = result.failureMessage ?? `The rollout ended ${result.outcome}.`;
        stepFailure = result.stepFailure ?? failureMessage;
      }
    }
  } catch (error) {
    // The saved phase stays as it was: post concludes a `preflight` and restores a `rolling-*`.
    failureMessage = errorMessage(error);
    stepFailure = failureMessage;
  } finally {
    progress.close();
    cancellation.dispose();
  }

  const outcome: SummaryInput['outcome'] = planned ? 'planned' : (result?.outcome ?? 'failed');
  const durationMs = result?.durationMs ?? Date.now() - startedAt;
  if (planned) setPlanOutputs(planned, durationMs);
  else setOutputs(result, outcome, durationMs, failureMessage);

  if (settings) {
    const markdown = planned
      ? planned.markdown
      : renderSummary(
          summaryInput(
            settings,
            result,
            collector.collected(),
            outcome,
            startedAt,
            durationMs,
            failureMessage,
          ),
        );
    await writeJobSummary(markdown);
    if (reporter) {
      const failure =
        result?.rollout?.failure ?? (failureMessage ? preflightFailure(failureMessage) : undefined);
      try {
        await reporter.finish(outcome, markdown, failure);
        // The post step must not re-conclude what main reported (a preflight failure is not a cancel).
        state.update({ concluded: true });
      } catch (error) {
        core.warning(`Could not report the outcome to GitHub: ${errorMessage(error)}`);
      }
    }
  }

  if (stepFailure !== undefined) core.setFailed(stepFailure);
}

function createReporter(settings: Settings): GithubReporter | undefined {
  if (settings.report === 'none' && settings.environment === undefined) return undefined;
  const context = readGithubContext();
  if (!settings.githubToken || !context.owner) return undefined;
  return createGithubReporter({
    octokit: createOctokit(settings.githubToken, context.apiUrl),
    context,
    settings,
    log: { info: (m) => core.info(m), warning: (m) => core.warning(m) },
  });
}

function setOutputs(
  result: DeployResult | undefined,
  outcome: string,
  durationMs: number,
  failureMessage: string | undefined,
): void {
  const completed = result?.rollout?.batches.filter((b) => b.outcome === 'succeeded').length ?? 0;
  core.setOutput(OUTPUT.taskDefinitionArn, result?.newTaskDefinitionArn ?? '');
  core.setOutput(OUTPUT.previousTaskDefinitionArn, result?.previousTaskDefinitionArn ?? '');
  core.setOutput(OUTPUT.outcome, outcome);
  core.setOutput(OUTPUT.batches, String(completed));
  core.setOutput(OUTPUT.durationSeconds, String(Math.round(durationMs / 1000)));
  core.setOutput(OUTPUT.failureReason, failureMessage ?? '');
}

function setPlanOutputs(planned: PlanResult, durationMs: number): void {
  core.setOutput(OUTPUT.taskDefinitionArn, planned.reusesTaskDefinitionArn ?? '');
  core.setOutput(OUTPUT.previousTaskDefinitionArn, planned.currentTaskDefinitionArn);
  core.setOutput(OUTPUT.outcome, 'planned');
  // Nothing ran: no batch completed (the plan's batches are in the summary).
  core.setOutput(OUTPUT.batches, '0');
  core.setOutput(OUTPUT.durationSeconds, String(Math.round(durationMs / 1000)));
  core.setOutput(OUTPUT.failureReason, '');
}

function preflightFailure(message: string): RolloutFailure {
  return { batch: 0, kind: 'error', message };
}

function summaryInput(
  settings: Settings,
  result: DeployResult | undefined,
  collected: ReturnType<ReturnType<typeof createSummaryCollector>['collected']>,
  outcome: SummaryInput['outcome'],
  startedAt: number,
  durationMs: number,
  failureMessage: string | undefined,
): SummaryInput {
  const input: SummaryInput = {
    cluster: settings.cluster,
    service: settings.service,
    outcome,
    imageChanges: result?.imageChanges ?? [],
    batches: collected.batches,
    startedAt: collected.startedAt ?? result?.startedAt ?? startedAt,
    durationMs,
    notes: result?.notes ?? [],
  };
  if (result) {
    input.previousTaskDefinitionArn = result.previousTaskDefinitionArn;
    input.newTaskDefinitionArn = result.newTaskDefinitionArn;
    // The summary's `registered: false` means "unchanged"; a rollback or a given revision registers nothing either.
    input.registered = !result.unchanged;
    if (result.plan) input.plan = result.plan;
  }
  const failure =
    result?.rollout?.failure ??
    collected.failure ??
    (failureMessage ? preflightFailure(failureMessage) : undefined);
  if (failure) input.failure = failure;
  if (collected.rollback) input.rollback = collected.rollback;
  return input;
}

/** GITHUB_STEP_SUMMARY; outside a runner (no file) the summary is only skipped, never an error. */
async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env['GITHUB_STEP_SUMMARY']) {
    core.info('GITHUB_STEP_SUMMARY is not set: no job summary written.');
    return;
  }
  try {
    await core.summary.addRaw(markdown).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`);
  }
}
