import type { Db } from './client';
import { eventsRecorded, newOperationRows } from './event-rows';
import {
  type Operation,
  type OperationKind,
  Prisma,
  type SnapshotState,
  type VmState,
} from './generated/prisma/client';
import { IS_LIVE } from './hosts';
import { prepared } from './prepared';
import { OPERATION_COLUMNS } from './rows';

/**
 * Condition: an operation not finished works on VM `vmId` (a SQL expression), or clones it.
 * One operation at a time per VM: a storage operation starts only when this is false, and VM
 * actions do not start while a storage operation is open (startVmOperation).
 */
export const openOperationOn = (vmId: Prisma.Sql, kinds?: readonly OperationKind[]): Prisma.Sql => Prisma.sql`
      SELECT o.kind FROM operations o
      WHERE o.status IN ('queued', 'running')
        AND ((o.vm_id = ${vmId} AND o.kind <> 'clone'${kinds ? Prisma.sql` AND o.kind::text = ANY(${[...kinds]}::text[])` : Prisma.empty})
          OR (o.kind = 'clone' AND o.params->>'sourceVmId' = ${vmId}::text))
      ORDER BY o.created_at LIMIT 1`;

export interface StartSnapshotOperation {
  vmId: string;
  /** only a VM of this project is seen (null: any) */
  projectId: string | null;
  kind: 'snapshot' | 'snapshot_revert' | 'snapshot_delete';
  snapshotId: string;
  /** a new snapshot's name (kind snapshot) */
  name?: string;
  vmStates: readonly VmState[];
  /** the snapshot states the operation may start from (ignored for a new snapshot) */
  snapshotStates: readonly SnapshotState[];
  /** the snapshot's state while the operation runs */
  via: SnapshotState;
  requestedBy: string | null;
  correlationId: string | null;
}

/** The operation started, or what the statement saw instead (vmState null: no such VM to be seen). */
export interface SnapshotStartOutcome {
  op: Operation | null;
  vmState: VmState | null;
  hostId: string | null;
  hostAnswers: boolean | null;
  hostName: string | null;
  hostState: string | null;
  openOperation: OperationKind | null;
  /** the snapshot as it was (null: none of that id on the VM; for a new one, one of that name) */
  snapshotState: SnapshotState | null;
}

/**
 * Starts a snapshot, revert or snapshot delete in ONE statement: only if the VM is visible, in
 * one of `vmStates`, on a host that answers, with no operation open on it (nor a clone of it),
 * and the snapshot can go `via` (a new one is inserted `creating`: its name unique per VM). The
 * snapshot's change, the operation and its event are written together, or nothing.
 */
export async function startSnapshotOperation(db: Db, s: StartSnapshotOperation): Promise<SnapshotStartOutcome> {
  const creates = s.kind === 'snapshot';
  const params = JSON.stringify({ snapshotId: s.snapshotId });
  const rows = await db.$queryRaw<
    (Operation & Omit<SnapshotStartOutcome, 'op' | 'hostId'> & { vmHostId: string | null })[]
  >`${prepared('start_snapshot_operation')}
    WITH current AS (
      SELECT v.id, v.project_id, v.host_id, v.state, h.name AS host_name, h.state::text AS host_state,
        (v.host_id IS NOT NULL AND ${IS_LIVE}) AS host_answers
      FROM vms v LEFT JOIN hosts h ON h.id = v.host_id LEFT JOIN pools p ON p.id = h.pool_id
      WHERE v.id = ${s.vmId}::uuid AND (${s.projectId}::uuid IS NULL OR v.project_id = ${s.projectId}::uuid)
    ), open_op AS (${openOperationOn(Prisma.sql`${s.vmId}::uuid`)}
    ), seen AS (
      SELECT sn.id, sn.state FROM vm_snapshots sn
      WHERE sn.vm_id = ${s.vmId}::uuid AND (CASE WHEN ${creates} THEN sn.name = ${s.name ?? ''} ELSE sn.id = ${s.snapshotId}::uuid END)
    ), allowed AS (
      SELECT c.* FROM current c
      WHERE c.state::text = ANY(${s.vmStates}::text[]) AND c.host_answers AND NOT EXISTS (SELECT 1 FROM open_op)
    ), made AS (
      INSERT INTO vm_snapshots (id, vm_id, name, state, updated_at)
      SELECT ${s.snapshotId}::uuid, a.id, ${s.name ?? ''}, 'creating', now() FROM allowed a WHERE ${creates}
      ON CONFLICT (vm_id, name) DO NOTHING
      RETURNING id
    ), moved AS (
      UPDATE vm_snapshots sn SET state = ${s.via}::"SnapshotState", updated_at = now()
      FROM allowed a
      WHERE NOT ${creates} AND sn.id = ${s.snapshotId}::uuid AND sn.vm_id = a.id AND sn.state::text = ANY(${s.snapshotStates}::text[])
      RETURNING sn.id
    ), created AS (
      INSERT INTO operations (id, kind, project_id, vm_id, host_id, params, correlation_id, requested_by, updated_at)
      SELECT gen_random_uuid(), ${s.kind}::"OperationKind", a.project_id, a.id, a.host_id,
        ${params}::jsonb || jsonb_build_object('fromState', a.state::text), ${s.correlationId}, ${s.requestedBy}::uuid, now()
      FROM allowed a
      WHERE EXISTS (SELECT 1 FROM made) OR EXISTS (SELECT 1 FROM moved)
      RETURNING ${OPERATION_COLUMNS}
    ), recorded AS (${eventsRecorded([newOperationRows('created')])})
    SELECT created.*, (SELECT state::text FROM current) AS "vmState", (SELECT host_id::text FROM current) AS "vmHostId",
      (SELECT host_answers FROM current) AS "hostAnswers", (SELECT host_name FROM current) AS "hostName",
      (SELECT host_state FROM current) AS "hostState", (SELECT kind::text FROM open_op) AS "openOperation",
      (SELECT state::text FROM seen) AS "snapshotState"
    FROM (SELECT 1) one LEFT JOIN created ON true`;
  const { vmState, vmHostId, hostAnswers, hostName, hostState, openOperation, snapshotState, ...op } = rows[0]!;
  return {
    op: op.id ? (op as Operation) : null,
    vmState,
    hostId: vmHostId,
    hostAnswers,
    hostName,
    hostState,
    openOperation,
    snapshotState,
  };
}
