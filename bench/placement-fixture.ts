// A pool of N hosts and V VMs waiting for one, written straight into Postgres with SQL (the
// benchmark measures placement, not the API that would otherwise create them).
import type { Db } from '@xenplane/db';

export const HOST = { vcpus: 64, memoryMb: 262_144, diskGb: 4_000, reservedVcpus: 2, reservedMemoryMb: 4_096 };
/** The mix of VM sizes requested: small CI machines mostly, some larger. */
export const SIZES = [
  { vcpus: 1, memoryMb: 512, diskGb: 5 },
  { vcpus: 1, memoryMb: 1024, diskGb: 10 },
  { vcpus: 2, memoryMb: 2048, diskGb: 20 },
  { vcpus: 4, memoryMb: 8192, diskGb: 40 },
];

export async function seedPool(
  db: Db,
  hosts: number,
  state: 'up' | 'disabled' = 'up',
): Promise<{ poolId: string; projectId: string }> {
  // the hosts answered a heartbeat at their creation and stay placeable for the bench's length
  const pool = await db.pool.create({
    data: {
      name: 'bench',
      cpuAllocationRatio: 4,
      heartbeatIntervalMs: 2_000,
      suspectAfterMs: 3_600_000,
      deadAfterMs: 7_200_000,
    },
  });
  const project = await db.project.create({
    data: {
      name: 'bench',
      quotaInstances: 10_000_000,
      quotaVcpus: 100_000_000,
      quotaMemoryMb: 2_000_000_000,
      quotaDiskGb: 2_000_000_000,
    },
  });
  await db.flavor.create({ data: { name: 'bench', vcpus: 1, memoryMb: 512, diskGb: 5 } });
  await db.image.create({ data: { name: 'bench', guestType: 'pv', sizeGb: 1 } });
  await db.$executeRawUnsafe(
    `INSERT INTO hosts (id, name, pool_id, state, address, total_vcpus, total_memory_mb, total_disk_gb, reserved_vcpus, reserved_memory_mb,
       free_memory_mb, cpu_vendor, cpu_features, hvm, hap, xen_version, last_heartbeat_at, updated_at)
     SELECT gen_random_uuid(), 'bench-' || i, $1::uuid, $8::"HostState", '127.0.0.1:' || (20000 + i % 40000), $2::int, $3::int, $4::int, $5::int, $6::int, $3::int - $6::int,
       'GenuineIntel', ARRAY['sse4_2','avx','avx2'], true, true, '4.17.5', now(), now()
     FROM generate_series(1, $7::int) i`,
    pool.id,
    HOST.vcpus,
    HOST.memoryMb,
    HOST.diskGb,
    HOST.reservedVcpus,
    HOST.reservedMemoryMb,
    hosts,
    state,
  );
  return { poolId: pool.id, projectId: project.id };
}

/** VMs in `scheduling`, as the create handler leaves them before it places them. */
export async function seedWaitingVms(db: Db, projectId: string, count: number): Promise<void> {
  const sizes = SIZES.map((s) => `(${s.vcpus}, ${s.memoryMb}, ${s.diskGb})`).join(', ');
  await db.$executeRawUnsafe(
    `WITH sizes(v, m, d) AS (VALUES ${sizes}), numbered AS (SELECT row_number() OVER () - 1 AS k, v, m, d FROM sizes)
     INSERT INTO vms (id, project_id, name, state, flavor_id, image_id, guest_type, vcpus, memory_mb, disk_gb, updated_at)
     SELECT gen_random_uuid(), $1::uuid, 'vm-' || i, 'scheduling', (SELECT id FROM flavors LIMIT 1), (SELECT id FROM images LIMIT 1), 'pv',
       n.v, n.m, n.d, now()
     FROM generate_series(0, $2::int - 1) i JOIN numbered n ON n.k = i % ${SIZES.length}`,
    projectId,
    count,
  );
}

/** VMs already running on the hosts (for the memory figure): spread round-robin, usage recorded. */
export async function seedRunningVms(db: Db, projectId: string, count: number): Promise<void> {
  await db.$executeRawUnsafe(
    `WITH h AS (SELECT id, pool_id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n FROM hosts),
     placed AS (
       INSERT INTO vms (id, project_id, name, state, power_state, host_id, pool_id, flavor_id, image_id, guest_type, vcpus, memory_mb, disk_gb, epoch, updated_at)
       SELECT gen_random_uuid(), $1::uuid, 'run-' || i, 'running', 'running', h.id, h.pool_id, (SELECT id FROM flavors LIMIT 1), (SELECT id FROM images LIMIT 1),
         'pv', 1, 512, 5, 1, now()
       FROM generate_series(0, $2::int - 1) i JOIN h ON h.k = i % h.n
       RETURNING id, host_id
     ), alloc AS (
       INSERT INTO allocations (id, vm_id, host_id, vcpus, memory_mb, disk_gb, epoch)
       SELECT gen_random_uuid(), id, host_id, 1, 512, 5, 1 FROM placed RETURNING host_id
     )
     UPDATE hosts SET used_vcpus = used_vcpus + c.n, used_memory_mb = used_memory_mb + 512 * c.n, used_disk_gb = used_disk_gb + 5 * c.n,
       used_instances = used_instances + c.n
     FROM (SELECT host_id, count(*)::int AS n FROM alloc GROUP BY host_id) c WHERE hosts.id = c.host_id`,
    projectId,
    count,
  );
}

/** Hosts whose recorded usage exceeds what they offer, or differs from their allocations: must be none. */
export async function capacityViolations(db: Db): Promise<number> {
  const rows = await db.$queryRawUnsafe<{ n: bigint }[]>(
    `SELECT count(*) AS n FROM hosts h JOIN pools p ON p.id = h.pool_id
     LEFT JOIN (SELECT host_id, sum(vcpus) v, sum(memory_mb) m, sum(disk_gb) d FROM allocations GROUP BY host_id) a ON a.host_id = h.id
     WHERE h.used_vcpus > floor((h.total_vcpus - h.reserved_vcpus) * p.cpu_allocation_ratio)
        OR h.used_memory_mb > floor((h.total_memory_mb - h.reserved_memory_mb) * p.ram_allocation_ratio)
        OR h.used_vcpus <> coalesce(a.v, 0) OR h.used_memory_mb <> coalesce(a.m, 0) OR h.used_disk_gb <> coalesce(a.d, 0)`,
  );
  return Number(rows[0]!.n);
}
