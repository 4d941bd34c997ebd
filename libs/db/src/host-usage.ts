import { Prisma } from './generated/prisma/client';
import { IS_LIVE } from './hosts';

/** An amount of each resource: a value (sent as a parameter) or a column of the statement. */
type Amount = number | Prisma.Sql;
export interface UsageChange {
  vcpus: Amount;
  memoryMb: Amount;
  diskGb: Amount;
  instances: Amount;
}

/**
 * The SQL every claim and release of host capacity shares, written once: a host row `h` of pool
 * `p`, and the allocations a statement freed in its CTE `freed`.
 */

/** SET list: host `h`'s usage grows by `d`. */
export const usageGrownBy = (d: UsageChange): Prisma.Sql => Prisma.sql`
  used_vcpus = h.used_vcpus + ${d.vcpus}, used_memory_mb = h.used_memory_mb + ${d.memoryMb},
  used_disk_gb = h.used_disk_gb + ${d.diskGb}, used_instances = h.used_instances + ${d.instances}, updated_at = now()`;

/**
 * Condition: host `h` is up, answered a heartbeat within pool `p`'s suspect timeout (a row that
 * says `up` proves nothing after an outage of the control plane), and still has room for `d`
 * under (total - dom0) x the pool's ratio.
 */
export const hasRoomFor = (d: Omit<UsageChange, 'instances'>): Prisma.Sql => Prisma.sql`h.state = 'up' AND ${IS_LIVE}
  AND h.used_vcpus + ${d.vcpus} <= floor((h.total_vcpus - h.reserved_vcpus) * p.cpu_allocation_ratio)
  AND h.used_memory_mb + ${d.memoryMb} <= floor((h.total_memory_mb - h.reserved_memory_mb) * p.ram_allocation_ratio)
  AND h.used_disk_gb + ${d.diskGb} <= floor((h.total_disk_gb - h.reserved_disk_gb) * p.disk_allocation_ratio)`;

/**
 * Statement: gives back to their hosts the usage of the allocations in CTE `freed` (host_id,
 * vcpus, memory_mb, disk_gb), summed per host first: an UPDATE ... FROM applies one joined row
 * per host, so two claims freed on one host would otherwise give back only one.
 */
export const FREED_USAGE_RETURNED = Prisma.sql`
  UPDATE hosts h SET used_vcpus = h.used_vcpus - f.vcpus, used_memory_mb = h.used_memory_mb - f.memory_mb,
    used_disk_gb = h.used_disk_gb - f.disk_gb, used_instances = h.used_instances - f.instances, updated_at = now()
  FROM (SELECT host_id, sum(vcpus) AS vcpus, sum(memory_mb) AS memory_mb, sum(disk_gb) AS disk_gb, count(*) AS instances FROM freed GROUP BY host_id) f
  WHERE h.id = f.host_id`;
