import { invalid } from '../errors/api-errors';

/** Keyset pagination over (createdAt, id), newest first: stable while rows are added. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');
}

export function decodeCursor(raw: string): Cursor {
  const [at, id] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(createdAt.getTime())) throw invalid('cursor', 'is not a cursor this API issued');
  return { createdAt, id };
}

/** The where-clause of the page after a cursor. */
export function afterCursor(c: Cursor | undefined) {
  if (!c) return {};
  return { OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] };
}

export const PAGE_ORDER = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

export function page<T extends { createdAt: Date; id: string }, V>(rows: T[], limit: number, present: (r: T) => V) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(present),
    ...(rows.length > limit && last ? { nextCursor: encodeCursor(last) } : {}),
  };
}
