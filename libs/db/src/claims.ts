import type { Db } from './client';
import type { Prisma } from './generated/prisma/client';

export interface ClaimRequest {
  vmId: string;
  hostId: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  epoch: number;
  /** the anti-affinity/affinity group to check again under its lock, if any */
  serverGroup?: { id: string; policy: 'affinity' | 'anti_affinity' | 'soft_affinity' | 'soft_anti_affinity' };
  /** the operation placing the VM: it records the host and its next step in the same statement */
  operation?: { id: string; step: string; progress: number };
}

export type ClaimResult = 'claimed' | 'host_full' | 'vm_gone' | 'group_conflict';

/** Where a claimed VM now lives: enough to call the host's agent without reading the host again. */
export interface ClaimedHost {
  id: string;
  name: string;
  address: string;
}

export type ClaimOutcome = { result: 'claimed'; host: ClaimedHost } | { result: Exclude<ClaimResult, 'claimed'> };

const VM_NOT_SCHEDULABLE = 'XP001';

/**
 * Places a VM on a host with ONE conditional write: the host's usage grows only if it still
 * has room under (total - dom0) x ratio and is up, the allocation row is written, and the VM
 * moves from `scheduling` to `building` with its event — all in one statement, which aborts as a whole when
 * the VM is no longer waiting for a host. However many schedulers race, no host ever holds
 * more than it offers and no VM is placed twice. The placing operation's step moves with it.
 */
export async function claimHost(db: Db | Prisma.TransactionClient, c: ClaimRequest): Promise<ClaimOutcome> {
  const op = c.operation;
  try {
    const rows = await db.$queryRaw<{ claimed: bigint; name: string | null; address: string | null }[]>`
      WITH claimed AS (
        UPDATE hosts h SET
          used_vcpus = h.used_vcpus + ${c.vcpus},
          used_memory_mb = h.used_memory_mb + ${c.memoryMb},
          used_disk_gb = h.used_disk_gb + ${c.diskGb},
          used_instances = h.used_instances + 1,
          updated_at = now()
        FROM pools p
        WHERE h.id = ${c.hostId}::uuid AND p.id = h.pool_id AND h.state = 'up'
          AND h.used_vcpus + ${c.vcpus} <= floor((h.total_vcpus - h.reserved_vcpus) * p.cpu_allocation_ratio)
          AND h.used_memory_mb + ${c.memoryMb} <= floor((h.total_memory_mb - h.reserved_memory_mb) * p.ram_allocation_ratio)
          AND h.used_disk_gb + ${c.diskGb} <= floor((h.total_disk_gb - h.reserved_disk_gb) * p.disk_allocation_ratio)
        RETURNING h.id, h.pool_id, h.name, h.address
      ), moved AS (
        UPDATE vms SET host_id = claimed.id, pool_id = claimed.pool_id, state = 'building', epoch = ${c.epoch},
          state_changed_at = now(), updated_at = now()
        FROM claimed
        WHERE vms.id = ${c.vmId}::uuid AND vms.state = 'scheduling' AND vms.host_id IS NULL
        RETURNING vms.id, vms.project_id
      ), recorded AS (
        INSERT INTO events (project_id, resource_type, resource_id, type, data)
        SELECT moved.project_id, 'vm', moved.id, 'vm.state', jsonb_build_object('state', 'building', 'hostId', ${c.hostId}::text)
        FROM moved
      ), allocated AS (
        INSERT INTO allocations (id, vm_id, host_id, vcpus, memory_mb, disk_gb, epoch)
        SELECT gen_random_uuid(), moved.id, ${c.hostId}::uuid, ${c.vcpus}, ${c.memoryMb}, ${c.diskGb}, ${c.epoch}
        FROM moved
        RETURNING id
      ), stepped AS (
        UPDATE operations SET host_id = ${c.hostId}::uuid, step = ${op?.step ?? null}, progress = ${op?.progress ?? 0}, updated_at = now()
        WHERE id = ${op?.id ?? null}::uuid AND status = 'running' AND EXISTS (SELECT 1 FROM moved)
      )
      SELECT CASE
        WHEN (SELECT count(*) FROM claimed) = 1 AND (SELECT count(*) FROM allocated) = 0
          THEN xenplane_abort('vm is not waiting for a host')
        ELSE (SELECT count(*) FROM allocated)
      END AS claimed,
      (SELECT name FROM claimed) AS name, (SELECT address FROM claimed) AS address`;
    const row = rows[0];
    if (row?.claimed !== 1n) return { result: 'host_full' };
    return { result: 'claimed', host: { id: c.hostId, name: row.name!, address: row.address! } };
  } catch (err) {
    if (isAbort(err)) return { result: 'vm_gone' };
    throw err;
  }
}

/**
 * The claim for a member of a hard server group: the group's row is locked first, so two
 * members racing for one host are checked one after the other, never side by side.
 */
export async function claimHostInGroup(db: Db, c: ClaimRequest & { serverGroup: NonNullable<ClaimRequest['serverGroup']> }): Promise<ClaimOutcome> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM server_groups WHERE id = ${c.serverGroup.id}::uuid FOR UPDATE`;
    const members = await tx.$queryRaw<{ host_id: string }[]>`
      SELECT DISTINCT host_id::text FROM vms
      WHERE server_group_id = ${c.serverGroup.id}::uuid AND id <> ${c.vmId}::uuid
        AND host_id IS NOT NULL AND state <> 'deleted'`;
    const hosts = members.map((m) => m.host_id);
    if (c.serverGroup.policy === 'anti_affinity' && hosts.includes(c.hostId)) return { result: 'group_conflict' };
    if (c.serverGroup.policy === 'affinity' && hosts.length > 0 && !hosts.includes(c.hostId)) return { result: 'group_conflict' };
    return claimHost(tx, c);
  });
}

/** Frees every claim a VM holds (a delete, or the compensation of a failed create). */
export async function releaseAllocations(tx: Db | Prisma.TransactionClient, vmId: string, onlyHostId?: string): Promise<number> {
  return tx.$executeRaw`
    WITH freed AS (
      DELETE FROM allocations
      WHERE vm_id = ${vmId}::uuid AND (${onlyHostId ?? null}::uuid IS NULL OR host_id = ${onlyHostId ?? null}::uuid)
      RETURNING host_id, vcpus, memory_mb, disk_gb
    )
    UPDATE hosts h SET
      used_vcpus = h.used_vcpus - f.vcpus,
      used_memory_mb = h.used_memory_mb - f.memory_mb,
      used_disk_gb = h.used_disk_gb - f.disk_gb,
      used_instances = h.used_instances - 1,
      updated_at = now()
    FROM freed f WHERE h.id = f.host_id`;
}

/** Our own SQLSTATE, raised by xenplane_abort(), as the pg adapter reports it through Prisma. */
function isAbort(err: unknown): boolean {
  const cause = (err as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta?.driverAdapterError?.cause;
  return cause?.originalCode === VM_NOT_SCHEDULABLE;
}
