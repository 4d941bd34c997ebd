import {
  type GroupPolicy,
  type PlacementHost,
  type PlacementPool,
  type Resources,
  resolveWeights,
} from '@xenplane/domain';
import type { Db } from './client';
import type { Pool, ServerGroupPolicy } from './generated/prisma/client';
import { type HostRow, readHosts } from './hosts';

const ZERO: Resources = { vcpus: 0, memoryMb: 0, diskGb: 0 };

/** A host row as placement sees it. */
export function toPlacementHost(h: HostRow, usedProtected: Resources = ZERO): PlacementHost {
  return {
    id: h.id,
    name: h.name,
    poolId: h.poolId,
    state: h.state,
    live: h.live,
    total: { vcpus: h.totalVcpus, memoryMb: h.totalMemoryMb, diskGb: h.totalDiskGb },
    reserved: { vcpus: h.reservedVcpus, memoryMb: h.reservedMemoryMb, diskGb: h.reservedDiskGb },
    used: { vcpus: h.usedVcpus, memoryMb: h.usedMemoryMb, diskGb: h.usedDiskGb },
    usedInstances: h.usedInstances,
    usedProtected,
    hvm: h.hvm,
    hap: h.hap,
    cpuVendor: h.cpuVendor,
    cpuFeatures: h.cpuFeatures,
  };
}

/** A pool row as placement sees it (stored weights resolved over the defaults). */
export function toPlacementPool(p: Pool): PlacementPool {
  return {
    id: p.id,
    cpuAllocationRatio: p.cpuAllocationRatio,
    ramAllocationRatio: p.ramAllocationRatio,
    diskAllocationRatio: p.diskAllocationRatio,
    haHostFailuresToTolerate: p.haHostFailuresToTolerate,
    requireCpuCompatibility: p.requireCpuCompatibility,
    weights: resolveWeights(p.placementWeights),
  };
}

/** What HA-protected VMs hold on each host (all hosts, or these). */
export async function protectedUsage(db: Db, hostIds?: readonly string[]): Promise<Map<string, Resources>> {
  const rows = await db.vm.groupBy({
    by: ['hostId'],
    where: {
      haPriority: { not: 'none' },
      hostId: hostIds ? { in: [...hostIds] } : { not: null },
      state: { not: 'deleted' },
    },
    _sum: { vcpus: true, memoryMb: true, diskGb: true },
  });
  return new Map(
    rows.map((r) => [
      r.hostId!,
      { vcpus: r._sum.vcpus ?? 0, memoryMb: r._sum.memoryMb ?? 0, diskGb: r._sum.diskGb ?? 0 },
    ]),
  );
}

/** Every host and pool as placement sees them now, read in one go (the API's dry run; a scheduler's full reload). */
export async function loadPlacementState(
  db: Db,
): Promise<{ hosts: HostRow[]; placementHosts: Map<string, PlacementHost>; pools: Map<string, PlacementPool> }> {
  const [hosts, pools, used] = await Promise.all([
    readHosts(db, { all: true }),
    db.pool.findMany(),
    protectedUsage(db),
  ]);
  return {
    hosts,
    placementHosts: new Map(hosts.map((h) => [h.id, toPlacementHost(h, used.get(h.id))])),
    pools: new Map(pools.map((p) => [p.id, toPlacementPool(p)])),
  };
}

const POLICY: Record<ServerGroupPolicy, GroupPolicy> = {
  affinity: 'affinity',
  anti_affinity: 'anti-affinity',
  soft_affinity: 'soft-affinity',
  soft_anti_affinity: 'soft-anti-affinity',
};

/** A server group's policy as placement names it. */
export const placementPolicy = (p: ServerGroupPolicy): GroupPolicy => POLICY[p];

/** The hosts a server group's placed members are on (one entry per member; one VM left out). */
export async function groupMemberHostIds(db: Db, groupId: string, exceptVmId?: string): Promise<string[]> {
  const rows = await db.vm.findMany({
    where: {
      serverGroupId: groupId,
      hostId: { not: null },
      state: { not: 'deleted' },
      ...(exceptVmId ? { id: { not: exceptVmId } } : {}),
    },
    select: { hostId: true },
  });
  return rows.map((r) => r.hostId!);
}
