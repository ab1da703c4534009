// Transient is transient, everywhere: the bundled action, run as a runner runs it, against AWS
// faults in every phase of a rollout. Each phase × {a burst of 12 × 500, a throttling burst, 12
// dropped connections, +3 s latency}: the faulted calls are retried within the phase's bound, the
// outcome is what the version deserves (succeeded for a healthy one, rolled-back for a failing
// one), and the service ends on exactly one task definition at its desired count, with its own
// deployment settings, without the rollout's lease or settings record, and with 0 failed requests
// through its load balancer. Then what happens past the bounds: reads that keep failing (the step
// fails, ECS was still asked to roll back, and the post step finishes it), and deployment settings
// that will not go back (the step fails saying so, never `succeeded`; the record on the service
// keeps the settings for whoever comes next).
import { describe, it, expect } from '@jest/globals';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { CallRecord } from '../../emulator/src/contracts.js';
import type { FaultRule } from '../../emulator/src/index.js';
import { emulatorClients } from '../../emulator/src/scenario.js';
import { RELEASE_TAG_DEPLOYED } from '../../src/modes/rollback.js';
import type { ActionRun } from '../../tools/run-action.js';
import { startTraffic } from '../../tools/traffic.js';
import type { TrafficReport } from '../../tools/traffic.js';
import { expectWith } from '../helpers/expect-with.js';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  deploy,
  describeRun,
  errorAnnotations,
  lineWatcher,
  observeFleet,
  runPost,
  startDeploy,
  startHarness,
  whileRunning,
} from './helpers.js';
import type { Harness } from './helpers.js';
import {
  LEASE_TAG,
  OWN_SETTINGS_TAG,
  byAction,
  callsSince,
  expectOutcome,
  expectServiceOn,
  faultRules,
  otherLease,
  requestBody,
  rolloutTags,
  savedState,
  serviceTags,
  tagService,
  whenCall,
  whenCalls,
} from './safety-helpers.js';

const DESIRED = 2;

type Kind = '12 × 500' | 'a throttling burst' | '12 dropped connections' | '+3 s latency';

interface Target {
  service: 'ecs' | 'elbv2';
  operation: string;
}

/** One cell of the matrix: `kind` on `target`. ECS and ELBv2 each answer in their own codes. */
function faultRule(kind: Kind, { service, operation }: Target): FaultRule {
  switch (kind) {
    case '12 × 500':
      return {
        service,
        operation,
        times: 12,
        error: { code: 'InternalFailure', httpStatus: 500, message: 'We encountered an internal error.' },
      };
    case 'a throttling burst':
      // Six in a row. Once throttled, the SDK's adaptive retry mode paces that client at its floor
      // of 0.5 requests a second until a call gets through, so each throttled answer costs about
      // 2 s (12 cost half a minute per cell): six keep the burst well past the SDK's own 5 attempts.
      return {
        service,
        operation,
        times: 6,
        error: {
          code: service === 'ecs' ? 'ThrottlingException' : 'Throttling',
          httpStatus: 400,
          message: 'Rate exceeded',
        },
      };
    case '12 dropped connections':
      return { service, operation, times: 12, drop: true };
    case '+3 s latency':
      return { service, operation, times: 1, latencyMs: 3_000 };
  }
}

interface TriggerContext {
  h: Harness;
  /** When the run started (call times are arrivals, ms since the epoch). */
  since: number;
  waitForLine(pattern: RegExp): Promise<string>;
}

interface Phase {
  name: string;
  /** A failing version: the phase is only reached when the rollout fails. */
  failing?: boolean;
  /** Faulted from the start: the first calls of these operations belong to this phase. */
  atStart: Target[];
  /** Faulted once `when` resolves: the action has reached the phase, by its log or its calls. */
  later?: { targets: Target[]; when: (ctx: TriggerContext) => Promise<unknown> };
}

const ecs = (operation: string): Target => ({ service: 'ecs', operation });
const elbv2 = (operation: string): Target => ({ service: 'elbv2', operation });
/** A call of the action's that AWS answered. */
const answered =
  (operation: string) =>
  (c: CallRecord): boolean =>
    c.operation === operation && c.status === 200 && byAction(c);

const PHASES: readonly Phase[] = [
  {
    // Preflight's reads come before any other call of theirs: the service, then its target groups.
    name: 'preflight',
    atStart: [ecs('DescribeServices'), elbv2('DescribeTargetGroups')],
  },
  { name: 'register', atStart: [ecs('RegisterTaskDefinition')] },
  { name: 'the first UpdateService', atStart: [ecs('UpdateService')] },
  {
    // Once the batch is released, every observation until its verdict reads these.
    name: 'the polls of a batch',
    atStart: [],
    later: {
      targets: [ecs('DescribeTasks'), elbv2('DescribeTargetHealth')],
      when: ({ waitForLine }) => waitForLine(/batch 1\/1: starting/),
    },
  },
  {
    // A crashing version: only the restore calls StopServiceDeployment, and after FAILED only the
    // restore's wait observes the service.
    name: 'the restore',
    failing: true,
    atStart: [ecs('StopServiceDeployment')],
    later: {
      targets: [ecs('DescribeServices')],
      when: ({ waitForLine }) => waitForLine(/FAILED in batch 1/),
    },
  },
  {
    // One batch: UpdateService to start held, release, hold; the next UpdateService is the put-back.
    name: 'the settings put-back',
    atStart: [],
    later: {
      targets: [ecs('UpdateService')],
      when: ({ h, since }) => whenCalls(h, since, 'the batch held', 3, answered('UpdateService')),
    },
  },
  {
    // The lease and settings record before the rollout; after it, the lease's removal and the
    // release record (the next TagResource after the lease's: a renewal comes only after a minute).
    name: 'tagging',
    atStart: [ecs('TagResource')],
    later: {
      targets: [ecs('TagResource'), ecs('UntagResource')],
      when: ({ h, since }) => whenCall(h, since, 'the lease written', answered('TagResource')),
    },
  },
];

/** Runs one cell on a fresh service: traffic through its listener, the faults armed, the action run. */
async function faultedRun(phase: Phase, kind: Kind): Promise<void> {
  const h = await startHarness({ desiredCount: DESIRED });
  try {
    const image = phase.failing ? 'public.ecr.aws/demo/web:crash' : 'public.ecr.aws/demo/web:2';
    const since = Date.now();
    for (const target of phase.atStart) h.emulator.injectFault(faultRule(kind, target));
    const watcher = lineWatcher();
    const traffic = startTraffic(h.info.listenerUrl, { ratePerSecond: 10, maxDurationMs: 120_000 });
    let load: TrafficReport;
    let run: ActionRun;
    let left: FaultRule[];
    try {
      const action = startDeploy(h, h.inputs({ image }), { onLine: watcher.onLine });
      run = await whileRunning(action, async () => {
        if (!phase.later) return;
        await phase.later.when({ h, since, waitForLine: (pattern) => watcher.waitFor(pattern, 60_000) });
        for (const target of phase.later.targets) h.emulator.injectFault(faultRule(kind, target));
      });
    } finally {
      load = await traffic.stop();
      left = await faultRules(h);
      h.emulator.clearFaults();
    }
    const context = `${phase.name} × ${kind}\n${describeRun(run)}`;

    // Every fault armed fired, so the phase really met them; and the step neither failed nor warned.
    expectWith(left, context).toEqual([]);
    if (phase.failing) expectOutcome(run, 1, 'rolled-back');
    else expectOutcome(run, 0, 'succeeded');
    expectWith(run.stdout, context).not.toMatch(/^::warning::/m);

    const newArn = run.outputs['task-definition-arn'] ?? '';
    expectWith(newArn, context).toMatch(/task-definition\/web:2$/);
    await expectServiceOn(h, phase.failing ? h.info.taskDefinitionArn : newArn, DESIRED, context);
    if (!phase.failing) {
      // The release is recorded for manual rollbacks (in the tagging cells, through the faults).
      expectWith((await serviceTags(h))[RELEASE_TAG_DEPLOYED], context).toBe(newArn);
    }
    expect(load.sent).toBeGreaterThan(5);
    expectWith(load.failed, `${context}\n${load.failures.join('\n')}`).toBe(0);
    // Only the injected faults failed: every other call of the action's was answered.
    const unexpected = callsSince(h, since).filter(
      (c) => byAction(c) && c.status !== 200 && c.wire?.injected !== true,
    );
    expectWith(
      unexpected.map((c) => `${c.operation} ${c.status} ${c.errorCode ?? ''}`),
      context,
    ).toEqual([]);
  } finally {
    await h.stop();
  }
}

/** Longest first, so the slowest cells do not all start last: throttling costs most (above). */
const BY_COST: readonly Kind[] = ['a throttling burst', '+3 s latency', '12 dropped connections', '12 × 500'];
const CELLS = BY_COST.flatMap((kind) =>
  PHASES.map((phase) => ({
    phase,
    kind,
    name: `${phase.name} × ${kind}`,
    outcome: phase.failing ? 'rolled back' : 'succeeded',
  })),
);

// Each cell has its own emulator and service, so cells run side by side (jest's maxConcurrency):
// most of a cell's time is the back-off it is meant to survive, not work.
describe('transient faults in every phase', () => {
  it.concurrent.each(CELLS)(
    "$name: retried within the phase's bound; $outcome, on one revision with its own settings, 0 failed requests",
    async ({ phase, kind }) => {
      await faultedRun(phase, kind);
    },
  );
});

describe('past the bounds', () => {
  it.concurrent(
    'reads that keep failing (every DescribeServices dropped): the step fails, ECS is still asked to roll back and the settings put back, and the post step finishes the restore',
    async () => {
      const h = await startHarness({ desiredCount: DESIRED });
      try {
        const watcher = lineWatcher();
        const since = Date.now();
        const inputs = h.inputs({
          image: 'public.ecr.aws/demo/web:2',
          'batch-timeout': '3s',
          'rollout-timeout': '6s',
        });
        const action = startDeploy(h, inputs, { onLine: watcher.onLine });
        let failedAt = 0;
        const main = await whileRunning(action, async () => {
          await watcher.waitFor(/batch 1\/1: starting/, 60_000);
          // Every observation from here on fails, until the test clears it.
          h.emulator.injectFault({ service: 'ecs', operation: 'DescribeServices', drop: true });
          await watcher.waitFor(/FAILED in batch 1/, 60_000);
          failedAt = Date.now();
        });
        h.emulator.clearFaults();

        expectOutcome(main, 1, 'failed');
        const reason = main.outputs['failure-reason'] ?? '';
        expectWith(reason, describeRun(main)).toMatch(/could not observe the service/);
        // The network code crossed the platform boundary: the reason says what the calls met.
        expectWith(reason, describeRun(main)).toMatch(/ECONNRESET/);
        // The step says what is left, and who finishes it.
        expectWith(errorAnnotations(main).join('\n'), describeRun(main)).toMatch(/post step .* finish/);
        const state = savedState(main);
        expectWith(state.pending, JSON.stringify(state)).toBe('restore');

        // After the failure ECS was asked to go back: StopServiceDeployment (ROLLBACK) while the
        // rollout's deployment could still be stopped, else (ECS finished it while the action was
        // blind) UpdateService back to the previous task definition. Then the own settings went back.
        const after = callsSince(h, failedAt).filter(byAction);
        const operations = JSON.stringify(after.map((c) => `${c.operation} ${c.status}`));
        const askedBack = after.filter(
          (c) =>
            c.status === 200 &&
            (c.operation === 'StopServiceDeployment' ||
              (c.operation === 'UpdateService' && c.params['taskDefinition'] === h.info.taskDefinitionArn)),
        );
        expectWith(askedBack.length, operations).toBe(1);
        const putBack = after.filter(
          (c) =>
            c.operation === 'UpdateService' &&
            c.status === 200 &&
            JSON.stringify(requestBody(c)['deploymentConfiguration'] ?? {}).includes(
              '"minimumHealthyPercent":50',
            ),
        );
        expectWith(putBack.length, operations).toBeGreaterThan(0);
        // The lease stays until the post step has seen the service back.
        expect(Object.keys(await rolloutTags(h))).toContain(LEASE_TAG);
        expect(callsSince(h, since).some((c) => c.errorCode === 'ConnectionDropped')).toBe(true);

        const post = await runPost(h, inputs, main.state);
        expectWith(post.exitCode, describeRun(post)).toBe(0);
        expectWith(post.stdout, describeRun(post)).toMatch(/rolled back to web:1/i);
        await expectServiceOn(h, h.info.taskDefinitionArn, DESIRED, describeRun(post));
      } finally {
        await h.stop();
      }
    },
  );

  it.concurrent(
    'deployment settings that will not go back: the step fails (not `succeeded` with a warning) saying what is left, the settings stay recorded on the service, and the post step puts them back',
    async () => {
      const h = await startHarness({ desiredCount: DESIRED });
      try {
        const since = Date.now();
        const inputs = h.inputs({ image: 'public.ecr.aws/demo/web:2' });
        const action = startDeploy(h, inputs);
        const main = await whileRunning(action, async () => {
          await whenCalls(h, since, 'the batch held', 3, answered('UpdateService'));
          // A refusal, not a passing fault: retrying it cannot help.
          h.emulator.injectFault({
            service: 'ecs',
            operation: 'UpdateService',
            error: {
              code: 'AccessDeniedException',
              httpStatus: 400,
              message: 'not authorized to perform: ecs:UpdateService',
            },
          });
        });
        expectOutcome(main, 1, 'failed');
        const said = `${main.outputs['failure-reason'] ?? ''}\n${errorAnnotations(main).join('\n')}`;
        expectWith(said, describeRun(main)).toMatch(/every batch passed and the service runs web:2/);
        expectWith(said, describeRun(main)).toMatch(
          /could not restore the service's deployment settings \(maximumPercent 200, minimumHealthyPercent 50\)/,
        );
        expectWith(said, describeRun(main)).toMatch(/AccessDeniedException/);
        expect(savedState(main).pending).toBe('settings');
        // The service's own settings are on it as a record; its live settings are the pacing ones.
        expect((await rolloutTags(h))[OWN_SETTINGS_TAG]).toBe('max=200 min=50 breaker=off rollback=off');
        const paced = await observeFleet(h.info);
        expect(paced.deploymentConfiguration).not.toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);

        h.emulator.clearFaults();
        const post = await runPost(h, inputs, main.state);
        expectWith(post.exitCode, describeRun(post)).toBe(0);
        expectWith(post.stdout, describeRun(post)).toMatch(/restored the service's deployment settings/i);
        await expectServiceOn(h, main.outputs['task-definition-arn'] ?? '', DESIRED, describeRun(post));
      } finally {
        await h.stop();
      }
    },
  );

  it.concurrent(
    "a later rollout takes the settings recorded on the service as the service's own, never the pacing values on it",
    async () => {
      const h = await startHarness({ desiredCount: DESIRED });
      try {
        // As a run that died in its put-back leaves the service: the pacing settings on it, the
        // record of its own beside them, and a lease that has expired.
        const { ecs: client, elbv2: lb } = emulatorClients(h.info.endpoint, h.info.region);
        try {
          await client.send(
            new UpdateServiceCommand({
              cluster: h.info.cluster,
              service: h.info.service,
              deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 100 },
            }),
          );
        } finally {
          client.destroy();
          lb.destroy();
        }
        await tagService(h, {
          [LEASE_TAG]: otherLease('1234', Date.now() - 60_000),
          [OWN_SETTINGS_TAG]: 'max=200 min=50 breaker=off rollback=off',
        });
        const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2' }));
        expectOutcome(run, 0, 'succeeded');
        expectWith(run.stdout, describeRun(run)).toMatch(
          /carries the deployment settings an earlier run recorded/,
        );
        await expectServiceOn(h, run.outputs['task-definition-arn'] ?? '', DESIRED, describeRun(run));
      } finally {
        await h.stop();
      }
    },
  );
});
