import type { Db } from './client';
import { type Operation, Prisma, type Vm } from './generated/prisma/client';
import { eventsRecorded, literal, operationStatusRows, vmStateRows } from './event-rows';
import { SUCCEEDED } from './vm-operations';
import { perHostSums, usageReturned } from './host-usage';
import { PER_PROJECT, quotaReturned } from './quota';
import { prepared } from './prepared';

/**
 * The ends of several creates or deletes in ONE statement each: every VM and operation is still
 * moved on its own terms (the same conditions as one alone), only the round trip is shared (on
 * this kind of machine its socket write costs more than the SQL). Events go in the batch's order,
 * each VM's state before its operation's status.
 */

export interface BuiltVm {
  vm: Pick<Vm, 'id' | 'projectId' | 'hostId'>;
  op: Pick<Operation, 'id' | 'projectId' | 'kind'>;
  domId: number;
  powerState: 'running' | 'paused';
  /** the state a built VM is in until it runs: `building` (a create), `recovering` (an HA restart) */
  from: 'building' | 'recovering';
}

export interface DeletedVm {
  vm: Pick<Vm, 'id' | 'projectId' | 'hostId' | 'state' | 'vcpus' | 'memoryMb' | 'diskGb'>;
  op: Pick<Operation, 'id' | 'projectId' | 'kind'>;
}

/** Events for the rows of CTE `batch` (n, vm_id, vm_project, host_id, op_id, op_project, kind) in CTEs `moved` and `finished`. */
const stateThenOperationEventsOf = (state: 'running' | 'deleted'): Prisma.Sql =>
  eventsRecorded(
    [
      vmStateRows({
        from: Prisma.sql`batch JOIN moved ON moved.id = batch.vm_id`,
        n: Prisma.sql`batch.n`,
        projectId: Prisma.sql`batch.vm_project`,
        vmId: Prisma.sql`batch.vm_id`,
        state: literal(state),
        hostId: Prisma.sql`batch.host_id::text`,
      }),
      operationStatusRows({
        from: Prisma.sql`batch JOIN finished ON finished.id = batch.op_id`,
        n: Prisma.sql`batch.n`,
        projectId: Prisma.sql`batch.op_project`,
        opId: Prisma.sql`batch.op_id`,
        kind: Prisma.sql`batch.kind`,
        status: literal('succeeded'),
        progress: Prisma.sql`100`,
        vmId: Prisma.sql`batch.vm_id::text`,
        errorCode: Prisma.sql`NULL`,
      }),
    ],
    'byRow',
  );

/**
 * One item per VM. Two runs of one operation can exist after a crash (a stalled job and its
 * re-enqueue), and an idempotent agent answers both at once, so both ends can land in one batch:
 * joined twice, they would record every event twice and give quota back twice. Sent one at a
 * time, the second found the VM already moved; here it is dropped, and its answer is "not moved".
 */
function oncePerVm<T extends { vm: { id: string } }>(all: readonly T[]): { items: T[]; first: boolean[] } {
  const seen = new Set<string>();
  const first = all.map((i) => !seen.has(i.vm.id) && !!seen.add(i.vm.id));
  return { items: all.filter((_, k) => first[k]), first };
}

/** The batch's common columns, one array each (`= ANY(array)` lets the planner use primary keys). */
function batchOf(
  items: readonly { vm: Pick<BuiltVm['vm'], 'id' | 'projectId' | 'hostId'>; op: BuiltVm['op'] }[],
  extra: Prisma.Sql,
  extraNames: Prisma.Sql,
): Prisma.Sql {
  return Prisma.sql`SELECT * FROM unnest(
      ${items.map((i) => i.vm.id)}::uuid[], ${items.map((i) => i.vm.projectId)}::uuid[], ${items.map((i) => i.vm.hostId)}::uuid[],
      ${items.map((i) => i.op.id)}::uuid[], ${items.map((i) => i.op.projectId)}::uuid[], ${items.map((i) => i.op.kind)}::text[]${extra}
    ) WITH ORDINALITY AS item(vm_id, vm_project, host_id, op_id, op_project, kind${extraNames}, n)`;
}

/**
 * Builds' ends (creates, HA restarts): each VM `building` or `recovering` -> `running` with its
 * domain, its operation succeeded only if the VM moved. Answers, per item, whether it moved.
 */
export async function finishBuiltVms(db: Db, all: readonly BuiltVm[]): Promise<boolean[]> {
  const { items, first } = oncePerVm(all);
  const vmIds = items.map((i) => i.vm.id);
  const rows = await db.$queryRaw<{ id: string }[]>`${prepared('finish_built_vms')}
    WITH batch AS (${batchOf(
      items,
      Prisma.sql`, ${items.map((i) => i.domId)}::int[], ${items.map((i) => i.powerState)}::text[], ${items.map((i) => i.from)}::text[]`,
      Prisma.sql`, dom_id, power_state, from_state`,
    )}), moved AS (
      UPDATE vms vm SET state = 'running', dom_id = batch.dom_id, power_state = batch.power_state::"PowerState",
        error_code = NULL, error_message = NULL, state_changed_at = now(), updated_at = now()
      FROM batch
      WHERE vm.id = ANY(${vmIds}::uuid[]) AND vm.id = batch.vm_id AND vm.state = batch.from_state::"VmState"
      RETURNING vm.id
    ), finished AS (
      UPDATE operations op SET ${SUCCEEDED}
      FROM batch JOIN moved ON moved.id = batch.vm_id
      WHERE op.id = ANY(${items.map((i) => i.op.id)}::uuid[]) AND op.id = batch.op_id AND op.status IN ('queued', 'running')
      RETURNING op.id
    ), recorded AS (${stateThenOperationEventsOf('running')})
    SELECT id::text AS id FROM moved`;
  const moved = new Set(rows.map((r) => r.id));
  return all.map((i, k) => first[k]! && moved.has(i.vm.id));
}

/**
 * Deletes' ends: each VM `deleted` if still in the state its delete saw, its claims released
 * on their hosts, its quota given back, its addresses and MACs given back to their networks,
 * its operation succeeded. Hosts and projects are locked in id order, as claims lock hosts:
 * racing statements queue, never deadlock. (Giving an address back needs no lock on its
 * network: only takers queue there, and one that does not see the address free yet just takes
 * another.)
 */
export async function finishDeletedVms(db: Db, all: readonly DeletedVm[]): Promise<void> {
  const { items } = oncePerVm(all);
  const vmIds = items.map((i) => i.vm.id);
  await db.$executeRaw`${prepared('finish_deleted_vms')}
    WITH batch AS (${batchOf(
      items,
      Prisma.sql`, ${items.map((i) => i.vm.state)}::text[], ${items.map((i) => i.vm.vcpus)}::int[],
        ${items.map((i) => i.vm.memoryMb)}::int[], ${items.map((i) => i.vm.diskGb)}::int[]`,
      Prisma.sql`, state, vcpus, memory_mb, disk_gb`,
    )}), moved AS (
      UPDATE vms vm SET state = 'deleted', host_id = NULL, dom_id = NULL, power_state = 'none', deleted_at = now(),
        state_changed_at = now(), updated_at = now()
      FROM batch
      WHERE vm.id = ANY(${vmIds}::uuid[]) AND vm.id = batch.vm_id AND vm.state = batch.state::"VmState"
      RETURNING vm.id
    ), hosts_locked AS (
      SELECT host.id FROM hosts host
      WHERE host.id IN (SELECT claim.host_id FROM allocations claim JOIN moved ON moved.id = claim.vm_id)
      ORDER BY host.id FOR UPDATE
    ), freed AS (
      DELETE FROM allocations claim USING moved WHERE claim.vm_id = ANY(${vmIds}::uuid[]) AND claim.vm_id = moved.id
      RETURNING claim.host_id, claim.vcpus, claim.memory_mb, claim.disk_gb
    ), freed_per_host AS (${perHostSums(Prisma.sql`freed JOIN hosts_locked ON hosts_locked.id = freed.host_id`)}
    ), hosts_released AS (${usageReturned(Prisma.sql`freed_per_host`)}), per_project AS (
      SELECT batch.vm_project, count(*) AS instances, sum(batch.vcpus) AS vcpus, sum(batch.memory_mb) AS memory_mb, sum(batch.disk_gb) AS disk_gb
      FROM batch JOIN moved ON moved.id = batch.vm_id
      GROUP BY batch.vm_project
    ), projects_locked AS (
      SELECT project.id FROM projects project WHERE project.id IN (SELECT vm_project FROM per_project) ORDER BY project.id FOR UPDATE
    ), quota_released AS (${quotaReturned(PER_PROJECT, {
      from: Prisma.sql`per_project JOIN projects_locked ON projects_locked.id = per_project.vm_project`,
      where: Prisma.sql`project.id = per_project.vm_project`,
    })}), addresses_released AS (
      DELETE FROM vm_addresses address USING moved WHERE address.vm_id = ANY(${vmIds}::uuid[]) AND address.vm_id = moved.id
    ), snapshots_removed AS (
      -- their copies went with the VM's storage (DestroyDomain purge_storage)
      DELETE FROM vm_snapshots snapshot USING moved WHERE snapshot.vm_id = ANY(${vmIds}::uuid[]) AND snapshot.vm_id = moved.id
    ), finished AS (
      UPDATE operations op SET ${SUCCEEDED}
      FROM batch
      WHERE op.id = ANY(${items.map((i) => i.op.id)}::uuid[]) AND op.id = batch.op_id AND op.status IN ('queued', 'running')
      RETURNING op.id
    )
    ${stateThenOperationEventsOf('deleted')}`;
}
