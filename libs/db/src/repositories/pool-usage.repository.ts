import type { PoolUsageSample } from '@xenplane/domain';
import type { Db } from '../client';
import { Prisma } from '../generated/prisma/client';
import { IS_LIVE } from '../hosts';
import { offeredCapacitySql } from '../offered-capacity';

const OFFERED = offeredCapacitySql('h', 'p');
// a host counts toward its pool's capacity when placement could use it: up and heard from
// within the pool's suspect timeout (the same test as the claims' and GET /v1/pools/:id/ha's)
const PLACEABLE = Prisma.sql`h.state = 'up' AND ${IS_LIVE}`;

/** Pools' usage history: filed by the scheduler's sampler, read by GET /v1/pools/:id/usage-history. */
export class PoolUsageRepository {
  constructor(private readonly db: Db) {}

  /**
   * Files every pool's capacity and usage now under the slot `at`, in one statement: capacity,
   * the offered capacity (offeredCapacitySql) of its placeable hosts; usage, the claims held on
   * all its hosts. A pool with no host files zeros. A slot filed already is overwritten (a
   * retried tick, two replicas): one sample per pool per slot. How many pools were sampled.
   */
  record(at: Date): Promise<number> {
    return this.db.$executeRaw`
      INSERT INTO pool_usage_samples AS s (pool_id, at, capacity_vcpus, capacity_memory_mb, capacity_disk_gb,
        used_vcpus, used_memory_mb, used_disk_gb, used_instances)
      SELECT p.id, ${at},
        COALESCE(sum(${OFFERED.vcpus}) FILTER (WHERE ${PLACEABLE}), 0),
        COALESCE(sum(${OFFERED.memoryMb}) FILTER (WHERE ${PLACEABLE}), 0),
        COALESCE(sum(${OFFERED.diskGb}) FILTER (WHERE ${PLACEABLE}), 0),
        COALESCE(sum(h.used_vcpus), 0), COALESCE(sum(h.used_memory_mb), 0),
        COALESCE(sum(h.used_disk_gb), 0), COALESCE(sum(h.used_instances), 0)
      FROM pools p LEFT JOIN hosts h ON h.pool_id = p.id
      GROUP BY p.id
      ON CONFLICT (pool_id, at) DO UPDATE SET
        capacity_vcpus = EXCLUDED.capacity_vcpus, capacity_memory_mb = EXCLUDED.capacity_memory_mb,
        capacity_disk_gb = EXCLUDED.capacity_disk_gb, used_vcpus = EXCLUDED.used_vcpus,
        used_memory_mb = EXCLUDED.used_memory_mb, used_disk_gb = EXCLUDED.used_disk_gb,
        used_instances = EXCLUDED.used_instances`;
  }

  /** Forgets samples filed before this time; how many went. */
  async deleteBefore(before: Date): Promise<number> {
    return (await this.db.poolUsageSample.deleteMany({ where: { at: { lt: before } } })).count;
  }

  /** The pool's samples in [since, until), oldest first. */
  async window(poolId: string, since: Date, until: Date): Promise<PoolUsageSample[]> {
    const rows = await this.db.poolUsageSample.findMany({
      where: { poolId, at: { gte: since, lt: until } },
      orderBy: { at: 'asc' },
    });
    return rows.map((r) => ({
      at: r.at.getTime(),
      capacity: {
        vcpus: r.capacityVcpus,
        memoryMb: Number(r.capacityMemoryMb),
        diskGb: Number(r.capacityDiskGb),
      },
      used: {
        vcpus: r.usedVcpus,
        memoryMb: Number(r.usedMemoryMb),
        diskGb: Number(r.usedDiskGb),
        instances: r.usedInstances,
      },
    }));
  }
}
