/** Keyset pagination over (createdAt, id), newest first: stable while rows are added. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// rows are created now: a cursor's time lies between the epoch and the year 9999 (beyond either,
// Postgres or the ISO form would not take it back)
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The cursor a page handed out, or undefined when `raw` is not one: exactly what encodeCursor
 * writes (base64url of `<ISO time>|<uuid>`, nothing more, nothing less), with a time in range
 * and a lower-case uuid. Cursors are opaque: anything else is refused, never read loosely.
 */
export function parseCursor(raw: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(raw)) return undefined;
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const parts = text.split('|');
  if (parts.length !== 2) return undefined;
  const [at, id] = parts as [string, string];
  if (!UUID.test(id) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at)) return undefined;
  const createdAt = new Date(at);
  const time = createdAt.getTime();
  if (Number.isNaN(time) || time < EARLIEST || time > LATEST) return undefined;
  const cursor = { createdAt, id };
  // a date that does not exist (02-30) parses to another day: only the cursor's own spelling counts
  return encodeCursor(cursor) === raw ? cursor : undefined;
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
