import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { installCancellation } from '../src/cancellation.js';
import { decidePost, parseState } from '../src/modes/post-decision.js';
import { runPost, type PostDeps, type PostSettings } from '../src/modes/post.js';
import { run } from '../src/post.js';
import { createGithubReporter } from '../src/report/github.js';
import { createOctokit, readGithubContext } from '../src/report/github-client.js';
import type { Clock, DeploymentSettings } from '../src/rollout/types.js';
import { FakeClock, FakeService, NEW, OLD, T0 } from './helpers/fake-service.js';
import { formatLease, formatOwnSettings, LEASE_TAG, OWN_SETTINGS_TAG } from '../src/rollout/lease.js';
import type { RolloutState } from '../src/state.js';
import { githubEnv, HEAD_SHA, startFakeGithub, type FakeGithub } from './helpers/fake-github.js';
import { within } from './helpers/eventually.js';

const OWN: DeploymentSettings = { maximumPercent: 200, minimumHealthyPercent: 100 };
const PACED: DeploymentSettings = { maximumPercent: 150, minimumHealthyPercent: 100 };

function state(overrides: Partial<RolloutState> = {}): RolloutState {
  return {
    phase: 'rolling-out',
    cluster: 'prod',
    service: 'web',
    region: 'us-east-1',
    previousTaskDefinitionArn: OLD,
    newTaskDefinitionArn: NEW,
    desiredCount: 4,
    originalSettings: OWN,
    checkRunId: 4242,
    deploymentId: 5151,
    startedAt: T0,
    updatedAt: T0 + 60_000,
    ...overrides,
  };
}

/**
 * A service caught mid-rollout (the simulated ECS of helpers/fake-service.ts): some tasks of the
 * new revision, some of the previous, under the rollout's settings. `stuck`: the previous revision
 * can no longer start (its tasks never become healthy again).
 */
function halfReplaced(opts: { stuck?: boolean } = {}): {
  clock: FakeClock;
  fake: FakeService;
  updates: () => FakeService['updates'];
} {
  const clock = new FakeClock();
  const fake = new FakeService({ clock, desired: 4, settings: PACED });
  void fake.updateService({ taskDefinitionArn: NEW, settings: PACED });
  fake.runUntil(T0 + 20_000);
  if (opts.stuck) fake.behaviors[OLD] = { startMs: 60 * 60_000 };
  const before = fake.updates.length;
  return { clock, fake, updates: () => fake.updates.slice(before) };
}

const settings = (overrides: Partial<PostSettings> = {}): PostSettings => ({
  mode: 'deploy',
  cluster: 'prod',
  service: 'web',
  report: 'check',
  checkName: 'ECS deploy prod/web',
  environment: 'production',
  onCancel: 'rollback',
  rolloutTimeoutMs: 10 * 60_000,
  ...overrides,
});

let gh: FakeGithub;
let logs: { info: string[]; warning: string[] };

beforeEach(async () => {
  gh = await startFakeGithub();
  logs = { info: [], warning: [] };
});
afterEach(async () => {
  await gh.close();
});

function deps(over: Partial<PostDeps> & { clock: Clock; driver: PostDeps['driver'] }): PostDeps {
  const s = over.settings ?? settings();
  return {
    state: state(),
    settings: s,
    reporter: (st) =>
      createGithubReporter({
        octokit: createOctokit('ghs_faketoken', gh.url),
        context: readGithubContext(githubEnv('pull_request', gh.url)),
        settings: s,
        log: { info: () => undefined, warning: (m) => logs.warning.push(m) },
        redact: (text) => text,
        resume: {
          ...(st.checkRunId ? { checkRunId: st.checkRunId } : {}),
          ...(st.deploymentId ? { deploymentId: st.deploymentId } : {}),
        },
        timeoutMs: 1_000,
      }),
    log: { info: (m) => logs.info.push(m), warning: (m) => logs.warning.push(m) },
    ...over,
  };
}

describe('decidePost', () => {
  it('does nothing without state or after a finished rollout', () => {
    expect(decidePost(undefined, 'rollback').kind).toBe('nothing');
    expect(decidePost(state({ phase: 'finished' }), 'rollback').kind).toBe('nothing');
  });

  it('only concludes the check when main stopped before it touched the service', () => {
    expect(decidePost(state({ phase: 'preflight' }), 'rollback').kind).toBe('conclude');
  });

  it('leaves a preflight that main concluded itself (its own error, not a cancel) alone', () => {
    expect(decidePost(state({ phase: 'preflight', concluded: true }), 'rollback').kind).toBe('nothing');
  });

  it('restores mid-rollout and mid-rollback by default, leaves with on-cancel: leave', () => {
    expect(decidePost(state(), 'rollback')).toMatchObject({
      kind: 'restore',
      previousTaskDefinitionArn: OLD,
      originalSettings: OWN,
    });
    expect(decidePost(state({ phase: 'rolling-back' }), 'rollback').kind).toBe('restore');
    expect(decidePost(state(), 'leave')).toMatchObject({ kind: 'leave', originalSettings: OWN });
  });

  it('cannot roll back to a revision main never recorded, and says so', () => {
    const d = decidePost(state({ previousTaskDefinitionArn: undefined as unknown as string }), 'rollback');
    expect(d.kind).toBe('leave');
    expect(d.reason).toMatch(/did not record the previous task definition/);
  });
});

describe('parseState', () => {
  it('reads what main saved and ignores what is empty or not a rollout', () => {
    expect(parseState(JSON.stringify(state()))?.previousTaskDefinitionArn).toBe(OLD);
    expect(parseState('')).toBeUndefined();
    expect(parseState('{not json')).toBeUndefined();
    expect(parseState('{"phase":"rolling-out"}')).toBeUndefined();
  });
});

describe('runPost', () => {
  it('with nothing to do says so in one line and calls neither ECS nor GitHub', async () => {
    const { clock, fake } = halfReplaced();
    let built = 0;
    const result = await runPost(
      deps({
        clock,
        state: state({ phase: 'finished' }),
        driver: () => {
          built += 1;
          return fake;
        },
      }),
    );
    expect(result.decision.kind).toBe('nothing');
    expect(result.failed).toBe(false);
    expect(built).toBe(0);
    expect(logs.info).toEqual(['Nothing to do: main finished the rollout of prod/web.']);
    expect(gh.requests).toEqual([]);
  });

  it('rolls a cancelled rollout back through the same restore path (StopServiceDeployment, keeping the previous tasks), restores the settings and concludes the check cancelled', async () => {
    const { clock, fake, updates } = halfReplaced();
    const oldStopsBefore = fake.stops.filter((x) => x.td === OLD).length;
    const result = await runPost(deps({ clock, driver: () => fake }));

    expect(result.failed).toBe(false);
    expect(result.restore).toMatchObject({ ok: true, how: 'stop-deployment' });
    expect(fake.callCounts.rollBackServiceDeployment).toBe(1);
    expect(fake.stops.filter((x) => x.td === OLD).length).toBe(oldStopsBefore);
    // First room to move back, last the service's own settings; never UpdateService to a task definition.
    expect(updates()[0]?.settings).toMatchObject({ minimumHealthyPercent: 100 });
    expect(updates().every((u) => u.taskDefinitionArn === undefined)).toBe(true);
    expect(updates().at(-1)).toMatchObject({ settings: OWN });
    expect(fake.primaryTaskDefinition()).toBe(OLD);
    expect(fake.liveTasks().every((t) => t.td === OLD)).toBe(true);
    expect(fake.settings).toEqual(OWN);
    expect(result.summary).toMatch(/rolled back to web:1/i);

    const patches = gh.find('PATCH', /\/repos\/acme\/shop\/check-runs\/4242$/);
    const last = patches.at(-1)?.body;
    expect(last).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(JSON.stringify(last)).toMatch(/rolled back to web:1/i);
    // The conclusion goes to the run main created, never a new one on another commit.
    expect(gh.find('POST', /\/check-runs$/)).toEqual([]);
    const statuses = gh.find('POST', /\/deployments\/5151\/statuses$/);
    expect(statuses.at(-1)?.body).toMatchObject({ state: 'error' });
  });

  it('acts under main’s lease and gives it back; leaves a service another run holds alone', async () => {
    const ours = halfReplaced();
    ours.fake.tags.set(
      LEASE_TAG,
      formatLease({ id: 'main0001', run: 'octo/web/actions/runs/1/attempts/1', until: T0 + 300_000 }),
    );
    const result = await runPost(
      deps({ clock: ours.clock, driver: () => ours.fake, state: state({ leaseId: 'main0001' }) }),
    );
    expect(result.restore?.ok).toBe(true);
    expect(ours.fake.tags.has(LEASE_TAG)).toBe(false);

    const theirs = halfReplaced();
    theirs.fake.tags.set(
      LEASE_TAG,
      formatLease({ id: 'other001', run: 'octo/web/actions/runs/2/attempts/1', until: T0 + 3_600_000 }),
    );
    const left = await runPost(
      deps({ clock: theirs.clock, driver: () => theirs.fake, state: state({ leaseId: 'main0001' }) }),
    );
    expect(left.restore?.takenOver).toBe(true);
    expect(left.failed).toBe(false);
    expect(theirs.updates()).toEqual([]);
    expect(theirs.fake.callCounts.rollBackServiceDeployment).toBe(0);
  });

  it('finishes a restore main could not see through, whatever on-cancel says', async () => {
    const { clock, fake } = halfReplaced();
    const result = await runPost(
      deps({
        clock,
        driver: () => fake,
        settings: settings({ onCancel: 'leave' }),
        state: state({ phase: 'rolling-back', pending: 'restore' }),
      }),
    );
    expect(result.restore?.ok).toBe(true);
    expect(fake.primaryTaskDefinition()).toBe(OLD);
  });

  it('puts back the settings main could not put back after a rollout that succeeded', async () => {
    const { clock, fake, updates } = halfReplaced();
    const result = await runPost(deps({ clock, driver: () => fake, state: state({ pending: 'settings' }) }));
    expect(result.failed).toBe(false);
    expect(updates()).toEqual([expect.objectContaining({ settings: OWN })]);
    expect(fake.primaryTaskDefinition()).toBe(NEW);
  });

  it('fails when the previous revision never becomes healthy, still putting the settings back, within the cancel window', async () => {
    const { clock, fake } = halfReplaced({ stuck: true });
    // rollout-timeout is 60 min, but GitHub terminates a cancelled job's steps 5 min after the cancel.
    const result = await runPost(
      deps({ clock, driver: () => fake, settings: settings({ rolloutTimeoutMs: 60 * 60_000 }) }),
    );
    expect(result.failed).toBe(true);
    expect(result.restore?.ok).toBe(false);
    expect(result.restore?.message).toMatch(/did not settle within 4m30s/);
    expect(result.restore?.durationMs).toBeLessThan(5 * 60_000);
    expect(fake.settings).toEqual(OWN);
    expect(gh.find('PATCH', /check-runs\/4242$/).at(-1)?.body).toMatchObject({ conclusion: 'cancelled' });
  });

  it('signalled while it waits for the rollback: stops waiting, still puts the settings back, and says so', async () => {
    const { clock, fake } = halfReplaced({ stuck: true });
    const controller = new AbortController();
    const signalAt = clock.now() + 30_000;
    fake.at(signalAt, () => controller.abort());
    const result = await runPost(
      deps({
        clock,
        driver: () => fake,
        signal: controller.signal,
        settings: settings({ rolloutTimeoutMs: 60 * 60_000 }),
      }),
    );
    expect(result.failed).toBe(true);
    expect(result.restore?.ok).toBe(false);
    expect(result.restore?.message).toMatch(/the step was stopped while it waited for/);
    // Stopped at the signal, not at the 4.5 min bound: there is time left to put the settings back.
    expect(clock.now() - signalAt).toBeLessThan(10_000);
    expect(fake.settings).toEqual(OWN);
  });

  it('fails when it cannot even build the ECS client it needs to restore', async () => {
    const { clock } = halfReplaced();
    const result = await runPost(
      deps({
        clock,
        driver: () => {
          throw new Error('No AWS region: set AWS_REGION');
        },
      }),
    );
    expect(result.failed).toBe(true);
    expect(result.summary).toMatch(/could not reach ECS/i);
    expect(result.problem).toMatch(/No AWS region/);
  });

  it('with on-cancel: leave keeps the new revision and puts back only the service’s own settings', async () => {
    const { clock, fake, updates } = halfReplaced();
    const result = await runPost(
      deps({ clock, driver: () => fake, settings: settings({ onCancel: 'leave' }) }),
    );
    expect(result.failed).toBe(false);
    expect(updates()).toEqual([expect.objectContaining({ settings: OWN })]);
    expect(fake.primaryTaskDefinition()).toBe(NEW);
    expect(result.summary).toMatch(/Left the service as it is/);
    expect(gh.find('PATCH', /check-runs\/4242$/).at(-1)?.body).toMatchObject({ conclusion: 'cancelled' });
  });

  it('after a cancel in preflight concludes the check without touching the service', async () => {
    const { clock, fake, updates } = halfReplaced();
    const result = await runPost(deps({ clock, driver: () => fake, state: state({ phase: 'preflight' }) }));
    expect(result.failed).toBe(false);
    expect(updates()).toEqual([]);
    expect(gh.find('PATCH', /check-runs\/4242$/).at(-1)?.body).toMatchObject({ conclusion: 'cancelled' });
  });

  it('after a kill between taking the lease and the first change, gives the lease back and changes nothing else', async () => {
    const lease = formatLease({
      id: 'main0001',
      run: 'octo/web/actions/runs/1/attempts/1',
      until: T0 + 300_000,
    });
    const preflight = state({ phase: 'preflight', leaseId: 'main0001' });
    // The record equals the live settings: it says nothing, and goes with the lease.
    const clock = new FakeClock();
    const fake = new FakeService({ clock, desired: 4, settings: OWN });
    fake.tags.set(LEASE_TAG, lease);
    fake.tags.set(OWN_SETTINGS_TAG, formatOwnSettings(OWN));
    expect((await runPost(deps({ clock, driver: () => fake, state: preflight }))).failed).toBe(false);
    expect([...fake.tags.keys()]).toEqual([]);
    expect(fake.updates).toEqual([]);

    // Live settings that differ (an earlier run's pacing values): the record of the own ones stays.
    const paced = new FakeService({ clock, desired: 4, settings: PACED });
    paced.tags.set(LEASE_TAG, lease);
    paced.tags.set(OWN_SETTINGS_TAG, formatOwnSettings(OWN));
    await runPost(deps({ clock, driver: () => paced, state: preflight }));
    expect([...paced.tags.keys()]).toEqual([OWN_SETTINGS_TAG]);

    // Another run's lease, or none: nothing is removed.
    const theirs = new FakeService({ clock, desired: 4, settings: OWN });
    const other = formatLease({
      id: 'other001',
      run: 'octo/web/actions/runs/2/attempts/1',
      until: T0 + 300_000,
    });
    theirs.tags.set(LEASE_TAG, other);
    await runPost(deps({ clock, driver: () => theirs, state: preflight }));
    expect(theirs.tags.get(LEASE_TAG)).toBe(other);
    expect(theirs.callCounts.untagService).toBe(0);
  });

  it('creates a concluded check on the PR head when main never got to create one', async () => {
    const { clock, fake } = halfReplaced();
    await runPost(
      deps({ clock, driver: () => fake, state: state({ checkRunId: undefined as unknown as number }) }),
    );
    const created = gh.find('POST', /\/check-runs$/);
    expect(created).toHaveLength(1);
    expect(created[0]?.body).toMatchObject({
      head_sha: HEAD_SHA,
      status: 'completed',
      conclusion: 'cancelled',
    });
  });

  it('restores but leaves the check run as main concluded it', async () => {
    const { clock, fake } = halfReplaced();
    const result = await runPost(deps({ clock, driver: () => fake, state: state({ concluded: true }) }));
    expect(result.restore?.ok).toBe(true);
    expect(gh.requests).toEqual([]);
  });

  it('a GitHub that fails does not fail the post step', async () => {
    gh.route('PATCH', /check-runs/, { status: 500 });
    gh.route('POST', /statuses$/, { status: 500 });
    const { clock, fake } = halfReplaced();
    const result = await runPost(deps({ clock, driver: () => fake }));
    expect(result.failed).toBe(false);
    expect(result.restore?.ok).toBe(true);
    expect(logs.warning.some((w) => /Could not conclude the check run/.test(w))).toBe(true);
  });
});

describe('installCancellation', () => {
  /** A stand-in for `process`: tests emit the signals. */
  function fakeProcess() {
    const handlers = new Map<string, Set<() => void>>();
    return {
      on: (e: string, f: () => void) => handlers.set(e, (handlers.get(e) ?? new Set()).add(f)),
      off: (e: string, f: () => void) => handlers.get(e)?.delete(f),
      emit: (e: string) => [...(handlers.get(e) ?? [])].forEach((f) => f()),
      count: () => [...handlers.values()].reduce((n, s) => n + s.size, 0),
    };
  }

  it('aborts the rollout at SIGINT but does not exit, so main can roll back and save state', () => {
    const proc = fakeProcess();
    const exits: number[] = [];
    const c = installCancellation({ process: proc, exit: (code) => exits.push(code), graceMs: 60_000 });
    expect(c.signal.aborted).toBe(false);
    proc.emit('SIGINT');
    expect(c.signal.aborted).toBe(true);
    expect(c.cancelledBy).toBe('SIGINT');
    expect(exits).toEqual([]);
    c.dispose();
    expect(proc.count()).toBe(0);
  });

  it('at SIGTERM saves state and exits before the runner kills the process', () => {
    const proc = fakeProcess();
    const order: string[] = [];
    installCancellation({
      process: proc,
      exit: (code) => order.push(`exit ${code}`),
      beforeExit: () => order.push('save'),
      graceMs: 60_000,
    });
    proc.emit('SIGINT');
    proc.emit('SIGTERM');
    expect(order).toEqual(['save', 'exit 1']);
    expect(proc.count()).toBe(0);
  });

  it('exits by itself within the grace period when only SIGINT comes', async () => {
    const proc = fakeProcess();
    const order: string[] = [];
    let exited!: () => void;
    const exit = new Promise<void>((resolve) => (exited = resolve));
    installCancellation({
      process: proc,
      exit: (code) => {
        order.push(`exit ${code}`);
        exited();
      },
      beforeExit: () => order.push('save'),
      graceMs: 20,
    });
    proc.emit('SIGINT');
    expect(order).toEqual([]); // SIGINT alone does not end it at once: the rollout may restore first
    await within('the exit at the end of a 20 ms grace period', exit);
    expect(order).toEqual(['save', 'exit 1']);
  });

  it('exits even when saving state throws', () => {
    const proc = fakeProcess();
    const exits: number[] = [];
    const warnings: string[] = [];
    installCancellation({
      process: proc,
      exit: (code) => exits.push(code),
      beforeExit: () => {
        throw new Error('disk full');
      },
      log: { info: () => undefined, warning: (m) => warnings.push(m) },
    });
    proc.emit('SIGTERM');
    expect(exits).toEqual([1]);
    expect(warnings.some((w) => w.includes('disk full'))).toBe(true);
  });

  it('keeps a real node process alive at SIGINT (Node’s default would exit at once) and exits at SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cancel-'));
    const saved = join(dir, 'saved.txt');
    const script = join(dir, 'child.ts');
    writeFileSync(
      script,
      [
        `import { writeFileSync } from 'node:fs';`,
        `import { installCancellation } from ${JSON.stringify(resolve('src/cancellation.ts'))};`,
        `const c = installCancellation({ graceMs: 30_000, beforeExit: () => writeFileSync(${JSON.stringify(saved)}, 'rolling-back') });`,
        `c.signal.addEventListener('abort', () => console.log('aborted'));`,
        `setInterval(() => undefined, 1000);`,
        `console.log('ready');`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const until = async (what: () => boolean, ms: number) => {
        for (const end = Date.now() + ms; !what() && Date.now() < end;)
          await new Promise((r) => setTimeout(r, 25));
        return what();
      };
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      expect(await until(() => out.includes('ready'), 15_000)).toBe(true);
      child.kill('SIGINT');
      expect(await until(() => out.includes('aborted'), 5_000)).toBe(true);
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      // Bounded by a timer that is cleared: one left pending kept jest alive 5 s after the last test.
      expect(await within('the child to exit after SIGTERM', exited)).toBe(1);
      expect(readFileSync(saved, 'utf8')).toBe('rolling-back');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('run (the post entry)', () => {
  it('reads main’s state and the inputs from the environment and concludes main’s check run on the PR head', async () => {
    const env: Record<string, string> = {
      ...githubEnv('pull_request', gh.url),
      STATE_rollout: JSON.stringify(
        state({ phase: 'preflight', checkRunId: 77, deploymentId: undefined as unknown as number }),
      ),
      INPUT_CLUSTER: 'prod',
      INPUT_SERVICE: 'web',
      'INPUT_TASK-DEFINITION': 'web:12',
      'INPUT_GITHUB-TOKEN': 'ghs_faketoken',
    };
    const saved = { ...process.env };
    const savedExitCode = process.exitCode;
    Object.assign(process.env, env);
    delete process.env['GITHUB_STEP_SUMMARY'];
    try {
      await run();
      expect(process.exitCode ?? 0).toBe(0);
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
      Object.assign(process.env, saved);
      process.exitCode = savedExitCode;
    }
    const patch = gh.find('PATCH', /\/repos\/acme\/shop\/check-runs\/77$/);
    expect(patch).toHaveLength(1);
    expect(patch[0]?.authorization).toBe('token ghs_faketoken');
    expect(patch[0]?.body).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(patch[0]?.body).not.toHaveProperty('output.annotations');
  });
});
