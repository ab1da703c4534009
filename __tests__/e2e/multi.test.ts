// Several services in one step, with the bundled action against one emulator: `web` (4 tasks) and
// `api` (4 tasks, its own family, load balancer, target group and deployment settings). Both deploy
// together; when one fails, both end on their previous revisions with their own settings (all or
// nothing), unless on-partial-failure: continue; a manual rollback takes the list; a bad name in
// the list changes nothing anywhere.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { DeploymentConfiguration } from '@aws-sdk/client-ecs';
import {
  HEALTH_CHECK,
  ORIGINAL_DEPLOYMENT_CONFIGURATION,
  addService,
  deploy,
  describeRun,
  failOldestNewTasks,
  lineWatcher,
  mutatingCalls,
  notStopped,
  observeFleet,
  runPost,
  startDeploy,
  startHarness,
  steadyProblems,
  taskDefinition,
  waitUntil,
  whileRunning,
  type Harness,
} from './helpers.js';
import { startTraffic } from '../../tools/traffic.js';
import type { ActionRun } from '../../tools/run-action.js';
import { expectWith } from '../helpers/expect-with.js';

/** api's own settings: unlike web's and unlike the action's batch settings. */
const API_DEPLOYMENT_CONFIGURATION: DeploymentConfiguration = {
  maximumPercent: 150,
  minimumHealthyPercent: 75,
  deploymentCircuitBreaker: { enable: false, rollback: false },
};

interface ServiceEntry {
  service: string;
  cluster: string;
  outcome: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn: string;
  failureReason?: string;
}

/**
 * Two services' tasks, load balancers and health checks share one busy machine: their health
 * checks get 16 AWS seconds (800 ms real) to answer, not the single-service tests' 4.
 */
const HEALTH_CHECK_TWO = { ...HEALTH_CHECK, intervalSeconds: 20, timeoutSeconds: 16 };
/** Two rollouts at once, each about as long as a single-service test's. */
const TWO_SERVICES_TIMEOUT_MS = 300_000;

async function twoServices(apiScenario: { deregistrationDelaySeconds?: number } = {}): Promise<{
  web: Harness;
  api: Harness;
}> {
  const web = await startHarness({ desiredCount: 4, scenario: { healthCheck: HEALTH_CHECK_TWO } });
  try {
    const api = await addService(web, {
      service: 'api',
      family: 'api',
      desiredCount: 4,
      scenario: {
        deploymentConfiguration: API_DEPLOYMENT_CONFIGURATION,
        healthCheck: HEALTH_CHECK_TWO,
        ...apiScenario,
      },
    });
    return { web, api };
  } catch (error) {
    await web.stop();
    throw error;
  }
}

/** Both services, each with its own task definition file, in the order web, api. */
function bothInputs(web: Harness, extra: Record<string, string> = {}): Record<string, string> {
  return web.inputs({
    service: 'web\n# the API behind the same ALB listener rules\napi\n',
    'task-definition': 'task-definition.json\napi.json',
    image: 'public.ecr.aws/demo/web:2',
    ...extra,
  });
}

function entries(run: ActionRun): ServiceEntry[] {
  return JSON.parse(run.outputs['services'] ?? '[]') as ServiceEntry[];
}

async function expectSteady(
  h: Harness,
  arn: string,
  desired: number,
  own: DeploymentConfiguration,
): Promise<void> {
  const problems = await waitUntil(async () => {
    const fleet = await observeFleet(h.info);
    return steadyProblems(fleet, arn, desired, h.info.targetGroupArns);
  }, 15_000);
  expectWith(problems, `${h.info.service} on ${arn}`).toEqual([]);
  expect((await observeFleet(h.info)).deploymentConfiguration).toEqual(own);
}

async function expectNoTaskOf(h: Harness, arn: string): Promise<void> {
  const left = await waitUntil(
    async () => notStopped(await observeFleet(h.info), arn).map((t) => `${t.arn} ${t.lastStatus}`),
    15_000,
  );
  expect(left).toEqual([]);
}

describe('several services in one step', () => {
  it(
    'both succeed: each on its new revision at its desired count with its own settings, no failed request, one registration per family',
    async () => {
      const { web, api } = await twoServices();
      try {
        const traffic = [
          startTraffic(web.info.listenerUrl, { ratePerSecond: 10, maxDurationMs: 150_000 }),
          startTraffic(api.info.listenerUrl, { ratePerSecond: 10, maxDurationMs: 150_000 }),
        ];
        let run: ActionRun;
        try {
          run = await deploy(web, bothInputs(web));
        } finally {
          const loads = await Promise.all(traffic.map((t) => t.stop()));
          for (const load of loads) {
            expect(load.succeeded).toBeGreaterThan(10);
            expectWith(load.failed, load.failures.join('\n')).toBe(0);
          }
        }
        expectWith(run.exitCode, describeRun(run)).toBe(0);
        expect(run.outputs['outcome']).toBe('succeeded');
        const [w, a] = entries(run);
        expect(w).toEqual({
          service: 'web',
          cluster: 'e2e',
          outcome: 'succeeded',
          taskDefinitionArn: expect.stringMatching(/task-definition\/web:2$/),
          previousTaskDefinitionArn: web.info.taskDefinitionArn,
        });
        expect(a).toEqual({
          service: 'api',
          cluster: 'e2e',
          outcome: 'succeeded',
          taskDefinitionArn: expect.stringMatching(/task-definition\/api:2$/),
          previousTaskDefinitionArn: api.info.taskDefinitionArn,
        });
        // The first service's ARNs in the one-service outputs; batches of both (2 + 2).
        expect(run.outputs['task-definition-arn']).toBe(w?.taskDefinitionArn);
        expect(run.outputs['batches']).toBe('4');
        // Lines of both services, each named.
        expect(run.stdout).toMatch(/^web \| .*batch 2\/2 passed/m);
        expect(run.stdout).toMatch(/^api \| .*batch 2\/2 passed/m);
        // One summary, a row per service, then each service's batch table.
        expect(run.summary).toMatch(/\| `web` \| Succeeded \| `web:1` → `web:2` \|/);
        expect(run.summary).toMatch(/\| `api` \| Succeeded \| `api:1` → `api:2` \|/);
        expect(run.summary.match(/#### Batches/g)).toHaveLength(2);

        await expectSteady(web, w?.taskDefinitionArn ?? '', 4, ORIGINAL_DEPLOYMENT_CONFIGURATION);
        await expectSteady(api, a?.taskDefinitionArn ?? '', 4, API_DEPLOYMENT_CONFIGURATION);
        const registrations = mutatingCalls(web.emulator.calls()).filter((c) =>
          c.includes('RegisterTaskDefinition'),
        );
        expect(registrations).toHaveLength(2);
      } finally {
        await web.stop();
      }
    },
    TWO_SERVICES_TIMEOUT_MS,
  );

  it(
    'one file for both services of one family: registered once, both on the one revision',
    async () => {
      const web = await startHarness({ desiredCount: 2, scenario: { healthCheck: HEALTH_CHECK_TWO } });
      try {
        // A second service of the `web` family, as a worker and a web tier of one image often are.
        const other = await addService(web, {
          service: 'web-canary',
          family: 'web',
          desiredCount: 2,
          scenario: { healthCheck: HEALTH_CHECK_TWO },
        });
        const run = await deploy(
          web,
          web.inputs({ service: 'web\nweb-canary', image: 'public.ecr.aws/demo/web:2' }),
        );
        expectWith(run.exitCode, describeRun(run)).toBe(0);
        const [w, c] = entries(run);
        expect(w?.taskDefinitionArn).toMatch(/task-definition\/web:\d+$/);
        expect(c?.taskDefinitionArn).toBe(w?.taskDefinitionArn);
        const registrations = mutatingCalls(web.emulator.calls()).filter((x) =>
          x.includes('RegisterTaskDefinition'),
        );
        expect(registrations).toHaveLength(1);
        await expectSteady(other, w?.taskDefinitionArn ?? '', 2, ORIGINAL_DEPLOYMENT_CONFIGURATION);
      } finally {
        await web.stop();
      }
    },
    TWO_SERVICES_TIMEOUT_MS,
  );

  it(
    'api fails in its batch 2: api rolled back, web stopped or undone, both on their previous revisions with their own settings',
    async () => {
      // api's batch 2 must not finish before its failing targets are seen: two failed checks take
      // 2 real seconds here (interval 20 s at the emulator's scale), and on a loaded machine batch
      // 2 passed in 1 s. A deregistration delay of 240 s (12 real seconds) keeps batch 2 draining
      // its old tasks, while the action still watches the new ones, well past that.
      const { web, api } = await twoServices({ deregistrationDelaySeconds: 240 });
      try {
        const watcher = lineWatcher();
        const action = startDeploy(web, bothInputs(web), { onLine: watcher.onLine });
        const run = await whileRunning(action, async () => {
          await watcher.waitFor(/^api \| .*batch 2\/2: starting/m, 60_000);
          // Batch 1's two new api tasks now fail their health checks: api fails in batch 2.
          expect(await failOldestNewTasks(api, 2)).toBe(2);
        });
        expectWith(run.exitCode, describeRun(run)).toBe(1);
        expect(run.outputs['outcome']).toBe('rolled-back');
        const [w, a] = entries(run);
        expect(a?.outcome).toBe('rolled-back');
        expect(a?.failureReason).toMatch(/batch 2\b/);
        expect(w?.outcome).toBe('rolled-back');
        expect(w?.failureReason).toMatch(/api failed/);
        // The step's message names each service and what became of it.
        expect(run.outputs['failure-reason']).toMatch(/^- web: .*api failed/m);
        expect(run.outputs['failure-reason']).toMatch(/^- api: /m);
        expect(run.stdout).toMatch(/^::error/m);
        expect(run.summary).toMatch(/\| `web` \| Rolled back \|/);
        expect(run.summary).toMatch(/\| `api` \| Rolled back \|/);

        await expectSteady(web, web.info.taskDefinitionArn, 4, ORIGINAL_DEPLOYMENT_CONFIGURATION);
        await expectSteady(api, api.info.taskDefinitionArn, 4, API_DEPLOYMENT_CONFIGURATION);
        await expectNoTaskOf(web, w?.taskDefinitionArn ?? '');
        await expectNoTaskOf(api, a?.taskDefinitionArn ?? '');
      } finally {
        await web.stop();
      }
    },
    TWO_SERVICES_TIMEOUT_MS,
  );

  it(
    'on-partial-failure: continue: api rolled back, web stays on its new revision, the step fails',
    async () => {
      const { web, api } = await twoServices();
      try {
        // Each service its own file: web's new image is healthy, api's answers 500 on its health path.
        writeDefinition(web, 'web-2.json', 'public.ecr.aws/demo/web:2', 'web');
        writeDefinition(web, 'api-bad.json', 'public.ecr.aws/demo/web:unhealthy', 'api');
        const { 'container-name': _c, ...inputs } = web.inputs({
          service: 'web\napi',
          'task-definition': 'web-2.json\napi-bad.json',
          'on-partial-failure': 'continue',
        });
        const run = await deploy(web, inputs);
        expectWith(run.exitCode, describeRun(run)).toBe(1);
        const [w, a] = entries(run);
        expect(w?.outcome).toBe('succeeded');
        expect(a?.outcome).toBe('rolled-back');
        expect(run.outputs['outcome']).toBe('rolled-back');
        expect(run.outputs['failure-reason']).toMatch(/^- web: succeeded/m);
        await expectSteady(web, w?.taskDefinitionArn ?? '', 4, ORIGINAL_DEPLOYMENT_CONFIGURATION);
        expect(w?.taskDefinitionArn).not.toBe(web.info.taskDefinitionArn);
        await expectSteady(api, api.info.taskDefinitionArn, 4, API_DEPLOYMENT_CONFIGURATION);
      } finally {
        await web.stop();
      }
    },
    TWO_SERVICES_TIMEOUT_MS,
  );

  it(
    'mode: rollback of both by hand: each back on the revision before its last deploy',
    async () => {
      const { web, api } = await twoServices();
      try {
        const deployed = await deploy(web, bothInputs(web));
        expectWith(deployed.outputs['outcome'], describeRun(deployed)).toBe('succeeded');
        const { 'task-definition': _t, 'container-name': _c, ...base } = web.inputs({ service: 'web\napi' });
        const run = await deploy(web, { ...base, mode: 'rollback' });
        expectWith(run.exitCode, describeRun(run)).toBe(0);
        const [w, a] = entries(run);
        expect(w).toEqual(
          expect.objectContaining({ outcome: 'succeeded', taskDefinitionArn: web.info.taskDefinitionArn }),
        );
        expect(a).toEqual(
          expect.objectContaining({ outcome: 'succeeded', taskDefinitionArn: api.info.taskDefinitionArn }),
        );
        await expectSteady(web, web.info.taskDefinitionArn, 4, ORIGINAL_DEPLOYMENT_CONFIGURATION);
        await expectSteady(api, api.info.taskDefinitionArn, 4, API_DEPLOYMENT_CONFIGURATION);
      } finally {
        await web.stop();
      }
    },
    TWO_SERVICES_TIMEOUT_MS,
  );

  it(
    'one unknown service in the list: refused before any change, the other service untouched',
    async () => {
      const { web } = await twoServices();
      try {
        const run = await deploy(
          web,
          bothInputs(web, { service: 'web\nnope', 'task-definition': 'task-definition.json' }),
        );
        expectWith(run.exitCode, describeRun(run)).toBe(1);
        expect(run.outputs['outcome']).toBe('failed');
        const [w, n] = entries(run);
        expect(n?.failureReason).toMatch(/nope/);
        expect(w?.failureReason).toMatch(/not started, nothing changed: nope failed/);
        // Reads only: nothing registered, updated or tagged anywhere.
        expect(mutatingCalls(web.emulator.calls())).toEqual([]);
        await expectSteady(web, web.info.taskDefinitionArn, 4, ORIGINAL_DEPLOYMENT_CONFIGURATION);
      } finally {
        await web.stop();
      }
    },
    TWO_SERVICES_TIMEOUT_MS,
  );

  it(
    'the job cancelled once web is done and api mid-rollout: main exits, the post step puts both back',
    async () => {
      // api's 80 s deregistration delay (4 real seconds) keeps it busy well after web's one batch.
      const web = await startHarness({ desiredCount: 2, scenario: { healthCheck: HEALTH_CHECK_TWO } });
      try {
        const api = await addService(web, {
          service: 'api',
          family: 'api',
          desiredCount: 4,
          scenario: {
            deploymentConfiguration: API_DEPLOYMENT_CONFIGURATION,
            healthCheck: HEALTH_CHECK_TWO,
            deregistrationDelaySeconds: 80,
          },
        });
        const inputs = bothInputs(web);
        const watcher = lineWatcher();
        const action = startDeploy(web, inputs, { onLine: watcher.onLine });
        const main = await whileRunning(action, async () => {
          await watcher.waitFor(/^web \| .*rollout succeeded/m, 60_000);
          await watcher.waitFor(/^api \| .*batch 2\/2: starting/m, 60_000);
          // The runner's cancel, with no time for main's own rollbacks: SIGINT, then SIGTERM at once.
          action.child.kill('SIGINT');
          setTimeout(() => action.child.kill('SIGTERM'), 200).unref();
          await action.done;
        });
        expectWith(main.signal, describeRun(main)).toBeNull();
        expect(main.outputs['outcome']).toBe('cancelled');
        const saved = JSON.parse(main.state['rollouts'] ?? '[]') as {
          service: string;
          phase: string;
          outcome?: string;
        }[];
        expectWith(
          saved.map((s) => s.service),
          JSON.stringify(main.state),
        ).toEqual(['web', 'api']);
        expect(saved[0]).toEqual(expect.objectContaining({ phase: 'finished', outcome: 'succeeded' }));

        const post = await runPost(web, inputs, main.state);
        expectWith(post.exitCode, describeRun(post)).toBe(0);
        expect(post.stdout).toMatch(/^web \| /m);
        expect(post.stdout).toMatch(/^api \| /m);
        await expectSteady(web, web.info.taskDefinitionArn, 2, ORIGINAL_DEPLOYMENT_CONFIGURATION);
        await expectSteady(api, api.info.taskDefinitionArn, 4, API_DEPLOYMENT_CONFIGURATION);
      } finally {
        await web.stop();
      }
    },
    TWO_SERVICES_TIMEOUT_MS,
  );

  it(
    'mode: plan of both: each planned, nothing changed',
    async () => {
      const { web, api } = await twoServices();
      try {
        const run = await deploy(web, bothInputs(web, { mode: 'plan' }));
        expectWith(run.exitCode, describeRun(run)).toBe(0);
        expect(run.outputs['outcome']).toBe('planned');
        expect(entries(run).map((e) => [e.service, e.outcome, e.previousTaskDefinitionArn])).toEqual([
          ['web', 'planned', web.info.taskDefinitionArn],
          ['api', 'planned', api.info.taskDefinitionArn],
        ]);
        expect(run.summary).toMatch(/^#+ ECS rolling deploy plan: e2e\/web$/m);
        expect(run.summary).toMatch(/^#+ ECS rolling deploy plan: e2e\/api$/m);
        expect(mutatingCalls(web.emulator.calls())).toEqual([]);
      } finally {
        await web.stop();
      }
    },
    TWO_SERVICES_TIMEOUT_MS,
  );
});

function writeDefinition(h: Harness, file: string, image: string, family: string): void {
  writeFileSync(join(h.dir, file), JSON.stringify(taskDefinition(image, family), null, 2));
}
