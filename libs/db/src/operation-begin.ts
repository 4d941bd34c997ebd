import type { Db } from './client';
import { eventsRecorded, literal, operationStatusRows, vmStateRows } from './event-rows';
import { Prisma } from './generated/prisma/client';
import { prepared } from './prepared';
import { operationColumnsOf, vmColumnsOf, vmFromRow, withoutVm } from './rows';
import type { ClaimHolder } from './vm-operations';
import { disksOf, type VmDisk } from './vm-disks';
import { vifsOf, type VmVif } from './vm-vifs';
import type { Operation, Vm } from './generated/prisma/client';

const sql = Prisma.sql;

/** The step (and its progress) an operation of a kind enters first once taken up. */
export interface FirstStep {
  step: string;
  progress: number;
}

export interface BegunOperation {
  /** the operation as it now is; null when it does not exist */
  op: Operation | null;
  /** its VM as it now is (a create's VM after `pending` -> `scheduling`), else as read when taken up */
  vm: Vm | null;
  started: boolean;
  /** started, and taken from `queued` by this call (not a retry or a resumption of a running one) */
  fromQueue: boolean;
  /** an older unfinished operation on the same VM goes first */
  waits: boolean;
  /** a delete's VM: the hosts where it holds claims (its domain is destroyed on each); else null */
  holders: ClaimHolder[] | null;
  /** a create's VM: its vifs and disks (what its domain is built with); else null */
  built: BuildInputs | null;
}

/** What a VM's domain is built with besides the VM row and its image. */
export interface BuildInputs {
  vifs: VmVif[];
  disks: VmDisk[];
}

/**
 * Takes up an operation for a worker, in ONE statement: reads it, and moves it queued ->
 * running (its event with it) unless another unfinished operation on the same VM was queued
 * first (that one goes first; a create is its VM's first operation, nothing is older). A
 * running operation picked up again stays running. `started` is false when it is finished,
 * must wait, or another worker got there first.
 *
 * The first step of the two kinds a CI burst is made of rides along, a round trip less each:
 * - create, taken up for the first time (no step yet): its VM `pending` -> `scheduling` with
 *   its event, and the operation enters `first.create`, only if the VM moved (else the handler
 *   finds out why, as it would have alone);
 * - delete, whose VM is not already gone: the operation enters `first.delete`, and the hosts
 *   where the VM holds claims are read.
 * A create's VM's vifs and disks are read too (its build needs them).
 * Both are what beginScheduling / beginDestroy write; the handlers fall back on those when the
 * operation resumes after a crash.
 */
export async function beginOperation(
  db: Db,
  id: string,
  first: { create: FirstStep; delete: FirstStep },
): Promise<BegunOperation> {
  const rows = await db.$queryRaw<Record<string, unknown>[]>`${prepared('begin_operation')}
    WITH current AS (
      SELECT * FROM operations WHERE id = ${id}::uuid
    ), older AS (
      SELECT 1 FROM current
      WHERE current.kind <> 'create' AND current.vm_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM operations prior
        WHERE prior.vm_id = current.vm_id AND prior.status IN ('queued', 'running') AND prior.created_at < current.created_at AND prior.id <> current.id)
    ), scheduled AS (
      UPDATE vms vm SET state = 'scheduling', state_changed_at = now(), updated_at = now()
      FROM current
      WHERE vm.id = current.vm_id AND vm.state = 'pending' AND current.kind = 'create' AND current.step IS NULL
        AND current.status IN ('queued', 'running') AND NOT current.cancel_requested
      RETURNING vm.*
    ), started AS (
      UPDATE operations op SET status = 'running', started_at = coalesce(op.started_at, now()), updated_at = now(),
        step = CASE
          WHEN EXISTS (SELECT 1 FROM scheduled) THEN ${first.create.step}
          WHEN current.kind = 'delete' AND vm.state IS DISTINCT FROM 'deleted' AND vm.id IS NOT NULL THEN ${first.delete.step}
          ELSE op.step END,
        progress = CASE
          WHEN EXISTS (SELECT 1 FROM scheduled) THEN ${first.create.progress}
          WHEN current.kind = 'delete' AND vm.state IS DISTINCT FROM 'deleted' AND vm.id IS NOT NULL THEN ${first.delete.progress}
          ELSE op.progress END
      FROM current LEFT JOIN vms vm ON vm.id = current.vm_id
      WHERE op.id = current.id AND op.status = current.status AND current.status IN ('queued', 'running') AND NOT EXISTS (SELECT 1 FROM older)
      RETURNING op.id, op.started_at, op.step, op.progress, current.status AS was
    ), recorded AS (${eventsRecorded([
      operationStatusRows({
        from: sql`current JOIN started ON started.was = 'queued'`,
        projectId: sql`current.project_id`,
        opId: sql`current.id`,
        kind: sql`current.kind::text`,
        status: literal('running'),
        progress: sql`current.progress`,
        vmId: sql`current.vm_id::text`,
        errorCode: sql`current.error_code`,
      }),
      vmStateRows({
        from: sql`current, scheduled`,
        projectId: sql`current.project_id`,
        vmId: sql`scheduled.id`,
        state: literal('scheduling'),
        hostId: sql`NULL`,
      }),
    ])})
    SELECT ${operationColumnsOf('current')}, EXISTS (SELECT 1 FROM older) AS waits, EXISTS (SELECT 1 FROM started) AS started,
      (SELECT started_at FROM started) AS "startedNow", (SELECT step FROM started) AS "stepNow", (SELECT progress FROM started) AS "progressNow",
      CASE WHEN current.kind = 'delete' THEN (
        SELECT coalesce(jsonb_agg(jsonb_build_object('id', host.id, 'name', host.name, 'address', host.address, 'state', host.state::text) ORDER BY claim.created_at), '[]'::jsonb)
        FROM allocations claim JOIN hosts host ON host.id = claim.host_id WHERE claim.vm_id = current.vm_id) END AS holders,
      CASE WHEN current.kind = 'create' THEN ${vifsOf(sql`current.vm_id`)} END AS vifs,
      CASE WHEN current.kind = 'create' THEN ${disksOf(sql`current.vm_id`)} END AS disks,
      ${vmColumnsOf('vm_now')}
    FROM current LEFT JOIN LATERAL (
      -- the VM as it now is: as begin moved it, else as the statement read it
      SELECT * FROM scheduled
      UNION ALL
      SELECT * FROM vms WHERE id = current.vm_id AND NOT EXISTS (SELECT 1 FROM scheduled)
    ) vm_now ON true`;
  const row = rows[0];
  if (!row) return { op: null, vm: null, started: false, fromQueue: false, waits: false, holders: null, built: null };
  const vm = vmFromRow(row);
  const { waits, started, startedNow, stepNow, progressNow, holders, vifs, disks, ...op } = withoutVm<
    Operation & {
      waits: boolean;
      started: boolean;
      startedNow: Date | null;
      stepNow: string | null;
      progressNow: number | null;
      holders: ClaimHolder[] | null;
      vifs: VmVif[] | null;
      disks: VmDisk[] | null;
    }
  >(row);
  if (!started) return { op, vm, started: false, fromQueue: false, waits, holders: null, built: null };
  return {
    op: { ...op, status: 'running', startedAt: startedNow, step: stepNow, progress: progressNow ?? op.progress },
    vm,
    started: true,
    // the row as the statement read it, before it moved
    fromQueue: op.status === 'queued',
    waits: false,
    holders,
    built: vifs && disks ? { vifs, disks } : null,
  };
}
