import { Inject, Injectable } from '@nestjs/common';
import { HostRepository, PoolRepository, toPlacementHost, toPlacementPool } from '@xenplane/db';
import {
  HostTable,
  type PlacementHost,
  type PlacementPool,
  type PlacementView,
  type PoolStats,
  PoolStatsIndex,
  type Resources,
  withUsage,
} from '@xenplane/domain';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';

/**
 * The scheduler's view of every host's capacity: loaded once, then refreshed by reading only
 * the hosts whose generation moved (every placement-relevant change bumps it, claims by other
 * schedulers included, and a host's first heartbeat after silence). Liveness is judged when a
 * row is read: a host that goes silent afterwards is marked suspect by the host monitor (a
 * new generation), and if no monitor runs, the claim refuses it and the re-read sees it stale. The view may lag; it never decides alone — the claim's conditional
 * write does — and a conflicting claim re-reads its host. A periodic full reload bounds how
 * long anything missed (a generation committed out of order) can stay wrong.
 */
@Injectable()
export class CapacityCache {
  private readonly table = new HostTable();
  readonly pools = new Map<string, PlacementPool>();
  private cursor = 0n;
  private previousCursor = 0n;
  private lastFull = 0;
  private lastRefresh = 0;
  private inflight?: Promise<void>;
  /** the pools' figures, told of every host change below (setHost, deleteHost, setPools) */
  private readonly figures = new PoolStatsIndex();
  // pool ids and CPU vendors seen (a handful; see intern)
  private readonly strings = new Map<string, string>();

  constructor(
    private readonly hostRows: HostRepository,
    private readonly poolRows: PoolRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  /** Brings the view up to date if it is older than the refresh interval, or now if forced (single-flight). */
  async fresh(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastRefresh < this.config.CAPACITY_REFRESH_MS) return;
    this.inflight ??= (
      now - this.lastFull >= this.config.CAPACITY_FULL_RELOAD_MS ? this.reloadAll() : this.refreshChanged()
    ).finally(() => (this.inflight = undefined));
    await this.inflight;
  }

  /** Read-only: hosts change through setHost/deleteHost, which keep the pool figures in step. */
  get hosts(): Pick<HostTable, 'size' | 'get' | 'all' | 'window'> {
    return this.table;
  }

  view(): PlacementView {
    return { hosts: this.table.all(), pools: this.pools };
  }

  /** Hosts (of a pool, or all) whose row says up but whose heartbeat was old when last read. */
  inDoubt(poolId?: string): number {
    let n = 0;
    for (const h of this.table.all()) if (h.state === 'up' && !h.live && (!poolId || h.poolId === poolId)) n++;
    return n;
  }

  /** `size` hosts from a random place: where a large pool's decision looks first. */
  sampleView(size: number): PlacementView {
    return { hosts: this.table.window(Math.floor(Math.random() * this.table.size), size), pools: this.pools };
  }

  /**
   * The pools' figures (CPU vendor baseline, HA reserve) over every host, kept up to date
   * host by host: a reservation in an HA pool costs O(log n), not a pass over every host.
   */
  stats(): ReadonlyMap<string, PoolStats> {
    return this.figures.stats();
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
    const h = this.table.get(hostId);
    if (h) this.setHost(withUsage(h, r, haProtected, sign));
  }

  /** After a claim lost a race: the truth about that one host. */
  async reloadHost(hostId: string): Promise<void> {
    const [host] = await this.hostRows.read({ ids: [hostId] });
    if (!host) {
      this.deleteHost(hostId);
      return;
    }
    const protectedUse = await this.hostRows.protectedUsage([hostId]);
    this.setHost(toPlacementHost(host, protectedUse.get(hostId)));
  }

  private async reloadAll(): Promise<void> {
    const started = Date.now();
    const { hosts, placementHosts, pools } = await this.hostRows.placementState();
    this.table.clear();
    this.figures.clear();
    this.setPools(pools.values());
    for (const h of placementHosts.values()) this.setHost(h);
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
    const [hosts, pools] = await Promise.all([this.hostRows.read({ changedSince: since }), this.poolRows.all()]);
    const protectedUse = hosts.length
      ? await this.hostRows.protectedUsage(hosts.map((h) => h.id))
      : new Map<string, Resources>();
    for (const h of hosts) this.setHost(toPlacementHost(h, protectedUse.get(h.id)));
    // pools are re-read every refresh: a changed ratio or HA setting counts from now
    this.setPools(pools.map(toPlacementPool));
    const max = hosts.reduce((m, h) => (h.generation > m ? h.generation : m), this.cursor);
    this.previousCursor = this.cursor;
    this.cursor = max;
    this.lastRefresh = started;
  }

  private setPools(pools: Iterable<PlacementPool>): void {
    this.pools.clear();
    for (const p of pools) this.pools.set(this.intern(p.id), p);
    this.figures.setPools(this.pools);
  }

  // the only ways hosts change: the table and the figures never disagree
  private setHost(row: PlacementHost): void {
    const host = { ...row, poolId: this.intern(row.poolId), cpuVendor: this.intern(row.cpuVendor) };
    this.table.set(host);
    this.figures.setHost(host);
  }

  /**
   * One string object per pool id and CPU vendor: every row read brings its own copy, and a
   * decision compares them for every host it looks at (the pool lookup, the vendor check).
   * Copies are compared character by character, in memory far from the host; one string is
   * compared by reference. That was a fifth of a placement's CPU at 10,000 hosts.
   */
  private intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  }

  private deleteHost(id: string): void {
    this.table.delete(id);
    this.figures.deleteHost(id);
  }
}
