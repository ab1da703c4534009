import { describe, expect, it } from '@jest/globals';
import { diffTaskDefinitions, renderTaskDefinitionDiff } from '../src/taskdef-diff.js';

const SECRET_VALUE = 'hunter2-very-secret';
const NEW_SECRET_VALUE = 's3cr3t-rotated-value';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:db-password-AbCdEf';

const current = {
  family: 'web',
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:11',
  revision: 11,
  status: 'ACTIVE',
  cpu: '256',
  memory: '512',
  networkMode: 'awsvpc',
  containerDefinitions: [
    {
      name: 'web',
      image: 'acme/web:1.4.0',
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
      environment: [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'API_TOKEN', value: SECRET_VALUE },
        { name: 'OLD_FLAG', value: '1' },
      ],
      secrets: [{ name: 'DB_PASSWORD', valueFrom: SECRET_ARN }],
    },
    { name: 'sidecar', image: 'acme/proxy:2' },
  ],
};

const next = {
  family: 'web',
  // Numbers in a file, strings in the API: not a change.
  cpu: 256,
  memory: '1024',
  networkMode: 'awsvpc',
  taskRoleArn: 'arn:aws:iam::000000000000:role/web',
  containerDefinitions: [
    {
      name: 'web',
      image: 'acme/web:1.5.0',
      portMappings: [{ containerPort: 8080 }, { containerPort: 9090, protocol: 'udp' }],
      environment: [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'API_TOKEN', value: NEW_SECRET_VALUE },
        { name: 'NEW_FLAG', value: 'on' },
      ],
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: `${SECRET_ARN}:password::` },
        { name: 'STRIPE_KEY', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/stripe' },
      ],
      command: ['node', 'server.js'],
    },
    { name: 'worker', image: 'acme/worker:1' },
  ],
};

describe('diffTaskDefinitions', () => {
  const diff = diffTaskDefinitions(current, next);

  it('finds image, container, cpu and memory changes; numbers and strings of the same value are equal', () => {
    expect(diff.images).toEqual([
      { container: 'web', from: 'acme/web:1.4.0', to: 'acme/web:1.5.0' },
      { container: 'worker', to: 'acme/worker:1' },
      { container: 'sidecar', from: 'acme/proxy:2' },
    ]);
    expect(diff.resources).toEqual([{ what: 'task memory', from: '512', to: '1024' }]);
    expect(diff.containers.map((c) => [c.name, c.presence])).toEqual([
      ['web', 'both'],
      ['worker', 'added'],
      ['sidecar', 'removed'],
    ]);
    expect(diff.unchanged).toBe(false);
  });

  it('lists environment and secret names added, removed and changed, and ports (tcp by default)', () => {
    const web = diff.containers.find((c) => c.name === 'web');
    expect(web?.environment).toEqual({ added: ['NEW_FLAG'], removed: ['OLD_FLAG'], changed: ['API_TOKEN'] });
    expect(web?.secrets).toEqual({ added: ['STRIPE_KEY'], removed: [], changed: ['DB_PASSWORD'] });
    expect(web?.ports).toEqual({ added: ['9090/udp'], removed: [] });
    expect(web?.otherFields).toEqual(['command']);
    // Read-only fields of the registered revision are not changes.
    expect(diff.otherFields).toEqual(['taskRoleArn']);
  });

  it('never carries an environment value or a secret reference, in the diff or in its markdown', () => {
    const markdown = renderTaskDefinitionDiff(diff);
    for (const text of [JSON.stringify(diff), markdown]) {
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain(NEW_SECRET_VALUE);
      expect(text).not.toContain('secretsmanager');
      expect(text).not.toContain('parameter/stripe');
      expect(text).not.toContain("'info'");
    }
    expect(markdown).toContain('Image of `web`: `acme/web:1.4.0` → `acme/web:1.5.0`');
    expect(markdown).toContain(
      'Environment of `web`: added `NEW_FLAG`; removed `OLD_FLAG`; changed `API_TOKEN` (values not shown)',
    );
    expect(markdown).toContain('Secrets of `web`: added `STRIPE_KEY`; changed `DB_PASSWORD` (by name only)');
    expect(markdown).toContain('task memory: `512` → `1024`');
    expect(markdown).toContain('Ports of `web`: added `9090/udp`');
    expect(markdown).toContain('Other task settings changed: `taskRoleArn`');
  });

  it('says so when nothing changes (key order, read-only fields and empty lists aside)', () => {
    const same = {
      containerDefinitions: [
        {
          image: 'acme/web:1.4.0',
          name: 'web',
          portMappings: [{ protocol: 'tcp', containerPort: 8080 }],
          environment: current.containerDefinitions[0]?.environment,
          secrets: current.containerDefinitions[0]?.secrets,
          mountPoints: [],
        },
        { name: 'sidecar', image: 'acme/proxy:2' },
      ],
      networkMode: 'awsvpc',
      memory: 512,
      cpu: '256',
      family: 'web',
    };
    const d = diffTaskDefinitions(current, same);
    expect(d.unchanged).toBe(true);
    expect(renderTaskDefinitionDiff(d)).toMatch(/^No change/);
  });

  it('treats the defaults ECS fills in on registration as no change', () => {
    const file = {
      family: 'web',
      containerDefinitions: [{ name: 'web', image: 'acme/web:1', portMappings: [{ containerPort: 8080 }] }],
    };
    // As DescribeTaskDefinition returns the same file once registered.
    const described = {
      family: 'web',
      revision: 3,
      status: 'ACTIVE',
      networkMode: 'bridge',
      containerDefinitions: [
        {
          name: 'web',
          image: 'acme/web:1',
          cpu: 0,
          essential: true,
          portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }],
        },
      ],
    };
    const d = diffTaskDefinitions(described, file);
    expect(d.resources).toEqual([]);
    expect(d.containers[0]?.otherFields).toEqual([]);
    expect(d.unchanged).toBe(true);
    expect(renderTaskDefinitionDiff(d)).not.toContain('cpu');
    // A cpu the file really changes is still shown.
    const more = diffTaskDefinitions(described, {
      ...file,
      containerDefinitions: [{ ...file.containerDefinitions[0], cpu: 128 }],
    });
    expect(renderTaskDefinitionDiff(more)).toBe('- web cpu: `0` → `128`');
  });

  it('keeps backticks in names from breaking the markdown', () => {
    const d = diffTaskDefinitions(
      { family: 'web', containerDefinitions: [{ name: 'web', image: 'a`b' }] },
      { family: 'web', containerDefinitions: [{ name: 'web', image: 'c' }] },
    );
    expect(renderTaskDefinitionDiff(d)).toBe("- Image of `web`: `a'b` → `c`");
  });
});
