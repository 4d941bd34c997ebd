import type { Db } from '../client';
import { recordEvents, vmStateEvent } from '../events';
import { type AdoptedVm, adoptVms, releaseRecoveringClaim } from '../failover';
import type { Allocation, Prisma, Vm, VmState } from '../generated/prisma/client';
import { type HostResident, hostResidents } from '../host-maintenance';
import {
  abortMigration,
  type AbortedMigration,
  finishMigration,
  type FinishedMigration,
  migrationTargetClaim,
} from '../migration';
import { type BatchOutcome, createVmBatch, type VmBatch } from '../vm-creation';
import { vmVifs, type VmVif } from '../vm-vifs';
import { allocateSharedExtents, type ExtentsRefused, vmDisks, type VmDisk } from '../vm-disks';
import {
  beginDestroy,
  beginScheduling,
  type ClaimHolder,
  type StartOperation,
  type StartOutcome,
  startVmOperation,
} from '../vm-operations';
import { type VmListFilter, vmListIds } from '../vm-list';
import { NEWEST_FIRST, type PageCursor } from './page';

type Tx = Db | Prisma.TransactionClient;

/** A VM's move from one state to another, as a unit of work that also ends its operation makes it. */
export interface VmMove {
  vm: Vm;
  from: VmState | VmState[];
  to: VmState;
  data?: Prisma.VmUncheckedUpdateManyInput;
}

/**
 * Moves the VM from `from` to `to`, with its event; false when it was not in `from` any more.
 * Conditional on the state expected, so two workers holding the same VM never both move it.
 * A function, not only a method, so a unit of work of another repository can run it in its transaction.
 */
export async function moveVm(tx: Tx, { vm, from, to, data = {} }: VmMove): Promise<boolean> {
  const n = await tx.vm.updateMany({
    where: { id: vm.id, state: Array.isArray(from) ? { in: from } : from },
    data: { ...data, state: to, stateChangedAt: new Date() },
  });
  if (n.count !== 1) return false;
  await recordEvents(tx, [
    vmStateEvent({ ...vm, state: to, hostId: (data.hostId as string | null | undefined) ?? vm.hostId }),
  ]);
  return true;
}

/** What the API shows with a VM: its flavor's and image's names, its host's liveness, its addresses and disks. */
export const VM_WITH_REFS = {
  flavor: { select: { id: true, name: true } },
  image: { select: { id: true, name: true } },
  host: { select: { state: true, lastHeartbeatAt: true, pool: { select: { suspectAfterMs: true } } } },
  addresses: {
    select: { device: true, mac: true, ip: true, network: { select: { id: true, name: true } } },
    orderBy: { device: 'asc' },
  },
  // in device order (root disk first), as vmDisks reads them for a build
  disks: {
    select: { kind: true, device: true, sizeGb: true, image: { select: { id: true, name: true } } },
    orderBy: { device: 'asc' },
  },
} as const;

export type VmWithRefs = Prisma.VmGetPayload<{ include: typeof VM_WITH_REFS }>;

/** Every read and write of VM rows the apps make. */
export class VmRepository {
  constructor(private readonly db: Db) {}

  find(id: string): Promise<Vm | null> {
    return this.db.vm.findUnique({ where: { id } });
  }

  /** A create's VM moved to `scheduling` with its operation's step (libs/db beginScheduling); null when it was elsewhere. */
  beginScheduling(s: Parameters<typeof beginScheduling>[1]): Promise<Vm | null> {
    return beginScheduling(this.db, s);
  }

  /** A delete's VM moved to `deleting`: the hosts holding its claims (libs/db beginDestroy). */
  beginDestroy(d: Parameters<typeof beginDestroy>[1]): Promise<ClaimHolder[]> {
    return beginDestroy(this.db, d);
  }

  /** The VMs whose claim is on the host, oldest first, as an evacuation needs them (libs/db hostResidents). */
  residentsOf(hostId: string): Promise<HostResident[]> {
    return hostResidents(this.db, hostId);
  }

  /** The HA-protected VMs placed on these hosts (all hosts when none are given) and not stopped: id and host. */
  async protectedOnHosts(hostIds?: readonly string[]): Promise<{ id: string; hostId: string }[]> {
    const rows = await this.db.vm.findMany({
      where: {
        haPriority: { not: 'none' },
        hostId: hostIds ? { in: [...hostIds] } : { not: null },
        state: { notIn: ['deleted', 'stopped'] },
      },
      select: { id: true, hostId: true },
    });
    return rows.map((r) => ({ id: r.id, hostId: r.hostId! }));
  }

  /** Gives back the claim a `recovering` VM still holds on its old host (libs/db releaseRecoveringClaim). */
  releaseRecoveringClaim(vmId: string, hostId: string): Promise<void> {
    return releaseRecoveringClaim(this.db, vmId, hostId);
  }

  /** The claim a migrating VM holds on its target, if any (libs/db migrationTargetClaim). */
  migrationTargetClaim(vm: Pick<Vm, 'id' | 'hostId'>): Promise<Allocation | null> {
    return migrationTargetClaim(this.db, vm);
  }

  /** A migration's end on its target (libs/db finishMigration); false when the VM had left `migrating`. */
  finishMigration(m: FinishedMigration): Promise<boolean> {
    return finishMigration(this.db, m);
  }

  /** A migration's end back on its source (libs/db abortMigration); false when the VM had left `migrating`. */
  abortMigration(a: AbortedMigration): Promise<boolean> {
    return abortMigration(this.db, a);
  }

  /** What a host back from the dead is reconciled against: the VMs it reports, and those placed on it. */
  returningTo(hostId: string, reportedVmIds: readonly string[]) {
    return this.db.vm.findMany({
      where: { OR: [{ id: { in: [...reportedVmIds] } }, { hostId }] },
      select: { id: true, projectId: true, state: true, hostId: true, epoch: true, errorCode: true },
    });
  }

  /** VMs a returning host still runs, taken back by it (libs/db adoptVms): the ids adopted. */
  adoptBack(hostId: string, vms: readonly AdoptedVm[]): Promise<string[]> {
    return adoptVms(this.db, hostId, vms);
  }

  /** The VM with what the API shows with it, if it is in the project in scope (any project when none). */
  findVisible(id: string, scope: { projectId?: string }): Promise<VmWithRefs | null> {
    return this.db.vm.findFirst({ where: { id, ...scope }, include: VM_WITH_REFS });
  }

  /** A page of VMs, newest first, after the cursor: `take` rows at most (libs/db vmListIds, then their rows). */
  async listPage(filter: VmListFilter, after: PageCursor | undefined, take: number): Promise<VmWithRefs[]> {
    const ids = await vmListIds(this.db, filter, after, take);
    if (!ids.length) return [];
    return this.db.vm.findMany({ where: { id: { in: ids } }, include: VM_WITH_REFS, orderBy: NEWEST_FIRST });
  }

  /** When the VM expires (its TTL reaper deletes it then). */
  setExpiry(id: string, expiresAt: Date | null): Promise<VmWithRefs> {
    return this.db.vm.update({ where: { id }, data: { expiresAt }, include: VM_WITH_REFS });
  }

  /** VMs and their create operations, quota and addresses taken, in one statement (libs/db createVmBatch), or why not. */
  createBatch(b: VmBatch): Promise<BatchOutcome> {
    return createVmBatch(this.db, b);
  }

  /** The VM's vifs, with their networks' bridges: what its domain is built with (libs/db vmVifs). */
  vifs(vmId: string): Promise<VmVif[]> {
    return vmVifs(this.db, vmId);
  }

  /**
   * The VM's disks (libs/db Disk rows), in device order: what its domain is built with. None for
   * a VM created before VMs had disk rows.
   */
  disks(vmId: string): Promise<VmDisk[]> {
    return vmDisks(this.db, vmId);
  }

  /** Extents for the VM's shared disks that have none yet (libs/db allocateSharedExtents); null when all have one. */
  allocateSharedExtents(vmId: string): Promise<ExtentsRefused | null> {
    return allocateSharedExtents(this.db, vmId);
  }

  /** Reads the VM and starts an operation on it in one statement (libs/db startVmOperation). */
  startOperation(s: StartOperation): Promise<StartOutcome> {
    return startVmOperation(this.db, s);
  }

  /** How many HA-protected VMs of the pool there are, by priority. */
  async protectedCountsByPriority(poolId: string): Promise<{ haPriority: string; count: number }[]> {
    const groups = await this.db.vm.groupBy({
      by: ['haPriority'],
      where: { poolId, haPriority: { not: 'none' }, state: { notIn: ['deleted'] } },
      _count: true,
    });
    return groups.map((g) => ({ haPriority: g.haPriority, count: g._count }));
  }

  /** VMs past their TTL and not being deleted yet, the longest expired first. */
  expired(take: number) {
    return this.db.vm.findMany({
      where: { expiresAt: { lte: new Date() }, state: { notIn: ['deleting', 'deleted'] } },
      select: { id: true, projectId: true, state: true, hostId: true },
      orderBy: { expiresAt: 'asc' },
      take,
    });
  }

  /** What a host's report is reconciled against: the VMs it reports and those placed on it, each with whether an operation is open on it. */
  async reconciledOn(hostId: string, reportedVmIds: readonly string[]) {
    const rows = await this.db.vm.findMany({
      where: { OR: [{ id: { in: [...reportedVmIds] } }, { hostId }] },
      select: {
        id: true,
        projectId: true,
        state: true,
        hostId: true,
        epoch: true,
        powerState: true,
        stateChangedAt: true,
        operations: { where: { status: { in: ['queued', 'running'] } }, select: { id: true }, take: 1 },
      },
    });
    return rows.map(({ operations, ...r }) => ({ ...r, busy: operations.length > 0 }));
  }

  /** The power state a running VM's host reports. */
  async setPowerState(id: string, powerState: Vm['powerState']): Promise<void> {
    await this.db.vm.updateMany({ where: { id, state: 'running' }, data: { powerState } });
  }

  /**
   * A state the reconciler found the VM in (its domain vanished, it was stuck), with its event
   * and the reason (the error code), in one transaction; nothing when it had left `from`.
   */
  async reconcileState(
    vm: Pick<Vm, 'id' | 'projectId' | 'hostId'>,
    from: VmState,
    to: VmState,
    data: Prisma.VmUncheckedUpdateManyInput & { errorCode?: string | null },
  ): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const n = await tx.vm.updateMany({
        where: { id: vm.id, state: from },
        data: { ...data, state: to, stateChangedAt: new Date() },
      });
      if (n.count === 1)
        await recordEvents(tx, [
          vmStateEvent(
            { id: vm.id, projectId: vm.projectId, state: to, hostId: vm.hostId },
            { reason: String(data.errorCode) },
          ),
        ]);
    });
  }
}
