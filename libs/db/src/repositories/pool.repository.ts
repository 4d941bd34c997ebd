import type { LivenessSettings } from '@xenplane/domain';
import type { Db } from '../client';
import { clearPoolPartition, markPoolPartitioned } from '../failover';
import type { Pool, Prisma } from '../generated/prisma/client';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

/** A pool's liveness settings, and since when it is cut off from the control plane (if it is). */
export type PoolLiveness = LivenessSettings & { partitionedSince: Date | null };

/** Every read and write of pool rows the apps make. */
export class PoolRepository {
  constructor(private readonly db: Db) {}

  find(id: string): Promise<Pool | null> {
    return this.db.pool.findUnique({ where: { id } });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.db.pool.findUnique({ where: { id } })) !== null;
  }

  /** A page of pools, newest first, after the cursor: `take` rows at most; the one with this name only when given. */
  listPage(filter: { name?: string }, after: PageCursor | undefined, take: number): Promise<Pool[]> {
    return this.db.pool.findMany({
      where: { ...(filter.name !== undefined ? { name: filter.name } : {}), ...afterPage(after) },
      orderBy: NEWEST_FIRST,
      take,
    });
  }

  /** Every pool, in no particular order. */
  all(): Promise<Pool[]> {
    return this.db.pool.findMany();
  }

  /** These pools (a pool missing is left out). */
  withIds(ids: readonly string[]): Promise<Pool[]> {
    return this.db.pool.findMany({ where: { id: { in: [...ids] } } });
  }

  /** Every pool's id and name. */
  names(): Promise<{ id: string; name: string }[]> {
    return this.db.pool.findMany({ select: { id: true, name: true } });
  }

  /** Every pool's name and since when it is cut off from the control plane (null: it is not). */
  partitions(): Promise<{ name: string; partitionedSince: Date | null }[]> {
    return this.db.pool.findMany({ select: { name: true, partitionedSince: true } });
  }

  /** Each pool's liveness settings and partition, by pool id. */
  async liveness(): Promise<Map<string, PoolLiveness>> {
    const pools = await this.db.pool.findMany({
      select: { id: true, heartbeatIntervalMs: true, suspectAfterMs: true, deadAfterMs: true, partitionedSince: true },
    });
    return new Map(pools.map(({ id, ...s }) => [id, s]));
  }

  /**
   * Creates a pool with its default `local` storage pool (every pool has somewhere to put
   * disks); a name already taken fails with Prisma's unique violation (P2002).
   */
  create(data: Prisma.PoolCreateInput): Promise<Pool> {
    return this.db.pool.create({
      data: { ...data, storagePools: { create: { name: 'local', kind: 'local', isDefault: true } } },
    });
  }

  update(id: string, data: Prisma.PoolUpdateInput): Promise<Pool> {
    return this.db.pool.update({ where: { id }, data });
  }

  /** Marks the pool cut off, once per episode, with its event (libs/db markPoolPartitioned); true when this call began it. */
  markPartitioned(id: string, silence: { silent: number; of: number }): Promise<boolean> {
    return markPoolPartitioned(this.db, id, silence);
  }

  /** Ends the pool's partition episode, with its event (libs/db clearPoolPartition); true when this call ended it. */
  clearPartition(id: string): Promise<boolean> {
    return clearPoolPartition(this.db, id);
  }
}
