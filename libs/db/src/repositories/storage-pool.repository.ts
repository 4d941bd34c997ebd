import type { Db } from '../client';
import type { Prisma } from '../generated/prisma/client';

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

  /** The storage pools of one pool (every pool's when none is given), with their hosts' disks: one query per relation, not per pool. */
  listWithHosts(poolId?: string): Promise<StoragePoolWithHosts[]> {
    return this.db.storagePool.findMany({
      where: poolId ? { poolId } : {},
      include: WITH_HOSTS,
      orderBy: [{ pool: { name: 'asc' } }, { name: 'asc' }],
    });
  }
}
