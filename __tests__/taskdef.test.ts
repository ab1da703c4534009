// The task definition file: parse errors with line and column, read-only fields stripped, both file
// shapes, image substitution by container name, and the unchanged-vs-current comparison.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from '@jest/globals';
import type { ServiceDriver, TaskDefinitionRecord } from '../src/rollout/port.js';
import { resolveTarget } from '../src/modes/target.js';
import {
  MAX_CONTAINERS,
  MAX_FILE_BYTES,
  READ_ONLY_FIELDS,
  TaskDefinitionError,
  checkContainers,
  containerNames,
  parseTaskDefinition,
  readTaskDefinitionFile,
  registrationBody,
  stripReadOnly,
  substituteImages,
  type TaskDefinitionBody,
} from '../src/taskdef.js';
import { imageChanges, sameDefinition } from '../src/taskdef-compare.js';

/** What a person writes: the repository's example, with a sidecar. */
const written = (): TaskDefinitionBody => ({
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
  containerDefinitions: [
    {
      name: 'web',
      image: 'demo/web:1',
      essential: true,
      portMappings: [{ containerPort: 8080 }],
      environment: [
        { name: 'GREETING', value: 'hello' },
        { name: 'A_FIRST', value: '1' },
      ],
      stopTimeout: 30,
    },
    { name: 'envoy', image: 'envoy:v1.29', essential: false },
  ],
});

/** The same definition as DescribeTaskDefinition returns it once registered. */
const registered = (): TaskDefinitionBody => ({
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7',
  containerDefinitions: [
    {
      name: 'envoy',
      image: 'envoy:v1.29',
      cpu: 0,
      portMappings: [],
      essential: false,
      environment: [],
      mountPoints: [],
      volumesFrom: [],
      systemControls: [],
    },
    {
      name: 'web',
      image: 'demo/web:1',
      cpu: 0,
      portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
      essential: true,
      environment: [
        { name: 'A_FIRST', value: '1' },
        { name: 'GREETING', value: 'hello' },
      ],
      mountPoints: [],
      volumesFrom: [],
      stopTimeout: 30,
      systemControls: [],
    },
  ],
  family: 'web',
  executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
  networkMode: 'awsvpc',
  revision: 7,
  volumes: [],
  status: 'ACTIVE',
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.task-eni' }],
  placementConstraints: [],
  compatibilities: ['EC2', 'FARGATE'],
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  registeredAt: '2026-11-23T10:00:00.000Z',
  registeredBy: 'arn:aws:iam::123456789012:user/deployer',
});

function thrown(run: () => unknown): TaskDefinitionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TaskDefinitionError);
    return error as TaskDefinitionError;
  }
  throw new Error('expected a TaskDefinitionError');
}

describe('parseTaskDefinition: invalid JSON', () => {
  it('names the file, the line and the column, and points at the spot', () => {
    const text = '{\n  "family": "web",\n  "cpu": "256"\n  "memory": "512"\n}\n';
    const error = thrown(() => parseTaskDefinition(text, 'task-definition.json'));
    expect(error.message).toContain('task-definition: task-definition.json:4:3 is not valid JSON');
    expect(error.message).toContain(`Expected ',' or '}' after property value`);
    expect(error.message.split('\n').slice(1)).toEqual(['    "memory": "512"', '    ^']);
  });

  it.each([
    ['{"family": "web",}', 1, 18],
    ['{\n  "family": \'web\'\n}', 2, 13],
    ['{\n  "family": "web"\n', 3, 1],
    ['', 1, 1],
    ['{"family": "web"} trailing', 1, 19],
    ['{\r\n  "family": web\r\n}', 2, 13],
  ])('%j is located at %d:%d', (text, line, column) => {
    expect(thrown(() => parseTaskDefinition(text, 'td.json')).message).toMatch(
      new RegExp(`^task-definition: td\\.json:${line}:${column} is not valid JSON`),
    );
  });

  it.each([
    `{"family": "web", "x": [${'1,'.repeat(200)} oops]}`,
    `{"family": "web", "x": [${'1,'.repeat(200)}]}`,
    `{"family": "web", "x": [${'1,'.repeat(200)} oops ${'1,'.repeat(200)}]}`,
  ])('keeps the reason short: no quoted file, no offset (%#)', (text) => {
    const first = thrown(() => parseTaskDefinition(text, 'td.json')).message.split('\n')[0] ?? '';
    expect(first).toMatch(
      /^task-definition: td\.json:1:\d+ is not valid JSON \((Unexpected token 'o'|Unexpected token ']'|Expected .*)\)$/,
    );
    expect(first).not.toContain('1,1,1,');
    expect(first).not.toContain('position');
  });

  it('shows only the part of a long (minified) line around the error', () => {
    const text = `{"family":"web","containerDefinitions":[${'{"name":"a","image":"b"},'.repeat(40)}]}`;
    const error = thrown(() => parseTaskDefinition(text, 'td.json'));
    const [, shown = '', caret = ''] = error.message.split('\n');
    expect(error.message.split('\n')[0]).toBe(
      `task-definition: td.json:1:${text.length - 1} is not valid JSON (Unexpected token ']')`,
    );
    expect(shown.length).toBeLessThan(110);
    expect(shown.startsWith('  …')).toBe(true);
    // The caret sits under the character at fault.
    expect(shown[caret.indexOf('^')]).toBe(']');
  });

  it('accepts a byte order mark before the JSON', () => {
    const loaded = parseTaskDefinition(`\uFEFF${JSON.stringify(written())}`, 'td.json');
    expect(loaded.body['family']).toBe('web');
  });
});

describe('parseTaskDefinition: shape and content', () => {
  it('takes a bare definition and keeps every field as given', () => {
    const loaded = parseTaskDefinition(JSON.stringify(written()), 'td.json');
    expect(loaded.shape).toBe('definition');
    expect(loaded.stripped).toEqual([]);
    expect(loaded.body).toEqual(written());
  });

  it('strips every read-only field DescribeTaskDefinition returns, and says which', () => {
    const withAll: TaskDefinitionBody = {
      ...registered(),
      deregisteredAt: '2026-11-23T11:00:00.000Z',
      deleteRequestedAt: '2026-11-23T12:00:00.000Z',
    };
    const loaded = parseTaskDefinition(JSON.stringify(withAll), 'td.json');
    expect([...loaded.stripped].sort()).toEqual([...READ_ONLY_FIELDS].sort());
    for (const field of READ_ONLY_FIELDS) expect(loaded.body).not.toHaveProperty(field);
    expect(loaded.body['placementConstraints']).toEqual([]);
    expect(loaded.body['requiresCompatibilities']).toEqual(['FARGATE']);
    expect(loaded.body['executionRoleArn']).toBe(written()['executionRoleArn']);
  });

  it('strips the eight fields the official deploy action strips, and deleteRequestedAt', () => {
    expect([...READ_ONLY_FIELDS].sort()).toEqual(
      [
        'compatibilities',
        'taskDefinitionArn',
        'requiresAttributes',
        'revision',
        'status',
        'registeredAt',
        'deregisteredAt',
        'registeredBy',
        'deleteRequestedAt',
      ].sort(),
    );
  });

  it('takes a DescribeTaskDefinition answer and moves its tags into the definition', () => {
    const answer = {
      taskDefinition: registered(),
      tags: [{ key: 'team', value: 'web' }],
    };
    const loaded = parseTaskDefinition(JSON.stringify(answer), 'describe.json');
    expect(loaded.shape).toBe('describe-answer');
    expect(loaded.body['tags']).toEqual([{ key: 'team', value: 'web' }]);
    expect(loaded.body['family']).toBe('web');
    expect(loaded.body).not.toHaveProperty('revision');
    expect(loaded.stripped).toContain('taskDefinitionArn');
  });

  it('keeps tags the definition itself has over the answer`s, and ignores empty tags', () => {
    const own = { ...written(), tags: [{ key: 'own', value: '1' }] };
    const loaded = parseTaskDefinition(
      JSON.stringify({ taskDefinition: own, tags: [{ key: 'other', value: '2' }] }),
      'd.json',
    );
    expect(loaded.body['tags']).toEqual([{ key: 'own', value: '1' }]);
    const none = parseTaskDefinition(JSON.stringify({ taskDefinition: written(), tags: [] }), 'd.json');
    expect(none.body).not.toHaveProperty('tags');
  });

  it.each([
    ['[]', /must hold a JSON object/],
    ['"web"', /must hold a JSON object/],
    ['null', /must hold a JSON object/],
    ['{"containerDefinitions": [{"name": "web"}]}', /needs a "family"/],
    ['{"family": "web app", "containerDefinitions": [{"name": "web"}]}', /needs a "family"/],
    ['{"family": "web"}', /needs "containerDefinitions", a list of at least one container/],
    ['{"family": "web", "containerDefinitions": []}', /needs "containerDefinitions"/],
    [
      '{"family": "web", "containerDefinitions": [{"image": "x"}]}',
      /containerDefinitions\[0\] needs a "name"/,
    ],
    [
      '{"family": "web", "containerDefinitions": [{"name": "a"}, {"name": "b c"}]}',
      /containerDefinitions\[1\] needs a "name"/,
    ],
  ])('%j is refused: %s', (text, problem) => {
    const error = thrown(() => parseTaskDefinition(text, 'td.json'));
    expect(error.message).toMatch(problem);
    expect(error.message).toMatch(/^task-definition: td\.json/);
  });
});

describe('readTaskDefinitionFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskdef-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and parses a file', async () => {
    const path = join(dir, 'web.json');
    await writeFile(path, JSON.stringify({ taskDefinition: registered() }, null, 2));
    const loaded = await readTaskDefinitionFile(path);
    expect(loaded.shape).toBe('describe-answer');
    expect(containerNames(loaded.body)).toEqual(['envoy', 'web']);
  });

  it('names the file and its line and column when it is not JSON', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, '{\n  "family": "web",\n  oops\n}\n');
    await expect(readTaskDefinitionFile(path)).rejects.toThrow(`${path}:3:3 is not valid JSON`);
  });

  it('says which file is missing, and that paths are relative to the workspace', async () => {
    const path = join(dir, 'missing.json');
    await expect(readTaskDefinitionFile(path)).rejects.toThrow(
      `task-definition: file "${path}" does not exist; check the path, which is relative to the workspace (GITHUB_WORKSPACE)`,
    );
  });

  it('says a directory is a directory', async () => {
    await expect(readTaskDefinitionFile(dir)).rejects.toThrow(
      `task-definition: file "${dir}" is a directory;`,
    );
  });

  it('reads a file of exactly the size limit', async () => {
    const path = join(dir, 'padded.json');
    const json = '{"family": "web", "containerDefinitions": [{"name": "web", "image": "web:1"}]}';
    await writeFile(path, json + ' '.repeat(MAX_FILE_BYTES - json.length));
    expect((await readTaskDefinitionFile(path)).body['family']).toBe('web');
  });

  it('refuses a file over 1 MiB without parsing it, and says why', async () => {
    const path = join(dir, 'huge.json');
    await writeFile(path, `{"family": "web", "pad": "${'x'.repeat(MAX_FILE_BYTES)}"}`);
    await expect(readTaskDefinitionFile(path)).rejects.toThrow(
      `task-definition: file "${path}" is larger than 1024 KiB, which no task definition is; check that the path names the task definition JSON`,
    );
  });

  it('refuses an endless character device (/dev/zero) after reading 1 MiB of it', async () => {
    const error = await readTaskDefinitionFile('/dev/zero').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskDefinitionError);
    expect((error as Error).message).toMatch(/^task-definition: file "\/dev\/zero" is larger than 1024 KiB/);
  });
});

describe('parseTaskDefinition: what ECS would refuse', () => {
  const containers = (n: number): { name: string; image: string }[] =>
    Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: `img:${i}` }));

  it('refuses a container name given twice, naming it', () => {
    const text = JSON.stringify({
      family: 'web',
      containerDefinitions: [
        { name: 'web', image: 'a' },
        { name: 'envoy', image: 'b' },
        { name: 'web', image: 'c' },
      ],
    });
    expect(thrown(() => parseTaskDefinition(text, 'td.json')).message).toBe(
      'task-definition: td.json names container "web" twice; each container in a task definition needs its own name',
    );
  });

  it(`takes ${MAX_CONTAINERS} containers and refuses ${MAX_CONTAINERS + 1}`, () => {
    expect(MAX_CONTAINERS).toBe(10);
    const ten = JSON.stringify({ family: 'web', containerDefinitions: containers(10) });
    expect(containerNames(parseTaskDefinition(ten, 'td.json').body)).toHaveLength(10);
    const eleven = JSON.stringify({ family: 'web', containerDefinitions: containers(11) });
    expect(thrown(() => parseTaskDefinition(eleven, 'td.json')).message).toBe(
      'task-definition: td.json has 11 containers; ECS takes at most 10 in a task definition',
    );
  });
});

describe('checkContainers: once the images are in place', () => {
  const body = (...list: Record<string, unknown>[]): TaskDefinitionBody => ({
    family: 'web',
    containerDefinitions: list,
  });

  it.each<[string, Record<string, unknown>]>([
    ['missing', { name: 'web' }],
    ['empty', { name: 'web', image: '' }],
    ['blank', { name: 'web', image: '   ' }],
    ['not a string', { name: 'web', image: 42 }],
  ])('refuses an image that is %s, naming the container and the inputs that give one', (_what, container) => {
    expect(
      thrown(() => checkContainers(body({ name: 'envoy', image: 'envoy:1' }, container), 'td.json')).message,
    ).toBe(
      'task-definition: td.json container "web" has no image; give it an "image" in the file, or set container-name and image (or images)',
    );
  });

  it('refuses a definition whose every container is non-essential', () => {
    expect(
      thrown(() =>
        checkContainers(
          body(
            { name: 'web', image: 'a', essential: false },
            { name: 'envoy', image: 'b', essential: false },
          ),
          'td.json',
        ),
      ).message,
    ).toBe(
      'task-definition: td.json has no essential container; ECS needs at least one (set "essential": true on the main container)',
    );
  });

  it('takes a container that leaves essential unset as essential (ECS’s default)', () => {
    expect(() =>
      checkContainers(
        body({ name: 'web', image: 'a' }, { name: 'envoy', image: 'b', essential: false }),
        'td.json',
      ),
    ).not.toThrow();
  });

  it('takes an image given only by the image input, once substituted', () => {
    const fromFile = body({ name: 'web', essential: true });
    expect(() => checkContainers(fromFile, 'td.json')).toThrow(TaskDefinitionError);
    expect(() =>
      checkContainers(substituteImages(fromFile, new Map([['web', 'web:2']])), 'td.json'),
    ).not.toThrow();
  });
});

describe('a refused file costs no AWS call', () => {
  /** A driver any call of which fails the test: the file is judged before AWS is asked anything. */
  const untouchable = new Proxy({} as ServiceDriver, {
    get: (_target, property) => {
      if (property === 'then') return undefined;
      throw new Error(`the driver was used (${String(property)}) for a file that is refused locally`);
    },
  });
  const current: TaskDefinitionRecord = {
    arn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7',
    family: 'web',
    revision: 7,
    status: 'ACTIVE',
    body: registered(),
    tags: {},
  };
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskdef-local-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each<[string, string, RegExp]>([
    [
      'duplicate names',
      JSON.stringify({
        family: 'web',
        containerDefinitions: [
          { name: 'a', image: 'x' },
          { name: 'a', image: 'y' },
        ],
      }),
      /names container "a" twice/,
    ],
    [
      'too many containers',
      JSON.stringify({
        family: 'web',
        containerDefinitions: Array.from({ length: 11 }, (_, i) => ({ name: `c${i}`, image: 'x' })),
      }),
      /has 11 containers/,
    ],
    [
      'no image',
      JSON.stringify({ family: 'web', containerDefinitions: [{ name: 'web' }] }),
      /container "web" has no image/,
    ],
    [
      'no essential container',
      JSON.stringify({
        family: 'web',
        containerDefinitions: [{ name: 'web', image: 'x', essential: false }],
      }),
      /no essential container/,
    ],
  ])('%s', async (_what, text, message) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, text);
    const settings = {
      mode: 'deploy' as const,
      taskDefinition: { kind: 'file' as const, path },
      images: new Map<string, string>(),
      rollbackTo: { kind: 'previous' as const },
    };
    await expect(resolveTarget(settings, untouchable, current)).rejects.toThrow(message);
  });

  it('/dev/zero', async () => {
    const settings = {
      mode: 'deploy' as const,
      taskDefinition: { kind: 'file' as const, path: '/dev/zero' },
      images: new Map<string, string>(),
      rollbackTo: { kind: 'previous' as const },
    };
    await expect(resolveTarget(settings, untouchable, current)).rejects.toThrow(/larger than 1024 KiB/);
  });
});

describe('stripReadOnly and registrationBody', () => {
  it('removes only the read-only fields and leaves the input alone', () => {
    const input = registered();
    const body = stripReadOnly(input);
    expect(Object.keys(body).sort()).toEqual(
      Object.keys(input)
        .filter((k) => !(READ_ONLY_FIELDS as readonly string[]).includes(k))
        .sort(),
    );
    expect(input['revision']).toBe(7);
  });

  it('puts a registered revision`s tags back as a list', () => {
    expect(registrationBody(registered(), { team: 'web', env: 'prod' })['tags']).toEqual([
      { key: 'team', value: 'web' },
      { key: 'env', value: 'prod' },
    ]);
    expect(registrationBody(registered())).not.toHaveProperty('tags');
    expect(registrationBody(registered())).not.toHaveProperty('taskDefinitionArn');
  });
});

describe('substituteImages', () => {
  it('replaces the images of the named containers only, without touching the input', () => {
    const body = written();
    const out = substituteImages(body, new Map([['web', 'demo/web:2']]));
    const [web, envoy] = out['containerDefinitions'] as Record<string, unknown>[];
    expect(web).toEqual({ ...(written()['containerDefinitions'] as object[])[0], image: 'demo/web:2' });
    expect(envoy?.['image']).toBe('envoy:v1.29');
    expect((body['containerDefinitions'] as Record<string, unknown>[])[0]?.['image']).toBe('demo/web:1');
  });

  it('replaces several at once', () => {
    const out = substituteImages(
      written(),
      new Map([
        ['web', 'demo/web:2'],
        ['envoy', 'envoy:v1.30'],
      ]),
    );
    expect((out['containerDefinitions'] as Record<string, unknown>[]).map((c) => c['image'])).toEqual([
      'demo/web:2',
      'envoy:v1.30',
    ]);
  });

  it('returns the body as it is when there is nothing to substitute', () => {
    const body = written();
    expect(substituteImages(body, new Map())).toBe(body);
  });

  it('lists the container names there are when a name does not match', () => {
    const error = thrown(() =>
      substituteImages(
        written(),
        new Map([
          ['web', 'demo/web:2'],
          ['app', 'demo/app:2'],
          ['Web', 'x'],
        ]),
      ),
    );
    expect(error.message).toBe(
      'No container named "app", "Web" in task definition family "web"; its containers are: "web", "envoy". Fix container-name or images.',
    );
  });
});

describe('imageChanges', () => {
  it('lists changed, added and removed containers', () => {
    const after = substituteImages(written(), new Map([['web', 'demo/web:2']]));
    (after['containerDefinitions'] as unknown[]).splice(1, 1, { name: 'otel', image: 'otel:1' });
    expect(imageChanges(written(), after)).toEqual([
      { container: 'web', from: 'demo/web:1', to: 'demo/web:2' },
      { container: 'otel', to: 'otel:1' },
      { container: 'envoy', from: 'envoy:v1.29' },
    ]);
  });

  it('is empty when no image changed, whatever else did', () => {
    expect(imageChanges(written(), { ...written(), cpu: '512' })).toEqual([]);
    expect(imageChanges(written(), registered())).toEqual([]);
  });
});

describe('sameDefinition', () => {
  it('is true for what was written and what ECS returns once it is registered', () => {
    expect(sameDefinition(written(), registered())).toBe(true);
    expect(sameDefinition(registered(), written())).toBe(true);
  });

  it('ignores key order, tags and read-only fields', () => {
    const reordered = Object.fromEntries(Object.entries(written()).reverse());
    expect(sameDefinition(reordered, written())).toBe(true);
    expect(sameDefinition({ ...written(), tags: [{ key: 'a', value: 'b' }] }, registered())).toBe(true);
  });

  it('treats numeric task cpu and memory like the strings ECS returns', () => {
    expect(sameDefinition({ ...written(), cpu: 256, memory: 512 }, registered())).toBe(true);
  });

  it('takes an absent network mode as bridge, and fills the host port only for awsvpc and host', () => {
    const bridge = (hostPort?: number): TaskDefinitionBody => ({
      family: 'web',
      containerDefinitions: [
        {
          name: 'web',
          image: 'x',
          portMappings: [{ containerPort: 80, ...(hostPort !== undefined ? { hostPort } : {}) }],
        },
      ],
    });
    expect(sameDefinition(bridge(), { ...bridge(), networkMode: 'bridge' })).toBe(true);
    // In bridge mode an absent host port is a dynamic one, not the container port; 0 is dynamic too.
    expect(sameDefinition(bridge(), bridge(80))).toBe(false);
    expect(sameDefinition(bridge(), bridge(0))).toBe(true);
    expect(sameDefinition({ ...bridge(), networkMode: 'host' }, { ...bridge(80), networkMode: 'host' })).toBe(
      true,
    );
  });

  it.each<[string, (body: TaskDefinitionBody) => void]>([
    [
      'an image',
      (b) => ((b['containerDefinitions'] as Record<string, unknown>[])[0]!['image'] = 'demo/web:2'),
    ],
    ['task memory', (b) => (b['memory'] = '1024')],
    [
      'an environment value',
      (b) =>
        ((b['containerDefinitions'] as Record<string, unknown>[])[0]!['environment'] = [
          { name: 'GREETING', value: 'hi' },
          { name: 'A_FIRST', value: '1' },
        ]),
    ],
    ['essential', (b) => ((b['containerDefinitions'] as Record<string, unknown>[])[1]!['essential'] = true)],
    [
      'a container added',
      (b) => (b['containerDefinitions'] as unknown[]).push({ name: 'otel', image: 'otel:1' }),
    ],
    [
      'the command',
      (b) => ((b['containerDefinitions'] as Record<string, unknown>[])[0]!['command'] = ['run', '']),
    ],
    ['the task role', (b) => (b['taskRoleArn'] = 'arn:aws:iam::123456789012:role/web')],
    ['the network mode', (b) => (b['networkMode'] = 'bridge')],
    [
      'a port protocol',
      (b) =>
        ((b['containerDefinitions'] as Record<string, unknown>[])[0]!['portMappings'] = [
          { containerPort: 8080, protocol: 'udp' },
        ]),
    ],
    [
      'a false flag',
      (b) => ((b['containerDefinitions'] as Record<string, unknown>[])[0]!['readonlyRootFilesystem'] = false),
    ],
  ])('is false when %s differs', (_what, change) => {
    const changed = written();
    change(changed);
    expect(sameDefinition(changed, registered())).toBe(false);
  });

  it('keeps empty strings inside lists: a command of ["run", ""] is not ["run"]', () => {
    const withCommand = (command: string[]): TaskDefinitionBody => ({
      family: 'web',
      containerDefinitions: [{ name: 'web', image: 'x', command }],
    });
    expect(sameDefinition(withCommand(['run', '']), withCommand(['run']))).toBe(false);
    expect(sameDefinition(withCommand(['run', '']), withCommand(['run', '']))).toBe(true);
  });

  it('treats null, empty strings, lists and objects as not given', () => {
    expect(
      sameDefinition(
        { ...written(), taskRoleArn: null, volumes: [], proxyConfiguration: {}, pidMode: '' },
        registered(),
      ),
    ).toBe(true);
  });
});
