// An unchanged task definition: nothing to roll, but the service must be healthy on it. A phase of
// the session, bounded by batch-timeout.
import { restoreStatus } from '../rollout/restore.js';
import type { Snapshot } from '../rollout/snapshot.js';
import { errorMessage, formatDuration, taskDefinitionName } from '../rollout/words.js';
import type { DeployOptions } from './deploy-result.js';

/** An unchanged definition: still verify health, bounded by batch-timeout, as a phase of the session. */
export async function verifyHealthy(
  opts: Pick<DeployOptions, 'session' | 'log' | 'settings' | 'signal'>,
  arn: string,
  containerChecks: readonly string[],
): Promise<{ ok: boolean; message: string }> {
  const { session, log, settings } = opts;
  const started = session.clock.now();
  const end = await session.phase<Snapshot, { ok: boolean; message: string }>({
    says: (words) => log.line(`verifying: ${words}`),
    ...(opts.signal ? { signal: opts.signal } : {}),
    deadline: () => started + settings.batchTimeoutMs,
    observe: () => session.driver.observe(),
    step: (snapshot) => {
      const status = restoreStatus(snapshot, arn, containerChecks);
      if (status.settled) {
        log.line(`verified: ${status.waitingFor}`);
        return { done: { ok: true, message: status.waitingFor } };
      }
      if (snapshot.at - started >= settings.batchTimeoutMs) {
        return {
          done: {
            ok: false,
            message: `The service did not become healthy on ${taskDefinitionName(arn)} within ${formatDuration(settings.batchTimeoutMs)}: waiting for ${status.waitingFor}.`,
          },
        };
      }
      return { wait: status.waitingFor };
    },
  });
  if ('done' in end) return end.done;
  if ('cancelled' in end)
    return {
      ok: false,
      message: `Cancelled while verifying ${taskDefinitionName(arn)}: waiting for ${end.waitingFor}.`,
    };
  return {
    ok: false,
    message: `Could not verify ${taskDefinitionName(arn)}: ${errorMessage(end.unreadable)}`,
  };
}
