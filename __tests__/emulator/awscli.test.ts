// The AWS CLI (botocore: a client nobody here wrote) against the emulator, with dummy credentials
// and --endpoint-url, as a user would point it at LocalStack. Skipped where `aws` is not installed.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, createScenario } from '../../emulator/src/index.js';
import type { Emulator, ScenarioInfo } from '../../emulator/src/index.js';

function awsCliVersion(): string | undefined {
  try {
    return (
      execFileSync('aws', ['--version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      }).trim() || 'aws'
    );
  } catch {
    return undefined;
  }
}

const version = awsCliVersion();
if (!version)
  console.warn('awscli.test: SKIPPED: the `aws` CLI is not installed here (Debian package `awscli`)');

// Its own container port, so tasks of emulators in parallel test files never share an address.
const PORT = 18_082;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

(version ? describe : describe.skip)(`the AWS CLI (${version ?? 'absent'}) against the emulator`, () => {
  let emulator: Emulator | undefined;
  let scenario: ScenarioInfo;
  let home: string;

  /** `aws <args>` with dummy credentials, no user config, and the emulator as endpoint. */
  const aws = (args: string[], region = 'us-east-1'): Promise<CliResult> =>
    new Promise((resolve) => {
      const env = {
        PATH: process.env['PATH'] ?? '',
        HOME: home,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: region,
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_PAGER: '',
      };
      execFile(
        'aws',
        ['--endpoint-url', emulator?.endpoint ?? '', '--output', 'json', ...args],
        { env, timeout: 60_000, encoding: 'utf8' },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  const awsJson = async <T>(args: string[], region?: string): Promise<T> => {
    const result = await aws(args, region);
    if (result.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'awscli-home-'));
    emulator = await startEmulator({ taskRuntime: 'in-process', timeScale: 0.05 });
    scenario = await createScenario(emulator.endpoint, {
      cluster: 'awscli',
      service: 'web',
      desiredCount: 2,
      taskDefinition: {
        family: 'awscli-web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          { name: 'web', image: 'demo/web:1', essential: true, portMappings: [{ containerPort: PORT }] },
        ],
      },
      deregistrationDelaySeconds: 5,
      waitForSteadyState: true,
      waitTimeoutMs: 30_000,
    });
    emulator.clearCalls();
  });

  afterAll(async () => {
    await emulator?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('ecs describe-clusters and describe-services: the scenario as the CLI parses it', async () => {
    const clusters = await awsJson<{
      clusters: { clusterName: string; clusterArn: string; status: string }[];
      failures: unknown[];
    }>(['ecs', 'describe-clusters', '--clusters', 'awscli']);
    expect(clusters.clusters).toEqual([
      expect.objectContaining({ clusterName: 'awscli', clusterArn: scenario.clusterArn, status: 'ACTIVE' }),
    ]);

    const services = await awsJson<{
      services: {
        serviceName: string;
        runningCount: number;
        desiredCount: number;
        deployments: { status: string; rolloutState?: string }[];
      }[];
    }>(['ecs', 'describe-services', '--cluster', 'awscli', '--services', 'web']);
    const [service] = services.services;
    expect(service).toMatchObject({ serviceName: 'web', desiredCount: 2, runningCount: 2 });
    expect(service?.deployments.map((d) => [d.status, d.rolloutState])).toEqual([['PRIMARY', 'COMPLETED']]);

    // The CLI's calls land in the call log like any client's.
    expect(emulator?.calls().map((c) => `${c.service}:${c.operation}:${c.status}`)).toEqual([
      'ecs:DescribeClusters:200',
      'ecs:DescribeServices:200',
    ]);
  });

  it('ecs list-tasks and describe-tasks: RUNNING tasks with their awsvpc private address', async () => {
    const { taskArns } = await awsJson<{ taskArns: string[] }>([
      'ecs',
      'list-tasks',
      '--cluster',
      'awscli',
      '--service-name',
      'web',
    ]);
    expect(taskArns).toHaveLength(2);
    const { tasks } = await awsJson<{
      tasks: { lastStatus: string; attachments: { details: { name: string; value: string }[] }[] }[];
    }>(['ecs', 'describe-tasks', '--cluster', 'awscli', '--tasks', ...taskArns]);
    expect(tasks.map((t) => t.lastStatus)).toEqual(['RUNNING', 'RUNNING']);
    for (const task of tasks) {
      const ip = task.attachments
        .flatMap((a) => a.details)
        .find((d) => d.name === 'privateIPv4Address')?.value;
      expect(ip).toMatch(/^127\.\d+\.\d+\.\d+$/);
    }
  });

  it('ecs list-service-deployments, describe-service-deployments and describe-service-revisions', async () => {
    const { serviceDeployments } = await awsJson<{
      serviceDeployments: {
        serviceDeploymentArn: string;
        status: string;
        targetServiceRevisionArn: string;
      }[];
    }>([
      'ecs',
      'list-service-deployments',
      '--cluster',
      'awscli',
      '--service',
      'web',
      '--status',
      'SUCCESSFUL',
    ]);
    expect(serviceDeployments.map((d) => d.status)).toEqual(['SUCCESSFUL']);
    const [deployment] = serviceDeployments;
    const described = await awsJson<{
      serviceDeployments: { targetServiceRevision: { runningTaskCount: number }; finishedAt: string }[];
    }>([
      'ecs',
      'describe-service-deployments',
      '--service-deployment-arns',
      deployment!.serviceDeploymentArn,
    ]);
    expect(described.serviceDeployments[0]!.targetServiceRevision.runningTaskCount).toBe(2);
    const revisions = await awsJson<{ serviceRevisions: { taskDefinition: string }[] }>([
      'ecs',
      'describe-service-revisions',
      '--service-revision-arns',
      deployment!.targetServiceRevisionArn,
    ]);
    expect(revisions.serviceRevisions[0]!.taskDefinition).toMatch(/:task-definition\/awscli-web:1$/);
  });

  it('elbv2 describe-target-groups and describe-target-health: both tasks healthy', async () => {
    const groups = await awsJson<{
      TargetGroups: { TargetGroupArn: string; TargetType: string; HealthCheckPath: string }[];
    }>(['elbv2', 'describe-target-groups', '--names', 'web']);
    expect(groups.TargetGroups).toEqual([
      expect.objectContaining({
        TargetGroupArn: scenario.targetGroupArns[0],
        TargetType: 'ip',
        HealthCheckPath: '/health',
      }),
    ]);
    const health = await awsJson<{
      TargetHealthDescriptions: { Target: { Port: number }; TargetHealth: { State: string } }[];
    }>(['elbv2', 'describe-target-health', '--target-group-arn', scenario.targetGroupArns[0] as string]);
    expect(health.TargetHealthDescriptions.map((d) => [d.Target.Port, d.TargetHealth.State])).toEqual([
      [PORT, 'healthy'],
      [PORT, 'healthy'],
    ]);
  });

  it('errors reach the CLI with the codes AWS uses, for both protocols', async () => {
    const ecsError = await aws([
      'ecs',
      'describe-services',
      '--cluster',
      'no-such-cluster',
      '--services',
      'web',
    ]);
    expect(ecsError.code).not.toBe(0);
    expect(ecsError.stderr).toContain(
      '(ClusterNotFoundException) when calling the DescribeServices operation',
    );

    const missingArn = scenario.targetGroupArns[0]?.replace(/\/[0-9a-f]+$/, '/0123456789abcdef') as string;
    const elbError = await aws(['elbv2', 'describe-target-health', '--target-group-arn', missingArn]);
    expect(elbError.code).not.toBe(0);
    expect(elbError.stderr).toContain(
      '(TargetGroupNotFound) when calling the DescribeTargetHealth operation',
    );
  });

  it('mutating calls: register-task-definition from a JSON file, then update-service; the region comes from the signature', async () => {
    const file = join(home, 'taskdef.json');
    writeFileSync(
      file,
      JSON.stringify({
        family: 'awscli-web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          { name: 'web', image: 'demo/web:2', essential: true, portMappings: [{ containerPort: PORT }] },
        ],
      }),
    );
    const registered = await awsJson<{ taskDefinition: { taskDefinitionArn: string; revision: number } }>([
      'ecs',
      'register-task-definition',
      '--cli-input-json',
      `file://${file}`,
    ]);
    expect(registered.taskDefinition.revision).toBe(2);
    const updated = await awsJson<{ service: { taskDefinition: string; deployments: { status: string }[] } }>(
      [
        'ecs',
        'update-service',
        '--cluster',
        'awscli',
        '--service',
        'web',
        '--task-definition',
        registered.taskDefinition.taskDefinitionArn,
      ],
    );
    expect(updated.service.taskDefinition).toBe(registered.taskDefinition.taskDefinitionArn);
    expect(updated.service.deployments[0]?.status).toBe('PRIMARY');

    // botocore signs for the region it is given; the emulator answers with ARNs in that region.
    const created = await awsJson<{ cluster: { clusterArn: string } }>(
      ['ecs', 'create-cluster', '--cluster-name', 'elsewhere'],
      'eu-west-1',
    );
    expect(created.cluster.clusterArn).toBe('arn:aws:ecs:eu-west-1:000000000000:cluster/elsewhere');
  });
});
