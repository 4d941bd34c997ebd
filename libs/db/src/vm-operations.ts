import type { Db } from './client';
import { VM_COLUMNS, OPERATION_COLUMNS } from './rows';
import { type Operation, type OperationKind, Prisma, type Vm, type VmState } from './generated/prisma/client';
import { prepared } from './prepared';
import { IS_LIVE } from './hosts';
import { eventsRecorded, literal, newOperationRows, operationStatusRows, vmStateRows } from './event-rows';
import { openOperationOn } from './snapshot-operations';

/** The operations on a VM's disks (libs/domain STORAGE_OPERATIONS but clone, which is on the clone: its source is matched by params). */
const DISK_OPERATIONS: readonly OperationKind[] = ['snapshot', 'snapshot_revert', 'snapshot_delete'];

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
 * the VM: that work stops at its next step. The scheduler (TTL expiry, evacuation) starts
 * operations on VMs it has read here; the API, which has not, uses startVmOperation.
 */
export async function beginVmOperation(db: Db, b: BeginOperation): Promise<Operation | null> {
  const { vm, ...rest } = b;
  return (await startVmOperation(db, { ...rest, vmId: vm.id, from: [vm.state] })).op;
}

export interface StartOperation extends Omit<BeginOperation, 'vm'> {
  vmId: string;
  /** only a VM of this project is seen (absent: any) */
  projectId?: string | null;
  /** the states the operation may start from */
  from: readonly VmState[];
  /** the action is carried out by the VM's host, which must be answering heartbeats (a delete does without it) */
  needsHost?: boolean;
}

/** The VM's host, as the statement saw it, when it was the reason to refuse: silent past its pool's suspect timeout. */
export interface HostInDoubt {
  name: string;
  state: string;
}

/** The operation, or why not: the VM as the statement saw it (null: no such VM to be seen), and its host if in doubt. */
export type StartOutcome =
  | { op: Operation; state: VmState }
  | { op: null; state: VmState | null; hostInDoubt?: HostInDoubt; storageBusy?: OperationKind };

/**
 * beginVmOperation for a VM known by id only, reading it in the same statement (a request's one
 * round trip): it starts only if the VM is visible and in one of `from`, and nobody moved it
 * meanwhile. The state the VM was in answers why not (or becomes the operation's `fromState`).
 */
export async function startVmOperation(db: Db, s: StartOperation): Promise<StartOutcome> {
  // fromState, where the VM goes back to if the operation is cancelled before it starts, comes from the row
  const params = JSON.stringify(s.params ?? {});
  const rows = await db.$queryRaw<
    (Operation & {
      currentState: VmState | null;
      hostAnswers: boolean | null;
      hostName: string | null;
      hostState: string | null;
      storageBusy: OperationKind | null;
    })[]
  >`${prepared('start_vm_operation')}
    WITH current AS (
      SELECT v.id, v.project_id, v.host_id, v.state, h.name AS host_name, h.state::text AS host_state,
        (v.host_id IS NULL OR ${IS_LIVE}) AS host_answers
      FROM vms v LEFT JOIN hosts h ON h.id = v.host_id LEFT JOIN pools p ON p.id = h.pool_id
      WHERE v.id = ${s.vmId}::uuid AND (${s.projectId ?? null}::uuid IS NULL OR v.project_id = ${s.projectId ?? null}::uuid)
    ), busy AS (${openOperationOn(Prisma.sql`${s.vmId}::uuid`, DISK_OPERATIONS)}
    ), moved AS (
      UPDATE vms v SET state = ${s.via}::"VmState", state_changed_at = now(), updated_at = now()
      FROM current c
      WHERE v.id = c.id AND v.state = c.state AND c.state::text = ANY(${s.from}::text[]) AND (c.host_answers OR NOT ${s.needsHost ?? false})
        AND NOT EXISTS (SELECT 1 FROM busy)
      RETURNING v.id, c.project_id, c.host_id, c.state
    ), created AS (
      INSERT INTO operations (id, kind, project_id, vm_id, host_id, params, correlation_id, requested_by, updated_at)
      SELECT gen_random_uuid(), ${s.kind}::"OperationKind", moved.project_id, moved.id, moved.host_id,
        ${params}::jsonb || jsonb_build_object('fromState', moved.state::text), ${s.correlationId ?? null}, ${s.requestedBy ?? null}::uuid, now()
      FROM moved
      RETURNING ${OPERATION_COLUMNS}
    ), overtaken AS (
      UPDATE operations SET cancel_requested = true, updated_at = now()
      WHERE ${s.kind === 'delete'} AND vm_id = ${s.vmId}::uuid AND status IN ('queued', 'running') AND EXISTS (SELECT 1 FROM moved)
    ), recorded AS (${eventsRecorded([
      vmStateRows({
        from: Prisma.sql`moved`,
        projectId: Prisma.sql`moved.project_id`,
        vmId: Prisma.sql`moved.id`,
        state: Prisma.sql`${s.via}::text`,
        hostId: Prisma.sql`moved.host_id::text`,
      }),
      newOperationRows('created'),
    ])})
    SELECT created.*, (SELECT state::text FROM current) AS "currentState", (SELECT host_answers FROM current) AS "hostAnswers",
      (SELECT host_name FROM current) AS "hostName", (SELECT host_state FROM current) AS "hostState",
      (SELECT kind::text FROM busy) AS "storageBusy"
    FROM (SELECT 1) one LEFT JOIN created ON true`;
  const { currentState, hostAnswers, hostName, hostState, storageBusy, ...op } = rows[0]!;
  if (op.id) return { op: op as Operation, state: currentState! };
  if (storageBusy && currentState && s.from.includes(currentState))
    return { op: null, state: currentState, storageBusy };
  const inDoubt = s.needsHost && hostAnswers === false && s.from.includes(currentState!);
  return { op: null, state: currentState, ...(inDoubt ? { hostInDoubt: { name: hostName!, state: hostState! } } : {}) };
}

/** An operation that succeeded, as OperationStore.finish writes it (for single-statement ends). */
export const SUCCEEDED = Prisma.sql`status = 'succeeded', finished_at = now(), attempts = attempts + 1, step = 'done', progress = 100,
  error_message = NULL, updated_at = now()`;

/**
 * Records the VM's new state (a row of CTE `moved`), then the operation's success (a row of CTE
 * `finished`), in that order: the statement's last part, after those two CTEs.
 */
export function stateThenOperationEvents(
  vm: Pick<Vm, 'id' | 'projectId' | 'hostId'>,
  state: VmState,
  op: Pick<Operation, 'projectId' | 'kind'>,
): Prisma.Sql {
  return eventsRecorded([
    vmStateRows({
      from: Prisma.sql`moved`,
      projectId: Prisma.sql`${vm.projectId}::uuid`,
      vmId: Prisma.sql`moved.id`,
      state: Prisma.sql`${state}::text`,
      hostId: Prisma.sql`${vm.hostId}::text`,
    }),
    operationStatusRows({
      from: Prisma.sql`finished`,
      projectId: Prisma.sql`${op.projectId}::uuid`,
      opId: Prisma.sql`finished.id`,
      kind: Prisma.sql`${op.kind}::text`,
      status: literal('succeeded'),
      progress: Prisma.sql`100`,
      vmId: Prisma.sql`${vm.id}::text`,
      errorCode: Prisma.sql`NULL`,
    }),
  ]);
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
export async function beginDestroy(
  db: Db,
  d: { vmId: string; opId: string; step: string; progress: number },
): Promise<ClaimHolder[]> {
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
export async function beginScheduling(
  db: Db,
  s: { vmId: string; projectId: string; opId: string; step: string; progress: number },
): Promise<Vm | null> {
  const rows = await db.$queryRaw<Vm[]>`
    WITH moved AS (
      UPDATE vms SET state = 'scheduling', state_changed_at = now(), updated_at = now()
      WHERE id = ${s.vmId}::uuid AND state = 'pending'
      RETURNING ${VM_COLUMNS}
    ), stepped AS (
      UPDATE operations SET step = ${s.step}, progress = ${s.progress}, updated_at = now()
      WHERE id = ${s.opId}::uuid AND status = 'running' AND EXISTS (SELECT 1 FROM moved)
    ), recorded AS (${eventsRecorded([
      vmStateRows({
        from: Prisma.sql`moved`,
        projectId: Prisma.sql`${s.projectId}::uuid`,
        vmId: Prisma.sql`id`,
        state: literal('scheduling'),
        hostId: Prisma.sql`NULL`,
      }),
    ])})
    SELECT * FROM moved`;
  return rows[0] ?? null;
}
