import type { Xenplane } from '@xenplane/sdk';
import type { Row } from '../output/table';

/** A list route's answer: a page of a cursor-paginated route, or (older routes) the whole array. */
type ListAnswer = Row[] | { items: Row[]; nextCursor?: string };

/**
 * Every item of a list route, following nextCursor. Routes still answering a bare array are read
 * as one page: the `lists` work moves every list route onto cursor pages, and `xp` reads both.
 */
export async function listAll(x: Xenplane, path: string, query: Record<string, string | number> = {}): Promise<Row[]> {
  const items: Row[] = [];
  let cursor: string | undefined;
  do {
    // a route chosen at run time: the typed GET's path union does not apply; the answer is printed as is
    const get = x.GET as unknown as (p: string, init: object) => Promise<ListAnswer>;
    const page = await get(path, { params: { query: { ...query, ...(cursor ? { cursor } : {}) } } });
    if (Array.isArray(page)) return page;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
