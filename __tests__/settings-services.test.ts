// readSettings with several services: `service` one a line (blank lines and # comments skipped,
// duplicates refused), `task-definition` one for all or one a line by position, on-partial-failure.
// One service reads exactly as before (settings.test.ts).
import { describe, expect, it } from '@jest/globals';
import { SettingsError, readSettings, type Settings } from '../src/settings.js';
import { expectWith } from './helpers/expect-with.js';

const WORKSPACE = '/home/runner/work/web/web';
type Inputs = Record<string, string>;

function settings(inputs: Inputs): Settings {
  return readSettings(
    (name) => inputs[name] ?? '',
    () => {},
    WORKSPACE,
  );
}

function problems(inputs: Inputs): string[] {
  try {
    settings(inputs);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems.map((p) => p.message);
  }
  throw new Error(`expected a SettingsError for ${JSON.stringify(inputs)}`);
}

describe('service: several, one a line', () => {
  it('reads the list in order, skipping blank lines and comments; the first is `service`', () => {
    const s = settings({
      service: '\n# the front end\nweb\n\n  api  \n# workers next\nworker\n',
      'task-definition': 'task-definition.json',
    });
    expect(s.services.map((t) => t.service)).toEqual(['web', 'api', 'worker']);
    expect(s.service).toBe('web');
    // One task definition for every service.
    for (const t of s.services)
      expect(t.taskDefinition).toEqual({ kind: 'file', path: `${WORKSPACE}/task-definition.json` });
    expect(s.checkName).toBe('ECS deploy default/web, api, worker');
    expect(s.onPartialFailure).toBe('rollback-all');
  });

  it('one service reads as before: one entry, the same check name', () => {
    const s = settings({ service: 'web', 'task-definition': 'web:3' });
    expect(s.services).toEqual([{ service: 'web', taskDefinition: { kind: 'registered', ref: 'web:3' } }]);
    expect(s.checkName).toBe('ECS deploy default/web');
  });

  it('matches task definitions to services by position', () => {
    const s = settings({ service: 'web\napi', 'task-definition': 'web.json\n# api\napi:7' });
    expect(s.services).toEqual([
      { service: 'web', taskDefinition: { kind: 'file', path: `${WORKSPACE}/web.json` } },
      { service: 'api', taskDefinition: { kind: 'registered', ref: 'api:7' } },
    ]);
  });

  it.each([
    [
      'a duplicate name',
      { service: 'web\napi\nweb', 'task-definition': 'web:3' },
      'service: line 3 names service "web" which line 1 already names; list each service once',
    ],
    [
      'a name and the ARN of the same service',
      { service: 'web\narn:aws:ecs:eu-west-1:123456789012:service/default/web', 'task-definition': 'web:3' },
      'service: line 2 names service "web" which line 1 already names; list each service once',
    ],
    [
      'a bad name, by its line',
      { service: 'web\nweb/api', 'task-definition': 'web:3' },
      `service: line 2 "web/api" is not a service name or ARN; write the service's name (e.g. web) or its ARN, one a line`,
    ],
    [
      'only comments',
      { service: '# nothing yet', 'task-definition': 'web:3' },
      'service: is required; write the name of the ECS service to deploy (e.g. web)',
    ],
    [
      'a count mismatch',
      { service: 'web\napi\nworker', 'task-definition': 'web.json\napi.json' },
      'task-definition: has 2 lines but service names 3 services; give one task definition for every service, or one a line in the order of the services',
    ],
    [
      'two task definitions for one service',
      { service: 'web', 'task-definition': 'web.json\napi.json' },
      'task-definition: has 2 lines but service names 1 service; give one task definition for every service, or one a line in the order of the services',
    ],
    [
      'services of two clusters',
      {
        service:
          'arn:aws:ecs:eu-west-1:123456789012:service/prod/web\narn:aws:ecs:eu-west-1:123456789012:service/staging/api',
        'task-definition': 'web:3',
      },
      'service: names services of clusters "prod" and "staging"; the services of one step share one cluster: run one step per cluster',
    ],
    [
      'on-partial-failure with one service',
      { service: 'web', 'task-definition': 'web:3', 'on-partial-failure': 'continue' },
      'on-partial-failure: is only used with several services; list the services one a line in service, or remove it',
    ],
  ])('refuses %s, naming the input and the fix', (_what, inputs, message) => {
    const found = problems(inputs);
    expectWith(found, message).toContain(message);
  });

  it('refuses a bad task definition line by its number', () => {
    expect(problems({ service: 'web\napi', 'task-definition': 'web.json\nnot a ref' })).toEqual([
      expect.stringMatching(
        /^task-definition: line 2 "not a ref" is neither a file path nor a family\[:revision\]; write/,
      ),
    ]);
  });

  it('takes on-partial-failure: continue with several services, refuses another word', () => {
    expect(
      settings({ service: 'web\napi', 'task-definition': 'web:3', 'on-partial-failure': 'continue' })
        .onPartialFailure,
    ).toBe('continue');
    expect(
      problems({ service: 'web\napi', 'task-definition': 'web:3', 'on-partial-failure': 'stop' })[0],
    ).toMatch(/^on-partial-failure: "stop"/);
  });

  it('takes the cluster from the services ARNs when cluster is left at its default', () => {
    const s = settings({
      service: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web\napi',
      'task-definition': 'web:3',
    });
    expect(s.cluster).toBe('prod');
  });

  it('rollback mode takes the list, without task definitions', () => {
    const s = settings({ service: 'web\napi', mode: 'rollback' });
    expect(s.services).toEqual([{ service: 'web' }, { service: 'api' }]);
  });
});
