// A task definition compared with another: which images changed, and whether two are the same
// definition as ECS registers it, so an unchanged one is not registered again.
import { containers, isObject, stripReadOnly, type TaskDefinitionBody } from './taskdef.js';

export interface ImageChange {
  container: string;
  /** Absent when the container is new. */
  from?: string;
  /** Absent when the container was removed. */
  to?: string;
}

/** Containers whose image differs between two task definitions, added and removed ones included. */
export function imageChanges(before: TaskDefinitionBody, after: TaskDefinitionBody): ImageChange[] {
  const old = new Map(containers(before).map((c) => [String(c['name']), c['image']]));
  const now = new Map(containers(after).map((c) => [String(c['name']), c['image']]));
  const changes: ImageChange[] = [];
  for (const [container, image] of now) {
    const from = old.get(container);
    if (from === image && old.has(container)) continue;
    changes.push({
      container,
      ...(typeof from === 'string' ? { from } : {}),
      ...(typeof image === 'string' ? { to: image } : {}),
    });
  }
  for (const [container, image] of old) {
    if (!now.has(container))
      changes.push({ container, ...(typeof image === 'string' ? { from: image } : {}) });
  }
  return changes;
}

/**
 * True when registering `a` would give the same task definition as `b` (typically the service's
 * current one, as DescribeTaskDefinition returns it). Both sides are normalised: read-only fields
 * and tags dropped (tags are not part of a revision's content), key order ignored, empty values
 * dropped, and the defaults ECS fills in on registration made explicit.
 */
export function sameDefinition(a: TaskDefinitionBody, b: TaskDefinitionBody): boolean {
  const sorted = (body: TaskDefinitionBody): TaskDefinitionBody => {
    const copy = asRegistered(body);
    // Containers are looked up by name; their order in the list is not a difference.
    copy['containerDefinitions'] = containers(copy).sort((x, y) =>
      String(x['name']).localeCompare(String(y['name'])),
    );
    return copy;
  };
  return canonical(sorted(a)) === canonical(sorted(b));
}

/**
 * The body as ECS would hold it once registered: read-only fields and tags dropped, empty values
 * dropped, and the defaults ECS fills in on registration made explicit (container order is kept).
 */
export function asRegistered(body: TaskDefinitionBody): TaskDefinitionBody {
  const copy = stripReadOnly(body);
  delete copy['tags'];
  // The Docker networking mode defaults to bridge when none is given (task definition parameters).
  const networkMode = typeof copy['networkMode'] === 'string' ? copy['networkMode'] : 'bridge';
  copy['networkMode'] = networkMode;
  // Task-level cpu and memory are strings in the API; a file may give numbers.
  for (const key of ['cpu', 'memory']) if (typeof copy[key] === 'number') copy[key] = String(copy[key]);
  copy['containerDefinitions'] = containers(copy).map((c) => normaliseContainer(c, networkMode));
  const kept = dropEmpty(copy);
  return isObject(kept) ? kept : {};
}

function normaliseContainer(
  container: Record<string, unknown>,
  networkMode: string,
): Record<string, unknown> {
  const c = { ...container };
  // DescribeTaskDefinition reports cpu 0 and essential true for a container that set neither.
  if (c['cpu'] === undefined) c['cpu'] = 0;
  if (c['essential'] === undefined) c['essential'] = true;
  if (Array.isArray(c['portMappings'])) {
    c['portMappings'] = c['portMappings'].map((m: unknown) => {
      if (!isObject(m)) return m;
      const mapping = { ...m };
      if (mapping['protocol'] === undefined) mapping['protocol'] = 'tcp';
      // With awsvpc and host networking the host port is the container port; ECS fills it in.
      if ((networkMode === 'awsvpc' || networkMode === 'host') && mapping['hostPort'] === undefined) {
        mapping['hostPort'] = mapping['containerPort'];
      }
      // In bridge mode a host port left out or set to 0 both mean a dynamic one (PortMapping.hostPort).
      if (networkMode === 'bridge' && mapping['hostPort'] === 0) delete mapping['hostPort'];
      return mapping;
    });
  }
  // Variables are looked up by name; the order of the list means nothing to the container.
  for (const key of ['environment', 'secrets']) {
    const list = c[key];
    if (Array.isArray(list)) {
      c[key] = [...list].sort((x: unknown, y: unknown) =>
        String(isObject(x) ? x['name'] : '').localeCompare(String(isObject(y) ? y['name'] : '')),
      );
    }
  }
  return c;
}

/**
 * Drops properties that are null, '', [] or {} (after dropping inside them), which ECS treats as not
 * given. Items of a list are kept as they are: `"command": ["run", ""]` means what it says.
 */
function dropEmpty(value: unknown, inList = false): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => dropEmpty(item, true));
    return items.length > 0 || inList ? items : undefined;
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const kept = dropEmpty(v);
      if (kept !== undefined) out[key] = kept;
    }
    return Object.keys(out).length > 0 || inList ? out : undefined;
  }
  return !inList && (value === null || value === '') ? undefined : value;
}

/** JSON with sorted keys, so key order does not matter. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
