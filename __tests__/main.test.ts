// main's orchestration with the AWS SDK stubbed at the command level: what is sent, in which order,
// and what the runner sees (outputs, state, the failure). Mutating commands are the ones that must
// never be sent before every input and the task definition are known to be good.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTagsForResourceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type Deployment,
  type DeploymentConfiguration,
  type DeploymentStrategy,
  type Service,
  type ServiceDeployment,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { run } from '../src/main.js';
import { runnerInputs } from '../tools/run-action.js';

const ecsMock = mockClient(ECSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);

const ACCOUNT = 'arn:aws:ecs:us-east-1:000000000000';
const TD1 = `${ACCOUNT}:task-definition/web:1`;
const TD2 = `${ACCOUNT}:task-definition/web:2`;
const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1';
const MUTATING = [
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  StopServiceDeploymentCommand,
] as const;
const LEASE_TAG = 'ecs-rolling-deploy:lease';
const SETTINGS_TAG = 'ecs-rolling-deploy:settings';

const registered: TaskDefinition = {
  taskDefinitionArn: TD1,
  family: 'web',
  revision: 1,
  status: 'ACTIVE',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  compatibilities: ['EC2', 'FARGATE'],
  cpu: '256',
  memory: '512',
  registeredAt: new Date(0),
  containerDefinitions: [
    {
      name: 'web',
      image: 'web:1',
      cpu: 0,
      essential: true,
      portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
    },
  ],
};

/** The same definition as a user writes it: ECS's filled-in defaults left out. */
const fileBody = {
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'web', image: 'web:1', portMappings: [{ containerPort: 8080 }] }],
};

const deployment = (
  id: string,
  status: string,
  taskDefinition: string,
  rolloutState: string,
): Deployment => ({
  id,
  status,
  taskDefinition,
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  failedTasks: 0,
  rolloutState: rolloutState as Deployment['rolloutState'],
});

/**
 * A stateful service, as ECS keeps it: UpdateService with a task definition makes a new PRIMARY
 * deployment and a service deployment (ListServiceDeployments / DescribeServiceDeployments /
 * DescribeServiceRevisions), StopServiceDeployment ROLLBACK puts the previous revision back as
 * PRIMARY, and the service's tags are kept. The new revision never starts a task (a batch times out).
 */
function fakeService(
  initial: { deployments?: Deployment[]; deploymentConfiguration?: DeploymentConfiguration } = {},
): { tags: Map<string, string> } {
  let primary = TD1;
  let deployments = initial.deployments ?? [deployment('ecs-svc/1', 'PRIMARY', TD1, 'COMPLETED')];
  const serviceDeployments: ServiceDeployment[] = [];
  const tags = new Map<string, string>();
  const service = (): Service => ({
    serviceArn: `${ACCOUNT}:service/prod/web`,
    serviceName: 'web',
    clusterArn: `${ACCOUNT}:cluster/prod`,
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    taskDefinition: primary,
    deploymentConfiguration: initial.deploymentConfiguration ?? {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deploymentController: { type: 'ECS' },
    loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 8080 }],
    deployments,
    events: [],
  });
  ecsMock.on(DescribeServicesCommand).callsFake(() => ({ services: [service()] }));
  ecsMock.on(UpdateServiceCommand).callsFake((input: { taskDefinition?: string }) => {
    if (input.taskDefinition && input.taskDefinition !== primary) {
      const old = deployments.find((d) => d.status === 'PRIMARY');
      const id = `ecs-svc/${deployments.length + 2}`;
      deployments = [
        deployment(id, 'PRIMARY', input.taskDefinition, 'IN_PROGRESS'),
        ...(old && input.taskDefinition !== TD1 ? [{ ...old, status: 'ACTIVE' }] : []),
      ];
      serviceDeployments.push({
        serviceDeploymentArn: `${ACCOUNT}:service-deployment/prod/web/${id.slice('ecs-svc/'.length)}`,
        createdAt: new Date(),
        status: 'IN_PROGRESS',
        targetServiceRevision: {
          arn: `${ACCOUNT}:service-revision/prod/web/${input.taskDefinition.slice(-1)}`,
        },
      });
      primary = input.taskDefinition;
    }
    return { service: service() };
  });
  ecsMock.on(ListServiceDeploymentsCommand).callsFake(() => ({
    serviceDeployments: serviceDeployments.map((d) => ({
      serviceDeploymentArn: d.serviceDeploymentArn,
      createdAt: d.createdAt,
      status: d.status,
    })),
  }));
  ecsMock.on(DescribeServiceDeploymentsCommand).callsFake((input: { serviceDeploymentArns: string[] }) => ({
    serviceDeployments: serviceDeployments.filter((d) =>
      input.serviceDeploymentArns.includes(d.serviceDeploymentArn ?? ''),
    ),
  }));
  ecsMock.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns: string[] }) => ({
    serviceRevisions: input.serviceRevisionArns.map((arn) => ({
      serviceRevisionArn: arn,
      taskDefinition: `${ACCOUNT}:task-definition/web:${arn.slice(-1)}`,
    })),
  }));
  ecsMock
    .on(StopServiceDeploymentCommand)
    .callsFake((input: { serviceDeploymentArn: string; stopType: string }) => {
      const stopped = serviceDeployments.find((d) => d.serviceDeploymentArn === input.serviceDeploymentArn);
      if (!stopped || input.stopType !== 'ROLLBACK') throw new Error('unexpected StopServiceDeployment');
      // ECS goes back to the last successful revision, keeping its running tasks.
      stopped.status = 'ROLLBACK_SUCCESSFUL';
      primary = TD1;
      deployments = [deployment('ecs-svc/1', 'PRIMARY', TD1, 'COMPLETED')];
      return { serviceDeploymentArn: input.serviceDeploymentArn };
    });
  ecsMock.on(ListTagsForResourceCommand).callsFake(() => ({
    tags: [...tags].map(([key, value]): Tag => ({ key, value })),
  }));
  ecsMock.on(TagResourceCommand).callsFake((input: { tags: Tag[] }) => {
    for (const tag of input.tags) tags.set(tag.key ?? '', tag.value ?? '');
    return {};
  });
  ecsMock.on(UntagResourceCommand).callsFake((input: { tagKeys: string[] }) => {
    for (const key of input.tagKeys) tags.delete(key);
    return {};
  });
  ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
    if (input.taskDefinition === TD2)
      return { taskDefinition: { ...registered, taskDefinitionArn: TD2, revision: 2 } };
    return { taskDefinition: registered, tags: [] };
  });
  ecsMock
    .on(RegisterTaskDefinitionCommand)
    .resolves({ taskDefinition: { ...registered, taskDefinitionArn: TD2, revision: 2 } });
  // Two old tasks, RUNNING and healthy; the new revision never starts a task (tests' batch times out).
  const tasks = ['a', 'b'].map((id, i) => ({
    taskArn: `${ACCOUNT}:task/prod/${id}`,
    taskDefinitionArn: TD1,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    attachments: [
      {
        type: 'ElasticNetworkInterface',
        details: [{ name: 'privateIPv4Address', value: `10.0.0.${i + 1}` }],
      },
    ],
    containers: [{ name: 'web', lastStatus: 'RUNNING' }],
  }));
  ecsMock
    .on(ListTasksCommand, { desiredStatus: 'RUNNING' })
    .resolves({ taskArns: tasks.map((t) => t.taskArn) });
  ecsMock.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [] });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks });
  elbMock.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: [{ TargetGroupArn: TG, TargetGroupName: 'web', TargetType: 'ip' }],
  });
  elbMock.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: [] });
  elbMock.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: tasks.map((_, i) => ({
      Target: { Id: `10.0.0.${i + 1}`, Port: 8080 },
      TargetHealth: { State: 'healthy' },
    })),
  });
  return { tags };
}

let dir: string;
const savedEnv = { ...process.env };
let stdout: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'main-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  ecsMock.reset();
  elbMock.reset();
  for (const key of Object.keys(process.env))
    if (key.startsWith('INPUT_') || key.startsWith('GITHUB_')) delete process.env[key];
  process.env['AWS_REGION'] = 'us-east-1';
  // core.summary remembers the first GITHUB_STEP_SUMMARY path it sees: one path, emptied per test.
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
    const path = join(
      dir,
      name === 'GITHUB_STEP_SUMMARY' ? name : `${name}-${Math.random().toString(36).slice(2)}`,
    );
    writeFileSync(path, '');
    process.env[name] = path;
  }
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...savedEnv };
  process.exitCode = undefined;
});

/** The step's `with:`, as a runner sets it: every action.yml default too (tools/run-action.ts). */
function inputs(values: Record<string, string>): void {
  Object.assign(process.env, runnerInputs(values));
}

/** Reads a runner command file (`name<<delimiter\nvalue\ndelimiter`). */
function commandFile(name: 'GITHUB_OUTPUT' | 'GITHUB_STATE'): Record<string, string> {
  const text = readFileSync(process.env[name] ?? '', 'utf8');
  const out: Record<string, string> = {};
  const re = /^(.+?)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1] ?? ''] = m[3] ?? '';
  return out;
}

function sentMutating(): string[] {
  return ecsMock
    .calls()
    .map((c) => c.args[0].constructor.name)
    .filter((name) => MUTATING.some((command) => command.name === name));
}

function taskDefinitionFile(body: unknown, text?: string): string {
  const path = join(dir, `td-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, text ?? JSON.stringify(body, null, 2));
  return path;
}

const errorsOf = (): string[] =>
  stdout
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('::error'));

describe('run: bad inputs change nothing', () => {
  it('invalid inputs: every problem in one failure, no AWS call at all', async () => {
    fakeService();
    inputs({ service: '', 'batch-size': '0', 'task-definition': taskDefinitionFile(fileBody) });
    await run();
    expect(ecsMock.calls()).toHaveLength(0);
    expect(process.exitCode).toBe(1);
    const errors = errorsOf();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/2 problems.*service: is required.*batch-size/);
    expect(commandFile('GITHUB_OUTPUT')).toMatchObject({ outcome: 'failed', 'task-definition-arn': '' });
  });

  it('a task definition file that is not JSON: read-only calls only, the error has line and column', async () => {
    fakeService();
    inputs({
      service: 'web',
      cluster: 'prod',
      'task-definition': taskDefinitionFile(null, '{\n  "family": "web",\n  oops\n}'),
    });
    await run();
    expect(sentMutating()).toEqual([]);
    expect(process.exitCode).toBe(1);
    expect(commandFile('GITHUB_OUTPUT')['failure-reason']).toMatch(/td-\w+\.json:3:3 is not valid JSON/);
  });

  it('an image for an unknown container names the containers there are', async () => {
    fakeService();
    inputs({
      service: 'web',
      cluster: 'prod',
      'task-definition': taskDefinitionFile(fileBody),
      'container-name': 'api',
      image: 'api:2',
    });
    await run();
    expect(sentMutating()).toEqual([]);
    expect(commandFile('GITHUB_OUTPUT')['failure-reason']).toMatch(/No container named "api".*"web"/);
  });

  it.each(['lambda', 'alb'] as const)(
    'a service behind a %s target group is refused in preflight, naming the group, with nothing changed',
    async (type) => {
      fakeService({});
      elbMock.on(DescribeTargetGroupsCommand).resolves({
        TargetGroups: [{ TargetGroupArn: TG, TargetGroupName: 'web', TargetType: type }],
      });
      inputs({
        service: 'web',
        cluster: 'prod',
        'task-definition': taskDefinitionFile(fileBody),
        'container-name': 'web',
        image: 'web:3',
      });
      await run();
      expect(sentMutating()).toEqual([]);
      expect(commandFile('GITHUB_OUTPUT')['failure-reason']).toMatch(
        new RegExp(
          `target group web of target type ${type}: .*needs target type ip .*or instance .*Nothing was changed`,
        ),
      );
    },
  );

  it.each<DeploymentStrategy>(['BLUE_GREEN', 'LINEAR', 'CANARY'])(
    'a service with the %s deployment strategy is refused in preflight, saying why and what to do, with nothing changed',
    async (strategy) => {
      fakeService({ deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, strategy } });
      inputs({
        service: 'web',
        cluster: 'prod',
        'task-definition': taskDefinitionFile(fileBody),
        'container-name': 'web',
        image: 'web:3',
      });
      await run();
      expect(sentMutating()).toEqual([]);
      const reason = commandFile('GITHUB_OUTPUT')['failure-reason'] ?? '';
      expect(reason).toContain(`uses the ${strategy} deployment strategy`);
      expect(reason).toMatch(/ECS itself .* shifts traffic between two target groups/);
      expect(reason).toMatch(/Nothing was changed/);
      expect(reason).toMatch(
        new RegExp(`ECS's own ${strategy} deployment.*switch the service to the ROLLING strategy`),
      );
      // Refused at the first read: not even the task definition was looked at.
      expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    },
  );

  it('a rollout already in progress is refused, naming it, with nothing changed', async () => {
    fakeService({
      deployments: [
        deployment('ecs-svc/2', 'PRIMARY', TD2, 'IN_PROGRESS'),
        deployment('ecs-svc/1', 'ACTIVE', TD1, 'COMPLETED'),
      ],
    });
    inputs({
      service: 'web',
      cluster: 'prod',
      'task-definition': taskDefinitionFile(fileBody),
      'container-name': 'web',
      image: 'web:3',
    });
    await run();
    expect(sentMutating()).toEqual([]);
    const reason = commandFile('GITHUB_OUTPUT')['failure-reason'];
    expect(reason).toMatch(
      /already in progress.*ecs-svc\/2 \(PRIMARY, web:2.*ecs-svc\/1.*wait-for-idle: true/,
    );
  });
});

describe('run: unchanged task definition', () => {
  it('registers nothing, updates nothing, verifies health and succeeds', async () => {
    fakeService();
    inputs({ service: 'web', cluster: 'prod', 'task-definition': taskDefinitionFile(fileBody) });
    await run();
    expect(sentMutating()).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(commandFile('GITHUB_OUTPUT')).toMatchObject({
      outcome: 'succeeded',
      'task-definition-arn': TD1,
      'previous-task-definition-arn': TD1,
      batches: '0',
    });
    expect(stdout.join('')).toMatch(/no new revision registered.*\n.*verified: 2\/2 tasks of web:1 healthy/);
    const summary = readFileSync(process.env['GITHUB_STEP_SUMMARY'] ?? '', 'utf8');
    expect(summary).toMatch(/succeeded/i);
    expect(summary).toContain('web:1');
  });
});

describe('run: a rollout that fails is rolled back', () => {
  it('takes the lease, registers, rolls out held, times out the batch, rolls ECS back, saves each phase, fails the step once', async () => {
    const { tags } = fakeService();
    inputs({
      service: 'web',
      cluster: 'prod',
      'task-definition': taskDefinitionFile(fileBody),
      'container-name': 'web',
      image: 'web:2',
      'batch-size': '1',
      'batch-timeout': '1s',
    });
    await run();

    const names = ecsMock.calls().map((c) => c.args[0].constructor.name);
    const firstMutation = names.findIndex((n) => MUTATING.some((command) => command.name === n));
    // Everything read and validated before the first change.
    expect(names.slice(0, firstMutation)).toEqual(
      expect.arrayContaining([
        'DescribeServicesCommand',
        'ListTagsForResourceCommand',
        'DescribeTaskDefinitionCommand',
      ]),
    );
    // The lease (with the service's own settings beside it) before anything else changes.
    expect(sentMutating().slice(0, 2)).toEqual(['TagResourceCommand', 'RegisterTaskDefinitionCommand']);
    const lease = ecsMock.commandCalls(TagResourceCommand)[0]?.args[0].input.tags ?? [];
    expect(lease.map((t) => t.key).sort()).toEqual([LEASE_TAG, SETTINGS_TAG]);
    expect(lease.find((t) => t.key === SETTINGS_TAG)?.value).toBe('max=200 min=100');
    const registeredBody = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input;
    expect(registeredBody?.containerDefinitions?.[0]?.image).toBe('web:2');

    const updates = ecsMock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input);
    // Start held (ECS moves nothing), then release batch 1 of 2: one task beside the two.
    expect(updates[0]).toEqual({
      cluster: 'prod',
      service: 'web',
      taskDefinition: TD2,
      deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 100 },
    });
    expect(updates[1]).toEqual({
      cluster: 'prod',
      service: 'web',
      deploymentConfiguration: { maximumPercent: 150, minimumHealthyPercent: 100 },
    });
    // ECS's own rollback of the rollout's service deployment: the previous revision keeps its tasks,
    // so no UpdateService back to it.
    expect(ecsMock.commandCalls(StopServiceDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { serviceDeploymentArn: `${ACCOUNT}:service-deployment/prod/web/3`, stopType: 'ROLLBACK' },
    ]);
    expect(updates.some((u) => u.taskDefinition === TD1)).toBe(false);
    // The service's own settings go back last, and the lease is given back.
    expect(updates.at(-1)).toEqual({
      cluster: 'prod',
      service: 'web',
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
    });
    expect(sentMutating().at(-1)).toBe('UntagResourceCommand');
    expect([...tags.keys()]).toEqual([]);
    // A failed rollout records no release.
    expect(ecsMock.commandCalls(TagResourceCommand)).toHaveLength(1);

    const outputs = commandFile('GITHUB_OUTPUT');
    expect(outputs).toMatchObject({
      outcome: 'rolled-back',
      'task-definition-arn': TD2,
      'previous-task-definition-arn': TD1,
      batches: '0',
    });
    expect(outputs['failure-reason']).toMatch(/^batch 1\/2 timed out after 1s, waiting for/);
    // Written once: the runner's output file has each output one time.
    expect(readFileSync(process.env['GITHUB_OUTPUT'] ?? '', 'utf8').match(/^outcome<</gm)).toHaveLength(1);
    expect(process.exitCode).toBe(1);
    // One error annotation, setFailed's: the failure, then what became of the service.
    const failed = errorsOf();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(
      /^::error::Rollout failed and was rolled back: batch 1\/2 timed out.*%0ARollback: rolled back to web:1/,
    );

    const state = JSON.parse(commandFile('GITHUB_STATE')['rollout'] ?? '{}') as Record<string, unknown>;
    expect(state).toMatchObject({
      phase: 'finished',
      cluster: 'prod',
      service: 'web',
      region: 'us-east-1',
      previousTaskDefinitionArn: TD1,
      newTaskDefinitionArn: TD2,
      originalSettings: { maximumPercent: 200, minimumHealthyPercent: 100 },
      serviceDeploymentArn: `${ACCOUNT}:service-deployment/prod/web/3`,
    });
    expect(state['pending']).toBeUndefined();
    const phases = readFileSync(process.env['GITHUB_STATE'] ?? '', 'utf8').match(/"phase":"[a-z-]+"/g) ?? [];
    expect([...new Set(phases)]).toEqual([
      '"phase":"preflight"',
      '"phase":"rolling-out"',
      '"phase":"rolling-back"',
      '"phase":"finished"',
    ]);
  }, 20_000);
});

describe('run: mode plan', () => {
  it('reads only, sets outcome planned and writes the plan as the job summary', async () => {
    fakeService();
    inputs({
      service: 'web',
      cluster: 'prod',
      mode: 'plan',
      'task-definition': taskDefinitionFile(fileBody),
      'container-name': 'web',
      image: 'web:2',
    });
    await run();
    expect(sentMutating()).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(commandFile('GITHUB_OUTPUT')).toMatchObject({
      outcome: 'planned',
      'previous-task-definition-arn': TD1,
      batches: '0',
    });
    expect(readFileSync(process.env['GITHUB_STEP_SUMMARY'] ?? '', 'utf8')).toContain('web:2');
  });
});
