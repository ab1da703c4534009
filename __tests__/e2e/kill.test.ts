// When main dies (SIGKILL: no handler, no last words) in any phase, the post step, run by the
// runner with whatever state main had saved, leaves the service restored: the previous task
// definition at its desired count, its own deployment settings, no task of the new revision and no
// lease or settings record left on it; or, when main died before it changed anything, untouched.
// And when the runner cancels (SIGINT, SIGTERM 7.5 s later, the kill 2.5 s after that) while main
// is still rolling back, main answers before the kill: outcome `cancelled` and a failure-reason.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect } from '@jest/globals';
import type { ActionRun } from '../../tools/run-action.js';
import { eventually } from '../helpers/eventually.js';
import { expectWith } from '../helpers/expect-with.js';
import {
  describeRun,
  lineWatcher,
  mutatingCalls,
  runPost,
  startDeploy,
  startHarness,
  whileRunning,
} from './helpers.js';
import type { Harness } from './helpers.js';
import {
  byAction,
  callsSince,
  expectServiceOn,
  faultRules,
  savedState,
  stateSoFar,
  whenCall,
  whenCalls,
} from './safety-helpers.js';

/** The runner's cancellation: SIGTERM 7.5 s after SIGINT, the kill of the tree 2.5 s after that. */
const RUNNER_SIGTERM_AFTER_MS = 7_500;
const RUNNER_KILL_AFTER_MS = 10_000;

interface KillContext {
  h: Harness;
  since: number;
  stateFile: string;
  waitForLine(pattern: RegExp): Promise<string>;
}

interface Killed {
  main: ActionRun;
  post: ActionRun;
  inputs: Record<string, string>;
  /** When the post step started. */
  postAt: number;
}

/** Runs main until `killWhen` resolves, SIGKILLs it there, then runs the post step with its state. */
async function killThenPost(
  h: Harness,
  extra: Record<string, string>,
  killWhen: (ctx: KillContext) => Promise<unknown>,
): Promise<Killed> {
  const inputs = h.inputs(extra);
  const watcher = lineWatcher();
  const workDir = mkdtempSync(join(h.dir, 'runner-'));
  const since = Date.now();
  const action = startDeploy(h, inputs, { onLine: watcher.onLine, workDir });
  const main = await whileRunning(action, async () => {
    await killWhen({
      h,
      since,
      stateFile: join(workDir, 'state-main'),
      waitForLine: (pattern) => watcher.waitFor(pattern, 60_000),
    });
    action.child.kill('SIGKILL');
  });
  expectWith(main.signal, describeRun(main)).toBe('SIGKILL');
  h.emulator.clearFaults();
  const postAt = Date.now();
  const post = await runPost(h, inputs, main.state);
  expectWith(post.timedOut, describeRun(post)).toBe(false);
  expectWith(post.exitCode, describeRun(post)).toBe(0);
  return { main, post, inputs, postAt };
}

/** Until the emulator has taken up every armed fault rule: the faulted call has arrived. */
async function whenFaultsTaken(h: Harness, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await faultRules(h)).length > 0) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SIGKILL of main, then the post step', () => {
  it.concurrent(
    'in preflight (reading the service): nothing was changed, and the post step changes nothing',
    async () => {
      const h = await startHarness({ desiredCount: 2 });
      try {
        // Holds main in its first read long enough to kill it there.
        h.emulator.injectFault({ service: 'ecs', operation: 'DescribeServices', latencyMs: 3_000, times: 1 });
        const { post, postAt } = await killThenPost(
          h,
          { image: 'public.ecr.aws/demo/web:2' },
          async ({ stateFile }) => {
            await eventually(
              'main to save its preflight state',
              () => stateSoFar(stateFile).leaseId !== undefined,
              30_000,
            );
            await whenFaultsTaken(h, 'main to ask for the service');
          },
        );
        expectWith(post.stdout, describeRun(post)).toMatch(
          /main stopped before it changed e2e\/web: the service is untouched/i,
        );
        // Nobody changed anything: the post step only read the service's tags for a lease of main's.
        expect(mutatingCalls(h.emulator.calls())).toEqual([]);
        expect(callsSince(h, postAt).map((c) => c.operation)).toContain('ListTagsForResource');
        await expectServiceOn(h, h.info.taskDefinitionArn, 2, describeRun(post));
      } finally {
        await h.stop();
      }
    },
  );

  it.concurrent(
    'while registering (the lease taken, the service not yet changed): the post step gives the lease back and changes nothing else',
    async () => {
      const h = await startHarness({ desiredCount: 2 });
      try {
        h.emulator.injectFault({
          service: 'ecs',
          operation: 'RegisterTaskDefinition',
          latencyMs: 3_000,
          times: 1,
        });
        const { main, post } = await killThenPost(h, { image: 'public.ecr.aws/demo/web:2' }, async () => {
          await whenFaultsTaken(h, 'main to register the task definition');
        });
        expectWith(savedState(main).phase, JSON.stringify(main.state)).toBe('preflight');
        // Main changed nothing of the service but its lease, which the post step took off again.
        expect(h.emulator.calls().filter((c) => c.operation === 'UpdateService')).toEqual([]);
        expectWith(post.stdout, describeRun(post)).toMatch(/Gave back the lease main had taken/);
        await expectServiceOn(h, h.info.taskDefinitionArn, 2, describeRun(post));
      } finally {
        await h.stop();
      }
    },
  );

  it.concurrent(
    'after registering, its first UpdateService not yet through: the service ends as it was',
    async () => {
      const h = await startHarness({ desiredCount: 2 });
      try {
        // Every UpdateService is dropped unanswered (and not applied) until the kill: main is past
        // registration and trying to start the rollout.
        h.emulator.injectFault({ service: 'ecs', operation: 'UpdateService', drop: true });
        const { post } = await killThenPost(h, { image: 'public.ecr.aws/demo/web:2' }, ({ since }) =>
          whenCall(h, since, 'the first UpdateService', (c) => c.operation === 'UpdateService'),
        );
        expectWith(post.stdout, describeRun(post)).toMatch(/Rolled back to web:1/);
        // The service never pointed at web:2: neither main nor the post step moved it there.
        const toNew = h.emulator
          .calls()
          .filter(
            (c) =>
              c.operation === 'UpdateService' &&
              c.status === 200 &&
              c.params['taskDefinition']?.endsWith('/web:2'),
          );
        expect(toNew).toEqual([]);
        await expectServiceOn(h, h.info.taskDefinitionArn, 2, describeRun(post));
      } finally {
        await h.stop();
      }
    },
  );

  for (const [stage, line] of [
    ['released', /batch 2\/2: starting/],
    ['held', /batch 2\/2: 2 new tasks launched/],
  ] as const) {
    it.concurrent(
      `mid-batch (batch 2 of 2 ${stage}): the post step rolls every replaced batch back`,
      async () => {
        const h = await startHarness({ desiredCount: 4 });
        try {
          const { main, post } = await killThenPost(
            h,
            { image: 'public.ecr.aws/demo/web:2' },
            ({ waitForLine }) => waitForLine(line),
          );
          expectWith(savedState(main).phase, JSON.stringify(main.state)).toBe('rolling-out');
          expectWith(post.stdout, describeRun(post)).toMatch(/Rolled back to web:1/);
          await expectServiceOn(h, h.info.taskDefinitionArn, 4, describeRun(post));
        } finally {
          await h.stop();
        }
      },
    );
  }

  it.concurrent(
    'mid-restore (an unhealthy version being rolled back): the post step finishes the rollback',
    async () => {
      // A 60 s deregistration delay (3 real seconds) keeps the restore waiting for the unhealthy
      // tasks' targets to drain, so the kill lands inside it.
      const h = await startHarness({ desiredCount: 2, scenario: { deregistrationDelaySeconds: 60 } });
      try {
        const { main, post } = await killThenPost(
          h,
          { image: 'public.ecr.aws/demo/web:unhealthy' },
          ({ waitForLine }) => waitForLine(/rolling back: /),
        );
        expectWith(savedState(main).phase, JSON.stringify(main.state)).toBe('rolling-back');
        expectWith(post.stdout, describeRun(post)).toMatch(/Rolled back to web:1/);
        await expectServiceOn(h, h.info.taskDefinitionArn, 2, describeRun(post));
      } finally {
        await h.stop();
      }
    },
  );

  it.concurrent(
    'during the settings put-back (every batch passed): the post step restores the previous revision and the settings',
    async () => {
      const h = await startHarness({ desiredCount: 2 });
      try {
        const { post } = await killThenPost(h, { image: 'public.ecr.aws/demo/web:2' }, async ({ since }) => {
          // One batch: UpdateService to start held, release, hold; the next one is the put-back.
          await whenCalls(
            h,
            since,
            'the batch held',
            3,
            (c) => c.operation === 'UpdateService' && c.status === 200 && byAction(c),
          );
          h.emulator.injectFault({ service: 'ecs', operation: 'UpdateService', drop: true });
          await whenCall(
            h,
            since,
            'the put-back dropped',
            (c) => c.operation === 'UpdateService' && c.status === 0,
          );
        });
        expectWith(post.stdout, describeRun(post)).toMatch(/Rolled back to web:1/);
        await expectServiceOn(h, h.info.taskDefinitionArn, 2, describeRun(post));
      } finally {
        await h.stop();
      }
    },
  );
});

describe('cancellation answers', () => {
  it.concurrent(
    'SIGINT, then SIGTERM 7.5 s later, while main is still rolling back: main exits before the kill with outcome cancelled and a failure-reason; the post step finishes the rollback',
    async () => {
      // A 200 s deregistration delay (10 real seconds): the unhealthy tasks’ targets drain for longer
      // than the runner waits, so the rollback is still running when SIGTERM comes.
      const h = await startHarness({ desiredCount: 2, scenario: { deregistrationDelaySeconds: 200 } });
      try {
        const inputs = h.inputs({ image: 'public.ecr.aws/demo/web:unhealthy' });
        const watcher = lineWatcher();
        const action = startDeploy(h, inputs, { onLine: watcher.onLine });
        let exitedWithin = Number.POSITIVE_INFINITY;
        const main = await whileRunning(action, async () => {
          await watcher.waitFor(/rolling back: /, 60_000);
          const sent = Date.now();
          action.child.kill('SIGINT');
          const sigterm = setTimeout(() => action.child.kill('SIGTERM'), RUNNER_SIGTERM_AFTER_MS);
          const sigkill = setTimeout(() => action.child.kill('SIGKILL'), RUNNER_KILL_AFTER_MS);
          try {
            await action.done;
          } finally {
            clearTimeout(sigterm);
            clearTimeout(sigkill);
          }
          exitedWithin = Date.now() - sent;
        });
        expectWith(main.signal, describeRun(main)).toBeNull();
        expect(exitedWithin).toBeLessThan(RUNNER_KILL_AFTER_MS);
        // It was still rolling back when it had to go: SIGTERM came, and it answered.
        expectWith(exitedWithin, describeRun(main)).toBeGreaterThanOrEqual(RUNNER_SIGTERM_AFTER_MS);
        expectWith(main.outputs['outcome'], describeRun(main)).toBe('cancelled');
        expectWith(main.outputs['failure-reason'], describeRun(main)).toMatch(
          /cancelled .*while rolling back to web:1/,
        );
        expectWith(savedState(main).phase, JSON.stringify(main.state)).toBe('rolling-back');

        const post = await runPost(h, inputs, main.state);
        expectWith(post.exitCode, describeRun(post)).toBe(0);
        await expectServiceOn(h, h.info.taskDefinitionArn, 2, describeRun(post));
      } finally {
        await h.stop();
      }
    },
  );
});
