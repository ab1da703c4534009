// readSettings as a whole: defaults, every input's good and bad forms, cross-field rules, every
// problem reported at once, the token masked; and action.yml in step with what readSettings reads.
import { readFileSync } from 'node:fs';
import { afterEach, describe, it, expect, jest } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULTS,
  INPUT,
  OUTPUT,
  SettingsError,
  coreInput,
  readSettings,
  type Settings,
} from '../src/settings.js';
import { expectWith } from './helpers/expect-with.js';

type Inputs = Record<string, string>;

const BASE: Inputs = { service: 'web', 'task-definition': 'task-definition.json' };

/** A reader that answers by name, as the runner does: anything not given reads as ''. */
function reader(inputs: Inputs, seen?: Set<string>): (name: string) => string {
  return (name) => {
    seen?.add(name);
    return inputs[name] ?? '';
  };
}

function settings(inputs: Inputs, mask: (s: string) => void = () => {}): Settings {
  return readSettings(reader({ ...BASE, ...inputs }), mask);
}

/** The SettingsError readSettings throws for these inputs (BASE underneath unless `bare`). */
function problems(inputs: Inputs, bare = false): SettingsError {
  try {
    readSettings(reader(bare ? inputs : { ...BASE, ...inputs }), () => {});
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return error as SettingsError;
  }
  throw new Error(`expected a SettingsError for ${JSON.stringify(inputs)}`);
}

/** The one problem these inputs have. */
function problem(inputs: Inputs, bare = false): { input: string; message: string } {
  const error = problems(inputs, bare);
  expectWith(error.problems, error.message).toHaveLength(1);
  return error.problems[0]!;
}

describe('readSettings: defaults', () => {
  it('fills in every default action.yml declares', () => {
    expect(settings({})).toEqual({
      mode: 'deploy',
      cluster: 'default',
      service: 'web',
      taskDefinition: { kind: 'file', path: 'task-definition.json' },
      images: new Map(),
      batchSize: { kind: 'percent', value: 25 },
      maxUnavailable: { kind: 'count', value: 0 },
      batchTimeoutMs: 10 * 60_000,
      rolloutTimeoutMs: 60 * 60_000,
      healthCheckUrls: [],
      healthCheckStatus: [{ min: 200, max: 399 }],
      healthCheckThreshold: 3,
      rollbackOnFailure: true,
      waitForIdle: false,
      rollbackTo: { kind: 'previous' },
      onCancel: 'rollback',
      githubToken: '',
      report: 'check',
      checkName: 'ECS deploy default/web',
    });
  });

  it('returns a frozen object', () => {
    const s = settings({});
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.healthCheckUrls)).toBe(true);
  });

  it('trims inputs and takes a blank one as not given', () => {
    const s = settings({ cluster: '  prod  ', 'batch-size': ' 2 ', 'batch-timeout': '   ' });
    expect(s.cluster).toBe('prod');
    expect(s.batchSize).toEqual({ kind: 'count', value: 2 });
    expect(s.batchTimeoutMs).toBe(10 * 60_000);
  });
});

describe('readSettings: each input', () => {
  it.each<[Inputs, Partial<Settings>]>([
    [{ cluster: 'production' }, { cluster: 'production' }],
    [
      { cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/production' },
      { cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/production' },
    ],
    [
      { service: 'arn:aws:ecs:eu-west-1:123456789012:service/production/web' },
      { service: 'arn:aws:ecs:eu-west-1:123456789012:service/production/web' },
    ],
    [{ 'task-definition': 'web:3' }, { taskDefinition: { kind: 'registered', ref: 'web:3' } }],
    [{ 'task-definition': 'web' }, { taskDefinition: { kind: 'registered', ref: 'web' } }],
    [
      { 'task-definition': './deploy/td.json' },
      { taskDefinition: { kind: 'file', path: './deploy/td.json' } },
    ],
    [{ 'container-name': 'web', image: 'demo/web:2' }, { images: new Map([['web', 'demo/web:2']]) }],
    [
      { images: 'web=demo/web:2\nenvoy=envoy:v1.30', 'container-name': 'log', image: 'fluent:3' },
      {
        images: new Map([
          ['web', 'demo/web:2'],
          ['envoy', 'envoy:v1.30'],
          ['log', 'fluent:3'],
        ]),
      },
    ],
    [{ 'batch-size': '2' }, { batchSize: { kind: 'count', value: 2 } }],
    [{ 'batch-size': '100%' }, { batchSize: { kind: 'percent', value: 100 } }],
    [{ 'max-unavailable': '1' }, { maxUnavailable: { kind: 'count', value: 1 } }],
    [{ 'max-unavailable': '10%' }, { maxUnavailable: { kind: 'percent', value: 10 } }],
    [{ 'batch-timeout': '90s' }, { batchTimeoutMs: 90_000 }],
    [
      { 'batch-timeout': '1h30m', 'rollout-timeout': '2h' },
      { batchTimeoutMs: 5_400_000, rolloutTimeoutMs: 7_200_000 },
    ],
    [{ 'batch-timeout': '60m' }, { batchTimeoutMs: 3_600_000 }],
    [
      { 'health-check-url': 'https://example.com/health\nhttp://127.0.0.1:8080/ready' },
      { healthCheckUrls: ['https://example.com/health', 'http://127.0.0.1:8080/ready'] },
    ],
    [
      { 'health-check-url': 'https://a.example', 'health-check-status': '200,204' },
      {
        healthCheckStatus: [
          { min: 200, max: 200 },
          { min: 204, max: 204 },
        ],
      },
    ],
    [{ 'health-check-url': 'https://a.example', 'health-check-threshold': '1' }, { healthCheckThreshold: 1 }],
    [{ 'rollback-on-failure': 'false' }, { rollbackOnFailure: false }],
    [{ 'rollback-on-failure': 'TRUE' }, { rollbackOnFailure: true }],
    [{ 'wait-for-idle': 'true' }, { waitForIdle: true }],
    [{ mode: 'plan' }, { mode: 'plan' }],
    [{ 'on-cancel': 'leave' }, { onCancel: 'leave' }],
    [{ report: 'status' }, { report: 'status', checkName: 'ECS deploy default/web' }],
    [{ report: 'none' }, { report: 'none' }],
    [{ 'check-name': 'deploy web' }, { checkName: 'deploy web' }],
    [{ cluster: 'prod', service: 'api' }, { checkName: 'ECS deploy prod/api' }],
    [{ environment: 'production' }, { environment: 'production' }],
    [
      { environment: 'production', 'environment-url': 'https://web.example.com' },
      { environment: 'production', environmentUrl: 'https://web.example.com' },
    ],
    [{ 'github-token': 'ghs_abc' }, { githubToken: 'ghs_abc' }],
  ])('%j gives %j', (inputs, expected) => {
    expect(settings(inputs)).toMatchObject(expected);
  });

  it('reads rollback mode without a task definition', () => {
    const s = readSettings(reader({ service: 'web', mode: 'rollback', 'rollback-to': '41' }), () => {});
    expect(s.mode).toBe('rollback');
    expect(s.rollbackTo).toEqual({ kind: 'revision', revision: 41 });
    expect(s).not.toHaveProperty('taskDefinition');
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:40';
    expect(
      readSettings(reader({ service: 'web', mode: 'rollback', 'rollback-to': arn }), () => {}).rollbackTo,
    ).toEqual({ kind: 'arn', arn });
  });

  it.each<[Inputs, string, RegExp]>([
    [
      { cluster: 'my cluster' },
      'cluster',
      /^cluster: "my cluster" is not a cluster name or ARN; write the cluster's name/,
    ],
    [{ cluster: 'arn:aws:ecs:x' }, 'cluster', /is not a cluster name or ARN/],
    [
      { service: 'web/api' },
      'service',
      /^service: "web\/api" is not a service name or ARN; write the service's name \(e\.g\. web\)/,
    ],
    [
      { 'task-definition': 'web:0' },
      'task-definition',
      /^task-definition: "web:0" is neither a file path nor a family\[:revision\]; write a JSON file path/,
    ],
    [
      { 'task-definition': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web' },
      'task-definition',
      /is not a task definition ARN/,
    ],
    [
      { 'batch-size': '0' },
      'batch-size',
      /^batch-size: "0" is not a task count or percentage; write a whole number of tasks ≥ 1 \(e\.g\. 2\) or a percentage in 1%-100% \(e\.g\. 25%\)$/,
    ],
    [{ 'batch-size': '2x' }, 'batch-size', /^batch-size: "2x" is not a task count or percentage; write/],
    [{ 'batch-size': '150%' }, 'batch-size', /"150%" is not a task count/],
    [{ 'batch-size': '1.5' }, 'batch-size', /"1.5" is not a task count/],
    [{ 'batch-size': '6000' }, 'batch-size', /"6000" is more than 5000 tasks/],
    [
      { 'max-unavailable': '-1' },
      'max-unavailable',
      /^max-unavailable: "-1" is not a task count or percentage; write a whole number of tasks ≥ 0/,
    ],
    [{ 'max-unavailable': 'half' }, 'max-unavailable', /"half" is not a task count/],
    [
      { 'batch-timeout': '10' },
      'batch-timeout',
      /^batch-timeout: "10" has no unit; write a whole number with a unit, h, m or s/,
    ],
    [{ 'batch-timeout': '10 minutes' }, 'batch-timeout', /"10 minutes" is not a duration; write/],
    [{ 'batch-timeout': '0s' }, 'batch-timeout', /"0s" is zero/],
    [{ 'rollout-timeout': '48h' }, 'rollout-timeout', /^rollout-timeout: "48h" is longer than 24h; write/],
    [
      { 'health-check-url': 'example.com/health' },
      'health-check-url',
      /^health-check-url: has "example.com\/health", which is not a URL; write absolute http:\/\/ or https:\/\/ URLs/,
    ],
    [
      { 'health-check-url': 'https://ok.example\nftp://files.example' },
      'health-check-url',
      /"ftp:\/\/files.example", which is not http\(s\)/,
    ],
    [
      { 'health-check-url': 'https://a.example', 'health-check-status': '2xx' },
      'health-check-status',
      /^health-check-status: "2xx" has "2xx", which is not a status code or range; write status codes/,
    ],
    [
      { 'health-check-url': 'https://a.example', 'health-check-status': '399-200' },
      'health-check-status',
      /start is above its end/,
    ],
    [
      { 'health-check-url': 'https://a.example', 'health-check-threshold': '0' },
      'health-check-threshold',
      /^health-check-threshold: "0" is outside 1-100; write a whole number from 1 to 100/,
    ],
    [
      { 'health-check-url': 'https://a.example', 'health-check-threshold': 'three' },
      'health-check-threshold',
      /"three" is not a whole number/,
    ],
    [
      { 'rollback-on-failure': 'yes' },
      'rollback-on-failure',
      /^rollback-on-failure: "yes" is not a boolean; write true or false$/,
    ],
    [{ 'wait-for-idle': '1' }, 'wait-for-idle', /^wait-for-idle: "1" is not a boolean; write true or false$/],
    [
      { mode: 'apply' },
      'mode',
      /^mode: "apply" is not one of the choices; write one of: deploy, rollback, plan$/,
    ],
    [
      { 'on-cancel': 'ignore' },
      'on-cancel',
      /^on-cancel: "ignore" is not one of the choices; write one of: rollback, leave$/,
    ],
    [
      { report: 'comment' },
      'report',
      /^report: "comment" is not one of the choices; write one of: check, status, none$/,
    ],
    [
      { 'rollback-to': 'last' },
      'rollback-to',
      /^rollback-to: "last" is not previous, a revision number or a task definition ARN; write previous/,
    ],
    [
      { images: 'web demo/web:2' },
      'images',
      /^images: line 1 "web demo\/web:2" has no "="; write one `container=image` a line/,
    ],
    [
      { 'container-name': 'web app', image: 'demo/web:2' },
      'container-name',
      /^container-name: "web app" is not an ECS container name; write the name from the task definition's containerDefinitions/,
    ],
    [
      { 'container-name': 'web', image: 'demo/web :2' },
      'image',
      /^image: "demo\/web :2" is not an image reference \(image "demo\/web :2" with whitespace in it\); write an image reference without spaces/,
    ],
    [
      { environment: 'production', 'environment-url': 'web.example.com' },
      'environment-url',
      /^environment-url: has "web.example.com", which is not a URL/,
    ],
  ])('%j is refused, naming %s and the fix', (inputs, input, message) => {
    const p = problem(inputs);
    expect(p.input).toBe(input);
    expect(p.message).toMatch(message);
  });

  it('names the line at fault in a multi-line input, without quoting the whole input', () => {
    const p = problem({ images: 'web=demo/web:2\nenvoy envoy:1\nlog=fluent:3' });
    expect(p.message).toBe(
      'images: line 2 "envoy envoy:1" has no "="; write one `container=image` a line (e.g. web=123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2)',
    );
  });

  it('does not print credentials from a URL input', () => {
    const p = problem({ 'health-check-url': 'https://ok.example\nftp://user:s3cret@files.example/x' });
    expect(p.message).not.toContain('s3cret');
    expect(p.message).toContain('"ftp://***@files.example/x"');
  });

  it('takes a service ARN in either format, and not as a cluster', () => {
    for (const service of [
      'arn:aws:ecs:eu-west-1:123456789012:service/web',
      'arn:aws:ecs:eu-west-1:123456789012:service/production/web',
    ]) {
      expect(settings({ service }).service).toBe(service);
    }
    expect(problem({ cluster: 'arn:aws:ecs:eu-west-1:123456789012:service/production/web' }).input).toBe(
      'cluster',
    );
    expect(problem({ service: 'arn:aws:ecs:eu-west-1:123456789012:cluster/production' }).input).toBe(
      'service',
    );
  });

  it('asks for the service when it is missing', () => {
    expect(problem({ 'task-definition': 'web:3' }, true)).toEqual({
      input: 'service',
      message: 'service: is required; write the name of the ECS service to deploy (e.g. web)',
    });
  });
});

describe('readSettings: cross-field rules', () => {
  it.each<[string, Inputs, boolean, string, RegExp]>([
    [
      'image without container-name',
      { image: 'demo/web:2' },
      false,
      'image',
      /^image: is given without container-name; set container-name to the container whose image it is/,
    ],
    [
      'container-name without image',
      { 'container-name': 'web' },
      false,
      'container-name',
      /^container-name: is given without image; set image/,
    ],
    [
      'a container in both images and container-name',
      { images: 'web=demo/web:2', 'container-name': 'web', image: 'demo/web:3' },
      false,
      'images',
      /names container "web" which container-name also names; give each container's image once/,
    ],
    [
      'deploy mode without task-definition',
      { service: 'web' },
      true,
      'task-definition',
      /^task-definition: is required in deploy mode; write a JSON file path \(e\.g\. task-definition\.json\), a family\[:revision\] \(e\.g\. web:3\) or a task definition ARN$/,
    ],
    [
      'plan mode without task-definition',
      { service: 'web', mode: 'plan' },
      true,
      'task-definition',
      /is required in plan mode/,
    ],
    [
      'rollback mode with a task-definition',
      { mode: 'rollback' },
      false,
      'task-definition',
      /^task-definition: is not used in rollback mode, which goes back to an earlier task definition; remove it, or set mode: deploy$/,
    ],
    [
      'rollback mode with images',
      { service: 'web', mode: 'rollback', images: 'web=demo/web:2' },
      true,
      'images',
      /^images: is not used in rollback mode/,
    ],
    [
      'rollback-to outside rollback mode',
      { 'rollback-to': '41' },
      false,
      'rollback-to',
      /^rollback-to: is only used in rollback mode; remove it, or set mode: rollback$/,
    ],
    [
      'batch-timeout longer than rollout-timeout',
      { 'batch-timeout': '2h' },
      false,
      'batch-timeout',
      /^batch-timeout: 2h is longer than rollout-timeout \(1h\); write a batch-timeout no longer than rollout-timeout, or raise rollout-timeout$/,
    ],
    [
      'environment-url without environment',
      { 'environment-url': 'https://web.example.com' },
      false,
      'environment-url',
      /^environment-url: is only used with environment; set environment \(e\.g\. production\)/,
    ],
    [
      'health-check-threshold without health-check-url',
      { 'health-check-threshold': '5' },
      false,
      'health-check-threshold',
      /^health-check-threshold: is only used with health-check-url; set health-check-url \(e\.g\. https:\/\/example\.com\/health\) or remove it$/,
    ],
    [
      'health-check-status without health-check-url',
      { 'health-check-status': '200' },
      false,
      'health-check-status',
      /^health-check-status: is only used with health-check-url/,
    ],
    [
      'check-name with report none',
      { report: 'none', 'check-name': 'deploy' },
      false,
      'check-name',
      /^check-name: is not used with report: none; remove it, or set report: check$/,
    ],
  ])('%s', (_what, inputs, bare, input, message) => {
    const p = problem(inputs, bare);
    expect(p.input).toBe(input);
    expect(p.message).toMatch(message);
  });

  it('reports only the mode when it is not one, not the rules that depend on it', () => {
    const error = problems({ service: 'web', mode: 'rolback', 'rollback-to': '41' }, true);
    expect(error.problems.map((p) => p.input)).toEqual(['mode']);
  });

  it('says each image input once in rollback mode', () => {
    const error = problems({ service: 'web', mode: 'rollback', image: 'x:1', images: 'bad' }, true);
    expect(error.problems.map((p) => p.message)).toEqual([
      'image: is not used in rollback mode, which goes back to an earlier task definition; remove it, or set mode: deploy',
      'images: is not used in rollback mode, which goes back to an earlier task definition; remove it, or set mode: deploy',
    ]);
  });

  it('says both when rollback mode is given container-name and image', () => {
    const error = problems({ service: 'web', mode: 'rollback', 'container-name': 'web', image: 'x:1' }, true);
    expect(error.problems.map((p) => p.input)).toEqual(['container-name', 'image']);
  });

  it('does not compare timeouts when one of them is already wrong', () => {
    expect(problem({ 'batch-timeout': '2x', 'rollout-timeout': '1m' }).input).toBe('batch-timeout');
    expect(problem({ 'rollout-timeout': '1' }).input).toBe('rollout-timeout');
  });

  it('takes batch-timeout equal to rollout-timeout', () => {
    expect(settings({ 'batch-timeout': '30m', 'rollout-timeout': '30m' }).batchTimeoutMs).toBe(1_800_000);
  });
});

describe('readSettings: every problem at once', () => {
  it('lists each problem, one a line, in one error', () => {
    const error = problems(
      {
        mode: 'deploy',
        'batch-size': '0',
        'max-unavailable': '2x',
        'batch-timeout': '10',
        'health-check-status': 'ok',
        'health-check-url': 'https://a.example',
        'rollback-on-failure': 'maybe',
        image: 'demo/web:2',
      },
      true,
    );
    expect(error.problems.map((p) => p.input).sort()).toEqual(
      [
        'service',
        'task-definition',
        'image',
        'batch-size',
        'max-unavailable',
        'batch-timeout',
        'health-check-status',
        'rollback-on-failure',
      ].sort(),
    );
    const lines = error.message.split('\n');
    expect(lines[0]).toBe("The action's inputs have 8 problems:");
    expect(lines.slice(1)).toEqual(error.problems.map((p) => `- ${p.message}`));
    expect(error.name).toBe('SettingsError');
  });

  it('says "1 problem" for one', () => {
    expect(problems({ mode: 'x' }).message.split('\n')[0]).toBe("The action's inputs have 1 problem:");
  });
});

describe('readSettings: the GitHub token', () => {
  it('is masked before any other input is read, so the runner hides it in every later message', () => {
    const order: string[] = [];
    const read = reader({ 'github-token': 'ghs_secret', 'batch-size': 'ghs_secret' });
    let error: unknown;
    try {
      readSettings(
        (name) => {
          order.push(`read ${name}`);
          return read(name);
        },
        (secret) => order.push(`mask ${secret}`),
      );
    } catch (e) {
      error = e;
    }
    expect(order.indexOf('mask ghs_secret')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('mask ghs_secret')).toBeLessThan(
      order.findIndex((o) => o.startsWith('read ') && o !== 'read github-token'),
    );
    expect(error).toBeInstanceOf(SettingsError);
  });

  it('masks nothing when there is no token', () => {
    const mask = jest.fn();
    settings({}, mask);
    expect(mask).not.toHaveBeenCalled();
  });
});

describe('readSettings with the runner', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('reads INPUT_* variables by name through @actions/core', () => {
    process.env['INPUT_SERVICE'] = 'web';
    process.env['INPUT_TASK-DEFINITION'] = 'web:3';
    process.env['INPUT_BATCH-SIZE'] = ' 2 ';
    process.env['INPUT_HEALTH-CHECK-URL'] = 'https://a.example/health\nhttps://b.example/health';
    const s = readSettings(coreInput, () => {});
    expect(s.service).toBe('web');
    expect(s.taskDefinition).toEqual({ kind: 'registered', ref: 'web:3' });
    expect(s.batchSize).toEqual({ kind: 'count', value: 2 });
    expect(s.healthCheckUrls).toEqual(['https://a.example/health', 'https://b.example/health']);
  });
});

// ---------------------------------------------------------------------------------------------

interface ActionYml {
  inputs: Record<string, { required?: boolean; default?: string; description: string }>;
  outputs: Record<string, { description: string }>;
  runs: Record<string, string>;
  branding?: Record<string, string>;
}

const action = parseYaml(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as ActionYml;

describe('action.yml is in step with readSettings', () => {
  it('declares every input readSettings reads, and no other', () => {
    const seen = new Set<string>();
    readSettings(
      reader(
        {
          ...BASE,
          'github-token': 't',
          'container-name': 'web',
          image: 'x:1',
          images: 'envoy=e:1',
          'health-check-url': 'https://a.example',
          'check-name': 'c',
          environment: 'production',
          'environment-url': 'https://a.example',
        },
        seen,
      ),
      () => {},
    );
    expect([...seen].sort()).toEqual(Object.keys(action.inputs).sort());
    expect(Object.values(INPUT).sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it('declares the defaults readSettings applies', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      const ours = DEFAULTS[name as keyof typeof DEFAULTS];
      if (name === 'github-token') expect(input.default).toBe('${{ github.token }}');
      else if (ours !== undefined) expectWith(input.default, name).toBe(ours);
      else expectWith(input.default ?? '', name).toBe('');
    }
    expect(action.inputs['batch-size']?.default).toBe('25%');
    expect(action.inputs['cluster']?.default).toBe('default');
  });

  it('marks only service required, and says credentials are never inputs', () => {
    const required = Object.entries(action.inputs).filter(([, i]) => i.required === true);
    expect(required.map(([n]) => n)).toEqual(['service']);
    for (const name of Object.keys(action.inputs)) expect(name).not.toMatch(/aws|region|access|secret/i);
  });

  it('declares the outputs', () => {
    expect(Object.keys(action.outputs).sort()).toEqual(
      [
        'task-definition-arn',
        'previous-task-definition-arn',
        'outcome',
        'batches',
        'duration-seconds',
        'failure-reason',
      ].sort(),
    );
    expect(Object.values(OUTPUT).sort()).toEqual(Object.keys(action.outputs).sort());
    for (const outcome of ['succeeded', 'rolled-back', 'failed', 'cancelled', 'planned']) {
      expect(action.outputs['outcome']?.description).toContain(outcome);
    }
  });

  it('runs on node24 with main and an always-run post step', () => {
    expect(action.runs).toEqual({
      using: 'node24',
      main: 'dist/main/index.js',
      post: 'dist/post/index.js',
      'post-if': 'always()',
    });
    expect(action.branding).toBeDefined();
  });
});
