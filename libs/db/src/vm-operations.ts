import type { Db } from './client';
import { FREED_USAGE_RETURNED } from './host-usage';
import { VM_COLUMNS, OPERATION_COLUMNS } from './rows';
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
 * Starts an operation on a VM, in ONE statement: the VM enters the transitional state and the
 * operation is queued, with both events in that order, only if nobody changed the VM's state
 * meanwhile (null then, and nothing is written). A delete overtakes work still in flight on
 * the VM: that work stops at its next step. The API (tenants' actions) and the scheduler (TTL
 * expiry) both start operations here.
 */
export async function beginVmOperation(db: Db, b: BeginOperation): Promise<Operation | null> {
  // where the VM goes back to if the operation is cancelled before it starts
  const params = JSON.stringify({ ...b.params, fromState: b.vm.state });
  const rows = await db.$queryRaw<Operation[]>`
    WITH moved AS (
      UPDATE vms SET state = ${b.via}::"VmState", state_changed_at = now(), updated_at = now()
      WHERE id = ${b.vm.id}::uuid AND state = ${b.vm.state}::"VmState"
      RETURNING id
    ), created AS (
      INSERT INTO operations (id, kind, project_id, vm_id, host_id, params, correlation_id, requested_by, updated_at)
      SELECT gen_random_uuid(), ${b.kind}::"OperationKind", ${b.vm.projectId}::uuid, moved.id, ${b.vm.hostId}::uuid,
        ${params}::jsonb, ${b.correlationId ?? null}, ${b.requestedBy ?? null}::uuid, now()
      FROM moved
      RETURNING ${OPERATION_COLUMNS}
    ), overtaken AS (
      UPDATE operations SET cancel_requested = true, updated_at = now()
      WHERE ${b.kind === 'delete'} AND vm_id = ${b.vm.id}::uuid AND status IN ('queued', 'running') AND EXISTS (SELECT 1 FROM moved)
    ), recorded AS (
      INSERT INTO events (project_id, resource_type, resource_id, type, data)
      SELECT project_id, resource_type, resource_id, type, data FROM (
        SELECT 1 AS ord, ${b.vm.projectId}::uuid AS project_id, 'vm' AS resource_type, moved.id AS resource_id, 'vm.state' AS type,
          jsonb_build_object('state', ${b.via}::text, 'hostId', ${b.vm.hostId}::text) AS data
        FROM moved
        UNION ALL
        SELECT 2, created."projectId", 'operation', created.id, 'operation.status',
          jsonb_build_object('kind', created.kind, 'status', created.status, 'progress', created.progress, 'vmId', created."vmId"::text, 'errorCode', NULL)
        FROM created
      ) e ORDER BY ord
    )
    SELECT * FROM created`;
  return rows[0] ?? null;
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
    ), hosts_released AS (${FREED_USAGE_RETURNED}), quota_released AS (
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

/** A host where a VM holds a claim, as a delete needs it to reach the agent. */
export interface ClaimHolder {
  id: string;
  name: string;
  address: string;
  state: string;
}

/**
 * A delete's step recorded and the hosts where its VM holds claims read, in ONE statement:
 * the domain is destroyed on each of them before the claims are released.
 */
export async function beginDestroy(db: Db, d: { vmId: string; opId: string; step: string; progress: number }): Promise<ClaimHolder[]> {
  return db.$queryRaw<ClaimHolder[]>`
    WITH stepped AS (
      UPDATE operations SET step = ${d.step}, progress = ${d.progress}, updated_at = now()
      WHERE id = ${d.opId}::uuid AND status = 'running'
    )
    SELECT h.id, h.name, h.address, h.state::text AS state
    FROM allocations a JOIN hosts h ON h.id = a.host_id
    WHERE a.vm_id = ${d.vmId}::uuid
    ORDER BY a.created_at`;
}

/**
 * A create's VM `pending` -> `scheduling` with its event, and the operation's step, in ONE
 * statement that also returns the VM as it now is (no read before or after). Null when the VM
 * had left `pending` meanwhile (nothing is written then): the caller reads it to see why.
 */
export async function beginScheduling(db: Db, s: { vmId: string; projectId: string; opId: string; step: string; progress: number }): Promise<Vm | null> {
  const rows = await db.$queryRaw<Vm[]>`
    WITH moved AS (
      UPDATE vms SET state = 'scheduling', state_changed_at = now(), updated_at = now()
      WHERE id = ${s.vmId}::uuid AND state = 'pending'
      RETURNING ${VM_COLUMNS}
    ), stepped AS (
      UPDATE operations SET step = ${s.step}, progress = ${s.progress}, updated_at = now()
      WHERE id = ${s.opId}::uuid AND status = 'running' AND EXISTS (SELECT 1 FROM moved)
    ), recorded AS (
      INSERT INTO events (project_id, resource_type, resource_id, type, data)
      SELECT ${s.projectId}::uuid, 'vm', id, 'vm.state', jsonb_build_object('state', 'scheduling', 'hostId', NULL) FROM moved
    )
    SELECT * FROM moved`;
  return rows[0] ?? null;
}
