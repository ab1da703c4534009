// The `main` step. It only orchestrates: inputs -> AWS clients -> driver -> deploy | rollback | plan
// -> outputs, job summary, GitHub report. One try/catch, and exactly one setFailed at the end. Every
// channel it writes to redacts the secrets the inputs carry (src/channels.ts).
import * as core from '@actions/core';
import { randomBytes } from 'node:crypto';
import { installCancellation } from './cancellation.js';
import { createChannels, type Channels } from './channels.js';
import { deploy, type DeployResult } from './deploy.js';
import { runPlan, type PlanResult } from './modes/plan.js';
import { Outputs } from './outputs.js';
import { createAwsClients } from './platform/aws.js';
import { createEcsServiceDriver } from './platform/ecs-service.js';
import { createHttpProbe } from './platform/http-probe.js';
import { createGithubReporter, reportsToGithub, type GithubReporter } from './report/github.js';
import { createOctokit, readGithubContext } from './report/github-client.js';
import { createProgressLog } from './report/log.js';
import { renderSummary } from './report/summary.js';
import { createSummaryCollector, summaryInput } from './report/summary-collect.js';
import { ServiceGuard } from './rollout/guard.js';
import { runIdentity } from './rollout/lease.js';
import type { RolloutFailure } from './rollout/types.js';
import { realClock } from './clock.js';
import { Heartbeat } from './rollout/watch.js';
import { errorMessage } from './rollout/words.js';
import { Redactor } from './secrets.js';
import { readSettings, type Settings } from './settings.js';
import { StateRecorder } from './state.js';

export async function run(): Promise<void> {
  const startedAt = Date.now();
  const redactor = new Redactor((secret) => core.setSecret(secret));
  const out = createChannels(redactor);
  const progress = createProgressLog({ sink: out, startedAt });
  const state = new StateRecorder((json) => out.saveState('rollout', json), out);
  const collector = createSummaryCollector();
  const outputs = new Outputs(out, startedAt);
  // The runner sends SIGINT, then SIGTERM: the first stops the rollout (which rolls back). Before a
  // forced exit the state is saved for the post step, and the outputs say the run was cancelled.
  const cancellation = installCancellation({
    beforeExit: (why) => {
      state.flush();
      outputs.cancelled(why, state.phase, collector.collected());
    },
    log: out,
  });

  let settings: Settings | undefined;
  let reporter: GithubReporter | undefined;
  let result: DeployResult | undefined;
  let planned: PlanResult | undefined;
  let failureMessage: string | undefined;
  let stepFailure: string | undefined;
  try {
    settings = readSettings(undefined, (secret) => redactor.add(secret));
    state.begin(settings.cluster, settings.service, startedAt);
    const clients = createAwsClients();
    state.update({ region: clients.region });
    const driver = createEcsServiceDriver({
      ecs: clients.ecs,
      elbv2: clients.elbv2,
      cluster: settings.cluster,
      service: settings.service,
    });
    reporter = createReporter(settings, out);
    if (reporter) {
      await reporter.start();
      state.update({
        ...(reporter.checkRunId !== undefined ? { checkRunId: reporter.checkRunId } : {}),
        ...(reporter.deploymentId !== undefined ? { deploymentId: reporter.deploymentId } : {}),
      });
    }

    if (settings.mode === 'plan') {
      planned = await runPlan({ settings, driver, log: out });
      state.update({ phase: 'finished' });
    } else {
      const identity = runIdentity(process.env, randomBytes(6).toString('hex'));
      const heartbeat = new Heartbeat((words) => progress.line(words));
      result = await deploy({
        settings,
        driver,
        guard: new ServiceGuard({ driver, clock: realClock, identity }),
        identity,
        clock: realClock,
        heartbeat,
        log: { line: (text) => progress.line(text), warning: (text) => out.warning(text) },
        listeners: [progress.listener, collector.listener, ...(reporter ? [reporter.listener] : [])],
        probe: createHttpProbe(),
        signal: cancellation.signal,
        saveState: (change) => state.update(change),
        ...(process.env['GITHUB_SERVER_URL'] ? { serverUrl: process.env['GITHUB_SERVER_URL'] } : {}),
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
  }

  const outcome = planned
    ? 'planned'
    : cancellation.cancelledBy && !result
      ? 'cancelled'
      : (result?.outcome ?? 'failed');
  const durationMs = result?.durationMs ?? Date.now() - startedAt;
  if (planned) outputs.planned(planned, durationMs);
  else outputs.finished(outcome, result, collector.collected(), durationMs, failureMessage);
  cancellation.dispose();

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
    await out.writeSummary(markdown);
    if (reporter) {
      const failure: RolloutFailure | undefined =
        result?.rollout?.failure ??
        (failureMessage ? { batch: 0, kind: 'error', message: failureMessage } : undefined);
      try {
        await reporter.finish(outcome, markdown, failure);
        // The post step must not re-conclude what main reported (a preflight failure is not a cancel).
        state.update({ concluded: true });
      } catch (error) {
        out.warning(`Could not report the outcome to GitHub: ${errorMessage(error)}`);
      }
    }
  }

  if (stepFailure !== undefined) out.setFailed(stepFailure);
}

function createReporter(settings: Settings, out: Channels): GithubReporter | undefined {
  if (!reportsToGithub(settings)) return undefined;
  const context = readGithubContext();
  if (!settings.githubToken || !context.owner) return undefined;
  return createGithubReporter({
    octokit: createOctokit(settings.githubToken, context.apiUrl),
    context,
    settings,
    log: out,
    redact: out.redact,
  });
}
