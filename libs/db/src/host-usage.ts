import { Prisma } from './generated/prisma/client';
import { IS_LIVE } from './hosts';
import { offeredCapacitySql } from './offered-capacity';

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

/** SET list: host `h`'s usage grows (+) or shrinks (-) by `d`. */
const usageMovedBy = (sign: '+' | '-', d: UsageChange): Prisma.Sql => {
  const op = Prisma.raw(sign);
  return Prisma.sql`
        used_vcpus = h.used_vcpus ${op} ${d.vcpus}, used_memory_mb = h.used_memory_mb ${op} ${d.memoryMb},
        used_disk_gb = h.used_disk_gb ${op} ${d.diskGb}, used_instances = h.used_instances ${op} ${d.instances}, updated_at = now()`;
};

/** SET list: host `h`'s usage grows by `d`. */
export const usageGrownBy = (d: UsageChange): Prisma.Sql => usageMovedBy('+', d);

/**
 * Query: the per-host sums (host_id, vcpus, memory_mb, disk_gb, instances) of the claims in
 * `claims` (rows with host_id, vcpus, memory_mb, disk_gb): one row per host, as an UPDATE ...
 * FROM applies one joined row per host (two claims on one host, unsummed, would count once).
 */
export const perHostSums = (claims: Prisma.Sql): Prisma.Sql => Prisma.sql`
      SELECT host_id, sum(vcpus) AS vcpus, sum(memory_mb) AS memory_mb, sum(disk_gb) AS disk_gb, count(*) AS instances
      FROM ${claims}
      GROUP BY host_id`;

/** A host's share of perHostSums, read from alias `per_host`. */
export const PER_HOST: UsageChange = {
  vcpus: Prisma.raw('per_host.vcpus'),
  memoryMb: Prisma.raw('per_host.memory_mb'),
  diskGb: Prisma.raw('per_host.disk_gb'),
  instances: Prisma.raw('per_host.instances'),
};

const OFFERED = offeredCapacitySql('h', 'p');

/**
 * Condition: host `h` is up, answered a heartbeat within pool `p`'s suspect timeout (a row that
 * says `up` proves nothing after an outage of the control plane), and still has room for `d`
 * in what it offers (offeredCapacitySql: (total - dom0) x the pool's ratio).
 */
export const hasRoomFor = (d: Omit<UsageChange, 'instances'>): Prisma.Sql => Prisma.sql`h.state = 'up' AND ${IS_LIVE}
        AND h.used_vcpus + ${d.vcpus} <= ${OFFERED.vcpus}
        AND h.used_memory_mb + ${d.memoryMb} <= ${OFFERED.memoryMb}
        AND h.used_disk_gb + ${d.diskGb} <= ${OFFERED.diskGb}`;

/** Statement: gives back to each host its usage in `perHost` (perHostSums, as a CTE's name or a subquery). */
export const usageReturned = (perHost: Prisma.Sql): Prisma.Sql => Prisma.sql`
      UPDATE hosts h SET ${usageMovedBy('-', PER_HOST)}
      FROM ${perHost} per_host
      WHERE h.id = per_host.host_id
    `;

/** Statement: gives back to their hosts the usage of the allocations in CTE `freed`. */
export const FREED_USAGE_RETURNED = usageReturned(Prisma.sql`(${perHostSums(Prisma.sql`freed`)}
      )`);
