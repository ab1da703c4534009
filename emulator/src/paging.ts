// The one paging core of the emulator's list and describe operations, whatever their protocol calls
// the token: ECS `nextToken` / `maxResults` (ecs/pagination.ts), ELBv2 `Marker` / `NextMarker` /
// `PageSize` (elbv2/paging.ts), CloudWatch `NextToken` / `MaxRecords` (cloudwatch/api.ts). Each API
// reference calls its token opaque (ECS: "This token should be treated as an opaque identifier that
// is only used to retrieve the next items in a list"). Here a token names the position after which
// the next page starts: the sort key of the last item given, not an offset. An offset skips an item
// whenever one before it leaves the list between two pages (150 tasks: page 1, StopTask one of
// them, page 2 would start one task too far); a key does not. Items that join the list behind the
// position are on a later page; items that leave it are not. A token also names the operation that
// issued it; any other token is refused with the protocol's own error.
import type { AwsError } from './contracts.js';

/** A unique, stable position in a list: compared element by element. */
export type SortKey = readonly (string | number)[];

/** An item with the key it sorts by. */
export interface Keyed<T> {
  key: SortKey;
  item: T;
}

export interface PageRequest<T> {
  /** Tokens are bound to the operation that issued them. */
  operation: string;
  /** Every item of the list, in any order. */
  entries: readonly Keyed<T>[];
  descending?: boolean;
  /** The token of the request, if any (an empty one is refused: no operation issues it). */
  token: string | undefined;
  size: number;
  /** The protocol's error for a token this operation did not issue. */
  badToken: () => AwsError;
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

/** One page of `entries` after the token's position, and the token of the next page when more follow. */
export function keyedPage<T>(request: PageRequest<T>): { items: T[]; next?: string } {
  const direction = request.descending ? -1 : 1;
  const sorted = [...request.entries].sort((a, b) => direction * compareKeys(a.key, b.key));
  const { token, size } = request;
  const after = token === undefined ? undefined : decode(request, token);
  const rest = after === undefined ? sorted : sorted.filter((e) => direction * compareKeys(e.key, after) > 0);
  const page = rest.slice(0, size);
  const out: { items: T[]; next?: string } = { items: page.map((e) => e.item) };
  const last = page[page.length - 1];
  if (rest.length > size && last) out.next = encode(request.operation, last.key);
  return out;
}

interface Token {
  op: string;
  k: SortKey;
}

const encode = (operation: string, key: SortKey): string =>
  Buffer.from(JSON.stringify({ op: operation, k: key } satisfies Token)).toString('base64url');

function decode(request: PageRequest<unknown>, token: string): SortKey {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const { op, k } = parsed as { op?: unknown; k?: unknown };
      if (
        op === request.operation &&
        Array.isArray(k) &&
        k.length > 0 &&
        k.every((part) => typeof part === 'string' || typeof part === 'number')
      )
        return k as SortKey;
    }
  } catch {
    // not base64 JSON: fall through
  }
  throw request.badToken();
}
