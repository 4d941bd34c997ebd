import type { Resources } from '../hosts/capacity';
import type { FilterCount, GuestType, GroupPolicy, PlacementRequest } from '../placement/types';

/** What a migration needs to know about the VM it moves. */
export interface MigratingVm {
  resources: Resources;
  guestType: GuestType;
  haProtected: boolean;
}

/** The host the VM runs on now: the CPU its guest booted with comes from there. */
export interface MigrationSource {
  id: string;
  poolId: string;
  cpuVendor: string;
  cpuFeatures: readonly string[];
}

/**
 * Where a running VM may move: another host of its own pool (live migration does not cross
 * pools), with every CPU feature the guest booted with on the source, and all the usual rules
 * (room, guest type, server group, HA reserve). The target must hold the whole VM while the
 * source still does: both claims are held until the migration ends.
 */
export function migrationRequest(
  vm: MigratingVm,
  source: MigrationSource,
  serverGroup?: { policy: GroupPolicy; memberHostIds: readonly string[] },
): PlacementRequest {
  return {
    resources: vm.resources,
    guestType: vm.guestType,
    poolId: source.poolId,
    haProtected: vm.haProtected,
    excludeHostIds: [source.id],
    requiredCpu: { vendor: source.cpuVendor, features: source.cpuFeatures },
    ...(serverGroup ? { serverGroup } : {}),
  };
}

/**
 * Why an operator's chosen target was refused, from a decision over that one host: the
 * filter that removed it says why in words an operator can act on.
 */
export function targetRefusal(hostName: string, filters: readonly FilterCount[]): string {
  const by = filters.find((f) => f.removed > 0);
  if (by?.filter === 'excluded') return `the VM already runs on host ${hostName}`;
  return `host ${hostName} cannot take this VM: ${by ? `${by.reason} (${by.filter})` : 'unknown reason'}`;
}

// the slowest link a migration is expected to see, in MB/s; its deadline allows for it
const SLOWEST_MBPS = 50;

/**
 * How long the source agent may take over a migration: the usual call timeout plus the
 * memory over the slowest expected link — twice over when live, since pre-copy sends the
 * memory and then the pages the guest dirtied meanwhile. A 2 GB guest gets minutes, not
 * the seconds an ordinary call gets.
 */
export function migrationDeadlineMs(memoryMb: number, live: boolean, callTimeoutMs: number): number {
  const copies = live ? 2 : 1;
  return callTimeoutMs + Math.ceil((memoryMb * copies * 1000) / SLOWEST_MBPS);
}
