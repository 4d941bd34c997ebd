import { cloneName, cloneRefusal, randomMacs } from '@xenplane/domain';
import type { Db } from './client';
import { operationEvent, recordEvents, vmStateEvent } from './events';
import { type Operation, type OperationKind, Prisma, type Vm, type VmState } from './generated/prisma/client';
import { hasRoomFor, usageGrownBy } from './host-usage';
import { pgErrorOf } from './pg-errors';
import { quotaTaken, type Usage } from './quota';
import { openOperationOn } from './snapshot-operations';
import type { TakenAddress } from './vm-creation';

type Tx = Prisma.TransactionClient;

export interface CloneRequest {
  sourceId: string;
  /** only a source of this project is seen (null: any) */
  projectId: string | null;
  cloneId: string;
  opId: string;
  /** the clone's name as asked; absent: `<source>-clone-<n>` (libs/domain cloneName) */
  name?: string;
  requestedBy: string | null;
  correlationId: string | null;
}

export type CloneOutcome =
  | { created: true; vm: Vm; op: Operation; addresses: TakenAddress[] }
  | { created: false; refused: 'not_found' }
  | { created: false; refused: 'state'; state: VmState; reason: string; hostState?: string }
  | { created: false; refused: 'quota'; projectId: string; usage: Usage }
  | { created: false; refused: 'no_room'; hostName: string }
  | { created: false; refused: 'addresses_exhausted' | 'network_gone'; networkId: string };

/** Thrown inside the transaction to undo it and answer why. */
class Refused extends Error {
  constructor(readonly outcome: Exclude<CloneOutcome, { created: true }>) {
    super('refused');
  }
}

/** MAC candidates per vif, as the create takes them (vm-creation.ts). */
const MAC_CANDIDATES = 3;

/**
 * A clone of a stopped VM, in ONE transaction: the source locked and checked (stopped, on a
 * host, nothing at work on it: libs/domain cloneRefusal), a claim on the source's host (its
 * disks are local: nowhere else will do), the quota taken as a create takes it, the clone's row
 * (`building`, on that host, clonedFromId), its addresses on the source's networks
 * (xenplane_take_addresses, new MACs), its disk rows copied from the source's, its `clone`
 * operation and the events. All of it, or nothing and why.
 */
export async function createClone(db: Db, c: CloneRequest): Promise<CloneOutcome> {
  try {
    return await db.$transaction((tx) => cloneIn(tx, c));
  } catch (err) {
    if (err instanceof Refused) return err.outcome;
    const pg = pgErrorOf(err);
    if (pg?.code === 'XP002') return { created: false, refused: 'addresses_exhausted', networkId: pg.message };
    if (pg?.code === 'XP003') return { created: false, refused: 'network_gone', networkId: pg.message };
    throw err;
  }
}

async function cloneIn(tx: Tx, c: CloneRequest): Promise<CloneOutcome> {
  const source = await lockedSource(tx, c);
  const usage: Usage = { instances: 1, vcpus: source.vcpus, memoryMb: source.memoryMb, diskGb: source.diskGb };
  const hostId = source.hostId!;
  // the host before the project, as a delete's end locks them (finishDeletedVms): never a deadlock between the two
  await claimOn(tx, hostId, usage);
  const taken = await tx.$queryRaw<{ id: string }[]>`${quotaTaken(source.projectId, usage)}`;
  if (taken.length === 0) throw new Refused({ created: false, refused: 'quota', projectId: source.projectId, usage });
  const now = new Date();
  const clonesSoFar = await tx.vm.count({ where: { clonedFromId: source.id } });
  const vm = await tx.vm.create({
    data: {
      id: c.cloneId,
      projectId: source.projectId,
      name: cloneName(source.name, c.name, clonesSoFar),
      state: 'building',
      hostId,
      poolId: source.poolId,
      flavorId: source.flavorId,
      imageId: source.imageId,
      guestType: source.guestType,
      vcpus: source.vcpus,
      memoryMb: source.memoryMb,
      diskGb: source.diskGb,
      haPriority: source.haPriority,
      metadata: source.metadata as Prisma.InputJsonValue,
      userData: source.userData,
      sshKeys: source.sshKeys,
      clonedFromId: source.id,
      epoch: 1,
      stateChangedAt: now,
      createdAt: now,
    },
  });
  await tx.allocation.create({
    data: { vmId: vm.id, hostId, vcpus: usage.vcpus, memoryMb: usage.memoryMb, diskGb: usage.diskGb, epoch: 1 },
  });
  const addresses = await addressesLike(tx, source.id, vm.id);
  await tx.$executeRaw`
    INSERT INTO disks (id, vm_id, storage_pool_id, kind, device, size_gb, image_id)
    SELECT gen_random_uuid(), ${vm.id}::uuid, storage_pool_id, kind, device, size_gb, image_id
    FROM disks WHERE vm_id = ${source.id}::uuid`;
  const op = await tx.operation.create({
    data: {
      id: c.opId,
      kind: 'clone',
      projectId: source.projectId,
      vmId: vm.id,
      hostId,
      params: { sourceVmId: source.id },
      correlationId: c.correlationId,
      requestedBy: c.requestedBy,
    },
  });
  await recordEvents(tx, [vmStateEvent({ ...vm, state: 'building', hostId }), operationEvent(op)]);
  return { created: true, vm, op, addresses };
}

/** The source, locked until the clone is written (a start waits), if it may be cloned now. */
async function lockedSource(tx: Tx, c: CloneRequest): Promise<Vm> {
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM vms WHERE id = ${c.sourceId}::uuid AND (${c.projectId}::uuid IS NULL OR project_id = ${c.projectId}::uuid)
    FOR UPDATE`;
  if (locked.length === 0) throw new Refused({ created: false, refused: 'not_found' });
  const source = await tx.vm.findUniqueOrThrow({ where: { id: c.sourceId } });
  const open = await tx.$queryRaw<{ kind: OperationKind }[]>`${openOperationOn(Prisma.sql`${source.id}::uuid`)}`;
  const reason = cloneRefusal({ state: source.state, hostId: source.hostId, openOperation: open[0]?.kind ?? null });
  if (reason) throw new Refused({ created: false, refused: 'state', state: source.state, reason });
  return source;
}

/** The clone's claim on the source's host, with the same room check as every claim (host-usage.ts). */
async function claimOn(tx: Tx, hostId: string, usage: Usage): Promise<void> {
  const claimed = await tx.$queryRaw<{ id: string }[]>`
    UPDATE hosts h SET ${usageGrownBy({ ...usage, instances: 1 })}
    FROM pools p
    WHERE h.id = ${hostId}::uuid AND p.id = h.pool_id AND ${hasRoomFor(usage)}
    RETURNING h.id`;
  if (claimed.length > 0) return;
  const host = await tx.host.findUniqueOrThrow({ where: { id: hostId }, select: { name: true } });
  throw new Refused({ created: false, refused: 'no_room', hostName: host.name });
}

/** An address on each of the source's networks, device for device, with MACs of its own. */
async function addressesLike(tx: Tx, sourceId: string, cloneId: string): Promise<TakenAddress[]> {
  const vifs = await tx.vmAddress.findMany({ where: { vmId: sourceId }, orderBy: { device: 'asc' } });
  if (vifs.length === 0) return [];
  const wants = new Map<string, number>();
  for (const v of vifs) wants.set(v.networkId, (wants.get(v.networkId) ?? 0) + 1);
  const networkIds = [...wants.keys()].sort();
  const ips = await tx.$queryRaw<{ taken_network: string; taken_k: number; taken_ip: string }[]>`
    SELECT taken_network::text, taken_k, host(taken_ip) AS taken_ip
    FROM xenplane_take_addresses(${networkIds}::uuid[], ${networkIds.map((id) => wants.get(id)!)}::int[])`;
  const next = new Map<string, number>();
  const written: TakenAddress[] = [];
  for (const v of vifs) {
    const k = (next.get(v.networkId) ?? 0) + 1;
    next.set(v.networkId, k);
    const ip = ips.find((r) => r.taken_network === v.networkId && r.taken_k === k)!.taken_ip;
    const mac = await freeMac(tx);
    await tx.$executeRaw`
      INSERT INTO vm_addresses (id, vm_id, network_id, device, mac, ip, created_at)
      VALUES (gen_random_uuid(), ${cloneId}::uuid, ${v.networkId}::uuid, ${v.device}, ${mac}, ${ip}::inet, now())`;
    written.push({ vmId: cloneId, device: v.device, networkId: v.networkId, mac, ip });
  }
  return written;
}

/** A MAC in Xen's range not in use (a statement racing for the same one is refused by the unique index). */
async function freeMac(tx: Tx): Promise<string> {
  const candidates = randomMacs(MAC_CANDIDATES);
  const used = await tx.vmAddress.findMany({ where: { mac: { in: candidates } }, select: { mac: true } });
  return candidates.find((m) => !used.some((u) => u.mac === m)) ?? candidates[0]!;
}
