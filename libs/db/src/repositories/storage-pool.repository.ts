import type { Db } from '../client';
import type { Prisma } from '../generated/prisma/client';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

/** What a storage pool is shown with: its pool's disk allocation ratio and the disk columns of the pool's hosts. */
const WITH_HOSTS = {
  pool: {
    select: {
      id: true,
      name: true,
      diskAllocationRatio: true,
      hosts: {
        select: { id: true, name: true, state: true, totalDiskGb: true, reservedDiskGb: true, usedDiskGb: true },
        orderBy: { name: 'asc' },
      },
    },
  },
} as const;

export type StoragePoolWithHosts = Prisma.StoragePoolGetPayload<{ include: typeof WITH_HOSTS }>;

/** Every read of storage pools the apps make (each pool gets its `local` one when it is made: PoolRepository.create). */
export class StoragePoolRepository {
  constructor(private readonly db: Db) {}

  /**
   * A page of the storage pools of one pool (every pool's when none is given), newest first, after
   * the cursor, with their hosts' disks: one query per relation, not per pool.
   */
  listPage(poolId: string | undefined, after: PageCursor | undefined, take: number): Promise<StoragePoolWithHosts[]> {
    return this.db.storagePool.findMany({
      where: { ...(poolId ? { poolId } : {}), ...afterPage(after) },
      include: WITH_HOSTS,
      orderBy: NEWEST_FIRST,
      take,
    });
  }
}
