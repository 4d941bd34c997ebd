import type { Db } from './client';
import { type Host, type HostState, Prisma } from './generated/prisma/client';
import type { PageCursor } from './repositories/page';
import { hostColumnsOf } from './rows';

/**
 * A host row with its liveness as Postgres judges it: the age of its last heartbeat, and whether
 * that is younger than its pool's suspect timeout. Ages come from the database's own clock, the
 * one that stamps heartbeats, so no process's clock skew can make a host look alive or silent.
 */
export type HostRow = Host & {
  /** ms since the last heartbeat (null: never answered) */
  heartbeatAgeMs: number | null;
  /** placeable as far as liveness goes: a heartbeat younger than the pool's suspect timeout */
  live: boolean;
};

/** Condition: host `h` of pool `p` answered a heartbeat within the pool's suspect timeout. */
export const IS_LIVE = Prisma.sql`(h.last_heartbeat_at > now() - p.suspect_after_ms * interval '1 millisecond') IS TRUE`;

export type HostFilter =
  { all: true } | { ids: readonly string[] } | { changedSince: bigint } | { notDisabled: true } | { poolId: string };

function condition(f: HostFilter): Prisma.Sql {
  if ('ids' in f) return Prisma.sql`h.id = ANY(${[...f.ids]}::uuid[])`;
  if ('changedSince' in f) return Prisma.sql`h.generation > ${f.changedSince}`;
  if ('notDisabled' in f) return Prisma.sql`h.state <> 'disabled'`;
  if ('poolId' in f) return Prisma.sql`h.pool_id = ${f.poolId}::uuid`;
  return Prisma.sql`true`;
}

/** A HostRow's columns, out of host `h` joined to its pool `p`. */
const HOST_ROW = Prisma.sql`SELECT ${hostColumnsOf('h')},
      (extract(epoch FROM now() - h.last_heartbeat_at) * 1000)::float8 AS "heartbeatAgeMs",
      ${IS_LIVE} AS live
    FROM hosts h JOIN pools p ON p.id = h.pool_id`;

/** Hosts with their liveness (HostRow), by id, changed since a generation, or all. */
export async function readHosts(db: Db | Prisma.TransactionClient, filter: HostFilter): Promise<HostRow[]> {
  return db.$queryRaw<HostRow[]>`
    ${HOST_ROW}
    WHERE ${condition(filter)}`;
}

/** Which hosts a listing shows (GET /v1/hosts): in these states, of this pool, with this name; each ANDed when given. */
export interface HostListFilter {
  states?: readonly HostState[];
  poolId?: string;
  name?: string;
}

function listCondition(f: HostListFilter, after: PageCursor | undefined): Prisma.Sql {
  const parts = [Prisma.sql`true`];
  if (f.states) parts.push(Prisma.sql`h.state::text = ANY(${[...f.states]}::text[])`);
  if (f.poolId) parts.push(Prisma.sql`h.pool_id = ${f.poolId}::uuid`);
  if (f.name !== undefined) parts.push(Prisma.sql`h.name = ${f.name}`);
  // keyset: rows after the cursor, newest first (ties on created_at broken by id), as afterPage
  if (after) parts.push(Prisma.sql`(h.created_at, h.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`);
  return Prisma.join(parts, ' AND ');
}

/** A page of hosts with their liveness, newest first, after the cursor: `take` rows at most. */
export async function readHostPage(
  db: Db | Prisma.TransactionClient,
  filter: HostListFilter,
  after: PageCursor | undefined,
  take: number,
): Promise<HostRow[]> {
  return db.$queryRaw<HostRow[]>`
    ${HOST_ROW}
    WHERE ${listCondition(filter, after)}
    ORDER BY h.created_at DESC, h.id DESC
    LIMIT ${take}`;
}

/**
 * Stamps the hosts that answered a heartbeat with the database's time, in ONE statement for
 * any number of hosts. Heartbeats alone do not bump a host's generation (10,000 hosts beating
 * every 2 s must not make every scheduler re-read every host), except a host's first beat after
 * silence: it has just become placeable again, and schedulers' caches must learn it.
 */
export async function recordHeartbeats(db: Db, hostIds: readonly string[]): Promise<void> {
  if (!hostIds.length) return;
  await db.$executeRaw`
    UPDATE hosts h SET last_heartbeat_at = now(),
      generation = CASE WHEN ${IS_LIVE} THEN h.generation ELSE nextval('host_generation') END
    FROM pools p
    WHERE h.id = ANY(${[...hostIds]}::uuid[]) AND p.id = h.pool_id`;
}

/** What a host is to its pool's peers: who, in what state, heard from lately, reached where. */
export interface RosterEntry {
  id: string;
  poolId: string;
  state: Host['state'];
  live: boolean;
  /** where its pool peers reach its agent */
  peerAddress: string;
}

/** Every host but the disabled, as its pool's peers see it (a light read: no inventory). */
export async function readRoster(db: Db): Promise<RosterEntry[]> {
  return db.$queryRaw<RosterEntry[]>`
    SELECT h.id::text AS id, h.pool_id::text AS "poolId", h.state::text AS state, ${IS_LIVE} AS live,
      coalesce(h.peer_address, h.address) AS "peerAddress"
    FROM hosts h JOIN pools p ON p.id = h.pool_id
    WHERE h.state <> 'disabled'`;
}
