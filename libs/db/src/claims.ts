import type { Db } from './client';
import { Prisma } from './generated/prisma/client';
import { eventsRecorded, literal, vmStateRows } from './event-rows';
import { FREED_USAGE_RETURNED, hasRoomFor, PER_HOST, perHostSums, usageGrownBy } from './host-usage';
import { prepared } from './prepared';

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
 * Places a VM on a host with ONE conditional write (claimStatement): the host's usage, the
 * allocation, the VM `scheduling` -> `building` with its event, and the placing operation's
 * step, or nothing. However many schedulers race, no host ever holds more than it offers and no
 * VM is placed twice.
 */
export async function claimHost(db: Db | Prisma.TransactionClient, c: ClaimRequest): Promise<ClaimOutcome> {
  try {
    return (await claimStatement(db, [c]))[0]!;
  } catch (err) {
    if (isAbort(err)) return { result: 'vm_gone' };
    throw err;
  }
}

/**
 * The claim for a member of a hard server group: the group's row is locked first, so two
 * members racing for one host are checked one after the other, never side by side.
 */
export async function claimHostInGroup(
  db: Db,
  c: ClaimRequest & { serverGroup: NonNullable<ClaimRequest['serverGroup']> },
): Promise<ClaimOutcome> {
  return inServerGroup(db, { ...c, serverGroup: c.serverGroup }, (tx) => claimHost(tx, c));
}

/**
 * Runs a claim for a member of a hard server group with the group's row locked, after checking
 * again, under the lock, that the host keeps the group's policy; group_conflict otherwise.
 */
export async function inServerGroup<T extends { result: string }>(
  db: Db,
  c: { vmId: string; hostId: string; serverGroup: NonNullable<ClaimRequest['serverGroup']> },
  claim: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T | { result: 'group_conflict' }> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM server_groups WHERE id = ${c.serverGroup.id}::uuid FOR UPDATE`;
    const members = await tx.$queryRaw<{ host_id: string }[]>`
      SELECT DISTINCT host_id::text FROM vms
      WHERE server_group_id = ${c.serverGroup.id}::uuid AND id <> ${c.vmId}::uuid
        AND host_id IS NOT NULL AND state <> 'deleted'`;
    const hosts = members.map((m) => m.host_id);
    if (c.serverGroup.policy === 'anti_affinity' && hosts.includes(c.hostId))
      return { result: 'group_conflict' as const };
    if (c.serverGroup.policy === 'affinity' && hosts.length > 0 && !hosts.includes(c.hostId))
      return { result: 'group_conflict' as const };
    return claim(tx);
  });
}

/** Frees every claim a VM holds (a delete, or the compensation of a failed create). */
export async function releaseAllocations(
  tx: Db | Prisma.TransactionClient,
  vmId: string,
  onlyHostId?: string,
): Promise<number> {
  return tx.$executeRaw`
    WITH freed AS (
      DELETE FROM allocations
      WHERE vm_id = ${vmId}::uuid AND (${onlyHostId ?? null}::uuid IS NULL OR host_id = ${onlyHostId ?? null}::uuid)
      RETURNING host_id, vcpus, memory_mb, disk_gb
    )
    ${FREED_USAGE_RETURNED}`;
}

/** Our own SQLSTATE, raised by xenplane_abort(), as the pg adapter reports it through Prisma. */
function isAbort(err: unknown): boolean {
  const cause = (err as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta
    ?.driverAdapterError?.cause;
  return cause?.originalCode === VM_NOT_SCHEDULABLE;
}

/**
 * The claim statement, for one VM or several: each host's usage grows by its claims' sum only if
 * it is up and still has room for all of them under (total - dom0) x ratio (so racing statements
 * never overcommit a host), each VM moves from `scheduling` to `building` with its allocation,
 * its event and its operation's step (and the disks of a VM created without a pool move into its
 * pool's default storage pool), and hosts are locked in id order (racing statements queue,
 * never deadlock). If a VM whose host took it is no longer waiting, the whole statement undoes
 * itself (`xenplane_abort`): no VM is ever placed twice, no host keeps usage for nobody.
 */
export async function claimStatement(
  db: Db | Prisma.TransactionClient,
  claims: readonly ClaimRequest[],
): Promise<ClaimOutcome[]> {
  const batch = JSON.stringify(
    claims.map((c) => ({
      vm_id: c.vmId,
      host_id: c.hostId,
      vcpus: c.vcpus,
      memory_mb: c.memoryMb,
      disk_gb: c.diskGb,
      epoch: c.epoch,
      op_id: c.operation?.id ?? null,
      op_step: c.operation?.step ?? null,
      op_progress: c.operation?.progress ?? 0,
    })),
  );
  // the ids again as arrays: `= ANY(array)` lets the planner use each table's primary key
  // (a record set's row count is a guess, and a wrong one turns every update into a table scan)
  const vmIds = claims.map((c) => c.vmId);
  const hostIds = [...new Set(claims.map((c) => c.hostId))];
  const opIds = claims.flatMap((c) => (c.operation ? [c.operation.id] : []));
  const rows = await db.$queryRaw<
    { vm_id: string; host_id: string; name: string | null; address: string | null; undone: bigint | null }[]
  >`${prepared('claim_hosts')}
    WITH batch AS (
      SELECT * FROM ROWS FROM (jsonb_to_recordset(${batch}::jsonb) AS (vm_id uuid, host_id uuid, vcpus int, memory_mb int,
        disk_gb int, epoch int, op_id uuid, op_step text, op_progress int)) WITH ORDINALITY
        AS b(vm_id, host_id, vcpus, memory_mb, disk_gb, epoch, op_id, op_step, op_progress, n)
    ), locked AS (
      SELECT h.id FROM hosts h WHERE h.id = ANY(${hostIds}::uuid[]) ORDER BY h.id FOR UPDATE
    ), per_host AS (${perHostSums(Prisma.sql`batch JOIN locked ON locked.id = batch.host_id`)}
    ), claimed AS (
      UPDATE hosts h SET ${usageGrownBy(PER_HOST)}
      FROM per_host, pools p
      WHERE h.id = ANY(${hostIds}::uuid[]) AND h.id = per_host.host_id AND p.id = h.pool_id AND ${hasRoomFor(PER_HOST)}
      RETURNING h.id, h.pool_id, h.name, h.address
    ), admitted AS (
      SELECT b.*, c.pool_id FROM batch b JOIN claimed c ON c.id = b.host_id
    ), moved AS (
      UPDATE vms v SET host_id = a.host_id, pool_id = a.pool_id, state = 'building', epoch = a.epoch,
        state_changed_at = now(), updated_at = now()
      FROM admitted a
      -- the waiting check reads as one opaque condition (IS TRUE): as two indexable ones, a
      -- burst of waiting VMs that the statistics have not seen yet (they say "few") made the
      -- planner AND the state and host_id indexes and filter every waiting VM by id, 10 ms per
      -- statement at 20,000 waiting; this way each VM is found by its primary key
      WHERE v.id = ANY(${vmIds}::uuid[]) AND v.id = a.vm_id AND (v.state = 'scheduling' AND v.host_id IS NULL) IS TRUE
      RETURNING v.id, v.project_id, v.host_id
    ), recorded AS (${eventsRecorded([
      vmStateRows({
        from: Prisma.sql`moved m JOIN admitted a ON a.vm_id = m.id`,
        n: Prisma.sql`a.n`,
        projectId: Prisma.sql`m.project_id`,
        vmId: Prisma.sql`m.id`,
        state: literal('building'),
        hostId: Prisma.sql`m.host_id::text`,
      }),
    ])}), allocated AS (
      INSERT INTO allocations (id, vm_id, host_id, vcpus, memory_mb, disk_gb, epoch)
      SELECT gen_random_uuid(), a.vm_id, a.host_id, a.vcpus, a.memory_mb, a.disk_gb, a.epoch
      FROM admitted a JOIN moved m ON m.id = a.vm_id
      RETURNING vm_id
    ), disks_pooled AS (
      -- a VM created without a pool has its disks in its pool's default storage pool once it has one
      UPDATE disks d SET storage_pool_id = sp.id
      FROM admitted a JOIN moved m ON m.id = a.vm_id JOIN storage_pools sp ON sp.pool_id = a.pool_id AND sp.is_default
      WHERE d.vm_id = ANY(${vmIds}::uuid[]) AND d.vm_id = a.vm_id AND d.storage_pool_id IS NULL
    ), stepped AS (
      UPDATE operations o SET host_id = a.host_id, step = a.op_step, progress = a.op_progress, updated_at = now()
      FROM admitted a JOIN moved m ON m.id = a.vm_id
      WHERE o.id = ANY(${opIds}::uuid[]) AND o.id = a.op_id AND o.status = 'running'
    ), verdict AS (
      SELECT CASE WHEN (SELECT count(*) FROM admitted) <> (SELECT count(*) FROM allocated)
        THEN xenplane_abort('a VM of the batch is no longer waiting for a host') END AS undone
    )
    SELECT b.vm_id::text AS vm_id, b.host_id::text AS host_id, c.name, c.address, (SELECT undone FROM verdict) AS undone
    FROM batch b LEFT JOIN claimed c ON c.id = b.host_id
    ORDER BY b.n`;
  return rows.map((r): ClaimOutcome =>
    r.name !== null && r.address !== null
      ? { result: 'claimed', host: { id: r.host_id, name: r.name, address: r.address } }
      : { result: 'host_full' },
  );
}
