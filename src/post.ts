// The `post` step: wiring only. It reads what main saved and the inputs, builds the AWS clients,
// drivers and reporters (src/wiring.ts), and runs the post flow (src/modes/post.ts) for one service
// or for each service of a step with several. Only a failure to restore fails the post step.
import * as core from '@actions/core';
import type { Channels } from './channels.js';
import { parseDuration } from './parse/duration.js';
import { manyStatesToFinish, parseManyStates, parseState } from './modes/post-decision.js';
import { runPost, type PostSettings } from './modes/post.js';
import { realClock } from './clock.js';
import { errorMessage } from './rollout/words.js';
import { readSettings } from './settings.js';
import { DEFAULTS } from './settings/inputs.js';
import type { Redactor } from './secrets.js';
import { MANY_STATE_KEY, STATE_KEY, type RolloutState } from './state.js';
import { openChannels, postReporter, postServiceClients, untilSignalled } from './wiring.js';

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
  const { redactor, out } = openChannels();
  const many = parseManyStates(core.getState(MANY_STATE_KEY));
  if (many) {
    await runManyPost(many, redactor, out);
    return;
  }
  try {
    const state = parseState(core.getState(STATE_KEY));
    const settings = postSettings(state, (secret) => redactor.add(secret));
    const token = core.getInput('github-token').trim();
    if (token) redactor.add(token);
    const cancel = untilSignalled();
    const result = await runPost({
      state,
      settings,
      ...postServiceClients(),
      reporter: (s) => postReporter(token, { ...settings, cluster: s.cluster, service: s.service }, out, s),
      log: out,
      clock: realClock,
      signal: cancel.signal,
    });
    cancel.dispose();

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

/**
 * Several services: every service main left unfinished is finished as runPost finishes one (each
 * under its own lease), at once; under on-partial-failure: rollback-all the ones main had finished on
 * the new revision go back too (manyStatesToFinish). One check run for them all is concluded once.
 */
async function runManyPost(states: RolloutState[], redactor: Redactor, out: Channels): Promise<void> {
  try {
    const first = states[0];
    const settings = postSettings(first, (secret) => redactor.add(secret));
    const token = core.getInput('github-token').trim();
    if (token) redactor.add(token);
    const policy = core.getInput('on-partial-failure').trim() === 'continue' ? 'continue' : 'rollback-all';
    const cancel = untilSignalled();
    const results = await Promise.all(
      manyStatesToFinish(states, policy).map((state) =>
        runPost({
          state,
          settings: { ...settings, cluster: state.cluster, service: state.service },
          driver: postServiceClients().driver,
          log: {
            info: (line) => out.info(`${state.service} | ${line}`),
            warning: (line) => out.warning(`${state.service} | ${line}`),
          },
          clock: realClock,
          signal: cancel.signal,
        }),
      ),
    );
    cancel.dispose();

    const summary = results
      .map((r) => r.summary)
      .filter((text) => text !== '')
      .join('\n\n');
    if (summary) await out.writeSummary(summary);
    // Main's one check run, when main could not conclude it: concluded once, for every service.
    const acted = results.some((r) => r.decision.kind !== 'nothing');
    const reporter =
      first && !first.concluded && acted
        ? postReporter(token, { ...settings, service: states.map((s) => s.service).join(', ') }, out, first)
        : undefined;
    if (reporter) {
      const failed = results.some((r) => r.failed);
      const pending = states.some((s) => s.pending !== undefined);
      await reporter.finish(pending ? (failed ? 'failed' : 'rolled-back') : 'cancelled', summary);
    }
    const failed = results.flatMap((r, i) =>
      r.failed ? [`${states[i]?.service ?? '?'}: ${r.problem ?? 'see the warnings above'}`] : [],
    );
    if (failed.length > 0) {
      out.setFailed(`The post step could not put every service back as it was:\n${failed.join('\n')}`);
    }
  } catch (err) {
    out.warning(`Post step: ${errorMessage(err)}`);
  }
}
