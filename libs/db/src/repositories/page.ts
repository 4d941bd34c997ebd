/** Where a page of a newest-first listing ends: the next page starts after this row. */
export interface PageCursor {
  createdAt: Date;
  id: string;
}

/** Rows after the cursor, newest first (ties on createdAt broken by id): keyset pagination, no offsets. */
export function afterPage(c: PageCursor | undefined) {
  if (!c) return {};
  return { OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] };
}

export const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];
