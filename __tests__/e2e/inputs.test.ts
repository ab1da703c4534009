// Inputs as a runner gives them: every default action.yml declares is set (INPUT_*), whether the
// step names the input or not. A step naming only what it must rolls out; a task definition file
// AWS would refuse is refused before AWS sees it, with nothing changed; a relative path is a file
// of the workspace (GITHUB_WORKSPACE); a service ARN of another cluster than `cluster` is an input
// error naming both.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { ActionRun } from '../../tools/run-action.js';
import { expectWith } from '../helpers/expect-with.js';
import {
  CONTAINER,
  deploy,
  describeRun,
  errorAnnotations,
  mutatingCalls,
  startHarness,
  taskDefinition,
} from './helpers.js';
import type { Harness } from './helpers.js';
import { expectOutcome, expectServiceOn } from './safety-helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ desiredCount: 2 });
});
afterAll(async () => {
  await h?.stop();
});

/** Writes a task definition file into the workspace; returns its path relative to it. */
function workspaceFile(name: string, content: string): string {
  writeFileSync(join(h.dir, name), content);
  return name;
}

/** A refused run: exit 1, outcome failed, an error annotation matching every pattern. */
function expectInputError(run: ActionRun, ...patterns: RegExp[]): void {
  expectOutcome(run, 1, 'failed');
  const errors = errorAnnotations(run).join('\n');
  for (const pattern of patterns) expectWith(errors, describeRun(run)).toMatch(pattern);
}

describe('a step that names only what it must', () => {
  it('rolls out with every other input at its action.yml default (health-check-status is not refused without health-check-url)', async () => {
    // Only these: no batch-size, no timeouts, no report (the runner's defaults: check, the job's token).
    const run = await deploy(h, {
      cluster: h.info.cluster,
      service: h.info.service,
      'task-definition': 'task-definition.json',
      'container-name': CONTAINER,
      image: 'public.ecr.aws/demo/web:2',
    });
    // The runner set the defaults the step did not name.
    expect(run.env['INPUT_HEALTH-CHECK-STATUS']).toBe('200-399');
    expect(run.env['INPUT_BATCH-SIZE']).toBe('10%, 100%');
    expect(run.env['INPUT_HEALTH-CHECK-URL']).toBeUndefined();
    expectOutcome(run, 0, 'succeeded');
    expectWith(run.stdout, describeRun(run)).not.toMatch(/health-check-status/);
    // The default schedule 10%, 100% on 2 tasks: 10% rounds up to one task, then the other one.
    expect(run.outputs['batches']).toBe('2');
    await expectServiceOn(h, run.outputs['task-definition-arn'] ?? '', 2, describeRun(run));
  });
});

describe('a task definition file AWS would refuse is refused before AWS sees it', () => {
  const definition = taskDefinition('public.ecr.aws/demo/web:1');
  const [web] = definition.containerDefinitions ?? [];
  const files: [string, string, RegExp][] = [
    [
      'duplicate container names',
      JSON.stringify({ ...definition, containerDefinitions: [web, { ...web, portMappings: [] }] }),
      /names container "web" twice/,
    ],
    [
      'a container with an empty image',
      JSON.stringify({
        ...definition,
        containerDefinitions: [web, { name: 'sidecar', image: '', essential: false }],
      }),
      /container "sidecar" has no image/,
    ],
    [
      'no essential container',
      JSON.stringify({ ...definition, containerDefinitions: [{ ...web, essential: false }] }),
      /has no essential container/,
    ],
    [
      'a file larger than 1 MiB',
      JSON.stringify({ ...definition, padding: 'x'.repeat(1024 * 1024) }),
      /larger than 1024 KiB/,
    ],
  ];

  it.each(files)('%s: an input error naming the file, and no call to AWS', async (what, content, reason) => {
    const name = workspaceFile(`${what.replace(/\W+/g, '-')}.json`, content);
    h.emulator.clearCalls();
    const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:2', 'task-definition': name }));
    expectInputError(run, /task-definition/, new RegExp(name.replace(/[.]/g, '\\.')), reason);
    const calls = h.emulator.calls();
    expectWith(mutatingCalls(calls), describeRun(run)).toEqual([]);
    expectWith(
      calls.map((c) => c.operation),
      describeRun(run),
    ).toEqual([]);
  });
});

describe('where files and services are', () => {
  it('a relative task-definition path is a file of GITHUB_WORKSPACE, wherever the process runs', async () => {
    mkdirSync(join(h.dir, 'deploy'), { recursive: true });
    writeFileSync(
      join(h.dir, 'deploy', 'web.json'),
      JSON.stringify(taskDefinition('public.ecr.aws/demo/web:from-workspace')),
    );
    // The working directory holds a file of the same name that is not a task definition at all.
    const elsewhere = mkdtempSync(join(h.dir, 'cwd-'));
    mkdirSync(join(elsewhere, 'deploy'));
    writeFileSync(join(elsewhere, 'deploy', 'web.json'), 'not json');
    h.emulator.clearCalls();
    const run = await deploy(
      h,
      h.inputs({ mode: 'plan', 'task-definition': 'deploy/web.json', 'container-name': '' }),
      { workspace: elsewhere, env: { GITHUB_WORKSPACE: h.dir } },
    );
    expectOutcome(run, 0, 'planned');
    // The plan is of the workspace's file (the other one is not even JSON).
    expectWith(run.summary, describeRun(run)).toContain('public.ecr.aws/demo/web:from-workspace');
    expect(mutatingCalls(h.emulator.calls())).toEqual([]);
  });

  it('a service ARN of another cluster than `cluster`: an input error naming both, before any call', async () => {
    h.emulator.clearCalls();
    const arn = `arn:aws:ecs:${h.info.region}:000000000000:service/other-cluster/${h.info.service}`;
    const run = await deploy(h, h.inputs({ image: 'public.ecr.aws/demo/web:3', service: arn }));
    expectInputError(run, /service: is a service of cluster "other-cluster", but cluster is "e2e"/);
    expect(h.emulator.calls()).toEqual([]);
  });
});
