import { offeredCapacity, type Resources } from '../hosts/capacity';
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
  const ha = new Map<string, { values: Record<ResourceKey, { id: string; v: number }[]>; totalFree: Resources }>();
  for (const p of needing) {
    if (p.requireCpuCompatibility) vendors.set(p.id, new Map());
    if (p.haHostFailuresToTolerate > 0) ha.set(p.id, { values: { vcpus: [], memoryMb: [], diskGb: [] }, totalFree: { vcpus: 0, memoryMb: 0, diskGb: 0 } });
  }
  for (const h of hosts) {
    if (h.state !== 'up') continue;
    const v = vendors.get(h.poolId);
    if (v) v.set(h.cpuVendor, (v.get(h.cpuVendor) ?? 0) + 1);
    const acc = ha.get(h.poolId);
    if (acc) {
      const offered = offeredCapacity(h.total, h.reserved, pools.get(h.poolId)!);
      for (const k of RESOURCE_KEYS) {
        const free = Math.max(0, offered[k] - h.used[k]);
        acc.totalFree[k] += free;
        acc.values[k].push({ id: h.id, v: h.usedProtected[k] + free });
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

function haStats(n: number, values: Record<ResourceKey, { id: string; v: number }[]>, totalFree: Resources): HaStats {
  const topSum: Resources = { vcpus: 0, memoryMb: 0, diskGb: 0 };
  const next: Resources = { vcpus: 0, memoryMb: 0, diskGb: 0 };
  const topValues = { vcpus: new Map<string, number>(), memoryMb: new Map<string, number>(), diskGb: new Map<string, number>() };
  for (const k of RESOURCE_KEYS) {
    const sorted = topN(values[k], n + 1);
    sorted.slice(0, n).forEach((e) => {
      topSum[k] += e.v;
      topValues[k].set(e.id, e.v);
    });
    next[k] = sorted[n]?.v ?? 0;
  }
  return { n, totalFree, topSum, topValues, next };
}

/** The k largest entries, largest first, without sorting the whole list. */
function topN(list: { id: string; v: number }[], k: number): { id: string; v: number }[] {
  const top: { id: string; v: number }[] = [];
  for (const e of list) {
    if (top.length < k) {
      top.push(e);
      top.sort((a, b) => b.v - a.v);
    } else if (e.v > top[k - 1]!.v) {
      top[k - 1] = e;
      top.sort((a, b) => b.v - a.v);
    }
  }
  return top;
}
