// What changes between the task definition a service runs and the one a deploy would register, for
// people reading a plan. Pure.
//
// Usage: `renderTaskDefinitionDiff(diffTaskDefinitions(current.body, next))` gives markdown.
//
// Values that may be secret are never copied into the diff: for `environment` only the names of
// the variables that were added, removed or changed; for `secrets` (whose `valueFrom` names a
// Secrets Manager secret or SSM parameter) only the names, and whether the reference changed.
import type { TaskDefinitionBody } from './taskdef.js';
import { asRegistered, imageChanges, type ImageChange } from './taskdef-compare.js';

export interface KeyChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface ValueChange {
  /** `task cpu`, `web memory`, … */
  what: string;
  from?: string;
  to?: string;
}

export interface ContainerDiff {
  name: string;
  /** `added` / `removed`: the container is new or gone; the other fields are then empty. */
  presence: 'both' | 'added' | 'removed';
  environment: KeyChanges;
  /** Names only; a changed `valueFrom` counts as changed. */
  secrets: KeyChanges;
  /** `8080/tcp` style port mappings. */
  ports: { added: string[]; removed: string[] };
  /** Other container fields that differ, by name (e.g. `command`, `healthCheck`). */
  otherFields: string[];
}

export interface TaskDefinitionDiff {
  family: { from?: string; to?: string };
  images: ImageChange[];
  /** Task-level and container-level cpu and memory. */
  resources: ValueChange[];
  containers: ContainerDiff[];
  /** Other task-level fields that differ, by name (e.g. `taskRoleArn`, `volumes`). */
  otherFields: string[];
  /** True when nothing above differs. */
  unchanged: boolean;
}

/** Task-level fields reported on their own lines or not part of a revision's content. */
const TASK_FIELDS_SHOWN = new Set(['family', 'containerDefinitions', 'cpu', 'memory', 'tags']);
const CONTAINER_FIELDS_SHOWN = new Set([
  'name',
  'image',
  'environment',
  'secrets',
  'portMappings',
  'cpu',
  'memory',
  'memoryReservation',
]);

export function diffTaskDefinitions(
  before: TaskDefinitionBody,
  after: TaskDefinitionBody,
): TaskDefinitionDiff {
  // Both sides as ECS holds them, so a default ECS fills in on registration (container cpu 0,
  // essential true, tcp) is not shown as a change.
  const a = asRegistered(before);
  const b = asRegistered(after);
  const resources: ValueChange[] = [];
  for (const key of ['cpu', 'memory'] as const) {
    const change = valueChange(`task ${key}`, a[key], b[key]);
    if (change) resources.push(change);
  }

  const old = byName(a);
  const now = byName(b);
  const containers: ContainerDiff[] = [];
  for (const [name, next] of now) {
    const prev = old.get(name);
    if (!prev) {
      containers.push(emptyContainer(name, 'added'));
      continue;
    }
    for (const key of ['cpu', 'memory', 'memoryReservation'] as const) {
      const change = valueChange(`${name} ${key}`, prev[key], next[key]);
      if (change) resources.push(change);
    }
    containers.push({
      name,
      presence: 'both',
      environment: keyChanges(pairs(prev['environment'], 'value'), pairs(next['environment'], 'value')),
      secrets: keyChanges(pairs(prev['secrets'], 'valueFrom'), pairs(next['secrets'], 'valueFrom')),
      ports: setChanges(ports(prev['portMappings']), ports(next['portMappings'])),
      otherFields: differingFields(prev, next, CONTAINER_FIELDS_SHOWN),
    });
  }
  for (const name of old.keys()) if (!now.has(name)) containers.push(emptyContainer(name, 'removed'));

  const family = { ...str('from', a['family']), ...str('to', b['family']) };
  const images = imageChanges(a, b);
  const otherFields = differingFields(a, b, TASK_FIELDS_SHOWN);
  const unchanged =
    family.from === family.to &&
    images.length === 0 &&
    resources.length === 0 &&
    otherFields.length === 0 &&
    containers.every((c) => c.presence === 'both' && !containerChanged(c));
  return { family, images, resources, containers, otherFields, unchanged };
}

export function renderTaskDefinitionDiff(diff: TaskDefinitionDiff): string {
  if (diff.unchanged) return 'No change: the new task definition is the one the service runs.';
  const lines: string[] = [];
  if (diff.family.from !== diff.family.to) {
    lines.push(`- Family: \`${md(diff.family.from ?? '?')}\` → \`${md(diff.family.to ?? '?')}\``);
  }
  for (const c of diff.images) {
    if (c.from === undefined)
      lines.push(`- Image of \`${md(c.container)}\` (new container): \`${md(c.to ?? '?')}\``);
    else if (c.to === undefined)
      lines.push(`- Container \`${md(c.container)}\` removed (was \`${md(c.from)}\`)`);
    else lines.push(`- Image of \`${md(c.container)}\`: \`${md(c.from)}\` → \`${md(c.to)}\``);
  }
  for (const r of diff.resources) {
    lines.push(
      `- ${md(r.what)}: ${r.from === undefined ? 'unset' : `\`${md(r.from)}\``} → ${r.to === undefined ? 'unset' : `\`${md(r.to)}\``}`,
    );
  }
  for (const c of diff.containers) {
    if (c.presence !== 'both') {
      // Image lines above already name added and removed containers with an image.
      if (!diff.images.some((i) => i.container === c.name))
        lines.push(`- Container \`${md(c.name)}\` ${c.presence}`);
      continue;
    }
    const name = `\`${md(c.name)}\``;
    const env = keyWords(c.environment);
    if (env) lines.push(`- Environment of ${name}: ${env} (values not shown)`);
    const secrets = keyWords(c.secrets);
    if (secrets) lines.push(`- Secrets of ${name}: ${secrets} (by name only)`);
    if (c.ports.added.length > 0 || c.ports.removed.length > 0) {
      const parts = [
        ...(c.ports.added.length > 0 ? [`added ${list(c.ports.added)}`] : []),
        ...(c.ports.removed.length > 0 ? [`removed ${list(c.ports.removed)}`] : []),
      ];
      lines.push(`- Ports of ${name}: ${parts.join('; ')}`);
    }
    if (c.otherFields.length > 0) lines.push(`- Other settings of ${name} changed: ${list(c.otherFields)}`);
  }
  if (diff.otherFields.length > 0) lines.push(`- Other task settings changed: ${list(diff.otherFields)}`);
  return lines.join('\n');
}

function containerChanged(c: ContainerDiff): boolean {
  const keys = (k: KeyChanges) => k.added.length + k.removed.length + k.changed.length;
  return (
    keys(c.environment) +
      keys(c.secrets) +
      c.ports.added.length +
      c.ports.removed.length +
      c.otherFields.length >
    0
  );
}

function emptyContainer(name: string, presence: 'added' | 'removed'): ContainerDiff {
  const none = (): KeyChanges => ({ added: [], removed: [], changed: [] });
  return {
    name,
    presence,
    environment: none(),
    secrets: none(),
    ports: { added: [], removed: [] },
    otherFields: [],
  };
}

function byName(body: TaskDefinitionBody): Map<string, Record<string, unknown>> {
  const list = Array.isArray(body['containerDefinitions']) ? (body['containerDefinitions'] as unknown[]) : [];
  const map = new Map<string, Record<string, unknown>>();
  for (const c of list) if (isRecord(c) && typeof c['name'] === 'string') map.set(c['name'], c);
  return map;
}

/** `[{ name, value }]` as a map; the values are compared, never returned. */
function pairs(list: unknown, valueKey: string): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(list)) return map;
  for (const item of list) {
    if (isRecord(item) && typeof item['name'] === 'string')
      map.set(item['name'], JSON.stringify(item[valueKey] ?? null));
  }
  return map;
}

function keyChanges(before: Map<string, string>, after: Map<string, string>): KeyChanges {
  const added = [...after.keys()].filter((k) => !before.has(k)).sort();
  const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
  const changed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)).sort();
  return { added, removed, changed };
}

function ports(list: unknown): Set<string> {
  const set = new Set<string>();
  if (!Array.isArray(list)) return set;
  for (const p of list) {
    if (!isRecord(p) || typeof p['containerPort'] !== 'number') continue;
    // The protocol defaults to tcp (PortMapping: "The default is tcp").
    const protocol = typeof p['protocol'] === 'string' ? p['protocol'] : 'tcp';
    const host =
      typeof p['hostPort'] === 'number' && p['hostPort'] !== p['containerPort']
        ? ` (host ${p['hostPort']})`
        : '';
    set.add(`${p['containerPort']}/${protocol}${host}`);
  }
  return set;
}

function setChanges(before: Set<string>, after: Set<string>): { added: string[]; removed: string[] } {
  return {
    added: [...after].filter((p) => !before.has(p)).sort(),
    removed: [...before].filter((p) => !after.has(p)).sort(),
  };
}

function differingFields(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  skip: Set<string>,
): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !skip.has(k) && canonical(a[k]) !== canonical(b[k])).sort();
}

function valueChange(what: string, from: unknown, to: unknown): ValueChange | undefined {
  // Task-level cpu and memory are strings in the API and numbers in many files: compare as text.
  const f = from === undefined || from === null ? undefined : String(from);
  const t = to === undefined || to === null ? undefined : String(to);
  if (f === t) return undefined;
  return { what, ...(f !== undefined ? { from: f } : {}), ...(t !== undefined ? { to: t } : {}) };
}

function keyWords(k: KeyChanges): string {
  return [
    ...(k.added.length > 0 ? [`added ${list(k.added)}`] : []),
    ...(k.removed.length > 0 ? [`removed ${list(k.removed)}`] : []),
    ...(k.changed.length > 0 ? [`changed ${list(k.changed)}`] : []),
  ].join('; ');
}

function list(names: string[]): string {
  return names.map((n) => `\`${md(n)}\``).join(', ');
}

function str(key: 'from' | 'to', value: unknown): { from?: string; to?: string } {
  return typeof value === 'string' ? { [key]: value } : {};
}

/** Key order does not make two definitions differ; empty lists and absent fields are the same. */
function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(sortKeys);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = sortKeys(value[k]);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  return value;
}

/** Backticks would end an inline code span. */
function md(value: string): string {
  return value.replace(/`/g, "'").replace(/[\r\n]+/g, ' ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
