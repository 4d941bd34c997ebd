import type { Db } from './client';
import { eventsRecorded, literal, operationStatusRows, vmStateRows } from './event-rows';
import { type GuestType, type HaPriority, type Operation, Prisma, type Vm } from './generated/prisma/client';
import { quotaTaken, type Usage } from './quota';
import { prepared } from './prepared';

/** A VM as a create request defines it; everything else starts at its schema default. */
export interface NewVm {
  id: string;
  name: string;
  flavorId: string;
  imageId: string;
  guestType: GuestType;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  poolId: string | null;
  serverGroupId: string | null;
  haPriority: HaPriority;
  metadata: Prisma.JsonObject;
  userData: string | null;
  /** OpenSSH public key lines, already checked and resolved */
  sshKeys: string[];
  expiresAt: Date | null;
}

export interface NewCreateOperation {
  id: string;
  vmId: string;
  params: Prisma.JsonObject;
  correlationId: string | null;
  requestedBy: string | null;
}

export interface VmBatch {
  projectId: string;
  usage: Usage;
  vms: readonly NewVm[];
  ops: readonly NewCreateOperation[];
  now: Date;
}

/**
 * A create request's VMs, their operations and events, and the quota they take, in ONE
 * statement: all of them, or none when the quota does not fit (null then). One round trip
 * holds a pooled connection for the shortest time, which is what keeps a burst of creates
 * from queueing for connections. Returns the rows exactly as written, without reading them back.
 */
export async function createVmBatch(db: Db, b: VmBatch): Promise<{ vms: Vm[]; ops: Operation[] } | null> {
  const vms = JSON.stringify(b.vms.map((v) => ({ ...v, expiresAt: v.expiresAt?.toISOString() ?? null })));
  const ops = JSON.stringify(b.ops);
  const projectId = Prisma.sql`${b.projectId}::uuid`;
  const rows = await db.$queryRaw<{ created: bigint }[]>`${prepared('create_vm_batch')}
    WITH reserved AS (${quotaTaken(b.projectId, b.usage)}
    ), new_vm AS (
      SELECT * FROM ROWS FROM (jsonb_to_recordset(${vms}::jsonb) AS ("id" uuid, "name" text, "flavorId" uuid,
        "imageId" uuid, "guestType" text, "vcpus" int, "memoryMb" int, "diskGb" int, "poolId" uuid, "serverGroupId" uuid,
        "haPriority" text, "metadata" jsonb, "userData" text, "expiresAt" timestamptz, "sshKeys" text[])) WITH ORDINALITY
        AS v("id", "name", "flavorId", "imageId", "guestType", "vcpus", "memoryMb", "diskGb", "poolId", "serverGroupId",
        "haPriority", "metadata", "userData", "expiresAt", "sshKeys", n)
      WHERE EXISTS (SELECT 1 FROM reserved)
    ), new_op AS (
      SELECT * FROM ROWS FROM (jsonb_to_recordset(${ops}::jsonb) AS ("id" uuid, "vmId" uuid, "params" jsonb,
        "correlationId" text, "requestedBy" uuid)) WITH ORDINALITY AS o("id", "vmId", "params", "correlationId", "requestedBy", n)
      WHERE EXISTS (SELECT 1 FROM reserved)
    ), vms_written AS (
      INSERT INTO vms (id, project_id, name, flavor_id, image_id, guest_type, vcpus, memory_mb, disk_gb, pool_id,
        server_group_id, ha_priority, metadata, user_data, expires_at, ssh_keys, state_changed_at, created_at, updated_at)
      SELECT id, ${b.projectId}::uuid, name, "flavorId", "imageId", "guestType"::"GuestType", vcpus, "memoryMb", "diskGb",
        "poolId", "serverGroupId", "haPriority"::"HaPriority", metadata, "userData", "expiresAt", "sshKeys",
        ${b.now}::timestamptz, ${b.now}::timestamptz, ${b.now}::timestamptz
      FROM new_vm
      RETURNING id
    ), ops_written AS (
      INSERT INTO operations (id, kind, project_id, vm_id, params, correlation_id, requested_by, created_at, updated_at)
      SELECT id, 'create', ${b.projectId}::uuid, "vmId", params, "correlationId", "requestedBy", ${b.now}::timestamptz, ${b.now}::timestamptz
      FROM new_op
      RETURNING id
    ), recorded AS (${eventsRecorded([
      vmStateRows({
        from: Prisma.sql`new_vm`,
        n: Prisma.sql`n`,
        projectId,
        vmId: Prisma.sql`id`,
        state: literal('pending'),
        hostId: Prisma.sql`NULL`,
      }),
      operationStatusRows({
        from: Prisma.sql`new_op`,
        n: Prisma.sql`n`,
        projectId,
        opId: Prisma.sql`id`,
        kind: literal('create'),
        status: literal('queued'),
        progress: Prisma.sql`0`,
        vmId: Prisma.sql`"vmId"::text`,
        errorCode: Prisma.sql`NULL`,
      }),
    ])})
    SELECT (SELECT count(*) FROM vms_written) + (SELECT count(*) FROM ops_written) AS created`;
  if (Number(rows[0]?.created ?? 0) === 0) return null;
  return { vms: b.vms.map((v) => writtenVm(b, v)), ops: b.ops.map((o) => writtenOperation(b, o)) };
}

function writtenVm(b: VmBatch, v: NewVm): Vm {
  return {
    ...v,
    projectId: b.projectId,
    state: 'pending',
    powerState: 'none',
    hostId: null,
    epoch: 0,
    domId: null,
    errorCode: null,
    errorMessage: null,
    stateChangedAt: b.now,
    createdAt: b.now,
    updatedAt: b.now,
    deletedAt: null,
  };
}

function writtenOperation(b: VmBatch, o: NewCreateOperation): Operation {
  return {
    ...o,
    kind: 'create',
    status: 'queued',
    progress: 0,
    projectId: b.projectId,
    hostId: null,
    step: null,
    attempts: 0,
    errorCode: null,
    errorMessage: null,
    errorDetails: null,
    cancelRequested: false,
    createdAt: b.now,
    startedAt: null,
    finishedAt: null,
    updatedAt: b.now,
  };
}
