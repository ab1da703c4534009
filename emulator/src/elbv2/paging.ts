// Describe* paging with `PageSize` and `Marker` / `NextMarker` (API reference, e.g.
// DescribeTargetGroups: "Marker: The marker for the next set of results. (You received this marker
// from a previous call.)"; "PageSize: The maximum number of results to return with this call",
// 1-400, default 400), on the one keyed-page core (../paging.ts).
//
// A marker names the last item a page answered by a key that does not move when other items come or
// go: the item's creation sequence for a listing of all resources (or of one load balancer's), its
// position in the request's own list for Describe* by ARNs or names (the client sends the same list
// with every page). The marker also names the operation it came from. AWS documents no error for a
// marker it did not issue; the emulator answers the Query services' error for invalid input,
// ValidationError ("Common Errors", API reference).
import { AwsError } from '../contracts.js';
import { keyedPage, type Keyed } from '../paging.js';

export type { Keyed };

/**
 * One page of `entries` after `marker`, and the marker of the next page when more entries follow.
 */
export function pageAfter<T>(
  operation: string,
  entries: readonly Keyed<T>[],
  marker: string | undefined,
  pageSize: number,
): { items: T[]; nextMarker?: string } {
  const { items, next } = keyedPage({
    operation,
    entries,
    token: marker,
    size: pageSize,
    badToken: () => new AwsError('ValidationError', `The marker '${marker}' is not valid`),
  });
  return next === undefined ? { items } : { items, nextMarker: next };
}

/** Entries keyed by their position in a list the client gave (Describe* by ARNs or names). */
export function byPosition<T>(items: readonly T[]): Keyed<T>[] {
  return items.map((item, key) => ({ key: [key], item }));
}

/** Entries keyed by creation sequence (a listing of stored resources). */
export function bySequence<T extends { seq: number }>(items: Iterable<T>): Keyed<T>[] {
  return [...items].map((item) => ({ key: [item.seq], item }));
}
