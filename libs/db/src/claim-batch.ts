import { getLogger } from '@xenplane/observability';
import type { Db } from './client';
import { claimHost, type ClaimOutcome, type ClaimRequest } from './claims';

const log = getLogger('claims');

/**
 * Several claims in ONE statement: each VM is still claimed on its own terms (its host up and
 * with room, the VM still waiting), but the round trip, and the socket write that costs more
 * than the work here, is shared. Claims on one host are admitted together or not at all: the
 * host's row is updated once with their sum, under the same condition a single claim checks,
 * so racing statements can never overcommit it. Hosts are locked in id order, so two batches
 * sharing hosts queue rather than deadlock. If any VM of the batch is no longer waiting, the
 * statement undoes itself and each claim is tried alone (the rare path), so one deleted VM
 * never costs the others their host. Hard server-group claims do not come here.
 */
export async function claimHosts(db: Db, claims: readonly ClaimRequest[]): Promise<ClaimOutcome[]> {
  if (claims.length === 1) return [await claimHost(db, claims[0]!)];
  try {
    return await claimTogether(db, claims);
  } catch (err) {
    log.debug({ err: (err as Error).message, claims: claims.length }, 'batched claim undone; claiming one by one');
    const outcomes: ClaimOutcome[] = [];
    for (const c of claims) outcomes.push(await claimHost(db, c));
    return outcomes;
  }
}

async function claimTogether(db: Db, claims: readonly ClaimRequest[]): Promise<ClaimOutcome[]> {
  const batch = JSON.stringify(
    claims.map((c) => ({
      vm_id: c.vmId, host_id: c.hostId, vcpus: c.vcpus, memory_mb: c.memoryMb, disk_gb: c.diskGb, epoch: c.epoch,
      op_id: c.operation?.id ?? null, op_step: c.operation?.step ?? null, op_progress: c.operation?.progress ?? 0,
    })),
  );
  // the ids again as arrays: `= ANY(array)` lets the planner use each table's primary key
  // (a record set's row count is a guess, and a wrong one turns every update into a table scan)
  const vmIds = claims.map((c) => c.vmId);
  const hostIds = [...new Set(claims.map((c) => c.hostId))];
  const opIds = claims.flatMap((c) => (c.operation ? [c.operation.id] : []));
  const rows = await db.$queryRaw<{ vm_id: string; host_id: string; name: string | null; address: string | null; undone: bigint | null }[]>`
    WITH batch AS (
      SELECT * FROM ROWS FROM (jsonb_to_recordset(${batch}::jsonb) AS (vm_id uuid, host_id uuid, vcpus int, memory_mb int,
        disk_gb int, epoch int, op_id uuid, op_step text, op_progress int)) WITH ORDINALITY
        AS b(vm_id, host_id, vcpus, memory_mb, disk_gb, epoch, op_id, op_step, op_progress, n)
    ), locked AS (
      SELECT h.id FROM hosts h WHERE h.id = ANY(${hostIds}::uuid[]) ORDER BY h.id FOR UPDATE
    ), per_host AS (
      SELECT b.host_id, sum(b.vcpus) AS vcpus, sum(b.memory_mb) AS memory_mb, sum(b.disk_gb) AS disk_gb, count(*) AS instances
      FROM batch b JOIN locked l ON l.id = b.host_id
      GROUP BY b.host_id
    ), claimed AS (
      UPDATE hosts h SET
        used_vcpus = h.used_vcpus + ph.vcpus,
        used_memory_mb = h.used_memory_mb + ph.memory_mb,
        used_disk_gb = h.used_disk_gb + ph.disk_gb,
        used_instances = h.used_instances + ph.instances,
        updated_at = now()
      FROM per_host ph, pools p
      WHERE h.id = ANY(${hostIds}::uuid[]) AND h.id = ph.host_id AND p.id = h.pool_id AND h.state = 'up'
        AND h.used_vcpus + ph.vcpus <= floor((h.total_vcpus - h.reserved_vcpus) * p.cpu_allocation_ratio)
        AND h.used_memory_mb + ph.memory_mb <= floor((h.total_memory_mb - h.reserved_memory_mb) * p.ram_allocation_ratio)
        AND h.used_disk_gb + ph.disk_gb <= floor((h.total_disk_gb - h.reserved_disk_gb) * p.disk_allocation_ratio)
      RETURNING h.id, h.pool_id, h.name, h.address
    ), admitted AS (
      SELECT b.*, c.pool_id FROM batch b JOIN claimed c ON c.id = b.host_id
    ), moved AS (
      UPDATE vms v SET host_id = a.host_id, pool_id = a.pool_id, state = 'building', epoch = a.epoch,
        state_changed_at = now(), updated_at = now()
      FROM admitted a
      WHERE v.id = ANY(${vmIds}::uuid[]) AND v.id = a.vm_id AND v.state = 'scheduling' AND v.host_id IS NULL
      RETURNING v.id, v.project_id, v.host_id
    ), recorded AS (
      INSERT INTO events (project_id, resource_type, resource_id, type, data)
      SELECT m.project_id, 'vm', m.id, 'vm.state', jsonb_build_object('state', 'building', 'hostId', m.host_id::text)
      FROM moved m JOIN admitted a ON a.vm_id = m.id
      ORDER BY a.n
    ), allocated AS (
      INSERT INTO allocations (id, vm_id, host_id, vcpus, memory_mb, disk_gb, epoch)
      SELECT gen_random_uuid(), a.vm_id, a.host_id, a.vcpus, a.memory_mb, a.disk_gb, a.epoch
      FROM admitted a JOIN moved m ON m.id = a.vm_id
      RETURNING vm_id
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
    r.name !== null && r.address !== null ? { result: 'claimed', host: { id: r.host_id, name: r.name, address: r.address } } : { result: 'host_full' },
  );
}
