// No secret in any channel. A health-check-url and an environment-url that carry credentials (user,
// password, a token in the query), with every kind of GitHub report on against a local GitHub API,
// and a rollout that fails its HTTP check, so the failure reason quotes the URL everywhere the
// action writes: the log, the outputs, the job summary, the saved state, the post step, and every
// request body GitHub received (check run title, summary, text and annotations; commit status;
// deployment and deployment statuses). None may carry a secret; the log may carry `***`, and the
// secrets are handed to the runner to mask (`::add-mask::`), the one place they must appear.
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, expect } from '@jest/globals';
import type { ActionRun } from '../../tools/run-action.js';
import { githubEnv, startFakeGithub } from '../helpers/fake-github.js';
import { expectWith } from '../helpers/expect-with.js';
import { deploy, describeRun, runPost, startHarness } from './helpers.js';
import { expectOutcome, expectServiceOn, waitForIdle } from './safety-helpers.js';

const USER = 'deployer';
const PASSWORD = 's3cr3t-Pa55';
const TOKEN = 't0k3n-Xyz9';
const ENV_PASSWORD = 'envPa55-w0rd';
const ENV_KEY = 'k3yS3cret-77';
const GITHUB_TOKEN = 'ghs_E2eSecretsToken000000000000000000';
const SECRETS = [USER, PASSWORD, TOKEN, ENV_PASSWORD, ENV_KEY, GITHUB_TOKEN];

/** Every text the action wrote for people, except what the runner consumes to mask (add-mask). */
function channels(main: ActionRun, post: ActionRun): Record<string, string> {
  const log = (run: ActionRun): string =>
    run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
  return {
    'main log': log(main),
    'main stderr': main.stderr,
    'main outputs': JSON.stringify(main.outputs),
    'main job summary': main.summary,
    'main saved state': JSON.stringify(main.state),
    'post log': log(post),
    'post stderr': post.stderr,
    'post job summary': post.summary,
  };
}

function leaks(texts: Record<string, string>): string[] {
  return Object.entries(texts).flatMap(([where, text]) =>
    SECRETS.filter((secret) => text.includes(secret)).map((secret) => `${secret} in ${where}`),
  );
}

describe('secrets in inputs', () => {
  it('reach no channel: log, outputs, job summary, saved state, check run, commit status, deployment status', async () => {
    const h = await startHarness({ desiredCount: 2 });
    const gh = await startFakeGithub();
    // The user's own smoke-test endpoint, behind credentials, answering 503: the HTTP gate fails.
    const seen: IncomingMessage[] = [];
    const endpoint = createServer((req, res) => {
      seen.push(req);
      res.writeHead(503).end('down');
    });
    await new Promise<void>((ready) => endpoint.listen(0, '127.0.0.1', ready));
    try {
      const { port } = endpoint.address() as AddressInfo;
      const healthUrl = `http://${USER}:${PASSWORD}@127.0.0.1:${port}/health?token=${TOKEN}`;
      const environmentUrl = `https://ops:${ENV_PASSWORD}@shop.example.com/status?key=${ENV_KEY}`;
      const env = githubEnv('pull_request', gh.url);
      const common = {
        'health-check-url': healthUrl,
        'health-check-threshold': '1',
        'github-token': GITHUB_TOKEN,
        environment: 'production',
        'environment-url': environmentUrl,
      };

      for (const report of ['check', 'status'] as const) {
        await waitForIdle(h, 2);
        const before = gh.requests.length;
        const inputs = h.inputs({ ...common, report, image: `public.ecr.aws/demo/web:${report}` });
        const main = await deploy(h, inputs, { env });
        const post = await runPost(h, inputs, main.state, env);
        const context = `report: ${report}\n${describeRun(main)}`;

        // A real failure of the HTTP gate, quoting the URL in its safe form.
        expectOutcome(main, 1, 'rolled-back');
        const reason = main.outputs['failure-reason'] ?? '';
        expectWith(reason, context).toContain(`http://***@127.0.0.1:${port}/health?***`);
        expectWith(main.stdout, context).toContain('***');
        // The secrets were used (the check sent them) and handed to the runner to mask.
        expectWith(seen.length, context).toBeGreaterThan(0);
        expect(seen.at(-1)?.url).toBe(`/health?token=${TOKEN}`);
        for (const secret of [USER, PASSWORD, TOKEN, ENV_PASSWORD, ENV_KEY, GITHUB_TOKEN])
          expectWith(main.stdout, context).toContain(`::add-mask::${secret}`);

        // GitHub heard about it through the report asked for, and the deployment.
        const sent = gh.requests.slice(before);
        const paths = sent.map((r) => `${r.method} ${r.path}`);
        if (report === 'check') {
          const updates = sent.filter((r) => r.method === 'PATCH' && /\/check-runs\/\d+$/.test(r.path));
          const output = JSON.stringify(updates.at(-1)?.body['output'] ?? {});
          expectWith(output, JSON.stringify(paths)).toContain(`127.0.0.1:${port}/health`);
          expectWith(output, JSON.stringify(paths)).toMatch(/annotations/);
        } else {
          expectWith(
            sent.filter((r) => r.method === 'POST' && /\/statuses\/[0-9a-f]{40}$/.test(r.path)).length,
            JSON.stringify(paths),
          ).toBeGreaterThan(0);
        }
        expectWith(
          sent.filter((r) => /\/deployments\/\d+\/statuses$/.test(r.path)).length,
          JSON.stringify(paths),
        ).toBeGreaterThan(0);

        const texts = {
          ...channels(main, post),
          ...Object.fromEntries(
            sent.map((r, i) => [`GitHub request ${i + 1} (${r.method} ${r.path})`, JSON.stringify(r.body)]),
          ),
        };
        expectWith(leaks(texts), context).toEqual([]);
        await expectServiceOn(h, h.info.taskDefinitionArn, 2, context);
      }
    } finally {
      endpoint.closeAllConnections();
      await new Promise((closed) => endpoint.close(closed));
      await gh.close();
      await h.stop();
    }
  });
});
