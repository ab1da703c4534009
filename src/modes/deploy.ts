// The deploy (and manual rollback) main calls: preflight (no mutation) -> what to deploy (no
// mutation) -> the service's lease -> register (skipped when a registered revision is given) ->
// plan -> the gated rollout -> record the release on the service. Every wait is bounded; every
// change is preceded by a saved state, so the post step can restore what this process could not.
import { describeLease } from '../rollout/lease.js';
import { planBatches } from '../rollout/plan.js';
import { runRollout, type PhaseInfo, type RunPhase } from '../rollout/rollout.js';
import { errorMessage, taskDefinitionName } from '../rollout/words.js';
import { healthCheckedNames } from '../container-checks.js';
import { runPreDeploy, type PreDeployReport } from '../pre-deploy.js';
import { preDeployContainer } from '../pre-deploy-plan.js';
import { tidyRevisions } from '../keep-revisions.js';
import { familyOfArn } from '../platform/task-definitions.js';
import { imageChanges, type ImageChange } from '../taskdef-compare.js';
import type { DeployOptions, DeployResult } from './deploy-result.js';
import { stepFailure, workerGateWarning } from './deploy-words.js';
import { preflight } from './preflight.js';
import { releaseTags } from './rollback.js';
import { planInputOf, rolloutSpecOf } from './rollout-input.js';
import { loadTargetFile, resolveTarget } from './target.js';
import { verifyHealthy } from './verify.js';

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const { settings, session, log } = opts;
  const { driver, clock } = session;
  const save = opts.saveState ?? ((): void => undefined);
  const startedAt = clock.now();
  const notes: string[] = [];
  save({ phase: 'preflight', startedAt, leaseId: opts.identity.id });

  // 0. The task definition file, before any AWS call: a file ECS would refuse is an input error.
  const file = await loadTargetFile(settings);

  // 1. Preflight and the target: read-only.
  const prepare = async (): Promise<Prepared | { result: DeployResult }> => {
    const pre = await preflight({
      settings,
      session,
      log,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.serverUrl ? { serverUrl: opts.serverUrl } : {}),
    });
    const { service, current } = pre;
    const previousTaskDefinitionArn = current.arn;
    log.line(
      `service ${settings.service} in cluster ${settings.cluster}: ${service.desiredCount} tasks of ` +
        `${taskDefinitionName(previousTaskDefinitionArn)}, ` +
        (service.targetGroupArns.length > 0
          ? `target groups ${service.targetGroupArns.length}, `
          : 'no load balancer (a worker: gated on its tasks and their container health checks), ') +
        `its own deployment settings maximumPercent ${pre.ownSettings.maximumPercent} / minimumHealthyPercent ${pre.ownSettings.minimumHealthyPercent}`,
    );
    const target = await resolveTarget(settings, driver, current, file);
    log.line(target.how);
    if (target.stripped) log.line(`left out the read-only fields ${target.stripped.join(', ')}`);
    if (target.warning) {
      log.warning(target.warning);
      notes.push(target.warning);
    }
    const changes = imageChanges(current.body, target.runs);
    save({
      phase: 'preflight',
      previousTaskDefinitionArn,
      desiredCount: service.desiredCount,
      originalSettings: pre.ownSettings,
    });
    const base = { previousTaskDefinitionArn, imageChanges: changes, startedAt, notes };

    if (target.unchanged) {
      log.line(
        `the service already runs ${taskDefinitionName(previousTaskDefinitionArn)}: no new revision registered, no rollout; ` +
          'verifying the service is healthy on it',
      );
      notes.push('Unchanged: the service already runs this task definition; health verified only.');
      const verified = await verifyHealthy(opts, previousTaskDefinitionArn, healthCheckedNames(current.body));
      save({ phase: 'finished', newTaskDefinitionArn: previousTaskDefinitionArn });
      return {
        result: {
          ...base,
          outcome: verified.ok ? 'succeeded' : 'failed',
          newTaskDefinitionArn: previousTaskDefinitionArn,
          unchanged: true,
          durationMs: clock.now() - startedAt,
          ...(verified.ok ? {} : { failureMessage: verified.message, stepFailure: verified.message }),
        },
      };
    }
    return { pre, target, changes, base };
  };

  // 2. The lease. Two runs that start together can both find the service free and both write one;
  // the read-back after the guard's settle time tells the one that lost, before it changes anything
  // (before it even registers). It refuses, or with wait-for-idle goes back to waiting for the
  // other run to finish, within rollout-timeout.
  let prepared: Prepared;
  for (;;) {
    const p = await prepare();
    if ('result' in p) return p.result;
    await opts.beforeChange?.();
    const other = await session.takeLease(p.pre.ownSettings);
    if (!other) {
      prepared = p;
      break;
    }
    const taken = `Another rollout took ${settings.service}'s lease as this one started: ${describeLease(other, opts.serverUrl)}.`;
    if (!settings.waitForIdle || clock.now() - startedAt >= settings.rolloutTimeoutMs) {
      throw new Error(
        `${taken} Nothing was changed. Wait for it to finish and run again${settings.waitForIdle ? '' : ', or set wait-for-idle: true'}.`,
      );
    }
    log.line(`${taken} Waiting for it to finish (wait-for-idle).`);
    notes.length = 0;
    session.guard?.restart();
  }
  const { pre, target, changes, base } = prepared;
  const { service } = pre;
  const { previousTaskDefinitionArn } = base;
  let handedOver = false;
  try {
    // The pre-deploy container is checked before anything is registered (an input error).
    const preDeployIn = settings.preDeploy
      ? preDeployContainer(target.runs, settings.preDeploy.container)
      : undefined;
    // 3. Register (the first change that is not the service's own record).
    let newTaskDefinitionArn: string;
    if (target.arn !== undefined) {
      newTaskDefinitionArn = target.arn;
    } else {
      const body = target.body ?? {};
      const registered = await session.call('RegisterTaskDefinition', () =>
        driver.registerTaskDefinition(body),
      );
      newTaskDefinitionArn = registered.arn;
      log.line(`registered ${taskDefinitionName(registered.arn)}`);
    }
    for (const change of changes) {
      log.line(`  ${change.container}: ${change.from ?? '(new container)'} -> ${change.to ?? '(removed)'}`);
    }
    save({ phase: 'preflight', newTaskDefinitionArn });

    // 3b. The pre-deploy task (a migration) on the new definition, before any change to the
    // service: when it fails, the service is untouched and the lease is given back (finally, below).
    let preDeploy: PreDeployReport | undefined;
    if (settings.preDeploy && preDeployIn !== undefined) {
      if (!opts.oneOffTasks) throw new Error('pre-deploy-command is set but no RunTask driver was given');
      preDeploy = await runPreDeploy({
        tasks: opts.oneOffTasks,
        calls: session,
        log,
        taskDefinitionArn: newTaskDefinitionArn,
        body: target.runs,
        container: preDeployIn,
        command: settings.preDeploy.command,
        timeoutMs: settings.preDeploy.timeoutMs,
        region: opts.region ?? '',
        ...(opts.signal ? { signal: opts.signal } : {}),
        onStarted: (taskArn) => save({ preDeployTaskArn: taskArn }),
      });
      if (preDeploy.outcome !== 'succeeded') {
        const untouched = `The service was not changed: it still runs ${taskDefinitionName(previousTaskDefinitionArn)}.`;
        return {
          ...base,
          outcome: preDeploy.outcome,
          newTaskDefinitionArn,
          unchanged: false,
          durationMs: clock.now() - startedAt,
          preDeploy,
          failureMessage: preDeploy.message,
          stepFailure: [
            preDeploy.message,
            ...(preDeploy.logUrl ? [`Its log: ${preDeploy.logUrl}`] : []),
            untouched,
          ].join('\n'),
        };
      }
    }

    // 4. Plan, then the gated rollout.
    const planInput = planInputOf(settings, service.desiredCount, pre.ownSettings);
    const plan = planBatches(planInput);
    for (const note of plan.notes ?? []) {
      log.warning(note);
      notes.push(note);
    }
    const containerChecks = {
      new: healthCheckedNames(target.runs),
      previous: healthCheckedNames(pre.current.body),
    };
    const weakGate = workerGateWarning(service.targetGroupArns.length, containerChecks.new, settings);
    if (weakGate) {
      log.warning(weakGate);
      notes.push(weakGate);
    } else if (containerChecks.new.length > 0) {
      log.line(
        `container health checks gate each batch: ${containerChecks.new.join(', ')} must report HEALTHY`,
      );
    }
    handedOver = true; // from here on, runRollout releases the lease when it leaves the service settled
    const rollout = await runRollout({
      session,
      ...rolloutSpecOf(settings, pre, { plan, planInput, containerChecks }),
      previousTaskDefinitionArn,
      newTaskDefinitionArn,
      ...(opts.probe ? { probe: opts.probe } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      listeners: opts.listeners ?? [],
      onPhase: (phase: RunPhase, info: PhaseInfo) =>
        save({
          phase,
          ...(info.serviceDeploymentArn ? { serviceDeploymentArn: info.serviceDeploymentArn } : {}),
        }),
    });
    if (!rollout.settingsRestored.ok && !rollout.settingsRestored.takenOver) {
      log.warning(rollout.settingsRestored.message);
      notes.push(rollout.settingsRestored.message);
    }
    if (rollout.serviceLeft) notes.push(rollout.serviceLeft);
    // Not seen through (reads kept failing, the settings would not go back): the post step finishes
    // it. A rollback that was confirmed needs only the settings, not another restore.
    if (!rollout.settled && !rollout.settingsRestored.takenOver)
      save({ pending: rollout.rollback && !rollout.rollback.ok ? 'restore' : 'settings' });

    // 5. Record the release for manual rollbacks; a failure to tag is a warning, not a failed deploy.
    if (rollout.outcome === 'succeeded') {
      try {
        await session.call('TagResource (release)', () =>
          driver.tagService(releaseTags(newTaskDefinitionArn, previousTaskDefinitionArn)),
        );
      } catch (error) {
        const message = `The rollout succeeded, but recording it on the service failed (mode: rollback will fall back to the newest older revision): ${errorMessage(error)}`;
        log.warning(message);
        notes.push(message);
      }
    }

    // 6. keep-revisions, after a successful rollout only; its failures are warnings.
    let revisions: DeployResult['revisions'];
    if (rollout.outcome === 'succeeded' && settings.keepRevisions && opts.revisions) {
      const tidied = await tidyRevisions({
        revisions: opts.revisions,
        family: familyOfArn(newTaskDefinitionArn),
        keep: settings.keepRevisions,
        live: newTaskDefinitionArn,
        previous: previousTaskDefinitionArn,
        calls: session,
        log,
      });
      revisions = {
        keep: settings.keepRevisions,
        deregistered: tidied.deregistered,
        warnings: tidied.warnings,
      };
    }

    const result: DeployResult = {
      ...base,
      outcome: rollout.outcome,
      newTaskDefinitionArn,
      unchanged: false,
      plan,
      rollout,
      durationMs: clock.now() - startedAt,
      ...(preDeploy ? { preDeploy } : {}),
      ...(revisions ? { revisions } : {}),
    };
    if (rollout.failure) result.failureMessage = rollout.failure.message;
    const words = stepFailure(rollout);
    if (words !== undefined) result.stepFailure = words;
    return result;
  } finally {
    // Nothing of the service changed (registration failed): give the lease back.
    if (!handedOver) await session.giveBack();
  }
}

interface Prepared {
  pre: Awaited<ReturnType<typeof preflight>>;
  target: Awaited<ReturnType<typeof resolveTarget>>;
  changes: ImageChange[];
  base: {
    previousTaskDefinitionArn: string;
    imageChanges: ImageChange[];
    startedAt: number;
    notes: string[];
  };
}
