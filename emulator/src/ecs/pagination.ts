// ECS list pagination (ListTasks, ListServices, ListClusters, ListTaskDefinitions,
// ListServiceDeployments). The API reference says of every `nextToken`: "This token should be
// treated as an opaque identifier that is only used to retrieve the next items in a list". Here a
// token names the position after which the next page starts: the sort key of the last item given,
// not an offset. An offset skips an item whenever one before it leaves the list between two pages
// (150 tasks: page 1, StopTask one of them, page 2 would start one task too far); a key does not.
// Items that join the list behind the position are on a later page; items that leave it are not.
import { invalid } from './input.js';

/** A unique, stable position in a list: compared element by element. */
export type SortKey = readonly (string | number)[];

export interface PageRequest<T> {
  /** Tokens are bound to the operation that issued them. */
  operation: string;
  /** Every item of the list, in any order. */
  items: readonly T[];
  key: (item: T) => SortKey;
  descending?: boolean;
  /** The request's maxResults (1..100). */
  maxResults: number | undefined;
  /** What the operation returns without maxResults (API reference: 100, but 10 for ListServices, 20 for ListServiceDeployments). */
  defaultMaxResults: number;
  nextToken: string | undefined;
}

export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

export function keyedPage<T>(request: PageRequest<T>): { items: T[]; nextToken?: string } {
  const { maxResults } = request;
  if (maxResults !== undefined && (maxResults < 1 || maxResults > 100))
    throw invalid('maxResults must be between 1 and 100.');
  const direction = request.descending ? -1 : 1;
  const keyed = request.items.map((item) => ({ item, key: request.key(item) }));
  keyed.sort((a, b) => direction * compareKeys(a.key, b.key));
  const token = request.nextToken;
  const after = token === undefined || token === '' ? undefined : decode(token, request.operation);
  const rest = after === undefined ? keyed : keyed.filter((k) => direction * compareKeys(k.key, after) > 0);
  const size = maxResults ?? request.defaultMaxResults;
  const page = rest.slice(0, size);
  const out: { items: T[]; nextToken?: string } = { items: page.map((k) => k.item) };
  if (rest.length > size) out.nextToken = encode(request.operation, page[page.length - 1]!.key);
  return out;
}

interface Token {
  op: string;
  k: SortKey;
}

const encode = (operation: string, key: SortKey): string =>
  Buffer.from(JSON.stringify({ op: operation, k: key } satisfies Token)).toString('base64url');

/** InvalidParameterException for a token this operation did not issue (as ECS answers one it cannot read). */
function decode(token: string, operation: string): SortKey {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const { op, k } = parsed as { op?: unknown; k?: unknown };
      if (
        op === operation &&
        Array.isArray(k) &&
        k.length > 0 &&
        k.every((part) => typeof part === 'string' || typeof part === 'number')
      )
        return k as SortKey;
    }
  } catch {
    // not base64 JSON: fall through
  }
  throw invalid('Invalid nextToken.');
}
