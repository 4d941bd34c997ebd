import type { Resources } from '../hosts/capacity';
import type { PlacementHost, PlacementPool } from './types';

export const RESOURCE_KEYS = ['vcpus', 'memoryMb', 'diskGb'] as const;
export type ResourceKey = (typeof RESOURCE_KEYS)[number];

/** The N largest values of (protected + free) per resource, and what the HA filter needs of them. */
export interface HaStats {
  n: number;
  totalFree: Resources;
  topSum: Resources;
  /** host id -> its (P + F) value, for hosts among the top N */
  topValues: Record<ResourceKey, Map<string, number>>;
  /** the (N+1)-th largest value: what joins the top N when a top host shrinks */
  next: Resources;
}

export interface PoolStats {
  /** the vendor most of the pool's up hosts have (ties: the first by name) */
  baselineVendor?: string;
  ha?: HaStats;
}

const EMPTY: PoolStats = {};

/** Per-pool figures a decision needs, from one pass over the hosts (only for pools that need them). */
export function computePoolStats(hosts: Iterable<PlacementHost>, pools: ReadonlyMap<string, PlacementPool>): Map<string, PoolStats> {
  const needing = [...pools.values()].filter((p) => p.requireCpuCompatibility || p.haHostFailuresToTolerate > 0);
  const out = new Map<string, PoolStats>();
  if (needing.length === 0) return out;
  const vendors = new Map<string, Map<string, number>>();
  const ha = new Map<string, { values: Record<ResourceKey, TopValues>; totalFree: Resources; pool: PlacementPool }>();
  for (const p of needing) {
    if (p.requireCpuCompatibility) vendors.set(p.id, new Map());
    const k = p.haHostFailuresToTolerate + 1;
    if (p.haHostFailuresToTolerate > 0) ha.set(p.id, { values: { vcpus: new TopValues(k), memoryMb: new TopValues(k), diskGb: new TopValues(k) }, totalFree: { vcpus: 0, memoryMb: 0, diskGb: 0 }, pool: p });
  }
  // one pass, no allocation per host: this runs for every decision over every host
  for (const h of hosts) {
    if (h.state !== 'up') continue;
    const v = vendors.get(h.poolId);
    if (v) v.set(h.cpuVendor, (v.get(h.cpuVendor) ?? 0) + 1);
    const acc = ha.get(h.poolId);
    if (acc) {
      for (const k of RESOURCE_KEYS) {
        const free = Math.max(0, offeredOf(h, acc.pool, k) - h.used[k]);
        acc.totalFree[k] += free;
        acc.values[k].offer(h.id, h.usedProtected[k] + free);
      }
    }
  }
  for (const p of needing) {
    const stats: PoolStats = {};
    const v = vendors.get(p.id);
    if (v && v.size) stats.baselineVendor = [...v.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    const acc = ha.get(p.id);
    if (acc) stats.ha = haStats(p.haHostFailuresToTolerate, acc.values, acc.totalFree);
    out.set(p.id, stats);
  }
  return out;
}

export function statsFor(all: ReadonlyMap<string, PoolStats>, poolId: string): PoolStats {
  return all.get(poolId) ?? EMPTY;
}

function haStats(n: number, values: Record<ResourceKey, TopValues>, totalFree: Resources): HaStats {
  const topSum: Resources = { vcpus: 0, memoryMb: 0, diskGb: 0 };
  const next: Resources = { vcpus: 0, memoryMb: 0, diskGb: 0 };
  const topValues = { vcpus: new Map<string, number>(), memoryMb: new Map<string, number>(), diskGb: new Map<string, number>() };
  for (const k of RESOURCE_KEYS) {
    const sorted = values[k].entries;
    sorted.slice(0, n).forEach((e) => {
      topSum[k] += e.v;
      topValues[k].set(e.id, e.v);
    });
    next[k] = sorted[n]?.v ?? 0;
  }
  return { n, totalFree, topSum, topValues, next };
}

const RATIO: Record<ResourceKey, 'cpuAllocationRatio' | 'ramAllocationRatio' | 'diskAllocationRatio'> = {
  vcpus: 'cpuAllocationRatio',
  memoryMb: 'ramAllocationRatio',
  diskGb: 'diskAllocationRatio',
};

/** offeredCapacity(...)[k] without building the object. */
function offeredOf(h: PlacementHost, pool: PlacementPool, k: ResourceKey): number {
  return Math.max(0, Math.floor((h.total[k] - h.reserved[k]) * pool[RATIO[k]]));
}

/** The k largest values seen, largest first; on ties the one seen first ranks first. */
class TopValues {
  readonly entries: { id: string; v: number }[] = [];
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
