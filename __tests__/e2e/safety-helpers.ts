// Shared by the safety end-to-end files (faults, kill, race, secrets, inputs): what "the service is
// left as it should be" means, read through the real SDK as a user would, and the small waits those
// files need. Every wait is bounded and waits for something observed, never for a guessed time.
import { readFileSync } from 'node:fs';
import { ListTagsForResourceCommand, TagResourceCommand } from '@aws-sdk/client-ecs';
import type { CallRecord } from '../../emulator/src/contracts.js';
import type { FaultRule } from '../../emulator/src/index.js';
import { emulatorClients } from '../../emulator/src/scenario.js';
import { LEASE_TAG, OWN_SETTINGS_TAG, formatLease } from '../../src/rollout/lease.js';
import type { ActionRun } from '../../tools/run-action.js';
import { parseCommandFile } from '../../tools/run-action.js';
import { eventually } from '../helpers/eventually.js';
import { expectWith } from '../helpers/expect-with.js';
import {
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  describeRun,
  notStopped,
  observeFleet,
  steadyProblems,
  waitUntil,
} from './helpers.js';
import type { FleetView, Harness } from './helpers.js';

export { LEASE_TAG, OWN_SETTINGS_TAG };

/** The service's tags, as ListTagsForResource answers them. */
export async function serviceTags(h: Harness): Promise<Record<string, string>> {
  const { ecs, elbv2 } = emulatorClients(h.info.endpoint, h.info.region);
  try {
    const { tags = [] } = await ecs.send(new ListTagsForResourceCommand({ resourceArn: h.info.serviceArn }));
    return Object.fromEntries(tags.map((t) => [t.key ?? '', t.value ?? '']));
  } finally {
    ecs.destroy();
    elbv2.destroy();
  }
}

/** Writes service tags through the SDK, as another tool (or another run) would. */
export async function tagService(h: Harness, tags: Record<string, string>): Promise<void> {
  const { ecs, elbv2 } = emulatorClients(h.info.endpoint, h.info.region);
  try {
    await ecs.send(
      new TagResourceCommand({
        resourceArn: h.info.serviceArn,
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      }),
    );
  } finally {
    ecs.destroy();
    elbv2.destroy();
  }
}

/** Another run's lease, as that run would write it (`until` in ms since the epoch). */
export function otherLease(runId: string, until: number): string {
  return formatLease({ id: `other${runId}`, run: `octo-org/web/actions/runs/${runId}/attempts/1`, until });
}

/** The lease and the recorded settings the action keeps on the service while it holds it. */
export async function rolloutTags(h: Harness): Promise<Record<string, string>> {
  const tags = await serviceTags(h);
  return Object.fromEntries(
    Object.entries(tags).filter(([key]) => key === LEASE_TAG || key === OWN_SETTINGS_TAG),
  );
}

/**
 * Whatever the run did, the service ends here: on `taskDefinitionArn` at `desired` RUNNING tasks,
 * each healthy in every target group, no task of another revision meant to run (and the ones
 * stopping reach STOPPED), its own deployment settings, and neither the lease nor the settings
 * record left on it.
 */
export async function expectServiceOn(
  h: Harness,
  taskDefinitionArn: string,
  desired: number,
  context: string,
): Promise<FleetView> {
  const fleet = await observeFleet(h.info);
  expectWith(steadyProblems(fleet, taskDefinitionArn, desired, h.info.targetGroupArns), context).toEqual([]);
  expectWith(fleet.deploymentConfiguration, context).toEqual(ORIGINAL_DEPLOYMENT_CONFIGURATION);
  expectWith(await rolloutTags(h), context).toEqual({});
  const others = new Set(fleet.tasks.map((t) => t.taskDefinitionArn).filter((a) => a !== taskDefinitionArn));
  // ECS stops replaced tasks after their targets drain: bounded, and nothing the action waits for.
  const leftovers = await waitUntil(async () => {
    const now = await observeFleet(h.info);
    return [...others].flatMap((arn) => notStopped(now, arn).map((t) => `${t.arn} ${t.lastStatus}`));
  }, 15_000);
  expectWith(leftovers, context).toEqual([]);
  return fleet;
}

/**
 * Until the service is idle: one deployment, COMPLETED, its tasks RUNNING and healthy, every other
 * task STOPPED. A run that follows another on the same service starts from here (a refusal to
 * start while a deployment is in progress is the action's rule, not what these tests are about).
 */
export async function waitForIdle(h: Harness, desired: number, timeoutMs = 30_000): Promise<FleetView> {
  let fleet: FleetView | undefined;
  const problems = await waitUntil(async () => {
    fleet = await observeFleet(h.info);
    const f = fleet;
    const out = steadyProblems(f, f.taskDefinitionArn, desired, h.info.targetGroupArns);
    if (f.deployments.length !== 1 || f.deployments[0]?.rolloutState !== 'COMPLETED')
      out.push(`deployments: ${JSON.stringify(f.deployments)}`);
    const stopping = f.tasks.filter(
      (t) => t.lastStatus !== 'STOPPED' && t.taskDefinitionArn !== f.taskDefinitionArn,
    );
    if (stopping.length > 0) out.push(`${stopping.length} task(s) of other revisions not stopped yet`);
    return out;
  }, timeoutMs);
  expectWith(problems, 'the service did not become idle').toEqual([]);
  if (!fleet) throw new Error('no observation of the service');
  return fleet;
}

/** Calls made since `since` (ms since the epoch, the call's arrival). */
export function callsSince(h: Harness, since: number): CallRecord[] {
  return h.emulator.calls().filter((c) => c.time >= since);
}

/** Resolves with the first call since `since` that matches; polls the call log every 5 ms, bounded. */
export async function whenCall(
  h: Harness,
  since: number,
  what: string,
  match: (call: CallRecord) => boolean,
  timeoutMs = 30_000,
): Promise<CallRecord> {
  let found: CallRecord | undefined;
  await eventually(
    what,
    () => {
      found = callsSince(h, since).find(match);
      return found !== undefined;
    },
    timeoutMs,
  );
  if (!found) throw new Error(`no call: ${what}`);
  return found;
}

/** Resolves once `count` calls since `since` match (e.g. the third UpdateService answered). */
export async function whenCalls(
  h: Harness,
  since: number,
  what: string,
  count: number,
  match: (call: CallRecord) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  await eventually(what, () => callsSince(h, since).filter(match).length >= count, timeoutMs);
}

/** The fault rules still in force, as `GET /_emulator/faults` lists them (`times`: firings left). */
export async function faultRules(h: Harness): Promise<FaultRule[]> {
  const response = await fetch(`${h.emulator.endpoint}/_emulator/faults`, {
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { rules: FaultRule[] };
  return body.rules;
}

/** The JSON main saved for the post step (GITHUB_STATE `rollout`). */
export interface SavedState {
  phase?: string;
  pending?: string;
  leaseId?: string;
  previousTaskDefinitionArn?: string;
  newTaskDefinitionArn?: string;
  originalSettings?: { maximumPercent: number; minimumHealthyPercent: number };
}

export function savedState(run: ActionRun): SavedState {
  return JSON.parse(run.state['rollout'] ?? '{}') as SavedState;
}

/** The state main has saved so far, read from its GITHUB_STATE file while it runs. */
export function stateSoFar(stateFile: string): SavedState {
  let parsed: Record<string, string>;
  try {
    parsed = parseCommandFile(readFileSync(stateFile, 'utf8'));
  } catch {
    return {};
  }
  try {
    return JSON.parse(parsed['rollout'] ?? '{}') as SavedState;
  } catch {
    // Half-written: the next read sees the whole of it.
    return {};
  }
}

/** The request body the SDK sent for a recorded call (the harness's emulator records the wire). */
export function requestBody(call: CallRecord): Record<string, unknown> {
  try {
    return JSON.parse(call.wire?.request ?? '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A finished run, as far as exit and outcome go. */
export function expectOutcome(run: ActionRun, exitCode: number, outcome: string): void {
  expectWith(run.timedOut, describeRun(run)).toBe(false);
  expectWith(run.exitCode, describeRun(run)).toBe(exitCode);
  expectWith(run.outputs['outcome'], describeRun(run)).toBe(outcome);
}

/** The action's own calls: its SDK clients say `ecs-rolling-deploy/<version>` in the user agent. */
export function byAction(call: CallRecord): boolean {
  return (call.userAgent ?? '').includes('ecs-rolling-deploy');
}
