import { createHash } from 'node:crypto';
import { Prisma } from './generated/prisma/client';

const NAME = /^[a-z_]+$/;
const MARK = /^\/\* prepared:([a-z_]+) \*\//;
// the names of the marked texts seen: hashing a statement's text on every run cost more than this lookup
const NAMES = new Map<string, string>();
const MAX_NAMES = 1_000;

/**
 * Marks a raw statement (put it first in the template) to be prepared once per connection, so
 * Postgres plans it once and keeps the plan. Unmarked statements go unnamed and are planned on
 * every execution: Prisma's own are simple, but the few statements an operation is made of are
 * CTEs whose planning cost more than running them (taking up an operation: 3 ms planned, 2.4 ms
 * run). Only statements whose text never varies (arrays, not `IN ($1, $2, ...)` lists), else
 * every variant is kept by every connection.
 */
export function prepared(name: string): Prisma.Sql {
  if (!NAME.test(name)) throw new Error(`a prepared statement's name is lower case letters and _: ${name}`);
  return Prisma.raw(`/* prepared:${name} */ `);
}

/**
 * The adapter's statement name for a query: a marked one's name with a hash of its text (a
 * changed text is a new statement, never a clash); '' (unnamed) for the rest.
 */
export function statementName(query: { sql: string }): string {
  if (!query.sql.startsWith('/* prepared:')) return '';
  let name = NAMES.get(query.sql);
  if (name === undefined) {
    const mark = MARK.exec(query.sql);
    if (!mark) return '';
    name = `${mark[1]}_${createHash('sha1').update(query.sql).digest('base64url').slice(0, 12)}`;
    // marked texts are few and fixed; the bound only guards against a marked text that varies
    if (NAMES.size >= MAX_NAMES) NAMES.clear();
    NAMES.set(query.sql, name);
  }
  return name;
}
