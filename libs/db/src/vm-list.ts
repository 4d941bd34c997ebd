import type { Db } from './client';
import { Prisma, type VmState } from './generated/prisma/client';
import type { PageCursor } from './repositories/page';

/**
 * Which VMs a listing shows: a project's (every project's when none), in these states (all but
 * deleted when none), of a pool, on a host, with a name or a name prefix, and whose metadata
 * contains every one of these key/value pairs; each ANDed when given.
 */
export interface VmListFilter {
  projectId?: string;
  states?: readonly VmState[];
  poolId?: string;
  hostId?: string;
  name?: string;
  namePrefix?: string;
  metadata?: Readonly<Record<string, string>>;
}

/** The WHERE of a VM listing over `vms v`, after the cursor: the one builder of it. */
function vmListCondition(f: VmListFilter, after: PageCursor | undefined): Prisma.Sql {
  const parts = [
    f.states ? Prisma.sql`v.state::text = ANY(${[...f.states]}::text[])` : Prisma.sql`v.state <> 'deleted'`,
  ];
  if (f.projectId) parts.push(Prisma.sql`v.project_id = ${f.projectId}::uuid`);
  if (f.poolId) parts.push(Prisma.sql`v.pool_id = ${f.poolId}::uuid`);
  if (f.hostId) parts.push(Prisma.sql`v.host_id = ${f.hostId}::uuid`);
  if (f.name !== undefined) parts.push(Prisma.sql`v.name = ${f.name}`);
  // starts_with, not LIKE: a name's `_` is itself, never a wildcard
  if (f.namePrefix !== undefined) parts.push(Prisma.sql`starts_with(v.name, ${f.namePrefix})`);
  // containment, which the GIN index on metadata (jsonb_path_ops) answers
  if (f.metadata && Object.keys(f.metadata).length)
    parts.push(Prisma.sql`v.metadata @> ${JSON.stringify(f.metadata)}::jsonb`);
  // keyset: rows after the cursor, newest first (ties on created_at broken by id), as afterPage
  if (after) parts.push(Prisma.sql`(v.created_at, v.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`);
  return Prisma.join(parts, ' AND ');
}

/** The ids of a page of VMs, newest first, after the cursor: `take` at most. */
export async function vmListIds(
  db: Db,
  filter: VmListFilter,
  after: PageCursor | undefined,
  take: number,
): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT v.id FROM vms v
    WHERE ${vmListCondition(filter, after)}
    ORDER BY v.created_at DESC, v.id DESC
    LIMIT ${take}`;
  return rows.map((r) => r.id);
}
