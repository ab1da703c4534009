// ECS list pagination (ListTasks, ListServices, ListClusters, ListTaskDefinitions,
// ListContainerInstances, ListServiceDeployments): ECS's names (`maxResults`, `nextToken`), limits
// and error on the one keyed-page core (../paging.ts, which says why a token is a key, not an offset).
import { keyedPage as pageOf, type SortKey } from '../paging.js';
import { invalid } from './input.js';

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

export function keyedPage<T>(request: PageRequest<T>): { items: T[]; nextToken?: string } {
  const { maxResults } = request;
  if (maxResults !== undefined && (maxResults < 1 || maxResults > 100))
    throw invalid('maxResults must be between 1 and 100.');
  const { items, next } = pageOf({
    operation: request.operation,
    entries: request.items.map((item) => ({ item, key: request.key(item) })),
    ...(request.descending !== undefined ? { descending: request.descending } : {}),
    // ECS reads an empty nextToken as none.
    token: request.nextToken === '' ? undefined : request.nextToken,
    size: maxResults ?? request.defaultMaxResults,
    // InvalidParameterException for a token this operation did not issue (as ECS answers one it cannot read).
    badToken: () => invalid('Invalid nextToken.'),
  });
  return next === undefined ? { items } : { items, nextToken: next };
}
