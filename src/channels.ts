// Every channel the action writes to, in one place, each through the one Redactor: the log,
// outputs, the job summary and the saved state. (Check runs, commit statuses and deployment
// statuses go through the reporter, which is given the same `redact`.) Nothing else in the action
// calls @actions/core to write.
import * as core from '@actions/core';
import type { Redactor } from './secrets.js';
import { errorMessage } from './rollout/words.js';

export interface Channels {
  readonly redact: (text: string) => string;
  info(line: string): void;
  warning(line: string): void;
  startGroup(name: string): void;
  endGroup(): void;
  /** The step's one error annotation, and its exit code 1. */
  setFailed(message: string): void;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  /** GITHUB_STEP_SUMMARY; outside a runner (no file) the summary is only skipped, never an error. */
  writeSummary(markdown: string): Promise<void>;
}

export function createChannels(redactor: Redactor): Channels {
  const redact = (text: string): string => redactor.redact(text);
  return {
    redact,
    info: (line) => core.info(redact(line)),
    warning: (line) => core.warning(redact(line)),
    startGroup: (name) => core.startGroup(redact(name)),
    endGroup: () => core.endGroup(),
    setFailed: (message) => core.setFailed(redact(message)),
    setOutput: (name, value) => core.setOutput(name, redact(value)),
    saveState: (name, value) => core.saveState(name, redact(value)),
    async writeSummary(markdown) {
      if (!process.env['GITHUB_STEP_SUMMARY']) {
        core.info('GITHUB_STEP_SUMMARY is not set: no job summary written.');
        return;
      }
      try {
        await core.summary.addRaw(redact(markdown), true).write();
      } catch (error) {
        core.warning(redact(`Could not write the job summary: ${errorMessage(error)}`));
      }
    },
  };
}
