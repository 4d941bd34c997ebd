import type { FilterContext, PlacementFilter, PlacementWeigher } from './filter';
import { cpuCompatibilityFilter } from './filters/cpu-compatibility.filter';
import { diskCapacityFilter, memoryCapacityFilter, vcpuCapacityFilter } from './filters/capacity.filters';
import { excludedFilter } from './filters/excluded.filter';
import { guestTypeFilter } from './filters/guest-type.filter';
import { haReserveFilter } from './filters/ha-reserve.filter';
import { hostStateFilter } from './filters/host-state.filter';
import { poolFilter } from './filters/pool.filter';
import { affinityFilter, antiAffinityFilter } from './filters/server-group.filters';
import { computePoolStats, type PoolStats, statsFor } from './pool-stats';
import { TopK } from './top-k';
import type { PlacementDecision, PlacementPool, PlacementRequest, PlacementView } from './types';
import { diskWeigher, memoryWeigher, vcpuWeigher } from './weighers/resource.weigher';
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
  memoryWeigher,
  vcpuWeigher,
  diskWeigher,
  softAffinityWeigher,
  softAntiAffinityWeigher,
];

export interface DecideOptions {
  /** how many ranked candidates the claimer gets to try in order */
  maxCandidates?: number;
  /**
   * Pool figures computed beforehand over ALL hosts (computePoolStats): required when `hosts`
   * is a sample, and saves a pass over every host when the caller can reuse them.
   */
  stats?: ReadonlyMap<string, PoolStats>;
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
  const stats = o.stats ?? computePoolStats(view.hosts, view.pools);
  const removed = new Array<number>(FILTERS.length).fill(0);
  const poolIndex = FILTERS.indexOf(poolFilter);
  const top = new TopK(o.maxCandidates ?? 8);
  // only the filters and weighers this request gives something to check are asked host by
  // host: at 11 filters and 5 weighers the calls themselves were much of a decision's time
  const filterAt = FILTERS.flatMap((f, i) => ((f.appliesTo?.(request) ?? true) ? [i] : []));
  const filters = filterAt.map((i) => FILTERS[i]!);
  const weighers = WEIGHERS.filter((w) => w.appliesTo?.(request) ?? true);
  let considered = 0;
  const ctx: FilterContext = {
    request,
    pool: undefined as unknown as PlacementPool,
    offered: { vcpus: 0, memoryMb: 0, diskGb: 0 },
    free: { vcpus: 0, memoryMb: 0, diskGb: 0 },
    stats: {},
    members,
    excluded,
  };
  for (const host of view.hosts) {
    considered++;
    const pool = view.pools.get(host.poolId);
    if (!pool) {
      removed[poolIndex]!++;
      continue;
    }
    // one context reused for every host: filters and weighers read it synchronously and keep
    // nothing, and a decision over 10,000 hosts must not allocate 30,000 objects
    const offered = ctx.offered;
    offered.vcpus = Math.max(0, Math.floor((host.total.vcpus - host.reserved.vcpus) * pool.cpuAllocationRatio));
    offered.memoryMb = Math.max(
      0,
      Math.floor((host.total.memoryMb - host.reserved.memoryMb) * pool.ramAllocationRatio),
    );
    offered.diskGb = Math.max(0, Math.floor((host.total.diskGb - host.reserved.diskGb) * pool.diskAllocationRatio));
    ctx.free.vcpus = offered.vcpus - host.used.vcpus;
    ctx.free.memoryMb = offered.memoryMb - host.used.memoryMb;
    ctx.free.diskGb = offered.diskGb - host.used.diskGb;
    ctx.pool = pool;
    ctx.stats = statsFor(stats, host.poolId);
    let failed = -1;
    for (let j = 0; j < filters.length; j++) {
      if (!filters[j]!.passes(host, ctx)) {
        failed = filterAt[j]!;
        break;
      }
    }
    if (failed >= 0) {
      removed[failed]!++;
      continue;
    }
    let score = 0;
    for (let j = 0; j < weighers.length; j++) score += weighers[j]!.score(host, ctx);
    top.offer(host.id, score, host.name);
  }
  const report = FILTERS.map((f, i) => ({ filter: f.name, removed: removed[i]!, reason: f.reason }));
  if (top.size === 0) return { ok: false, hostsConsidered: considered, filters: report };
  return { ok: true, candidates: top.result(), hostsConsidered: considered, filters: report };
}
