// Every example workflow parses, uses only inputs action.yml declares, and is a valid configuration
// of the action (readSettings accepts it, with the workflow expressions filled in).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { readSettings } from '../src/settings.js';
import { expectWith } from './helpers/expect-with.js';

const root = join(import.meta.dirname, '..');
const examplesDir = join(root, 'examples');

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  steps?: Step[];
  permissions?: Record<string, string>;
  concurrency?: unknown;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}

const actionYml = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { required?: boolean }>;
};
const inputs = new Set(Object.keys(actionYml.inputs));
const files = readdirSync(examplesDir).filter((f) => /\.ya?ml$/.test(f));
const workflows = new Map(
  files.map((f) => [f, parse(readFileSync(join(examplesDir, f), 'utf8')) as Workflow]),
);

/** A step that runs this action, whatever owner or ref the example names. */
const ours = (step: Step): boolean => /(^|\/)ecs-rolling-deploy@/.test(step.uses ?? '') || step.uses === './';
const ourSteps = (wf: Workflow): Step[] =>
  Object.values(wf.jobs).flatMap((j) => (j.steps ?? []).filter(ours));
const allSteps = (wf: Workflow): Step[] => Object.values(wf.jobs).flatMap((j) => j.steps ?? []);

/** `${{ inputs.x }}` becomes the dispatch input's default; any other expression a plain sample. */
function fill(value: unknown, wf: Workflow): string {
  const dispatch = wf.on['workflow_dispatch'] as
    { inputs?: Record<string, { default?: unknown }> } | undefined;
  return String(value).replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expr);
    if (input?.[1]) return String(dispatch?.inputs?.[input[1]]?.default ?? '');
    return 'sample1';
  });
}

describe('examples', () => {
  it('has the three workflows the README points to', () => {
    expect(files.sort()).toEqual(['deploy-pr-staging.yml', 'deploy.yml', 'rollback.yml']);
  });

  for (const [file, wf] of workflows) {
    describe(file, () => {
      it('runs this action and gives it only inputs that action.yml declares, and every required one', () => {
        const steps = ourSteps(wf);
        expect(steps.length).toBeGreaterThan(0);
        for (const step of steps) {
          const keys = Object.keys(step.with ?? {});
          expectWith(
            keys.filter((k) => !inputs.has(k)),
            `${file}: unknown inputs`,
          ).toEqual([]);
          const required = Object.entries(actionYml.inputs)
            .filter(([, d]) => d.required)
            .map(([k]) => k);
          expectWith(
            required.filter((k) => !keys.includes(k)),
            `${file}: missing required inputs`,
          ).toEqual([]);
        }
      });

      it('is a valid configuration of the action', () => {
        for (const step of ourSteps(wf)) {
          const given = step.with ?? {};
          const read = (name: string): string => (name in given ? fill(given[name], wf) : '');
          expect(() => readSettings(read, () => undefined)).not.toThrow();
        }
      });

      it('gets AWS credentials through OIDC, never long-lived keys', () => {
        const aws = allSteps(wf).filter((s) =>
          (s.uses ?? '').startsWith('aws-actions/configure-aws-credentials@'),
        );
        expect(aws.length).toBeGreaterThan(0);
        for (const step of aws) {
          expect(step.with?.['role-to-assume']).toBeTruthy();
          expect(step.with).not.toHaveProperty('aws-access-key-id');
        }
        expect(wf.permissions?.['id-token']).toBe('write');
      });
    });
  }

  it('deploy.yml deploys on push to main with the permissions and a concurrency group per service', () => {
    const wf = workflows.get('deploy.yml');
    expect(wf?.on).toHaveProperty('push');
    expect(wf?.permissions).toEqual({
      'id-token': 'write',
      contents: 'read',
      checks: 'write',
      statuses: 'write',
      deployments: 'write',
    });
    expect(wf?.concurrency?.group).toMatch(/web/);
    expect(wf?.concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('deploy-pr-staging.yml deploys pull requests to staging with checks: write, skipping forks', () => {
    const wf = workflows.get('deploy-pr-staging.yml');
    expect(wf?.on).toHaveProperty('pull_request');
    expect(wf?.permissions?.['checks']).toBe('write');
    const staging = ourSteps(wf as Workflow).find((s) => s.with?.['environment'] === 'staging');
    expect(staging?.with?.['cluster']).toBe('staging');
    expect(JSON.stringify(wf?.jobs)).toContain(
      'github.event.pull_request.head.repo.full_name == github.repository',
    );
    expect(ourSteps(wf as Workflow).some((s) => s.with?.['mode'] === 'plan')).toBe(true);
  });

  it('rollback.yml rolls back by workflow_dispatch, environment a choice, rollback-to defaulting to previous', () => {
    const wf = workflows.get('rollback.yml');
    const dispatch = wf?.on['workflow_dispatch'] as {
      inputs: Record<string, { type?: string; default?: string; options?: string[] }>;
    };
    expect(dispatch.inputs['environment']?.type).toBe('choice');
    expect(dispatch.inputs['environment']?.options).toContain('production');
    expect(dispatch.inputs['rollback-to']?.default).toBe('previous');
    const step = ourSteps(wf as Workflow)[0];
    expect(step?.with?.['mode']).toBe('rollback');
    expect(step?.with?.['rollback-to']).toBe('${{ inputs.rollback-to }}');
  });
});
