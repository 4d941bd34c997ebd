import { type Cursor, pageOf, parseCursor } from '@xenplane/domain';
import { invalid } from '../errors/api-errors';

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
