/** Keyset pagination over (createdAt, id), newest first: stable while rows are added. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');
}

/** The cursor a page handed out, or undefined when `raw` is not one (a uuid id and a valid date). */
export function parseCursor(raw: string): Cursor | undefined {
  const [at, id] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(createdAt.getTime())) return undefined;
  return { createdAt, id };
}

/**
 * A page of at most `limit` rows out of `limit + 1` read: the extra row only says there is a
 * next page, whose cursor is the page's last row.
 */
export function pageOf<T extends Cursor>(rows: readonly T[], limit: number): { items: T[]; nextCursor?: string } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, ...(rows.length > limit && last ? { nextCursor: encodeCursor(last) } : {}) };
}
