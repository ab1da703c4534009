// The new task definition: read from a file, checked, made fit for RegisterTaskDefinition, and its
// images substituted (taskdef-compare.ts compares it with what the service runs).
import { open } from 'node:fs/promises';
import { CONTAINER_NAME } from './parse/images.js';
import { locateJsonError } from './parse/json-location.js';

/** A task definition as RegisterTaskDefinition takes it (and DescribeTaskDefinition returns it). */
export type TaskDefinitionBody = Record<string, unknown>;

/**
 * Fields DescribeTaskDefinition returns that RegisterTaskDefinition refuses: the eight that
 * aws-actions/amazon-ecs-deploy-task-definition strips, and `deleteRequestedAt`, which the SDK's
 * TaskDefinition shape gained with DeleteTaskDefinitions and RegisterTaskDefinitionRequest lacks
 * (compared in @aws-sdk/client-ecs 3.1164's models: TaskDefinition vs RegisterTaskDefinitionRequest).
 */
export const READ_ONLY_FIELDS = [
  'compatibilities',
  'taskDefinitionArn',
  'requiresAttributes',
  'revision',
  'status',
  'registeredAt',
  'deregisteredAt',
  'registeredBy',
  'deleteRequestedAt',
] as const;

export class TaskDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskDefinitionError';
  }
}

export interface LoadedTaskDefinition {
  body: TaskDefinitionBody;
  /** Read-only fields that were in the file and were removed, to say so in the log. */
  stripped: string[];
  /** `definition` for a bare task definition, `describe-answer` for `aws ecs describe-task-definition` output. */
  shape: 'definition' | 'describe-answer';
}

/**
 * The largest task definition file the action reads: far above any real one (ECS allows at most 10
 * containers per task definition, "Amazon ECS service quotas"), far below what would hurt a runner.
 * A bigger file, or an endless one (`/dev/zero`), is refused after reading this much.
 */
export const MAX_FILE_BYTES = 1024 * 1024;

/** ECS service quotas: "Containers per task definition: 10" (not adjustable). */
export const MAX_CONTAINERS = 10;

/** `path` is already resolved against GITHUB_WORKSPACE by the settings. */
export async function readTaskDefinitionFile(path: string): Promise<LoadedTaskDefinition> {
  let text: string;
  try {
    text = await readBounded(path, MAX_FILE_BYTES);
  } catch (error) {
    if (error instanceof TaskDefinitionError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot be read (${code ?? String(error)})`;
    throw new TaskDefinitionError(
      `task-definition: file "${path}" ${why}; check the path, which is relative to the workspace (GITHUB_WORKSPACE)`,
    );
  }
  return parseTaskDefinition(text, path);
}

async function readBounded(path: string, limit: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let size = 0;
    while (size <= limit) {
      const { bytesRead } = await file.read(buffer, size, limit + 1 - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    if (size > limit) {
      throw new TaskDefinitionError(
        `task-definition: file "${path}" is larger than ${limit / 1024} KiB, which no task definition is; check that the path names the task definition JSON`,
      );
    }
    return buffer.subarray(0, size).toString('utf8');
  } finally {
    await file.close();
  }
}

/** Parses a task definition file's text; `source` names it in messages. */
export function parseTaskDefinition(text: string, source: string): LoadedTaskDefinition {
  // Editors on Windows may save a byte order mark, which JSON.parse refuses.
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    const at = locateJsonError(json, error);
    const lineText = json.split('\n')[at.line - 1] ?? '';
    // The engine's own wording, less what the line:column above already says: the offset, and
    // (for some errors) the whole text quoted back.
    const reason =
      error instanceof Error
        ? error.message
            .replace(/,? (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
            .replace(/ in JSON at position \d+(?: \(line \d+ column \d+\))?$/, '')
        : '';
    const shown = excerpt(lineText.replace(/\r$/, ''), at.column - 1);
    throw new TaskDefinitionError(
      `task-definition: ${source}:${at.line}:${at.column} is not valid JSON (${reason})\n` +
        `  ${shown.text}\n  ${' '.repeat(shown.caret)}^`,
    );
  }
  if (!isObject(parsed)) {
    throw new TaskDefinitionError(`task-definition: ${source} must hold a JSON object (a task definition)`);
  }
  const describeAnswer = isObject(parsed['taskDefinition']);
  let body = describeAnswer ? (parsed['taskDefinition'] as TaskDefinitionBody) : parsed;
  if (describeAnswer) {
    // `aws ecs describe-task-definition --include TAGS` puts the tags beside the definition;
    // RegisterTaskDefinition takes them inside it.
    const tags = parsed['tags'];
    if (Array.isArray(tags) && tags.length > 0 && body['tags'] === undefined) body = { ...body, tags };
  }
  const stripped = READ_ONLY_FIELDS.filter((field) => field in body);
  body = stripReadOnly(body);
  checkBody(body, source);
  return { body, stripped, shape: describeAnswer ? 'describe-answer' : 'definition' };
}

/** Up to about 100 characters of a line around `index`, so a minified file is not printed whole. */
function excerpt(line: string, index: number): { text: string; caret: number } {
  const room = 50;
  if (line.length <= 2 * room) return { text: line, caret: index };
  const start = Math.max(0, index - room);
  const end = Math.min(line.length, index + room);
  const before = start > 0 ? '…' : '';
  return {
    text: `${before}${line.slice(start, end)}${end < line.length ? '…' : ''}`,
    caret: index - start + before.length,
  };
}

/** A copy without the fields RegisterTaskDefinition refuses; every other field kept as given. */
export function stripReadOnly(body: TaskDefinitionBody): TaskDefinitionBody {
  const copy: TaskDefinitionBody = { ...body };
  for (const field of READ_ONLY_FIELDS) delete copy[field];
  return copy;
}

/**
 * A registered revision (DescribeTaskDefinition's answer and its tags) as a body to register again,
 * e.g. with new images.
 */
export function registrationBody(
  registered: TaskDefinitionBody,
  tags: Record<string, string> = {},
): TaskDefinitionBody {
  const body = stripReadOnly(registered);
  const list = Object.entries(tags).map(([key, value]) => ({ key, value }));
  return list.length > 0 ? { ...body, tags: list } : body;
}

function checkBody(body: TaskDefinitionBody, source: string): void {
  const family = body['family'];
  if (typeof family !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
    throw new TaskDefinitionError(
      `task-definition: ${source} needs a "family" of up to 255 letters, numbers, _ and - (e.g. "family": "web")`,
    );
  }
  const containers = body['containerDefinitions'];
  if (!Array.isArray(containers) || containers.length === 0) {
    throw new TaskDefinitionError(
      `task-definition: ${source} needs "containerDefinitions", a list of at least one container`,
    );
  }
  if (containers.length > MAX_CONTAINERS) {
    throw new TaskDefinitionError(
      `task-definition: ${source} has ${containers.length} containers; ECS takes at most ${MAX_CONTAINERS} in a task definition`,
    );
  }
  const seen = new Set<string>();
  for (const [index, container] of containers.entries()) {
    if (
      !isObject(container) ||
      typeof container['name'] !== 'string' ||
      !CONTAINER_NAME.test(container['name'])
    ) {
      throw new TaskDefinitionError(
        `task-definition: ${source} containerDefinitions[${index}] needs a "name" of letters, numbers, _ and -`,
      );
    }
    const name = container['name'];
    if (seen.has(name)) {
      throw new TaskDefinitionError(
        `task-definition: ${source} names container "${name}" twice; each container in a task definition needs its own name`,
      );
    }
    seen.add(name);
  }
}

/**
 * What RegisterTaskDefinition would refuse about the containers once images are in place: an
 * image missing or empty, and no essential container ("a task definition must have at least one
 * essential container", ContainerDefinition.essential). Checked after image substitution, so an
 * image given only by the `image` input is fine.
 */
export function checkContainers(body: TaskDefinitionBody, source: string): void {
  const list = containers(body);
  for (const c of list) {
    const image = c['image'];
    if (typeof image !== 'string' || image.trim() === '') {
      throw new TaskDefinitionError(
        `task-definition: ${source} container "${String(c['name'])}" has no image; give it an "image" in the file, or set container-name and image (or images)`,
      );
    }
  }
  if (list.length > 0 && list.every((c) => c['essential'] === false)) {
    throw new TaskDefinitionError(
      `task-definition: ${source} has no essential container; ECS needs at least one (set "essential": true on the main container)`,
    );
  }
}

export function containerNames(body: TaskDefinitionBody): string[] {
  return containers(body).map((c) => String(c['name']));
}

/**
 * A copy with the images replaced by container name. Every name must match a container; the error
 * lists the names there are.
 */
export function substituteImages(
  body: TaskDefinitionBody,
  images: ReadonlyMap<string, string>,
): TaskDefinitionBody {
  const names = containerNames(body);
  const unknown = [...images.keys()].filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    const which = unknown.map((n) => `"${n}"`).join(', ');
    throw new TaskDefinitionError(
      `No container named ${which} in task definition family "${String(body['family'])}"; its containers are: ${names.map((n) => `"${n}"`).join(', ')}. Fix container-name or images.`,
    );
  }
  if (images.size === 0) return body;
  return {
    ...body,
    containerDefinitions: containers(body).map((c) => {
      const image = images.get(String(c['name']));
      return image === undefined ? c : { ...c, image };
    }),
  };
}

export function containers(body: TaskDefinitionBody): Record<string, unknown>[] {
  const list = body['containerDefinitions'];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
