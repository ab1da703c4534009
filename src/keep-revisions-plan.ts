// keep-revisions, the pure part: which ACTIVE revisions of a family a successful rollout may
// deregister. The newest N are kept; so are, whatever their age, the live revision, the previous
// one (what a rollback goes back to) and every revision a service of the cluster still runs (its
// primary deployment or any other: a deployment in flight, or one being rolled back to).
//
//   ACTIVE revisions 1..9, keep 3, live 9, previous 8, another service runs 2
//     -> kept 9, 8, 7 (newest 3), 2 (in use); deregistered 6, 5, 4, 3, 1
//   ACTIVE 1..5, keep 2, live 3 (the newest two, 4 and 5, were registered and never went live),
//   previous 1 -> kept 5, 4 (newest), 3 (live), 1 (previous); deregistered 2

export type KeptBecause = 'newest' | 'live' | 'previous' | 'in use';

export interface RevisionSelection {
  /** Newest first. */
  deregister: string[];
  kept: { arn: string; because: KeptBecause }[];
}

/** `arn:…:task-definition/<family>:<revision>` -> revision (NaN when the ARN has none). */
export function revisionOf(arn: string): number {
  const colon = arn.lastIndexOf(':');
  return colon === -1 ? NaN : Number(arn.slice(colon + 1));
}

export function revisionsToDeregister(input: {
  /** The family's ACTIVE revisions, any order. */
  active: readonly string[];
  keep: number;
  live: string;
  previous: string;
  inUse: ReadonlySet<string>;
}): RevisionSelection {
  if (input.keep <= 0)
    return { deregister: [], kept: input.active.map((arn) => ({ arn, because: 'newest' })) };
  const newestFirst = [...new Set(input.active)]
    .filter((arn) => Number.isInteger(revisionOf(arn)))
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  const selection: RevisionSelection = { deregister: [], kept: [] };
  newestFirst.forEach((arn, i) => {
    const because: KeptBecause | undefined =
      i < input.keep
        ? 'newest'
        : arn === input.live
          ? 'live'
          : arn === input.previous
            ? 'previous'
            : input.inUse.has(arn)
              ? 'in use'
              : undefined;
    if (because) selection.kept.push({ arn, because });
    else selection.deregister.push(arn);
  });
  return selection;
}
