import type { Resources } from '../hosts/capacity';
import type { RankedValue } from './ranked-values';
import { isPlaceable, type PlacementHost, type PlacementPool } from './types';

export const RESOURCE_KEYS = ['vcpus', 'memoryMb', 'diskGb'] as const;
export type ResourceKey = (typeof RESOURCE_KEYS)[number];

/** The N largest values of (protected + free) per resource, and what the HA filter needs of them. */
export interface HaStats {
  n: number;
  totalFree: Resources;
  topSum: Resources;
  /** the N-th largest value (0 if fewer hosts): a host whose (P + F) is at least this is among the N largest */
  nth: Resources;
  /** the (N+1)-th largest value (0 if fewer hosts): what joins the top N when a top host shrinks */
  next: Resources;
}

export interface PoolStats {
  /** the vendor most of the pool's placeable hosts have (ties: the first by name) */
  baselineVendor?: string;
  ha?: HaStats;
}

const EMPTY: PoolStats = {};

/** Only pools that check CPU compatibility or keep an HA reserve need figures over their hosts. */
export function needsPoolStats(p: PlacementPool): boolean {
  return p.requireCpuCompatibility || p.haHostFailuresToTolerate > 0;
}

/**
 * Per-pool figures a decision needs, from one pass over the hosts (only for pools that need
 * them). The from-scratch computation; PoolStatsIndex keeps the same figures up to date.
 */
export function computePoolStats(
  hosts: Iterable<PlacementHost>,
  pools: ReadonlyMap<string, PlacementPool>,
): Map<string, PoolStats> {
  const needing = [...pools.values()].filter(needsPoolStats);
  const out = new Map<string, PoolStats>();
  if (needing.length === 0) return out;
  const vendors = new Map<string, Map<string, number>>();
  const ha = new Map<string, { values: Record<ResourceKey, TopValues>; totalFree: Resources; pool: PlacementPool }>();
  for (const p of needing) {
    if (p.requireCpuCompatibility) vendors.set(p.id, new Map());
    const k = p.haHostFailuresToTolerate + 1;
    if (p.haHostFailuresToTolerate > 0)
      ha.set(p.id, {
        values: { vcpus: new TopValues(k), memoryMb: new TopValues(k), diskGb: new TopValues(k) },
        totalFree: { vcpus: 0, memoryMb: 0, diskGb: 0 },
        pool: p,
      });
  }
  // one pass, no allocation per host: this runs over every host
  for (const h of hosts) {
    if (!isPlaceable(h)) continue;
    const v = vendors.get(h.poolId);
    if (v) v.set(h.cpuVendor, (v.get(h.cpuVendor) ?? 0) + 1);
    const acc = ha.get(h.poolId);
    if (acc) {
      for (const k of RESOURCE_KEYS) {
        const free = freeOf(h, acc.pool, k);
        acc.totalFree[k] += free;
        acc.values[k].offer(h.id, h.usedProtected[k] + free);
      }
    }
  }
  for (const p of needing) {
    const acc = ha.get(p.id);
    const largest = acc && {
      vcpus: acc.values.vcpus.entries,
      memoryMb: acc.values.memoryMb.entries,
      diskGb: acc.values.diskGb.entries,
    };
    out.set(p.id, poolStatsOf(p, vendors.get(p.id), largest && { largest, totalFree: acc.totalFree }));
  }
  return out;
}

export function statsFor(all: ReadonlyMap<string, PoolStats>, poolId: string): PoolStats {
  return all.get(poolId) ?? EMPTY;
}

/** What an HA pool's figures are made of: per resource its N+1 largest (P + F), largest first, and the total free room. */
export interface HaTally {
  largest: Record<ResourceKey, readonly RankedValue[]>;
  totalFree: Resources;
}

/**
 * A pool's figures from its tallies (up hosts per CPU vendor; the HA tally): one definition
 * for the one-pass computation and the incremental index. Copies what it reads: the result
 * is a snapshot.
 */
export function poolStatsOf(
  pool: PlacementPool,
  vendors: ReadonlyMap<string, number> | undefined,
  ha: HaTally | undefined,
): PoolStats {
  const stats: PoolStats = {};
  if (vendors && vendors.size)
    stats.baselineVendor = [...vendors.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  if (ha) stats.ha = haStats(pool.haHostFailuresToTolerate, ha);
  return stats;
}

function haStats(n: number, { largest, totalFree }: HaTally): HaStats {
  const topSum: Resources = { vcpus: 0, memoryMb: 0, diskGb: 0 };
  const nth: Resources = { vcpus: 0, memoryMb: 0, diskGb: 0 };
  const next: Resources = { vcpus: 0, memoryMb: 0, diskGb: 0 };
  for (const k of RESOURCE_KEYS) {
    const sorted = largest[k];
    for (const e of sorted.slice(0, n)) topSum[k] += e.v;
    nth[k] = sorted[n - 1]?.v ?? 0;
    next[k] = sorted[n]?.v ?? 0;
  }
  return { n, totalFree: { ...totalFree }, topSum, nth, next };
}

const RATIO: Record<ResourceKey, 'cpuAllocationRatio' | 'ramAllocationRatio' | 'diskAllocationRatio'> = {
  vcpus: 'cpuAllocationRatio',
  memoryMb: 'ramAllocationRatio',
  diskGb: 'diskAllocationRatio',
};

/** offeredCapacity(...)[k] less what claims hold, never below 0: a host's free room as the HA figures count it. */
export function freeOf(h: PlacementHost, pool: PlacementPool, k: ResourceKey): number {
  return Math.max(0, Math.max(0, Math.floor((h.total[k] - h.reserved[k]) * pool[RATIO[k]])) - h.used[k]);
}

/** Whether two settings of a pool give the same figures over the same hosts. */
export function sameStatsSettings(a: PlacementPool, b: PlacementPool): boolean {
  return (
    a.cpuAllocationRatio === b.cpuAllocationRatio &&
    a.ramAllocationRatio === b.ramAllocationRatio &&
    a.diskAllocationRatio === b.diskAllocationRatio &&
    a.haHostFailuresToTolerate === b.haHostFailuresToTolerate &&
    a.requireCpuCompatibility === b.requireCpuCompatibility
  );
}

/** The k largest values seen, largest first; on ties the one seen first ranks first. */
class TopValues {
  readonly entries: RankedValue[] = [];
  constructor(private readonly k: number) {}

  offer(id: string, v: number): void {
    const e = this.entries;
    if (e.length === this.k && v <= e[e.length - 1]!.v) return;
    let i = e.length;
    while (i > 0 && e[i - 1]!.v < v) i--;
    e.splice(i, 0, { id, v });
    if (e.length > this.k) e.pop();
  }
}
