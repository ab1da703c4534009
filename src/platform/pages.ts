// ECS list calls page their answers (ListTasks, ListTaskDefinitions): a page carries a nextToken
// while there are more results, and the listing is complete only when a page comes back without one.

/** Calls `page` with each nextToken in turn, from none until a page has none, and joins the items. */
export async function allPages<T>(
  page: (nextToken: string | undefined) => Promise<{ items: T[] | undefined; nextToken: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const answer = await page(nextToken);
    items.push(...(answer.items ?? []));
    nextToken = answer.nextToken;
  } while (nextToken);
  return items;
}
