// The IAM policies of docs/iam.md (moved there from the README's "IAM permissions") against the
// calls the action really makes.
// - Deploy and rollback: every call the bundled action made in the e2e runs (the e2e harness dumps
//   each emulator's calls to .tmp/e2e-calls/; E2E_CALLS_DIR names another directory) must be allowed
//   by the deploy policy, resources and conditions included; and every action of every statement
//   must have allowed one of them, or be a deliberate extra below, with why.
// - Plan mode: the records do not say which run was a plan, so a plan runs here, in process, on the
//   action's own clients against an emulator; its calls are checked against the plan policy alike.
// The action's calls are the ones whose User-Agent carries `ecs-rolling-deploy/<version>`
// (customUserAgent, src/platform/aws.ts); the harness's own calls are not the action's business.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CallRecord } from '../../emulator/src/contracts.js';
import { createScenario, startEmulator, type Emulator } from '../../emulator/src/index.js';
import { runPlan } from '../../src/modes/plan.js';
import { createAwsClients, USER_AGENT_NAME, VERSION } from '../../src/platform/aws.js';
import { createEcsServiceDriver } from '../../src/platform/ecs-service.js';
import { readSettings } from '../../src/settings.js';
import { readCallRecords } from '../helpers/aws-model/index.js';
import { expectWith } from '../helpers/expect-with.js';
import {
  actionsOf,
  allowedBy,
  grants,
  instantiate,
  markdownPolicy,
  type PolicyDocument,
} from '../helpers/iam/policy.js';
import { authorizationsOf, runTargets } from '../helpers/iam/requests.js';

const IAM_DOC = readFileSync(fileURLToPath(new URL('../../docs/iam.md', import.meta.url)), 'utf8');
const deployPolicy = markdownPolicy(IAM_DOC, 'deploy');
const planPolicy = markdownPolicy(IAM_DOC, 'plan');
const AGENT = `${USER_AGENT_NAME}/${VERSION}`;

/** Granted, yet no emulator call shows it used: `Sid action` → why it is in the policy all the same. */
const DELIBERATE_EXTRAS: Record<string, string> = {
  'PassTaskRoles iam:PassRole':
    'not an API call: ECS checks it inside RegisterTaskDefinition (and RunTask, for the pre-deploy task) for the roles a task definition names, and the emulator does not do IAM',
  'TagTaskDefinitionsOnRegister ecs:TagResource':
    'checked inside RegisterTaskDefinition only when the task definition carries tags; no e2e task definition has any',
};

/** The plan policy's grants a plan run on Fargate cannot use, with why. */
const PLAN_EXTRAS: Record<string, string> = {
  'ContainerInstances ecs:DescribeContainerInstances':
    "read only for services on the EC2 launch type (bridge or host tasks, `instance` target groups): plan mode's look at the running tasks; this plan run is on Fargate",
};

const byTheAction = (call: CallRecord): boolean => call.userAgent?.includes(AGENT) === true;

interface Checked {
  /** `where: what is not allowed`, one per refused authorization. */
  refused: string[];
  /** `Sid action` of every grant that allowed something. */
  used: Set<string>;
  calls: number;
}

/** Each of the action's calls in `calls` against `policy`, instantiated for the run's service. */
function check(policy: PolicyDocument, calls: readonly CallRecord[], where: (i: number) => string): Checked {
  const result: Checked = { refused: [], used: new Set(), calls: 0 };
  // Several services in one step: the policy lists each service; a call passes if one grants it.
  const targets = runTargets(calls.filter(byTheAction));
  const target = targets[0];
  const instances = targets.map((t) =>
    instantiate(policy, { REGION: t.region, ACCOUNT: t.account, CLUSTER: t.cluster, SERVICE: t.service }),
  );
  calls.forEach((call, i) => {
    if (!byTheAction(call)) return;
    result.calls++;
    if (!target) {
      result.refused.push(`${where(i)}: no DescribeServices answer to tell which service the run deploys`);
      return;
    }
    const auths = authorizationsOf(call, target);
    if (typeof auths === 'string') {
      result.refused.push(`${where(i)} ${call.operation}: ${auths}`);
      return;
    }
    for (const auth of auths) {
      const sids = [...new Set(instances.flatMap((instance) => allowedBy(instance, auth)))];
      if (sids.length === 0)
        result.refused.push(
          `${where(i)} ${call.operation}: ${auth.action} on ${auth.resource} ${JSON.stringify(auth.context)}`,
        );
      for (const sid of sids) result.used.add(`${sid} ${auth.action}`);
    }
  });
  return result;
}

/** Grants of `policy` (`Sid action`) that allowed none of the calls and are not deliberate extras. */
function unused(policy: PolicyDocument, used: ReadonlySet<string>, extras: Record<string, string>): string[] {
  const usedLower = new Set([...used].map((u) => u.toLowerCase()));
  return grants(policy).filter((g) => !usedLower.has(g.toLowerCase()) && !(g in extras));
}

describe('the IAM policies of docs/iam.md', () => {
  it('are two JSON policy documents, Allow only; plan mode asks only for reads the deploy policy grants too', () => {
    for (const policy of [deployPolicy, planPolicy]) {
      expect(policy.Version).toBe('2012-10-17');
      expect(policy.Statement.length).toBeGreaterThan(0);
      for (const statement of policy.Statement) {
        expect(statement.Effect).toBe('Allow');
        expect(statement.Sid).toMatch(/^\w+$/);
      }
      const sids = policy.Statement.map((s) => s.Sid);
      expect(new Set(sids).size).toBe(sids.length);
    }
    const reads = actionsOf(planPolicy).filter((a) => !/^[\w-]+:(Describe|List|Get)\w+$/.test(a));
    expectWith(reads, 'plan-mode actions that are not reads').toEqual([]);
    const deployActions = new Set(actionsOf(deployPolicy));
    expect(actionsOf(planPolicy).filter((a) => !deployActions.has(a))).toEqual([]);
    for (const extra of Object.keys(DELIBERATE_EXTRAS))
      expectWith(grants(deployPolicy), 'a deliberate extra the policy no longer grants').toContain(extra);
  });
});

const dir = process.env['E2E_CALLS_DIR'] ?? fileURLToPath(new URL('../../.tmp/e2e-calls/', import.meta.url));
const files = readCallRecords(dir);
const records = files.reduce((n, f) => n + f.records.length, 0);
if (records === 0)
  console.warn(
    `iam-policy.test: deploy policy check SKIPPED: no dumped emulator calls in ${dir} (run the e2e tests first)`,
  );
// `npm test` runs this after the e2e group, which dumps every call: nothing to check is a failure there.
if (process.env['E2E_CALLS_REQUIRED'] === '1' && records === 0) {
  describe('emulator calls dumped by the e2e group', () => {
    it('exist', () => {
      expect(`${records} calls in ${dir}`).toBe(
        'some calls (the e2e harness dumps every emulator’s calls at stop())',
      );
    });
  });
}

(records > 0 ? describe : describe.skip)(`the deploy policy against the calls dumped in ${dir}`, () => {
  const checked = files.map((f) => check(deployPolicy, f.records, (i) => `${f.file}:${i + 1}`));
  const used = new Set(checked.flatMap((c) => [...c.used]));

  it('allows every call the action made, on the resources it made it on', () => {
    const refused = checked.flatMap((c) => c.refused);
    expectWith(refused, refused.slice(0, 20).join('\n')).toEqual([]);
    expect(checked.reduce((n, c) => n + c.calls, 0)).toBeGreaterThan(0);
  });

  it('grants nothing the action did not use, but for the deliberate extras', () => {
    expectWith(
      unused(deployPolicy, used, DELIBERATE_EXTRAS),
      'granted but never used by any call in the e2e runs: remove it, or list it in DELIBERATE_EXTRAS with why',
    ).toEqual([]);
  });
});

describe('the plan policy against a plan run', () => {
  let emulator: Emulator;
  let calls: CallRecord[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      recordWire: true,
      taskRuntime: 'in-process',
      timeScale: 0.05,
      taskStartSeconds: 0,
    });
    await createScenario(emulator.endpoint, {
      cluster: 'iam',
      service: 'web',
      desiredCount: 2,
      taskDefinition: {
        family: 'web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          { name: 'web', image: 'public.ecr.aws/demo/web:1', portMappings: [{ containerPort: 8080 }] },
        ],
      },
      deregistrationDelaySeconds: 10,
      waitForSteadyState: true,
    });
    emulator.clearCalls();

    // The action's own clients (createAwsClients): region, endpoint and credentials from the environment.
    const env = {
      AWS_REGION: emulator.region,
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const clients = createAwsClients();
      const inputs: Record<string, string> = {
        mode: 'plan',
        cluster: 'iam',
        service: 'web',
        'task-definition': 'web:1',
        'container-name': 'web',
        image: 'public.ecr.aws/demo/web:2',
      };
      const settings = readSettings(
        (name) => inputs[name] ?? '',
        () => undefined,
      );
      const driver = createEcsServiceDriver({
        ecs: clients.ecs,
        elbv2: clients.elbv2,
        cluster: 'iam',
        service: 'web',
      });
      await runPlan({ settings, driver });
      clients.ecs.destroy();
      clients.elbv2.destroy();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    calls = emulator.calls();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('allows every call plan mode made; every grant of it was used', () => {
    const plan = check(planPolicy, calls, (i) => `plan call ${i + 1}`);
    expectWith(plan.refused, plan.refused.join('\n')).toEqual([]);
    expect(plan.calls).toBeGreaterThan(0);
    expectWith(
      unused(planPolicy, plan.used, PLAN_EXTRAS),
      'granted by the plan policy but not used by a plan run',
    ).toEqual([]);
    expect(calls.filter((c) => c.mutating).map((c) => c.operation)).toEqual([]);
  });

  it('the deploy policy allows them too: one role can plan and deploy', () => {
    const plan = check(deployPolicy, calls, (i) => `plan call ${i + 1}`);
    expectWith(plan.refused, plan.refused.join('\n')).toEqual([]);
  });
});
