import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DB, type Db, type Host, hostStateEvent, recordEvents } from '@xenplane/db';
import { hostsMonitoredBy, nextHostState } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import type { HeartbeatResponse } from '@xenplane/proto';
import { createRedis } from '@xenplane/queue';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { Agents } from '../infra/agents';
import { settleAll } from '../infra/concurrency';
import { inventoryChanged, inventoryColumns } from './inventory';
import { MonitorMembership } from './monitor-membership';

const PARALLEL_HEARTBEATS = 64;
// a replica survives one missed renewal before the others take its hosts
const LEASE_INTERVALS = 2.5;

export interface HeartbeatReport {
  host: Host;
  response: HeartbeatResponse;
}

/**
 * The control plane polls every agent (the design choice of ARCHITECTURE.md, written down
 * there): one Heartbeat call per host per tick carries inventory and domains and renews the
 * agent's self-fence lease. Hosts that stop answering go suspect, then down.
 *
 * Every replica with the `monitor` role polls its own share of the hosts (libs/domain's
 * monitorOf over the replicas alive in Redis), so a replica holds TLS connections to its share
 * only (~110 KB each in Node) and a replica that dies has its hosts taken over within a lease.
 */
@Injectable()
export class HostMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = getLogger('host-monitor');
  private readonly listeners: ((reports: HeartbeatReport[]) => Promise<void>)[] = [];
  private readonly redis: Redis;
  private readonly membership: MonitorMembership;
  private members: string[] = [];
  private renewedAt = 0;
  private renewTimer?: NodeJS.Timeout;
  private tickTimer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;
  private lastShare = '';

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly agents: Agents,
  ) {
    // commands wait for the connection (at start, after a blip) but never past an interval
    this.redis = createRedis(config.REDIS_URL, 'producer', { enableOfflineQueue: true, commandTimeout: config.HEARTBEAT_INTERVAL_MS });
    const self = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const key = `${config.XENPLANE_QUEUE_PREFIX}:host-monitors`;
    this.membership = new MonitorMembership(this.redis, key, self, config.HEARTBEAT_INTERVAL_MS * LEASE_INTERVALS);
  }

  /** Reconciliation subscribes to each tick's answers. */
  onReports(listener: (reports: HeartbeatReport[]) => Promise<void>): void {
    this.listeners.push(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.renew();
    const every = this.config.HEARTBEAT_INTERVAL_MS;
    this.renewTimer = setInterval(() => void this.renew(), every);
    this.scheduleTick(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewTimer);
    clearTimeout(this.tickTimer);
    await this.ticking;
    await this.membership.leave().catch(() => undefined);
    this.redis.disconnect();
  }

  /** One round over this replica's share of the hosts. */
  async tick(): Promise<void> {
    const { hosts, total } = await this.share();
    this.logShare(hosts.length, total);
    const protectedVms = await this.protectedVmsByHost(hosts.length === total ? undefined : hosts.map((h) => h.id));
    const answers = await settleAll(hosts, PARALLEL_HEARTBEATS, (host) =>
      this.agents.call(host, (c) =>
        c.heartbeat(
          { fenceTimeoutSeconds: Math.floor(this.config.FENCE_TIMEOUT_MS / 1000), protectedVmIds: protectedVms.get(host.id) ?? [] },
          { deadlineMs: this.config.HEARTBEAT_TIMEOUT_MS },
        ),
      ),
    );
    const now = new Date();
    const reports: HeartbeatReport[] = [];
    const beating: string[] = [];
    for (const [i, host] of hosts.entries()) {
      const answer = answers[i]!;
      const answered = answer.status === 'fulfilled';
      if (answered) {
        reports.push({ host, response: answer.value });
        beating.push(host.id);
        if (answer.value.info && inventoryChanged(host, answer.value.info)) {
          await this.db.host.update({ where: { id: host.id }, data: inventoryColumns(answer.value.info) });
        }
      } else {
        this.log.debug({ hostId: host.id, err: (answer.reason as Error).message }, 'heartbeat failed');
      }
      const next = nextHostState({
        state: host.state,
        lastHeartbeatAt: answered ? now : host.lastHeartbeatAt,
        answered,
        now,
        suspectAfterMs: this.config.HOST_SUSPECT_AFTER_MS,
        deadAfterMs: this.config.HOST_DEAD_AFTER_MS,
      });
      if (next !== host.state) await this.changeState(host, next);
      if (!answered && next === 'down') await this.agents.forget(host.id);
    }
    // one statement for every healthy host: heartbeats must stay cheap at 10,000 hosts
    if (beating.length) {
      await this.db.host.updateMany({ where: { id: { in: beating } }, data: { lastHeartbeatAt: now } });
    }
    for (const listener of this.listeners) await listener(reports);
  }

  /**
   * This replica's share of the hosts, whole rows, and how many there are in all. Alone it
   * reads every row at once. Beside other replicas it reads the ids to pick its share, then
   * only its share's rows: at 10,000 hosts and 13 replicas, 770 rows a tick, not 10,000.
   */
  private async share(): Promise<{ hosts: Host[]; total: number }> {
    const polled = { state: { not: 'disabled' as const } };
    if (this.members.length === 1 && this.members[0] === this.membership.self) {
      const hosts = await this.db.host.findMany({ where: polled });
      return { hosts, total: hosts.length };
    }
    const all = await this.db.host.findMany({ where: polled, select: { id: true } });
    const mine = hostsMonitoredBy(this.membership.self, all, this.members).map((h) => h.id);
    const hosts = mine.length ? await this.db.host.findMany({ where: { ...polled, id: { in: mine } } }) : [];
    return { hosts, total: all.length };
  }

  // ticks start an interval apart and never overlap: a round longer than the interval delays the next
  private scheduleTick(delayMs: number): void {
    if (this.stopped) return;
    this.tickTimer = setTimeout(() => {
      const started = Date.now();
      this.ticking = this.tick()
        .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'host monitor tick failed'))
        .finally(() => this.scheduleTick(Math.max(0, this.config.HEARTBEAT_INTERVAL_MS - (Date.now() - started))));
    }, delayMs);
  }

  /**
   * Renews this replica's lease and learns the others'. Without Redis for a whole lease the
   * replica polls every host: two replicas polling one host is harmless, a host nobody polls
   * would go down and lose its VMs.
   */
  private async renew(): Promise<void> {
    try {
      this.members = await this.membership.renew();
      this.renewedAt = Date.now();
    } catch (err) {
      if (Date.now() - this.renewedAt >= this.config.HEARTBEAT_INTERVAL_MS * LEASE_INTERVALS) {
        if (this.members.length !== 1 || this.members[0] !== this.membership.self) {
          this.log.warn({ err: (err as Error).message }, 'host monitors unknown (Redis): polling every host');
        }
        this.members = [this.membership.self];
      }
    }
  }

  private logShare(mine: number, total: number): void {
    const share = `${mine}/${total}/${this.members.length}`;
    if (share === this.lastShare) return;
    this.lastShare = share;
    this.log.info({ monitor: this.membership.self, hosts: mine, of: total, monitors: this.members.length }, 'hosts monitored by this replica');
  }

  private async changeState(host: Host, state: Host['state']): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const n = await tx.host.updateMany({ where: { id: host.id, state: host.state }, data: { state, stateChangedAt: new Date() } });
      if (n.count === 1) await recordEvents(tx, [hostStateEvent({ ...host, state })]);
    });
    this.log.info({ hostId: host.id, name: host.name, from: host.state, to: state }, 'host state changed');
  }

  private async protectedVmsByHost(hostIds?: string[]): Promise<Map<string, string[]>> {
    const rows = await this.db.vm.findMany({
      where: { haPriority: { not: 'none' }, hostId: hostIds ? { in: hostIds } : { not: null }, state: { notIn: ['deleted', 'stopped'] } },
      select: { id: true, hostId: true },
    });
    const byHost = new Map<string, string[]>();
    for (const r of rows) byHost.set(r.hostId!, [...(byHost.get(r.hostId!) ?? []), r.id]);
    return byHost;
  }
}
