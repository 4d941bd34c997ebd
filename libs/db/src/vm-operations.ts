import type { Db } from './client';
import { operationEvent, recordEvents, vmStateEvent } from './events';
import { type Operation, type OperationKind, Prisma, type Vm, type VmState } from './generated/prisma/client';

export interface BeginOperation {
  vm: Pick<Vm, 'id' | 'projectId' | 'state' | 'hostId'>;
  kind: OperationKind;
  /** the transitional state the VM enters */
  via: VmState;
  params?: Prisma.InputJsonObject;
  requestedBy?: string | null;
  correlationId?: string | null;
}

/**
 * Starts an operation on a VM: the VM enters the transitional state and the operation is
 * queued, in one transaction that only succeeds if nobody changed the VM's state meanwhile
 * (null then). A delete overtakes work still in flight on the VM: that work stops at its next
 * step. The API (tenants' actions) and the scheduler (TTL expiry) both start operations here.
 */
export async function beginVmOperation(db: Db, b: BeginOperation): Promise<Operation | null> {
  return db.$transaction(async (tx) => {
    const moved = await tx.vm.updateMany({
      where: { id: b.vm.id, state: b.vm.state },
      data: { state: b.via, stateChangedAt: new Date() },
    });
    if (moved.count !== 1) return null;
    const op = await tx.operation.create({
      data: {
        kind: b.kind,
        projectId: b.vm.projectId,
        vmId: b.vm.id,
        hostId: b.vm.hostId,
        // where the VM goes back to if the operation is cancelled before it starts
        params: { ...b.params, fromState: b.vm.state },
        correlationId: b.correlationId ?? null,
        requestedBy: b.requestedBy ?? null,
      },
    });
    if (b.kind === 'delete') {
      await tx.operation.updateMany({
        where: { vmId: b.vm.id, status: { in: ['queued', 'running'] }, id: { not: op.id } },
        data: { cancelRequested: true },
      });
    }
    await recordEvents(tx, [vmStateEvent({ ...b.vm, state: b.via }), operationEvent(op)]);
    return op;
  });
}

/** An operation that succeeded, as OperationStore.finish writes it (for single-statement ends). */
export const SUCCEEDED = Prisma.sql`status = 'succeeded', finished_at = now(), attempts = attempts + 1, step = 'done', progress = 100,
  error_message = NULL, updated_at = now()`;

/**
 * Records the VM's new state (a row of CTE `moved`), then the operation's success (a row of CTE
 * `finished`), in that order: the statement's last part, after those two CTEs.
 */
export function stateThenOperationEvents(vm: Pick<Vm, 'id' | 'projectId' | 'hostId'>, state: VmState, op: Pick<Operation, 'projectId' | 'kind'>): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO events (project_id, resource_type, resource_id, type, data)
    SELECT project_id, resource_type, resource_id, type, data FROM (
      SELECT 1 AS ord, ${vm.projectId}::uuid AS project_id, 'vm' AS resource_type, moved.id AS resource_id, 'vm.state' AS type,
        jsonb_build_object('state', ${state}::text, 'hostId', ${vm.hostId}::text) AS data
      FROM moved
      UNION ALL
      SELECT 2, ${op.projectId}::uuid, 'operation', finished.id, 'operation.status',
        jsonb_build_object('kind', ${op.kind}::text, 'status', 'succeeded', 'progress', 100, 'vmId', ${vm.id}::text, 'errorCode', NULL)
      FROM finished
    ) e ORDER BY ord`;
}

export interface BuiltVm {
  vm: Pick<Vm, 'id' | 'projectId' | 'hostId'>;
  op: Pick<Operation, 'id' | 'projectId' | 'kind'>;
  domId: number;
  powerState: 'running' | 'paused';
}

/**
 * The end of a create, in ONE statement: the VM `building` -> `running` with its domain, the
 * operation succeeded, both events recorded in that order. The operation only ends if the VM
 * moved; false when it did not (deleted while building: the caller ends the operation).
 */
export async function finishBuiltVm(db: Db, b: BuiltVm): Promise<boolean> {
  const rows = await db.$queryRaw<{ moved: bigint }[]>`
    WITH moved AS (
      UPDATE vms SET state = 'running', dom_id = ${b.domId}, power_state = ${b.powerState}::"PowerState",
        error_code = NULL, error_message = NULL, state_changed_at = now(), updated_at = now()
      WHERE id = ${b.vm.id}::uuid AND state = 'building'
      RETURNING id
    ), finished AS (
      UPDATE operations SET ${SUCCEEDED}
      WHERE id = ${b.op.id}::uuid AND status IN ('queued', 'running') AND EXISTS (SELECT 1 FROM moved)
      RETURNING id
    ), recorded AS (${stateThenOperationEvents(b.vm, 'running', b.op)})
    SELECT count(*) AS moved FROM moved`;
  return Number(rows[0]?.moved ?? 0) === 1;
}

export interface DeletedVm {
  vm: Pick<Vm, 'id' | 'projectId' | 'hostId' | 'state' | 'vcpus' | 'memoryMb' | 'diskGb'>;
  op: Pick<Operation, 'id' | 'projectId' | 'kind'>;
}

/**
 * The end of a delete, in ONE statement: the VM `deleted` (if it is still in the state the
 * delete saw), its claims released on their hosts, its quota given back, the operation
 * succeeded, both events recorded in that order.
 */
export async function finishDeletedVm(db: Db, d: DeletedVm): Promise<void> {
  await db.$executeRaw`
    WITH moved AS (
      UPDATE vms SET state = 'deleted', host_id = NULL, dom_id = NULL, power_state = 'none', deleted_at = now(),
        state_changed_at = now(), updated_at = now()
      WHERE id = ${d.vm.id}::uuid AND state = ${d.vm.state}::"VmState"
      RETURNING id
    ), freed AS (
      DELETE FROM allocations WHERE vm_id = ${d.vm.id}::uuid AND EXISTS (SELECT 1 FROM moved)
      RETURNING host_id, vcpus, memory_mb, disk_gb
    ), hosts_released AS (
      UPDATE hosts h SET used_vcpus = h.used_vcpus - f.vcpus, used_memory_mb = h.used_memory_mb - f.memory_mb,
        used_disk_gb = h.used_disk_gb - f.disk_gb, used_instances = h.used_instances - 1, updated_at = now()
      FROM freed f WHERE h.id = f.host_id
    ), quota_released AS (
      UPDATE projects SET used_instances = used_instances - 1, used_vcpus = used_vcpus - ${d.vm.vcpus},
        used_memory_mb = used_memory_mb - ${d.vm.memoryMb}, used_disk_gb = used_disk_gb - ${d.vm.diskGb}, updated_at = now()
      WHERE id = ${d.vm.projectId}::uuid AND EXISTS (SELECT 1 FROM moved)
    ), finished AS (
      UPDATE operations SET ${SUCCEEDED}
      WHERE id = ${d.op.id}::uuid AND status IN ('queued', 'running')
      RETURNING id
    )
    ${stateThenOperationEvents(d.vm, 'deleted', d.op)}`;
}

/**
 * A create's VM `pending` -> `scheduling` with its event, and the operation's step, in ONE
 * statement. False when the VM had left `pending` meanwhile (nothing is written then).
 */
export async function beginScheduling(db: Db, s: { vm: Pick<Vm, 'id' | 'projectId'>; opId: string; step: string; progress: number }): Promise<boolean> {
  const rows = await db.$queryRaw<{ moved: bigint }[]>`
    WITH moved AS (
      UPDATE vms SET state = 'scheduling', state_changed_at = now(), updated_at = now()
      WHERE id = ${s.vm.id}::uuid AND state = 'pending'
      RETURNING id
    ), stepped AS (
      UPDATE operations SET step = ${s.step}, progress = ${s.progress}, updated_at = now()
      WHERE id = ${s.opId}::uuid AND status = 'running' AND EXISTS (SELECT 1 FROM moved)
    ), recorded AS (
      INSERT INTO events (project_id, resource_type, resource_id, type, data)
      SELECT ${s.vm.projectId}::uuid, 'vm', id, 'vm.state', jsonb_build_object('state', 'scheduling', 'hostId', NULL) FROM moved
    )
    SELECT count(*) AS moved FROM moved`;
  return Number(rows[0]?.moved ?? 0) === 1;
}
