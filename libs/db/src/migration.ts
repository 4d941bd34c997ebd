import type { Db } from './client';
import type { ClaimRequest, ClaimResult } from './claims';
import { eventsRecorded, literal, operationStatusRows, vmStateRows } from './event-rows';
import { type Allocation, type Operation, Prisma, type Vm } from './generated/prisma/client';
import { FREED_USAGE_RETURNED, hasRoomFor, usageGrownBy } from './host-usage';
import { stateThenOperationEvents, SUCCEEDED } from './vm-operations';

type Tx = Db | Prisma.TransactionClient;

export interface MigrationClaim extends ClaimRequest {
  /** the host the VM runs on, and keeps its claim on until the migration ends */
  sourceHostId: string;
  /** the migrate operation: its step and target are recorded with the claim */
  opId: string;
  step: string;
  progress: number;
}

/**
 * A migration's claim on its target, in ONE conditional statement: the target's usage grows
 * only if it is up and has room (as claimHost checks it) and the VM is still `migrating` on
 * its source; the allocation of the new epoch is written, and the operation records its step
 * and target with it. The VM stays where it is: its source claim is held until the end, so
 * for a while it holds two.
 */
export async function claimMigrationTarget(db: Db, c: MigrationClaim): Promise<ClaimResult> {
  if (c.serverGroup?.policy === 'affinity' || c.serverGroup?.policy === 'anti_affinity') {
    const group = c.serverGroup;
    return db.$transaction(async (tx) => {
      // two members moving at once are checked one after the other (as claimHostInGroup does)
      await tx.$queryRaw`SELECT id FROM server_groups WHERE id = ${group.id}::uuid FOR UPDATE`;
      const others = await tx.$queryRaw<{ host_id: string }[]>`
        SELECT DISTINCT a.host_id::text FROM allocations a JOIN vms v ON v.id = a.vm_id
        WHERE v.server_group_id = ${group.id}::uuid AND v.id <> ${c.vmId}::uuid AND v.state <> 'deleted'`;
      const hosts = others.map((o) => o.host_id);
      if (group.policy === 'anti_affinity' && hosts.includes(c.hostId)) return 'group_conflict';
      if (group.policy === 'affinity' && hosts.some((h) => h !== c.hostId)) return 'group_conflict';
      return claimTarget(tx, c);
    });
  }
  return claimTarget(db, c);
}

async function claimTarget(db: Tx, c: MigrationClaim): Promise<ClaimResult> {
  const rows = await db.$queryRaw<{ claimed: bigint; migrating: boolean }[]>`
    WITH vm AS (
      SELECT id FROM vms WHERE id = ${c.vmId}::uuid AND state = 'migrating' AND host_id = ${c.sourceHostId}::uuid
    ), claimed AS (
      UPDATE hosts h SET ${usageGrownBy({ ...c, instances: 1 })}
      FROM pools p
      WHERE h.id = ${c.hostId}::uuid AND h.id <> ${c.sourceHostId}::uuid AND p.id = h.pool_id AND ${hasRoomFor(c)}
        AND EXISTS (SELECT 1 FROM vm)
        AND NOT EXISTS (SELECT 1 FROM allocations WHERE vm_id = ${c.vmId}::uuid AND host_id = ${c.hostId}::uuid)
      RETURNING h.id
    ), allocated AS (
      INSERT INTO allocations (id, vm_id, host_id, vcpus, memory_mb, disk_gb, epoch)
      SELECT gen_random_uuid(), ${c.vmId}::uuid, claimed.id, ${c.vcpus}, ${c.memoryMb}, ${c.diskGb}, ${c.epoch}
      FROM claimed
      RETURNING id
    ), stepped AS (
      UPDATE operations SET step = ${c.step}, progress = ${c.progress},
        params = params || jsonb_build_object('target', jsonb_build_object('hostId', ${c.hostId}::text, 'epoch', ${c.epoch}::int)),
        updated_at = now()
      WHERE id = ${c.opId}::uuid AND status = 'running' AND EXISTS (SELECT 1 FROM allocated)
    )
    SELECT (SELECT count(*) FROM allocated) AS claimed, EXISTS (SELECT 1 FROM vm) AS migrating`;
  const row = rows[0];
  if (!row?.migrating) return 'vm_gone';
  return row.claimed === 1n ? 'claimed' : 'host_full';
}

/** The claim a migration holds on its target: the VM's allocation on any host but its own. */
export async function migrationTargetClaim(db: Tx, vm: Pick<Vm, 'id' | 'hostId'>): Promise<Allocation | null> {
  if (!vm.hostId) return null;
  return db.allocation.findFirst({ where: { vmId: vm.id, hostId: { not: vm.hostId } } });
}

export interface FinishedMigration {
  vm: Pick<Vm, 'id' | 'projectId'>;
  op: Pick<Operation, 'id' | 'projectId' | 'kind'>;
  sourceHostId: string;
  targetHostId: string;
  epoch: number;
  domId: number;
}

/**
 * The end of a migration, in ONE statement: the VM `migrating` -> `running` on its target with
 * the new domain and epoch, the source's allocation deleted and its usage given back, the
 * operation succeeded, both events recorded in that order. Only if the VM is still migrating
 * from that source and holds the target's claim of that epoch; false otherwise (nothing written).
 */
export async function finishMigration(db: Db, m: FinishedMigration): Promise<boolean> {
  const rows = await db.$queryRaw<{ moved: bigint }[]>`
    WITH moved AS (
      UPDATE vms SET state = 'running', host_id = ${m.targetHostId}::uuid,
        pool_id = (SELECT pool_id FROM hosts WHERE id = ${m.targetHostId}::uuid),
        dom_id = ${m.domId}, epoch = ${m.epoch}, power_state = 'running',
        error_code = NULL, error_message = NULL, state_changed_at = now(), updated_at = now()
      WHERE id = ${m.vm.id}::uuid AND state = 'migrating' AND host_id = ${m.sourceHostId}::uuid
        AND EXISTS (SELECT 1 FROM allocations WHERE vm_id = ${m.vm.id}::uuid AND host_id = ${m.targetHostId}::uuid AND epoch = ${m.epoch})
      RETURNING id
    ), freed AS (
      DELETE FROM allocations WHERE vm_id = ${m.vm.id}::uuid AND host_id = ${m.sourceHostId}::uuid AND EXISTS (SELECT 1 FROM moved)
      RETURNING host_id, vcpus, memory_mb, disk_gb
    ), released AS (${FREED_USAGE_RETURNED}), finished AS (
      UPDATE operations SET ${SUCCEEDED}
      WHERE id = ${m.op.id}::uuid AND status IN ('queued', 'running') AND EXISTS (SELECT 1 FROM moved)
      RETURNING id
    ), recorded AS (${stateThenOperationEvents({ ...m.vm, hostId: m.targetHostId }, 'running', m.op)})
    SELECT count(*) AS moved FROM moved`;
  return Number(rows[0]?.moved ?? 0) === 1;
}

export interface AbortedMigration {
  vm: Pick<Vm, 'id' | 'projectId'>;
  op: Pick<Operation, 'id' | 'projectId' | 'kind' | 'progress'>;
  sourceHostId: string;
  /** running: the source still runs the domain; stopped: it runs nowhere (its claim stays, it can start again) */
  outcome: 'running' | 'stopped';
  error: { code: string; message: string; details?: unknown };
}

/**
 * A migration that did not happen, in ONE statement: the VM back from `migrating` on its source
 * (`running`, or `stopped` if its domain is gone), every claim it holds elsewhere released and
 * its usage given back, the operation failed with the reason, both events recorded in that
 * order. Only if the VM is still migrating from that source; false otherwise.
 */
export async function abortMigration(db: Db, a: AbortedMigration): Promise<boolean> {
  const message = a.error.message.slice(0, 2000);
  const details = a.error.details === undefined ? null : JSON.stringify(a.error.details);
  const running = a.outcome === 'running';
  const rows = await db.$queryRaw<{ moved: bigint }[]>`
    WITH moved AS (
      UPDATE vms SET state = ${a.outcome}::"VmState",
        power_state = ${running ? 'running' : 'shutdown'}::"PowerState",
        dom_id = CASE WHEN ${running} THEN dom_id END,
        error_code = ${running ? a.error.code : 'domain_vanished'}, error_message = ${`migration failed: ${message}`.slice(0, 2000)},
        state_changed_at = now(), updated_at = now()
      WHERE id = ${a.vm.id}::uuid AND state = 'migrating' AND host_id = ${a.sourceHostId}::uuid
      RETURNING id
    ), freed AS (
      DELETE FROM allocations WHERE vm_id = ${a.vm.id}::uuid AND host_id <> ${a.sourceHostId}::uuid AND EXISTS (SELECT 1 FROM moved)
      RETURNING host_id, vcpus, memory_mb, disk_gb
    ), released AS (${FREED_USAGE_RETURNED}), finished AS (
      UPDATE operations SET status = 'failed', finished_at = now(), attempts = attempts + 1,
        error_code = ${a.error.code}, error_message = ${message}, error_details = ${details}::jsonb, updated_at = now()
      WHERE id = ${a.op.id}::uuid AND status IN ('queued', 'running')
      RETURNING id
    ), recorded AS (${eventsRecorded([
      vmStateRows({
        from: Prisma.sql`moved`,
        projectId: Prisma.sql`${a.vm.projectId}::uuid`,
        vmId: Prisma.sql`moved.id`,
        state: Prisma.sql`${a.outcome}::text`,
        hostId: Prisma.sql`${a.sourceHostId}::text`,
      }),
      operationStatusRows({
        from: Prisma.sql`finished`,
        projectId: Prisma.sql`${a.op.projectId}::uuid`,
        opId: Prisma.sql`finished.id`,
        kind: Prisma.sql`${a.op.kind}::text`,
        status: literal('failed'),
        progress: Prisma.sql`${a.op.progress}::int`,
        vmId: Prisma.sql`${a.vm.id}::text`,
        errorCode: Prisma.sql`${a.error.code}::text`,
      }),
    ])})
    SELECT count(*) AS moved FROM moved`;
  return Number(rows[0]?.moved ?? 0) === 1;
}
