// readSettings as a whole: defaults, every input's good and bad forms, cross-field rules, every
// problem reported at once, the token masked; and action.yml in step with what readSettings reads.
import { readFileSync } from 'node:fs';
import { afterEach, describe, it, expect, jest } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { SettingsError, coreInput, readSettings, type Settings } from '../src/settings.js';
import { RUNNER_TOKEN, actionInputs, inputVariable, runnerInputs } from '../tools/run-action.js';
import { expectWith } from './helpers/expect-with.js';
import { DEFAULTS, INPUT, OUTPUT } from '../src/settings/inputs.js';

type Inputs = Record<string, string>;

const BASE: Inputs = { service: 'web', 'task-definition': 'task-definition.json' };
/** The workspace readSettings resolves task definition paths against (GITHUB_WORKSPACE on a runner). */
const WORKSPACE = '/home/runner/work/web/web';

/** A reader that answers by name, as the runner does: anything not given reads as ''. */
function reader(inputs: Inputs, seen?: Set<string>): (name: string) => string {
  return (name) => {
    seen?.add(name);
    return inputs[name] ?? '';
  };
}

function settings(inputs: Inputs, mask: (s: string) => void = () => {}): Settings {
  return readSettings(reader({ ...BASE, ...inputs }), mask, WORKSPACE);
}

/**
 * A reader over the INPUT_* variables a runner sets for a step with this `with:`: every input
 * action.yml declares with a default is set, named or not (tools/run-action.ts).
 */
function runnerReader(withInputs: Inputs): (name: string) => string {
  const env = runnerInputs(withInputs);
  return (name) => env[inputVariable(name)] ?? '';
}

/** The SettingsError readSettings throws for these inputs (BASE underneath unless `bare`). */
function problems(inputs: Inputs, bare = false): SettingsError {
  try {
    readSettings(reader(bare ? inputs : { ...BASE, ...inputs }), () => {}, WORKSPACE);
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
      services: [
        { service: 'web', taskDefinition: { kind: 'file', path: `${WORKSPACE}/task-definition.json` } },
      ],
      onPartialFailure: 'rollback-all',
      taskDefinition: { kind: 'file', path: `${WORKSPACE}/task-definition.json` },
      images: new Map(),
      batchSize: { kind: 'percent', value: 10 },
      batchSchedule: [
        { kind: 'percent', value: 10 },
        { kind: 'percent', value: 100 },
      ],
      maxUnavailable: { kind: 'count', value: 0 },
      batchTimeoutMs: 10 * 60_000,
      rolloutTimeoutMs: 60 * 60_000,
      healthCheckUrls: [],
      healthCheckStatus: [{ min: 200, max: 399 }],
      healthCheckThreshold: 3,
      bakeTimeMs: 0,
      drainOverlap: true,
      rollbackOnFailure: true,
      waitForIdle: false,
      rollbackTo: { kind: 'previous' },
      onCancel: 'rollback',
      githubToken: '',
      report: 'check',
      checkName: 'ECS deploy default/web',
      alarms: [],
      useServiceAlarms: true,
      ignoreAlarmsAtStart: false,
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
      { taskDefinition: { kind: 'file', path: `${WORKSPACE}/deploy/td.json` } },
    ],
    [
      { 'task-definition': 'deploy/../td.json' },
      { taskDefinition: { kind: 'file', path: `${WORKSPACE}/td.json` } },
    ],
    [
      { 'task-definition': '/etc/ecs/td.json' },
      { taskDefinition: { kind: 'file', path: '/etc/ecs/td.json' } },
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
    [
      { 'batch-size': '2' },
      { batchSize: { kind: 'count', value: 2 }, batchSchedule: [{ kind: 'count', value: 2 }] },
    ],
    [
      { 'batch-size': '1, 25%, 50%' },
      {
        batchSize: { kind: 'count', value: 1 },
        batchSchedule: [
          { kind: 'count', value: 1 },
          { kind: 'percent', value: 25 },
          { kind: 'percent', value: 50 },
        ],
      },
    ],
    [
      { 'batch-size': '1,50%' },
      {
        batchSchedule: [
          { kind: 'count', value: 1 },
          { kind: 'percent', value: 50 },
        ],
      },
    ],
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
    [{ 'bake-time': '0s' }, { bakeTimeMs: 0 }],
    [{ 'bake-time': '2m30s' }, { bakeTimeMs: 150_000 }],
    [{ 'bake-time': '9m59s' }, { bakeTimeMs: 599_000 }],
    [{ 'drain-overlap': 'false' }, { drainOverlap: false }],
    [{ 'drain-overlap': 'True' }, { drainOverlap: true }],
  ])('%j gives %j', (inputs, expected) => {
    expect(settings(inputs)).toMatchObject(expected);
  });

  it('reads rollback mode without a task definition', () => {
    const s = readSettings(
      reader({ service: 'web', mode: 'rollback', 'rollback-to': '41' }),
      () => {},
      WORKSPACE,
    );
    expect(s.mode).toBe('rollback');
    expect(s.rollbackTo).toEqual({ kind: 'revision', revision: 41 });
    expect(s).not.toHaveProperty('taskDefinition');
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:40';
    expect(
      readSettings(reader({ service: 'web', mode: 'rollback', 'rollback-to': arn }), () => {}, WORKSPACE)
        .rollbackTo,
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
      { 'batch-size': '1, 25%, 150%' },
      'batch-size',
      /^batch-size: "1, 25%, 150%" step 3 \("150%"\) is not a task count or percentage; write a batch size \(e\.g\. 2 or 25%\) or a schedule of sizes separated by commas, the last repeating \(e\.g\. 1, 25%, 50%\)$/,
    ],
    [
      { 'batch-size': '1, , 50%' },
      'batch-size',
      /^batch-size: "1, , 50%" step 2 is empty; write a batch size/,
    ],
    [{ 'batch-size': '1, 0' }, 'batch-size', /step 2 \("0"\) is not a task count or percentage/],
    [{ 'batch-size': '1; 50%' }, 'batch-size', /"1; 50%" is not a task count or percentage/],
    [{ 'batch-size': '1, 25%,' }, 'batch-size', /step 3 is empty/],
    [
      { 'batch-size': Array.from({ length: 21 }, () => '1').join(',') },
      'batch-size',
      /has 21 steps, more than 20/,
    ],
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
    [
      { 'bake-time': '30' },
      'bake-time',
      /^bake-time: "30" has no unit; write a whole number with a unit, h, m or s/,
    ],
    [{ 'bake-time': '0' }, 'bake-time', /^bake-time: "0" has no unit/],
    [{ 'bake-time': 'soon' }, 'bake-time', /^bake-time: "soon" is not a duration/],
    [
      { 'drain-overlap': 'yes' },
      'drain-overlap',
      /^drain-overlap: "yes" is not a boolean; write true or false$/,
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
      'bake-time longer than batch-timeout',
      { 'bake-time': '11m' },
      false,
      'bake-time',
      /^bake-time: 11m is not shorter than batch-timeout \(10m\), which includes it, so no batch could pass; write a shorter bake-time, or raise batch-timeout$/,
    ],
    [
      // The batch timeout counts from the release; the bake time starts once the batch is healthy.
      'bake-time as long as batch-timeout',
      { 'bake-time': '90s', 'batch-timeout': '90s' },
      false,
      'bake-time',
      /^bake-time: 1m30s is not shorter than batch-timeout \(1m30s\)/,
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

describe('readSettings: every default set, as a runner sets them', () => {
  // A runner sets INPUT_<NAME> for every input action.yml gives a default, whether the step's `with:`
  // names it or not. A rule "X is only used with Y" must not fire on X's default.
  const step: Inputs = { service: 'web', cluster: 'prod', 'task-definition': 'task-definition.json' };

  it('the runner does set them: health-check-status, health-check-threshold, bake-time, drain-overlap ...', () => {
    const read = runnerReader(step);
    expect(read('health-check-status')).toBe('200-399');
    expect(read('health-check-threshold')).toBe('3');
    expect(read('bake-time')).toBe('0s');
    expect(read('drain-overlap')).toBe('true');
    expect(read('rollback-to')).toBe('previous');
    expect(read('github-token')).toBe(RUNNER_TOKEN);
    expect(read('health-check-url')).toBe('');
  });

  it('passes with only service, cluster and task-definition given, and reads as the defaults', () => {
    const s = readSettings(runnerReader(step), () => {}, WORKSPACE);
    expect(s).toEqual({ ...settings({ cluster: 'prod' }), githubToken: RUNNER_TOKEN });
    expect(s.healthCheckUrls).toEqual([]);
  });

  it('passes in every mode with nothing else given', () => {
    expect(readSettings(runnerReader({ ...step, mode: 'plan' }), () => {}, WORKSPACE).mode).toBe('plan');
    const { 'task-definition': _unused, ...withoutTaskDefinition } = step;
    expect(
      readSettings(runnerReader({ ...withoutTaskDefinition, mode: 'rollback' }), () => {}, WORKSPACE).mode,
    ).toBe('rollback');
  });

  it('passes through @actions/core with the INPUT_* variables a runner sets', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, runnerInputs(step));
      expect(readSettings(coreInput, () => {}, WORKSPACE)).toMatchObject({
        service: 'web',
        cluster: 'prod',
        bakeTimeMs: 0,
      });
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    }
  });

  it.each<[Inputs, string]>([
    [{ 'health-check-status': '200' }, 'health-check-status'],
    [{ 'health-check-threshold': '5' }, 'health-check-threshold'],
  ])('a non-default %j without health-check-url is still refused', (inputs, input) => {
    let error: unknown;
    try {
      readSettings(runnerReader({ ...step, ...inputs }), () => {}, WORKSPACE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual([
      {
        input,
        message: `${input}: is only used with health-check-url; set health-check-url (e.g. https://example.com/health) or remove it`,
      },
    ]);
  });

  it('a value written out equal to its default is taken as the default, not as a choice', () => {
    const s = readSettings(
      reader({
        ...step,
        'health-check-status': '200-399',
        'health-check-threshold': '3',
        'rollback-to': 'previous',
      }),
      () => {},
      WORKSPACE,
    );
    expect(s.healthCheckStatus).toEqual([{ min: 200, max: 399 }]);
  });
});

describe('readSettings: a service ARN names its cluster', () => {
  const inProduction = 'arn:aws:ecs:eu-west-1:123456789012:service/production/web';

  it('refuses a service of another cluster, naming both and the fix', () => {
    expect(problem({ service: inProduction, cluster: 'staging' })).toEqual({
      input: 'service',
      message:
        'service: is a service of cluster "production", but cluster is "staging"; set cluster: production, or give the ARN of the service in staging',
    });
  });

  it('refuses a cluster ARN of another cluster', () => {
    expect(
      problem({ service: inProduction, cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/staging' }).input,
    ).toBe('service');
  });

  it('takes a cluster that is the same, by name or by ARN', () => {
    expect(settings({ service: inProduction, cluster: 'production' }).cluster).toBe('production');
    const clusterArn = 'arn:aws:ecs:eu-west-1:123456789012:cluster/production';
    expect(settings({ service: inProduction, cluster: clusterArn }).cluster).toBe(clusterArn);
  });

  it('infers the cluster when cluster is left at its default, set by the runner or not', () => {
    expect(settings({ service: inProduction })).toMatchObject({
      cluster: 'production',
      checkName: `ECS deploy production/${inProduction}`,
    });
    expect(
      readSettings(runnerReader({ service: inProduction, 'task-definition': 'web:3' }), () => {}, WORKSPACE)
        .cluster,
    ).toBe('production');
  });

  it('an old-format service ARN names no cluster: the cluster input stands', () => {
    expect(
      settings({ service: 'arn:aws:ecs:eu-west-1:123456789012:service/web', cluster: 'staging' }).cluster,
    ).toBe('staging');
  });
});

describe('readSettings: a task definition file is a file of the workspace', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('resolves a relative path against the workspace argument, not the working directory', () => {
    const s = readSettings(reader({ ...BASE, 'task-definition': 'ops/td.json' }), () => {}, '/srv/checkout');
    expect(s.taskDefinition).toEqual({ kind: 'file', path: '/srv/checkout/ops/td.json' });
  });

  it('takes GITHUB_WORKSPACE when no workspace is passed', () => {
    process.env['GITHUB_WORKSPACE'] = '/home/runner/work/app/app';
    const s = readSettings(reader({ ...BASE, 'task-definition': 'td.json' }), () => {});
    expect(s.taskDefinition).toEqual({ kind: 'file', path: '/home/runner/work/app/app/td.json' });
  });

  it('leaves a registered revision alone', () => {
    expect(settings({ 'task-definition': 'web:3' }).taskDefinition).toEqual({
      kind: 'registered',
      ref: 'web:3',
    });
  });
});

describe('readSettings: secrets are masked before anything can print them', () => {
  it('passes the token and every credential of the URL inputs to mask', () => {
    const masked: string[] = [];
    readSettings(
      reader({
        ...BASE,
        'github-token': 'ghs_token123',
        'health-check-url':
          'https://probe:pa%24%24word@web.example.com/health?token=t0ken-value\nhttps://ok.example/ready',
        environment: 'production',
        'environment-url': 'https://deployer:s3cret-pass@web.example.com/',
      }),
      (secret) => masked.push(secret),
      WORKSPACE,
    );
    expect(masked).toEqual(
      expect.arrayContaining([
        'ghs_token123',
        'probe',
        'pa%24%24word',
        'pa$$word',
        't0ken-value',
        'token=t0ken-value',
        'deployer',
        's3cret-pass',
      ]),
    );
    // The token first: before any message could be built.
    expect(masked[0]).toBe('ghs_token123');
    // A URL without credentials has nothing to mask.
    expect(masked.some((m) => m.includes('ok.example'))).toBe(false);
  });

  it('masks the credentials of a URL input even when the inputs are refused', () => {
    const masked: string[] = [];
    expect(() =>
      readSettings(
        reader({ ...BASE, 'batch-size': '0', 'health-check-url': 'https://u:hunter22@web.example.com/' }),
        (secret) => masked.push(secret),
        WORKSPACE,
      ),
    ).toThrow(SettingsError);
    expect(masked).toContain('hunter22');
  });

  it('the runner’s token (github-token’s default) is masked', () => {
    const masked: string[] = [];
    readSettings(
      runnerReader({ service: 'web', 'task-definition': 'web:3' }),
      (secret) => masked.push(secret),
      WORKSPACE,
    );
    expect(masked).toEqual([RUNNER_TOKEN]);
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
    expect(action.inputs['batch-size']?.default).toBe('10%, 100%');
    expect(action.inputs['cluster']?.default).toBe('default');
    expect(action.inputs['bake-time']?.default).toBe('0s');
    expect(action.inputs['drain-overlap']?.default).toBe('true');
    // Every default readSettings knows is one action.yml declares.
    for (const name of Object.keys(DEFAULTS)) expectWith(action.inputs[name]?.default, name).toBeDefined();
  });

  it('every default action.yml declares passes readSettings as it stands', () => {
    // The same defaults through the harness's reading of action.yml (tools/run-action.ts).
    expect(Object.keys(actionInputs()).sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, value] of Object.entries(DEFAULTS)) {
      expectWith(runnerReader({})(name), name).toBe(value);
    }
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
        'services',
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
