import { randomMacs } from '@xenplane/domain';
import type { Db } from './client';
import { eventsRecorded, literal, operationStatusRows, vmStateRows } from './event-rows';
import {
  type DiskKind,
  type GuestType,
  type HaPriority,
  type Operation,
  Prisma,
  type Vm,
} from './generated/prisma/client';
import { pgErrorOf } from './pg-errors';
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

/** A vif a new VM gets on a network: an address of the network and a MAC, both taken by the batch's statement. */
export interface NewVif {
  vmId: string;
  /** its index on the VM (xl's devid), 0 for the first */
  device: number;
  networkId: string;
}

/** A disk a new VM gets (libs/domain planVmDisks), in its pool's default storage pool. */
export interface NewDisk {
  vmId: string;
  kind: DiskKind;
  device: string;
  sizeGb: number;
  /** the image its root disk is a copy-on-write clone of; null: blank */
  imageId: string | null;
}

export interface VmBatch {
  projectId: string;
  usage: Usage;
  vms: readonly NewVm[];
  ops: readonly NewCreateOperation[];
  vifs: readonly NewVif[];
  disks: readonly NewDisk[];
  now: Date;
}

/** A vif as the statement wrote it. */
export interface TakenAddress {
  vmId: string;
  device: number;
  networkId: string;
  mac: string;
  ip: string;
}

export type BatchOutcome =
  | { created: true; vms: Vm[]; ops: Operation[]; addresses: TakenAddress[] }
  | { created: false; refused: 'quota' }
  /** the network has fewer free addresses than the batch asks of it */
  | { created: false; refused: 'addresses_exhausted'; networkId: string }
  /** the network was deleted between the request's reading it and its statement */
  | { created: false; refused: 'network_gone'; networkId: string };

/** MAC candidates per vif: the statement takes the first not in use (all three in use: 1 in 10^13 at 0.3% of the space used). */
const MAC_CANDIDATES = 3;
/** Statements sent at most for one batch: again only when a MAC was taken by a statement running alongside. */
const MAC_ATTEMPTS = 3;

/**
 * A create request's VMs, their operations and events, the quota they take, their disks and
 * their vifs' addresses and MACs, in ONE statement: all of them, or none (the outcome says why). One round
 * trip holds a pooled connection for the shortest time, which is what keeps a burst of creates
 * from queueing for connections. Returns the rows exactly as written, without reading them back.
 *
 * Addresses come from xenplane_take_addresses (the migration says how it cannot give one twice).
 * MACs are random in Xen's range (libs/domain randomMacs), a few candidates per vif, the first
 * not in use taken; two statements running side by side can still draw the same one (about
 * 1 in 8 million per pair of vifs), which the unique index on mac refuses: the batch is then sent
 * again with new candidates.
 *
 * Disks go in the default storage pool of the VM's pool; a VM without a pool yet has its disks'
 * storage pool set by the claim that places it (libs/db claims.ts).
 */
export async function createVmBatch(
  db: Db,
  b: VmBatch,
  macs: (count: number) => string[] = randomMacs,
): Promise<BatchOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await batchStatement(db, b, macs(b.vifs.length * MAC_CANDIDATES));
    } catch (err) {
      const pg = pgErrorOf(err);
      if (pg?.code === 'XP002') return { created: false, refused: 'addresses_exhausted', networkId: pg.message };
      if (pg?.code === 'XP003') return { created: false, refused: 'network_gone', networkId: pg.message };
      if (pg?.code === '23505' && pg.message.includes('vm_addresses_mac_key') && attempt < MAC_ATTEMPTS) continue;
      throw err;
    }
  }
}

async function batchStatement(db: Db, b: VmBatch, macs: string[]): Promise<BatchOutcome> {
  const vms = JSON.stringify(b.vms.map((v) => ({ ...v, expiresAt: v.expiresAt?.toISOString() ?? null })));
  const ops = JSON.stringify(b.ops);
  const projectId = Prisma.sql`${b.projectId}::uuid`;
  // each network once, in id order (the order its rows are locked in), with how many it gives;
  // each vif numbered among its network's (k), to be matched with the k-th address taken there
  const wants = new Map<string, number>();
  const vifs = JSON.stringify(
    b.vifs.map((v, i) => {
      const k = (wants.get(v.networkId) ?? 0) + 1;
      wants.set(v.networkId, k);
      return { ...v, k, macs: macs.slice(i * MAC_CANDIDATES, (i + 1) * MAC_CANDIDATES) };
    }),
  );
  const networkIds = [...wants.keys()].sort();
  const disks = JSON.stringify(b.disks);
  const rows = await db.$queryRaw<
    { created: bigint | null; addresses: TakenAddress[] | null }[]
  >`${prepared('create_vm_batch')}
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
    ), taken AS (
      -- only once the quota is taken: a request over quota locks no network
      SELECT * FROM xenplane_take_addresses(${networkIds}::uuid[], ${networkIds.map((id) => wants.get(id)!)}::int[])
      WHERE EXISTS (SELECT 1 FROM reserved)
    ), new_vif AS (
      SELECT * FROM jsonb_to_recordset(${vifs}::jsonb) AS ("vmId" uuid, device int, "networkId" uuid, k int, macs text[])
      WHERE EXISTS (SELECT 1 FROM reserved)
    ), free_mac AS (
      SELECT DISTINCT ON (vif."vmId", vif.device) vif."vmId", vif.device, c.mac
      FROM new_vif vif CROSS JOIN LATERAL unnest(vif.macs) WITH ORDINALITY AS c(mac, o)
      WHERE NOT EXISTS (SELECT 1 FROM vm_addresses a WHERE a.mac = c.mac)
      ORDER BY vif."vmId", vif.device, c.o
    ), addresses_written AS (
      -- a vif whose candidates are all in use takes its first anyway, which the unique index refuses
      INSERT INTO vm_addresses (id, vm_id, network_id, device, mac, ip, created_at)
      SELECT gen_random_uuid(), vif."vmId", vif."networkId", vif.device, coalesce(m.mac, vif.macs[1]), t.taken_ip,
        ${b.now}::timestamptz
      FROM new_vif vif JOIN taken t ON t.taken_network = vif."networkId" AND t.taken_k = vif.k
      LEFT JOIN free_mac m ON m."vmId" = vif."vmId" AND m.device = vif.device
      RETURNING vm_id, device, network_id, mac, host(ip) AS ip
    ), new_disk AS (
      SELECT * FROM jsonb_to_recordset(${disks}::jsonb) AS ("vmId" uuid, kind text, device text, "sizeGb" int, "imageId" uuid)
      WHERE EXISTS (SELECT 1 FROM reserved)
    ), disks_written AS (
      INSERT INTO disks (id, vm_id, storage_pool_id, kind, device, size_gb, image_id, created_at)
      SELECT gen_random_uuid(), d."vmId", sp.id, d.kind::"DiskKind", d.device, d."sizeGb", d."imageId", ${b.now}::timestamptz
      FROM new_disk d JOIN new_vm v ON v.id = d."vmId"
      LEFT JOIN storage_pools sp ON sp.pool_id = v."poolId" AND sp.is_default
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
    SELECT (SELECT count(*) FROM vms_written) + (SELECT count(*) FROM ops_written) AS created,
      (SELECT jsonb_agg(jsonb_build_object('vmId', vm_id, 'device', device, 'networkId', network_id, 'mac', mac, 'ip', ip)
        ORDER BY vm_id, device) FROM addresses_written) AS addresses`;
  if (Number(rows[0]?.created ?? 0) === 0) return { created: false, refused: 'quota' };
  return {
    created: true,
    vms: b.vms.map((v) => writtenVm(b, v)),
    ops: b.ops.map((o) => writtenOperation(b, o)),
    addresses: rows[0]?.addresses ?? [],
  };
}

function writtenVm(b: VmBatch, v: NewVm): Vm {
  return {
    clonedFromId: null,
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
