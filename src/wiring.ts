// The one wiring module: what main and post build before any flow runs — the channels (every one
// redacting), the AWS clients and a service's drivers, the GitHub reporter, the run's identity and
// the step's session. main.ts, main-many.ts and post.ts call these; the flows in modes/ get what
// they build and never build it themselves.
import * as core from '@actions/core';
import { randomBytes } from 'node:crypto';
import { createChannels, type Channels } from './channels.js';
import { realClock } from './clock.js';
import { createAwsClients, type AwsClients } from './platform/aws.js';
import { createEcsServiceDriver } from './platform/ecs-service.js';
import { createOneOffTaskDriver } from './platform/one-off-task.js';
import type { OneOffTaskDriver } from './pre-deploy-plan.js';
import {
  createGithubReporter,
  reportIds,
  reportsToGithub,
  type GithubReporter,
  type ReporterSettings,
} from './report/github.js';
import { createOctokit, readGithubContext } from './report/github-client.js';
import { ServiceGuard } from './rollout/guard.js';
import { runIdentity, type RunIdentity } from './rollout/lease.js';
import type { ServiceDriver } from './rollout/port.js';
import { Session } from './rollout/session.js';
import type { Heartbeat } from './rollout/watch.js';
import { Redactor } from './secrets.js';
import type { Settings } from './settings.js';

/** The step's output channels, all through one redactor that also masks in the runner's log. */
export function openChannels(): { redactor: Redactor; out: Channels } {
  const redactor = new Redactor((secret) => core.setSecret(secret));
  return { redactor, out: createChannels(redactor) };
}

/** The AWS clients; in the post step, in the region main saved when the environment names none. */
export function awsClients(savedRegion?: string): AwsClients {
  const env =
    savedRegion && !process.env['AWS_REGION'] ? { ...process.env, AWS_REGION: savedRegion } : process.env;
  return createAwsClients(env);
}

/** One service's driver; `alarms` when the alarm gate reads CloudWatch. */
export function serviceDriver(
  clients: AwsClients,
  cluster: string,
  service: string,
  alarms?: { names: readonly string[]; useServiceAlarms: boolean },
): ReturnType<typeof createEcsServiceDriver> {
  return createEcsServiceDriver({
    ecs: clients.ecs,
    elbv2: clients.elbv2,
    cluster,
    service,
    ...(alarms ? { alarms: { cloudwatch: clients.cloudwatch, ...alarms } } : {}),
  });
}

/** The post step's drivers for a service main saved: built only when the service must be touched. */
export function postServiceClients(): {
  driver: (s: { cluster: string; service: string; region?: string }) => ServiceDriver;
  oneOffTasks: (s: { cluster: string; service: string; region?: string }) => OneOffTaskDriver;
} {
  return {
    driver: (s) => serviceDriver(awsClients(s.region), s.cluster, s.service),
    oneOffTasks: (s) =>
      createOneOffTaskDriver(awsClients(s.region).ecs, { cluster: s.cluster, service: s.service }),
  };
}

/** main's reporter (a check run, a deployment), when asked for and there is a token and a repository. */
export function mainReporter(
  settings: Settings,
  out: Channels,
  reported: ReporterSettings = settings,
): GithubReporter | undefined {
  if (!reportsToGithub(settings)) return undefined;
  const context = readGithubContext();
  if (!settings.githubToken || !context.owner) return undefined;
  return createGithubReporter({
    octokit: createOctokit(settings.githubToken, context.apiUrl),
    context,
    settings: reported,
    log: out,
    redact: out.redact,
  });
}

/** The post step's reporter: it resumes main's check run and deployment. */
export function postReporter(
  token: string,
  settings: ReporterSettings,
  out: Channels,
  resume: { checkRunId?: number; deploymentId?: number },
): GithubReporter | undefined {
  if (!token || !reportsToGithub(settings)) return undefined;
  return createGithubReporter({
    octokit: createOctokit(token),
    context: readGithubContext(),
    settings,
    log: out,
    redact: out.redact,
    resume: reportIds(resume),
  });
}

/** This run, as its lease names it. */
export function newIdentity(): RunIdentity {
  return runIdentity(process.env, randomBytes(6).toString('hex'));
}

/** main's session for one service: its driver, its lease under this run's identity, its heartbeat. */
export function mainSession(driver: ServiceDriver, identity: RunIdentity, heartbeat: Heartbeat): Session {
  return new Session({
    driver,
    clock: realClock,
    guard: new ServiceGuard({ driver, clock: realClock, identity }),
    heartbeat,
  });
}

/** The post step can be cancelled too: the signal stops its waits, with the settings still put back. */
export function untilSignalled(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
