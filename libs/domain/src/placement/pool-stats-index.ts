import type { Resources } from '../hosts/capacity';
import {
  freeOf,
  needsPoolStats,
  type PoolStats,
  poolStatsOf,
  RESOURCE_KEYS,
  type ResourceKey,
  sameStatsSettings,
} from './pool-stats';
import { RankedValues } from './ranked-values';
import { isPlaceable, type PlacementHost, type PlacementPool } from './types';

/**
 * The figures computePoolStats gives, kept up to date one host change at a time, so a
 * decision in an HA pool does not walk every host first. Told every version of every host
 * (setHost, deleteHost) and the pools (setPools); a host change costs O(log n) per HA pool
 * resource, reading the figures after a change O(N²) for the pool that changed.
 *
 * Hosts are values: one handed to setHost must not be changed afterwards (a change is a new
 * object), as the index takes back exactly what the old version counted.
 */
export class PoolStatsIndex {
  /** every host as last told, whatever its pool: a pool whose settings change is recounted from these */
  private readonly hosts = new Map<string, PlacementHost>();
  /** pools that need figures */
  private readonly tallies = new Map<string, PoolTally>();
  private snapshot?: Map<string, PoolStats>;

  setPools(pools: ReadonlyMap<string, PlacementPool>): void {
    for (const id of [...this.tallies.keys()]) {
      if (!pools.has(id)) this.drop(id);
    }
    for (const p of pools.values()) {
      const tally = this.tallies.get(p.id);
      if (tally && sameStatsSettings(tally.pool, p)) continue;
      if (tally) this.drop(p.id);
      if (needsPoolStats(p)) this.recount(p);
    }
  }

  setHost(host: PlacementHost): void {
    const before = this.hosts.get(host.id);
    if (before) this.count(before, -1);
    this.count(host, 1);
    this.hosts.set(host.id, host);
  }

  deleteHost(id: string): void {
    const before = this.hosts.get(id);
    if (!before) return;
    this.count(before, -1);
    this.hosts.delete(id);
  }

  clear(): void {
    this.hosts.clear();
    this.tallies.clear();
    this.snapshot = undefined;
  }

  /** The figures now, as computePoolStats would give them; a snapshot later changes do not touch. */
  stats(): ReadonlyMap<string, PoolStats> {
    this.snapshot ??= new Map([...this.tallies].map(([id, t]) => [id, t.stats()]));
    return this.snapshot;
  }

  /** Only placeable hosts of pools that need figures count. */
  private count(host: PlacementHost, sign: 1 | -1): void {
    const tally = this.tallies.get(host.poolId);
    if (!tally || !isPlaceable(host)) return;
    tally.count(host, sign);
    this.snapshot = undefined;
  }

  private drop(poolId: string): void {
    this.tallies.delete(poolId);
    this.snapshot = undefined;
  }

  /** A pool new or changed: its figures from its hosts, once. */
  private recount(pool: PlacementPool): void {
    const tally = new PoolTally(pool);
    this.tallies.set(pool.id, tally);
    for (const h of this.hosts.values()) if (h.poolId === pool.id) this.count(h, 1);
    this.snapshot = undefined;
  }
}

/** One pool's running tallies over its up hosts: hosts per CPU vendor; for an HA reserve, free room and (P + F) per host. */
class PoolTally {
  private readonly vendors?: Map<string, number>;
  private readonly ha?: { totalFree: Resources; values: Record<ResourceKey, RankedValues> };
  private cached?: PoolStats;

  constructor(readonly pool: PlacementPool) {
    if (pool.requireCpuCompatibility) this.vendors = new Map();
    if (pool.haHostFailuresToTolerate > 0) {
      this.ha = {
        totalFree: { vcpus: 0, memoryMb: 0, diskGb: 0 },
        values: { vcpus: new RankedValues(), memoryMb: new RankedValues(), diskGb: new RankedValues() },
      };
    }
  }

  /** Adds (1) or takes back (-1) what one version of an up host counts for. */
  count(h: PlacementHost, sign: 1 | -1): void {
    this.cached = undefined;
    if (this.vendors) {
      const n = (this.vendors.get(h.cpuVendor) ?? 0) + sign;
      if (n > 0) this.vendors.set(h.cpuVendor, n);
      else this.vendors.delete(h.cpuVendor);
    }
    if (!this.ha) return;
    for (const k of RESOURCE_KEYS) {
      const free = freeOf(h, this.pool, k);
      this.ha.totalFree[k] += sign * free;
      if (sign > 0) this.ha.values[k].set(h.id, h.usedProtected[k] + free);
      else this.ha.values[k].delete(h.id);
    }
  }

  stats(): PoolStats {
    if (this.cached) return this.cached;
    const ha = this.ha;
    const k = this.pool.haHostFailuresToTolerate + 1;
    const largest = ha && {
      vcpus: ha.values.vcpus.top(k),
      memoryMb: ha.values.memoryMb.top(k),
      diskGb: ha.values.diskGb.top(k),
    };
    this.cached = poolStatsOf(this.pool, this.vendors, largest && { largest, totalFree: ha.totalFree });
    return this.cached;
  }
}
