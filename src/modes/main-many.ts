// The `main` step for several services (`service` lists more than one): the same inputs -> AWS
// clients -> deploy | rollback | plan -> outputs, summary, GitHub report as main.ts, with one driver,
// progress log, summary collector and saved state per service, one check run and one job summary
// for them all. The rollouts themselves are src/modes/deploy-many.ts's. main.ts calls runMany once
// the inputs are read and list several services; it never throws.
import type { Cancellation } from '../cancellation.js';
import type { Channels } from '../channels.js';
import { realClock } from '../clock.js';
import { deployMany, serviceSettings, type ManyResult } from './deploy-many.js';
import { runPlan, type PlanResult } from './plan.js';
import { Outputs, passedBatches, serviceOutput, type ServiceOutput } from '../outputs.js';
import { createHttpProbe } from '../platform/http-probe.js';
import { reportIds, type GithubReporter } from '../report/github.js';
import { createProgressLog } from '../report/log.js';
import type { SummaryInput } from '../report/summary-input.js';
import { renderManySummary } from '../report/summary-many.js';
import { createSummaryCollector, summaryInput } from '../report/summary-collect.js';
import type { Outcome, RolloutFailure } from '../rollout/types.js';
import { Heartbeat } from '../rollout/watch.js';
import { errorMessage } from '../rollout/words.js';
import type { Settings } from '../settings.js';
import { serviceName } from '../settings/services.js';
import { MANY_STATE_KEY, ManyStateRecorder } from '../state.js';
import type { RunIdentity } from '../rollout/lease.js';
import type { ServiceDriver } from '../rollout/port.js';

export interface RunManyDeps {
  settings: Settings;
  out: Channels;
  cancellation: Cancellation;
  startedAt: number;
  /** main's cancellation calls this right before a forced exit (save state, write the outputs). */
  onForcedExit(handler: (why: string) => void): void;
  /** Built by main (src/wiring.ts) once the outputs can say what failed: the clients and the reporter. */
  connect(): ManyConnections;
  identity: RunIdentity;
}

/** What main wires for several services: one driver each, one reporter for them all. */
export interface ManyConnections {
  region: string;
  driverOf(service: string): ServiceDriver;
  reporter: GithubReporter | undefined;
}

export async function runMany(deps: RunManyDeps): Promise<void> {
  const { settings, out, startedAt, cancellation } = deps;
  const targets = settings.services;
  const state = new ManyStateRecorder(targets.length, (json) => out.saveState(MANY_STATE_KEY, json), out);
  targets.forEach((t, i) => state.services[i]?.begin(settings.cluster, t.service, startedAt));
  const collectors = targets.map(() => createSummaryCollector());
  const outputs = new Outputs(out, startedAt);
  const batches = (): number => collectors.reduce((sum, c) => sum + passedBatches(c.collected()), 0);
  deps.onForcedExit((why) => {
    state.flush();
    outputs.finishedMany({
      outcome: 'cancelled',
      services: targets.map((t, i) => {
        const collected = collectors[i]?.collected();
        return serviceOutput({
          service: t.service,
          cluster: settings.cluster,
          outcome: 'cancelled',
          taskDefinitionArn: collected?.to ?? '',
          previousTaskDefinitionArn: collected?.from ?? '',
          failureReason: `The job was cancelled (${why}); the post step puts back every service left unfinished.`,
        });
      }),
      batches: batches(),
      durationMs: Date.now() - startedAt,
      failureReason: `The job was cancelled (${why}); the post step puts back every service left unfinished (on-cancel: ${settings.onCancel}).`,
    });
  });

  let reporter: GithubReporter | undefined;
  let many: ManyResult | undefined;
  let planned: PlanResult[] | undefined;
  let failureMessage: string | undefined;
  try {
    const connected = deps.connect();
    state.updateAll({ region: connected.region });
    const { driverOf } = connected;
    reporter = connected.reporter;
    if (reporter) {
      await reporter.start();
      state.updateAll(reportIds(reporter));
    }
    if (settings.mode === 'plan') {
      // Read-only, one service after the other: the log reads as one plan per service.
      planned = [];
      for (const target of targets) {
        const s = serviceSettings(settings, target);
        const prefix = `${serviceName(target.service)} | `;
        planned.push(
          await runPlan({
            settings: s,
            driver: driverOf(target.service),
            log: { info: (l) => out.info(prefix + l), warning: (l) => out.warning(prefix + l) },
          }),
        );
      }
      state.updateAll({ phase: 'finished' });
    } else {
      const { identity } = deps;
      many = await deployMany({
        settings,
        identity,
        clock: realClock,
        probe: createHttpProbe(),
        signal: cancellation.signal,
        ...(process.env['GITHUB_SERVER_URL'] ? { serverUrl: process.env['GITHUB_SERVER_URL'] } : {}),
        context: (i, s) => {
          // Lines of the services interleave: each carries its service's name; no log groups.
          const prefix = `${serviceName(s.service)} | `;
          const progress = createProgressLog({
            sink: {
              info: (l) => out.info(prefix + l),
              startGroup: () => undefined,
              endGroup: () => undefined,
            },
            startedAt,
          });
          return {
            driver: driverOf(s.service),
            log: { line: (t) => progress.line(t), warning: (t) => out.warning(prefix + t) },
            heartbeat: new Heartbeat((words) => progress.line(words)),
            listeners: [progress.listener, ...(collectors[i] ? [collectors[i].listener] : [])],
            saveState: (change) => state.services[i]?.update(change),
          };
        },
      });
    }
  } catch (error) {
    // Before any service was changed (an input file, the clients, the check run).
    failureMessage = errorMessage(error);
  }

  const durationMs = many?.durationMs ?? Date.now() - startedAt;
  const outcome: Outcome | 'planned' = planned
    ? 'planned'
    : (many?.outcome ?? (cancellation.cancelledBy ? 'cancelled' : 'failed'));
  failureMessage ??= many?.failureMessage;
  const services: ServiceOutput[] = targets.map((t, i) => {
    const s = many?.services[i];
    const plan = planned?.[i];
    return serviceOutput({
      service: t.service,
      cluster: settings.cluster,
      outcome: plan ? 'planned' : (s?.verdict.outcome ?? outcome),
      taskDefinitionArn: plan ? (plan.reusesTaskDefinitionArn ?? '') : (s?.taskDefinitionArn ?? ''),
      previousTaskDefinitionArn: plan ? plan.currentTaskDefinitionArn : (s?.previousTaskDefinitionArn ?? ''),
      ...(s
        ? s.verdict.failureReason
          ? { failureReason: s.verdict.failureReason }
          : {}
        : plan
          ? {}
          : { failureReason: failureMessage ?? '' }),
    });
  });
  outputs.finishedMany({
    outcome,
    services,
    batches: batches(),
    durationMs,
    failureReason: failureMessage ?? '',
  });
  deps.cancellation.dispose();

  const markdown = planned
    ? [
        `## ECS rolling deploy: ${settings.cluster}, plan for ${targets.length} services`,
        ...planned.map((p) => p.markdown.replace(/^(#{2,5}) /gm, '#$1 ')),
      ].join('\n\n')
    : renderManySummary({
        cluster: settings.cluster,
        outcome,
        durationMs,
        rows: services.map((s, i) => ({
          service: s.service,
          outcome: s.outcome as Outcome,
          ...(s.previousTaskDefinitionArn ? { previousTaskDefinitionArn: s.previousTaskDefinitionArn } : {}),
          ...(s.taskDefinitionArn ? { taskDefinitionArn: s.taskDefinitionArn } : {}),
          words: many?.services[i]?.verdict.words ?? `${s.service}: ${s.failureReason ?? s.outcome}`,
        })),
        services: many
          ? many.services.map((s, i) => serviceSummary(s, collectors[i], startedAt, durationMs))
          : [],
        ...(many ? {} : failureMessage ? { note: failureMessage } : {}),
      });
  await out.writeSummary(markdown);
  if (reporter) {
    const failed = many?.services.find((s) => s.verdict.outcome !== 'succeeded');
    const failure: RolloutFailure | undefined =
      failed?.result?.rollout?.failure ??
      (failureMessage ? { batch: 0, kind: 'error', message: failureMessage } : undefined);
    try {
      await reporter.finish(outcome, markdown, failure);
      state.updateAll({ concluded: true });
    } catch (error) {
      out.warning(`Could not report the outcome to GitHub: ${errorMessage(error)}`);
    }
  }
  if (outcome !== 'succeeded' && outcome !== 'planned')
    out.setFailed(failureMessage ?? `The rollout ended ${outcome}.`);
}

/** One service's section of the summary; a service the step put back after it succeeded says so. */
function serviceSummary(
  s: ManyResult['services'][number],
  collector: ReturnType<typeof createSummaryCollector> | undefined,
  startedAt: number,
  durationMs: number,
): SummaryInput {
  const ownSucceeded = s.result?.outcome === 'succeeded' && s.verdict.outcome !== 'succeeded';
  const input = summaryInput(
    s.settings,
    s.result,
    collector?.collected() ?? { batches: [] },
    s.verdict.outcome,
    startedAt,
    durationMs,
    ownSucceeded ? undefined : s.verdict.failureReason,
  );
  if (ownSucceeded && s.verdict.failureReason)
    input.notes = [...(input.notes ?? []), s.verdict.failureReason];
  return input;
}
