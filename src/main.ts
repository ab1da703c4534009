// The `main` step: wiring only (src/wiring.ts: channels, clients, driver, reporter, session). It
// reads the inputs and hands the step to its mode: one service to src/modes/main-one.ts, several
// to src/modes/main-many.ts. Every channel it writes to redacts the secrets the inputs carry
// (src/channels.ts).
import { installCancellation } from './cancellation.js';
import { runMany } from './modes/main-many.js';
import { finishOne, runOne, type OneStep } from './modes/main-one.js';
import { Outputs } from './outputs.js';
import { createProgressLog } from './report/log.js';
import { createSummaryCollector } from './report/summary-collect.js';
import { errorMessage } from './rollout/words.js';
import { readSettings, type Settings } from './settings.js';
import { serviceName } from './settings/services.js';
import { StateRecorder } from './state.js';
import { awsClients, mainReporter, newIdentity, openChannels, serviceDriver } from './wiring.js';

export async function run(): Promise<void> {
  const startedAt = Date.now();
  const { redactor, out } = openChannels();
  const progress = createProgressLog({ sink: out, startedAt });
  const state = new StateRecorder((json) => out.saveState('rollout', json), out);
  const collector = createSummaryCollector();
  const outputs = new Outputs(out, startedAt);
  // The runner sends SIGINT, then SIGTERM: the first stops the rollout (which rolls back). Before a
  // forced exit the state is saved for the post step, and the outputs say the run was cancelled.
  // Several services save their own state and outputs (main-many.ts).
  let forcedExit: ((why: string) => void) | undefined;
  const cancellation = installCancellation({
    beforeExit: (why) => {
      if (forcedExit) {
        forcedExit(why);
        return;
      }
      state.flush();
      outputs.cancelled(why, state.phase, collector.collected());
    },
    log: out,
  });

  const step: OneStep = { out, progress, state, collector, outputs, cancellation, startedAt };
  let settings: Settings;
  try {
    settings = readSettings(undefined, (secret) => redactor.add(secret));
  } catch (error) {
    const failureMessage = errorMessage(error);
    await finishOne(step, { failureMessage, stepFailure: failureMessage });
    return;
  }
  if (settings.services.length <= 1) {
    await runOne(step, settings);
    return;
  }
  const manySettings = settings;
  try {
    await runMany({
      settings,
      out,
      cancellation,
      startedAt,
      onForcedExit: (handler) => {
        forcedExit = handler;
      },
      identity: newIdentity(),
      connect: () => {
        const clients = awsClients();
        return {
          region: clients.region,
          driverOf: (service) => serviceDriver(clients, manySettings.cluster, service),
          // One check run for every service: its title names them all.
          reporter: mainReporter(manySettings, out, {
            ...manySettings,
            service: manySettings.services.map((t) => serviceName(t.service)).join(', '),
          }),
        };
      },
    });
    progress.close();
  } catch (error) {
    // runMany reports each service's failure itself; what escapes it ends the step as one failure.
    const failureMessage = errorMessage(error);
    await finishOne(step, { settings, failureMessage, stepFailure: failureMessage });
  }
}
