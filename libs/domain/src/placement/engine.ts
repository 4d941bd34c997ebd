import { offeredCapacity } from '../hosts/capacity';
import type { FilterContext, PlacementFilter, PlacementWeigher } from './filter';
import { cpuCompatibilityFilter } from './filters/cpu-compatibility.filter';
import { diskCapacityFilter, memoryCapacityFilter, vcpuCapacityFilter } from './filters/capacity.filters';
import { excludedFilter } from './filters/excluded.filter';
import { guestTypeFilter } from './filters/guest-type.filter';
import { haReserveFilter } from './filters/ha-reserve.filter';
import { hostStateFilter } from './filters/host-state.filter';
import { poolFilter } from './filters/pool.filter';
import { affinityFilter, antiAffinityFilter } from './filters/server-group.filters';
import { computePoolStats, statsFor } from './pool-stats';
import { TopK } from './top-k';
import type { PlacementDecision, PlacementRequest, PlacementView } from './types';
import { resourceWeigher } from './weighers/resource.weigher';
import { softAffinityWeigher, softAntiAffinityWeigher } from './weighers/soft-group.weighers';

/** In the order they run: a host removed by one is counted against that one only. */
export const FILTERS: readonly PlacementFilter[] = [
  hostStateFilter,
  poolFilter,
  excludedFilter,
  guestTypeFilter,
  cpuCompatibilityFilter,
  vcpuCapacityFilter,
  memoryCapacityFilter,
  diskCapacityFilter,
  antiAffinityFilter,
  affinityFilter,
  haReserveFilter,
];

export const WEIGHERS: readonly PlacementWeigher[] = [
  resourceWeigher('memoryMb'),
  resourceWeigher('vcpus'),
  resourceWeigher('diskGb'),
  softAffinityWeigher,
  softAntiAffinityWeigher,
];

export interface DecideOptions {
  /** how many ranked candidates the claimer gets to try in order */
  maxCandidates?: number;
}

/**
 * Where a VM may go, best first: one pass over the hosts through the filters (counting what
 * each removes), the survivors scored by the weighers, the best few kept. Pure: the claim
 * that makes it true is the caller's.
 */
export function decide(request: PlacementRequest, view: PlacementView, o: DecideOptions = {}): PlacementDecision {
  const members = new Map<string, number>();
  for (const id of request.serverGroup?.memberHostIds ?? []) members.set(id, (members.get(id) ?? 0) + 1);
  const excluded = new Set(request.excludeHostIds ?? []);
  const stats = computePoolStats(view.hosts, view.pools);
  const removed = new Array<number>(FILTERS.length).fill(0);
  const poolIndex = FILTERS.indexOf(poolFilter);
  const top = new TopK(o.maxCandidates ?? 8);
  let considered = 0;
  for (const host of view.hosts) {
    considered++;
    const pool = view.pools.get(host.poolId);
    if (!pool) {
      removed[poolIndex]!++;
      continue;
    }
    const offered = offeredCapacity(host.total, host.reserved, pool);
    const ctx: FilterContext = {
      request,
      pool,
      offered,
      free: { vcpus: offered.vcpus - host.used.vcpus, memoryMb: offered.memoryMb - host.used.memoryMb, diskGb: offered.diskGb - host.used.diskGb },
      stats: statsFor(stats, host.poolId),
      members,
      excluded,
    };
    let failed = -1;
    for (let i = 0; i < FILTERS.length; i++) {
      if (!FILTERS[i]!.passes(host, ctx)) {
        failed = i;
        break;
      }
    }
    if (failed >= 0) {
      removed[failed]!++;
      continue;
    }
    let score = 0;
    for (const w of WEIGHERS) score += w.score(host, ctx);
    top.offer(host.id, score, host.name);
  }
  const filters = FILTERS.map((f, i) => ({ filter: f.name, removed: removed[i]!, reason: f.reason }));
  if (top.size === 0) return { ok: false, hostsConsidered: considered, filters };
  return { ok: true, candidates: top.result(), hostsConsidered: considered, filters };
}
