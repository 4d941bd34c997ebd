import type { Resources } from '../hosts/capacity';
import type { HostState } from '../hosts/liveness';
import type { PlacementWeights } from './weights';

export type GuestType = 'pv' | 'pvh' | 'hvm';
export type GroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';

/** A host as placement sees it (the scheduler's capacity cache holds these). */
export interface PlacementHost {
  id: string;
  name: string;
  poolId: string;
  state: HostState;
  /** it answered a heartbeat within its pool's suspect timeout when last read */
  live: boolean;
  total: Resources;
  /** what dom0 and Xen keep */
  reserved: Resources;
  /** what claims hold */
  used: Resources;
  usedInstances: number;
  /** the part of `used` held by HA-protected VMs */
  usedProtected: Resources;
  hvm: boolean;
  hap: boolean;
  cpuVendor: string;
  cpuFeatures: readonly string[];
}

/** A host that may take VMs: up, and heard from recently (liveness is a fact with an age, not a state). */
export function isPlaceable(host: Pick<PlacementHost, 'state' | 'live'>): boolean {
  return host.state === 'up' && host.live;
}

export interface PlacementPool {
  id: string;
  cpuAllocationRatio: number;
  ramAllocationRatio: number;
  diskAllocationRatio: number;
  haHostFailuresToTolerate: number;
  requireCpuCompatibility: boolean;
  weights: PlacementWeights;
}

export interface PlacementRequest {
  resources: Resources;
  guestType: GuestType;
  /** none: any pool */
  poolId?: string;
  serverGroup?: { policy: GroupPolicy; memberHostIds: readonly string[] };
  /** an HA-protected VM: its restart must be possible elsewhere */
  haProtected: boolean;
  excludeHostIds?: readonly string[];
  /** a migrating VM keeps the CPU it booted with: the target must offer all of it */
  requiredCpu?: { vendor: string; features: readonly string[] };
}

export interface PlacementView {
  /** read more than once per decision: an array, or hostsOf(map), never a one-shot iterator */
  hosts: Iterable<PlacementHost>;
  pools: ReadonlyMap<string, PlacementPool>;
}

/** The hosts of a map as an iterable a decision can walk twice. */
export function hostsOf(map: ReadonlyMap<string, PlacementHost>): Iterable<PlacementHost> {
  return { [Symbol.iterator]: () => map.values() };
}

/** How many hosts one filter removed, and why: the details of `no_valid_host`. */
export interface FilterCount {
  filter: string;
  removed: number;
  reason: string;
}

export type PlacementDecision =
  | { ok: true; candidates: string[]; hostsConsidered: number; filters: FilterCount[] }
  | { ok: false; hostsConsidered: number; filters: FilterCount[] };
