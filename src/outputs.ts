// The step's outputs, written exactly once: when main finishes, or, when the runner's cancellation
// forces an exit first, right before it (outcome `cancelled` and a failure-reason saying where the
// run was and that the post step finishes). A workflow's `if:` on an output then always has one.
import type { Channels } from './channels.js';
import type { DeployResult } from './modes/deploy-result.js';
import type { PlanResult } from './modes/plan.js';
import type { CollectedRollout } from './report/summary-collect.js';
import type { RolloutPhase } from './state.js';
import { taskDefinitionName } from './rollout/words.js';
import { OUTPUT } from './settings/inputs.js';

/** One entry of the `services` output (JSON array, one per service in the order given). */
export interface ServiceOutput {
  service: string;
  cluster: string;
  outcome: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn: string;
  failureReason?: string;
}

export class Outputs {
  private written = false;
  private target: { cluster: string; service: string } | undefined;

  constructor(
    private readonly out: Pick<Channels, 'setOutput'>,
    private readonly startedAt: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The one service of the step, once the inputs are read: its `services` entry is written too. */
  forService(cluster: string, service: string): void {
    this.target = { cluster, service };
  }

  /** Several services: the step's outputs (see action.yml) and one `services` entry per service. */
  finishedMany(values: {
    outcome: string;
    services: readonly ServiceOutput[];
    batches: number;
    durationMs: number;
    failureReason: string;
  }): void {
    const first = values.services[0];
    this.write(
      {
        taskDefinitionArn: first?.taskDefinitionArn ?? '',
        previousTaskDefinitionArn: first?.previousTaskDefinitionArn ?? '',
        outcome: values.outcome,
        batches: values.batches,
        durationMs: values.durationMs,
        failureReason: values.failureReason,
      },
      values.services,
    );
  }

  finished(
    outcome: string,
    result: DeployResult | undefined,
    collected: CollectedRollout,
    durationMs: number,
    failureMessage: string | undefined,
  ): void {
    this.write({
      taskDefinitionArn: result?.newTaskDefinitionArn ?? '',
      previousTaskDefinitionArn: result?.previousTaskDefinitionArn ?? '',
      outcome,
      batches: passedBatches(collected),
      durationMs,
      failureReason: failureMessage ?? '',
    });
  }

  planned(plan: PlanResult, durationMs: number): void {
    this.write({
      taskDefinitionArn: plan.reusesTaskDefinitionArn ?? '',
      previousTaskDefinitionArn: plan.currentTaskDefinitionArn,
      outcome: 'planned',
      // Nothing ran: no batch completed (the plan's batches are in the summary).
      batches: 0,
      durationMs,
      failureReason: '',
    });
  }

  /** The runner is about to kill main: say so, whatever the rollback is doing. */
  cancelled(why: string, phase: RolloutPhase | undefined, collected: CollectedRollout): void {
    const where =
      phase === 'rolling-back'
        ? `while rolling back${collected.rollback ? ` to ${taskDefinitionName(collected.rollback.to)}` : ''}`
        : phase === 'rolling-out'
          ? `in the rollout${collected.to ? ` to ${taskDefinitionName(collected.to)}` : ''} after ${passedBatches(collected)} of ${collected.plan?.batches.length ?? '?'} batches`
          : 'before the service was changed';
    const next =
      phase === 'rolling-back' || phase === 'rolling-out'
        ? 'the post step puts the previous task definition back (on-cancel: rollback) or leaves it (on-cancel: leave), and restores the service’s own deployment settings'
        : 'nothing to undo';
    this.write({
      taskDefinitionArn: collected.to ?? '',
      previousTaskDefinitionArn: collected.from ?? '',
      outcome: 'cancelled',
      batches: passedBatches(collected),
      durationMs: this.now() - this.startedAt,
      failureReason: `The job was cancelled (${why}) ${where}; ${next}.`,
    });
  }

  private write(
    values: {
      taskDefinitionArn: string;
      previousTaskDefinitionArn: string;
      outcome: string;
      batches: number;
      durationMs: number;
      failureReason: string;
    },
    services?: readonly ServiceOutput[],
  ): void {
    if (this.written) return;
    const entries =
      services ??
      (this.target
        ? [
            serviceOutput({
              ...this.target,
              outcome: values.outcome,
              taskDefinitionArn: values.taskDefinitionArn,
              previousTaskDefinitionArn: values.previousTaskDefinitionArn,
              failureReason: values.failureReason,
            }),
          ]
        : undefined);
    if (entries) this.out.setOutput(OUTPUT.services, JSON.stringify(entries));
    this.written = true;
    this.out.setOutput(OUTPUT.taskDefinitionArn, values.taskDefinitionArn);
    this.out.setOutput(OUTPUT.previousTaskDefinitionArn, values.previousTaskDefinitionArn);
    this.out.setOutput(OUTPUT.outcome, values.outcome);
    this.out.setOutput(OUTPUT.batches, String(values.batches));
    this.out.setOutput(OUTPUT.durationSeconds, String(Math.round(values.durationMs / 1000)));
    this.out.setOutput(OUTPUT.failureReason, values.failureReason);
  }
}

/** Batches whose verdict is in: what the `batches` output and the log's last line both count. */
export function passedBatches(collected: CollectedRollout): number {
  return collected.batches.filter((b) => b.outcome === 'succeeded').length;
}

/** A `services` entry; failureReason only when there is one. */
export function serviceOutput(entry: ServiceOutput): ServiceOutput {
  const { failureReason, ...rest } = entry;
  return failureReason ? { ...rest, failureReason } : rest;
}
