// Describe* paging with `PageSize` and `Marker` / `NextMarker` (API reference, e.g.
// DescribeTargetGroups: "Marker: The marker for the next set of results. (You received this marker
// from a previous call.)"; "PageSize: The maximum number of results to return with this call",
// 1-400, default 400).
//
// A marker names the last item a page answered by a key that does not move when other items come or
// go: the item's creation sequence for a listing of all resources (or of one load balancer's), its
// position in the request's own list for Describe* by ARNs or names (the client sends the same list
// with every page). The next page starts after that key, so an item deleted or created between two
// pages never makes the caller skip another one, as an offset would. The marker also names the
// operation it came from. AWS documents no error for a marker it did not issue; the emulator answers
// the Query services' error for invalid input, ValidationError ("Common Errors", API reference).
import { AwsError } from '../contracts.js';

/** An item with the key it sorts by; a page is a run of ascending keys. */
export interface Keyed<T> {
  key: number;
  item: T;
}

interface MarkerBody {
  op: string;
  after: number;
}

export function encodeMarker(operation: string, after: number): string {
  const body: MarkerBody = { op: operation, after };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

function decodeMarker(operation: string, marker: string): number {
  const invalid = (): AwsError => new AwsError('ValidationError', `The marker '${marker}' is not valid`);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof body !== 'object' || body === null) throw invalid();
  const { op, after } = body as Partial<MarkerBody>;
  if (op !== operation || typeof after !== 'number' || !Number.isSafeInteger(after)) throw invalid();
  return after;
}

/**
 * One page of `entries` (ascending by key) after `marker`, and the marker of the next page when
 * more entries follow.
 */
export function pageAfter<T>(
  operation: string,
  entries: readonly Keyed<T>[],
  marker: string | undefined,
  pageSize: number,
): { items: T[]; nextMarker?: string } {
  const after = marker === undefined ? undefined : decodeMarker(operation, marker);
  const rest = after === undefined ? entries : entries.filter((e) => e.key > after);
  const page = rest.slice(0, pageSize);
  const last = page[page.length - 1];
  const items = page.map((e) => e.item);
  return rest.length > pageSize && last
    ? { items, nextMarker: encodeMarker(operation, last.key) }
    : { items };
}

/** Entries keyed by their position in a list the client gave (Describe* by ARNs or names). */
export function byPosition<T>(items: readonly T[]): Keyed<T>[] {
  return items.map((item, key) => ({ key, item }));
}

/** Entries keyed by creation sequence, ascending (a listing of stored resources). */
export function bySequence<T extends { seq: number }>(items: Iterable<T>): Keyed<T>[] {
  return [...items].map((item) => ({ key: item.seq, item })).sort((a, b) => a.key - b.key);
}
