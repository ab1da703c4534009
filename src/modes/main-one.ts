// One service's step, after its settings are read: deploy | rollback | plan (this folder), then
// the outputs, the job summary and the GitHub report, and exactly one setFailed. main.ts wires it.
import type { Cancellation } from '../cancellation.js';
import type { Channels } from '../channels.js';
import type { Outputs } from '../outputs.js';
import { createHttpProbe } from '../platform/http-probe.js';
import { createOneOffTaskDriver } from '../platform/one-off-task.js';
import { createRevisionDriver } from '../platform/revisions.js';
import { reportIds, type GithubReporter } from '../report/github.js';
import type { ProgressLog } from '../report/log.js';
import { renderSummary } from '../report/summary.js';
import { summaryInput, type createSummaryCollector } from '../report/summary-collect.js';
import type { RolloutFailure } from '../rollout/types.js';
import { Heartbeat } from '../rollout/watch.js';
import { errorMessage } from '../rollout/words.js';
import type { Settings } from '../settings.js';
import type { StateRecorder } from '../state.js';
import { awsClients, mainReporter, mainSession, newIdentity, serviceDriver } from '../wiring.js';
import { deploy } from './deploy.js';
import type { DeployResult } from './deploy-result.js';
import { runPlan, type PlanResult } from './plan.js';

/** What main wired before the settings were read: the step's channels, state and outputs. */
export interface OneStep {
  out: Channels;
  progress: ProgressLog;
  state: StateRecorder;
  collector: ReturnType<typeof createSummaryCollector>;
  outputs: Outputs;
  cancellation: Cancellation;
  startedAt: number;
}

/** How the step went, for finishOne. */
interface Ended {
  settings?: Settings;
  reporter?: GithubReporter;
  result?: DeployResult;
  planned?: PlanResult;
  failureMessage?: string;
  stepFailure?: string;
}

export async function runOne(step: OneStep, settings: Settings): Promise<void> {
  const { out, progress, state, collector, outputs, cancellation, startedAt } = step;
  let reporter: GithubReporter | undefined;
  let result: DeployResult | undefined;
  let planned: PlanResult | undefined;
  let failureMessage: string | undefined;
  let stepFailure: string | undefined;
  try {
    outputs.forService(settings.cluster, settings.service);
    state.begin(settings.cluster, settings.service, startedAt);
    const clients = awsClients();
    state.update({ region: clients.region });
    // The alarm gate: DescribeAlarms only when there is an alarm to read (none named, and the
    // service names none, costs no call).
    const driver = serviceDriver(
      clients,
      settings.cluster,
      settings.service,
      settings.mode === 'deploy' && (settings.alarms.length > 0 || settings.useServiceAlarms)
        ? { names: settings.alarms, useServiceAlarms: settings.useServiceAlarms }
        : undefined,
    );
    reporter = mainReporter(settings, out);
    if (reporter) {
      await reporter.start();
      state.update(reportIds(reporter));
    }

    if (settings.mode === 'plan') {
      planned = await runPlan({ settings, driver, log: out });
      state.update({ phase: 'finished' });
    } else {
      const identity = newIdentity();
      const heartbeat = new Heartbeat((words) => progress.line(words));
      result = await deploy({
        settings,
        session: mainSession(driver, identity, heartbeat),
        identity,
        log: { line: (text) => progress.line(text), warning: (text) => out.warning(text) },
        listeners: [progress.listener, collector.listener, ...(reporter ? [reporter.listener] : [])],
        probe: createHttpProbe(),
        signal: cancellation.signal,
        saveState: (change) => state.update(change),
        ...(process.env['GITHUB_SERVER_URL'] ? { serverUrl: process.env['GITHUB_SERVER_URL'] } : {}),
        oneOffTasks: createOneOffTaskDriver(clients.ecs, {
          cluster: settings.cluster,
          service: settings.service,
        }),
        revisions: createRevisionDriver(clients.ecs, settings.cluster, driver),
        region: clients.region,
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
  }
  await finishOne(step, {
    settings,
    ...(reporter ? { reporter } : {}),
    ...(result ? { result } : {}),
    ...(planned ? { planned } : {}),
    ...(failureMessage !== undefined ? { failureMessage } : {}),
    ...(stepFailure !== undefined ? { stepFailure } : {}),
  });
}

/** The end of every single-service step, settings read or not: outputs, summary, report, verdict. */
export async function finishOne(step: OneStep, ended: Ended): Promise<void> {
  const { out, progress, collector, outputs, cancellation, startedAt, state } = step;
  const { settings, reporter, result, planned, failureMessage, stepFailure } = ended;
  progress.close();
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
