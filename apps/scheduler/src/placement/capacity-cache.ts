import { Inject, Injectable } from '@nestjs/common';
import { DB, type Db, loadPlacementState, type Pool, protectedUsage, toPlacementHost, toPlacementPool } from '@xenplane/db';
import { computePoolStats, HostTable, type PlacementPool, type PlacementView, type PoolStats, type Resources } from '@xenplane/domain';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

/**
 * The scheduler's view of every host's capacity: loaded once, then refreshed by reading only
 * the hosts whose generation moved (every placement-relevant change bumps it, claims by other
 * schedulers included). The view may lag; it never decides alone — the claim's conditional
 * write does — and a conflicting claim re-reads its host. A periodic full reload bounds how
 * long anything missed (a generation committed out of order) can stay wrong.
 */
@Injectable()
export class CapacityCache {
  readonly hosts = new HostTable();
  readonly pools = new Map<string, PlacementPool>();
  private cursor = 0n;
  private previousCursor = 0n;
  private lastFull = 0;
  private lastRefresh = 0;
  private inflight?: Promise<void>;
  private poolStats?: Map<string, PoolStats>;

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  /** Brings the view up to date if it is older than the refresh interval, or now if forced (single-flight). */
  async fresh(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastRefresh < this.config.CAPACITY_REFRESH_MS) return;
    this.inflight ??= (now - this.lastFull >= this.config.CAPACITY_FULL_RELOAD_MS ? this.reloadAll() : this.refreshChanged()).finally(
      () => (this.inflight = undefined),
    );
    await this.inflight;
  }

  view(): PlacementView {
    return { hosts: this.hosts.all(), pools: this.pools };
  }

  /** `size` hosts from a random place: where a large pool's decision looks first. */
  sampleView(size: number): PlacementView {
    return { hosts: this.hosts.window(Math.floor(Math.random() * this.hosts.size), size), pools: this.pools };
  }

  /**
   * The pools' figures (CPU vendor baseline, HA reserve) over every host, computed once and
   * reused until something they depend on changes: a refresh, or a reservation in an HA pool.
   */
  stats(): ReadonlyMap<string, PoolStats> {
    this.poolStats ??= computePoolStats(this.hosts.all(), this.pools);
    return this.poolStats;
  }

  /**
   * Holds a decision's resources on the chosen host in this process's view until the claim
   * answers, so concurrent decisions here do not all pick the same best host.
   */
  reserve(hostId: string, r: Resources, haProtected: boolean): void {
    this.adjust(hostId, r, haProtected, 1);
  }

  /** Gives back a reservation whose claim lost. */
  unreserve(hostId: string, r: Resources, haProtected: boolean): void {
    this.adjust(hostId, r, haProtected, -1);
  }

  private adjust(hostId: string, r: Resources, haProtected: boolean, sign: 1 | -1): void {
    const h = this.hosts.get(hostId);
    if (!h) return;
    if ((this.pools.get(h.poolId)?.haHostFailuresToTolerate ?? 0) > 0) this.poolStats = undefined;
    const plus = (a: Resources): Resources => ({ vcpus: a.vcpus + sign * r.vcpus, memoryMb: a.memoryMb + sign * r.memoryMb, diskGb: a.diskGb + sign * r.diskGb });
    this.hosts.set({
      ...h,
      used: plus(h.used),
      usedInstances: h.usedInstances + sign,
      usedProtected: haProtected ? plus(h.usedProtected) : h.usedProtected,
    });
  }

  /** After a claim lost a race: the truth about that one host. */
  async reloadHost(hostId: string): Promise<void> {
    const host = await this.db.host.findUnique({ where: { id: hostId } });
    this.poolStats = undefined;
    if (!host) {
      this.hosts.delete(hostId);
      return;
    }
    const protectedUse = await protectedUsage(this.db, [hostId]);
    this.hosts.set(toPlacementHost(host, protectedUse.get(hostId)));
  }

  private async reloadAll(): Promise<void> {
    const started = Date.now();
    const { hosts, placementHosts, pools } = await loadPlacementState(this.db);
    this.hosts.clear();
    for (const h of placementHosts.values()) this.hosts.set(h);
    this.poolStats = undefined;
    this.pools.clear();
    for (const [id, p] of pools) this.pools.set(id, p);
    const max = hosts.reduce((m, h) => (h.generation > m ? h.generation : m), 0n);
    this.previousCursor = max;
    this.cursor = max;
    this.lastFull = started;
    this.lastRefresh = started;
  }

  private async refreshChanged(): Promise<void> {
    const started = Date.now();
    // re-read from the cursor of the refresh before last: a generation taken before our last
    // read but committed after it is still caught
    const since = this.previousCursor;
    const [hosts, pools] = await Promise.all([
      this.db.host.findMany({ where: { generation: { gt: since } } }),
      this.db.pool.findMany(),
    ]);
    const protectedUse = hosts.length ? await protectedUsage(this.db, hosts.map((h) => h.id)) : new Map<string, Resources>();
    for (const h of hosts) this.hosts.set(toPlacementHost(h, protectedUse.get(h.id)));
    this.setPools(pools);
    // pools are re-read every refresh: a changed ratio or HA setting counts from now
    this.poolStats = undefined;
    const max = hosts.reduce((m, h) => (h.generation > m ? h.generation : m), this.cursor);
    this.previousCursor = this.cursor;
    this.cursor = max;
    this.lastRefresh = started;
  }

  private setPools(pools: Pool[]): void {
    this.pools.clear();
    for (const p of pools) this.pools.set(p.id, toPlacementPool(p));
  }
}
