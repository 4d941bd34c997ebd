import { type Cursor, pageOf, parseCursor } from '@xenplane/domain';
import { invalid } from '../errors/api-errors';
import type { PageQuery } from './page-query';

/** Rows a page shows when the caller does not say (`limit`). */
export const DEFAULT_PAGE_LIMIT = 50;

/** Keyset pagination over (createdAt, id), newest first (libs/domain pagination). */
export function decodeCursor(raw: string): Cursor {
  const cursor = parseCursor(raw);
  if (!cursor) throw invalid('cursor', 'is not a cursor this API issued');
  return cursor;
}

export function page<T extends { createdAt: Date; id: string }, V>(rows: T[], limit: number, present: (r: T) => V) {
  const { items, nextCursor } = pageOf(rows, limit);
  return { items: items.map(present), ...(nextCursor !== undefined ? { nextCursor } : {}) };
}

/**
 * One page of a list route: reads `limit + 1` rows after the query's cursor (the extra one only
 * says a next page exists) and presents the page's rows together (one query for what they refer to).
 */
export async function readPage<T extends Cursor, V>(
  q: PageQuery,
  read: (after: Cursor | undefined, take: number) => Promise<T[]>,
  present: (rows: T[]) => V[] | Promise<V[]>,
): Promise<{ items: V[]; nextCursor?: string }> {
  const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
  const { items, nextCursor } = pageOf(await read(q.cursor ? decodeCursor(q.cursor) : undefined, limit + 1), limit);
  return { items: await present(items), ...(nextCursor !== undefined ? { nextCursor } : {}) };
}
