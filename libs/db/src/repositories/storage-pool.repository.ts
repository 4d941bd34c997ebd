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

/** A storage pool as shown: a shared one with the GiB its live disks' extents take. */
export type StoragePoolWithHosts = Prisma.StoragePoolGetPayload<{ include: typeof WITH_HOSTS }> & {
  sharedUsedGb?: number;
};

/** A shared storage pool as an admin declares it (docs/STORAGE.md, "Shared storage"). */
export interface NewSharedStoragePool {
  poolId: string;
  name: string;
  devicePath: string;
  capacityGb: number;
  isDefault: boolean;
}

/** Every read and write of storage pools the apps make (each pool gets its `local` one when it is made: PoolRepository.create). */
export class StoragePoolRepository {
  constructor(private readonly db: Db) {}

  /**
   * A page of the storage pools of one pool (every pool's when none is given), newest first, after
   * the cursor, with their hosts' disks: one query per relation, not per pool.
   */
  async listPage(
    poolId: string | undefined,
    after: PageCursor | undefined,
    take: number,
  ): Promise<StoragePoolWithHosts[]> {
    const rows = await this.db.storagePool.findMany({
      where: { ...(poolId ? { poolId } : {}), ...afterPage(after) },
      include: WITH_HOSTS,
      orderBy: NEWEST_FIRST,
      take,
    });
    const shared = rows.filter((r) => r.kind === 'shared').map((r) => r.id);
    if (!shared.length) return rows;
    // the disks holding an extent, of VMs not deleted: what allocateSharedExtents counts as taken
    const used = await this.db.disk.groupBy({
      by: ['storagePoolId'],
      where: { storagePoolId: { in: shared }, offsetMb: { not: null }, vm: { state: { not: 'deleted' } } },
      _sum: { sizeGb: true },
    });
    const usedOf = new Map(used.map((u) => [u.storagePoolId, u._sum.sizeGb ?? 0]));
    return rows.map((r) => (r.kind === 'shared' ? { ...r, sharedUsedGb: usedOf.get(r.id) ?? 0 } : r));
  }

  /** A shared storage pool, the pool's default if asked (the previous default no longer is), shown as listPage shows it. */
  createShared(n: NewSharedStoragePool): Promise<StoragePoolWithHosts> {
    return this.db.$transaction(async (tx) => {
      if (n.isDefault)
        await tx.storagePool.updateMany({ where: { poolId: n.poolId, isDefault: true }, data: { isDefault: false } });
      const created = await tx.storagePool.create({ data: { ...n, kind: 'shared' }, include: WITH_HOSTS });
      return { ...created, sharedUsedGb: 0 };
    });
  }
}
