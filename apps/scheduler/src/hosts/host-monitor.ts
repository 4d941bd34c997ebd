import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { HostRepository, type HostRow, PoolRepository, type PoolLiveness, VmRepository } from '@xenplane/db';
import {
  DEFAULT_LIVENESS,
  type HostState,
  hostsMonitoredBy,
  type LivenessSettings,
  nextHostState,
} from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import type { HeartbeatResponse } from '@xenplane/proto';
import { createRedis } from '@xenplane/queue';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { Agents } from '../infra/agents';
import { settleAll } from '../infra/concurrency';
import { HeartbeatStamps } from './heartbeat-stamps';
import { heartbeatSeconds } from '../metrics/scheduler-metrics';
import { DeathCertifier } from '../ha/death-certifier';
import { HostReturn } from '../ha/host-return';
import { inventoryChanged, inventoryColumns } from './inventory';
import { MonitorMembership } from './monitor-membership';
import { PoolRoster } from './pool-roster';
import { SilenceClock } from './silence-clock';

const PARALLEL_HEARTBEATS = 64;
// how stale an answered heartbeat's stamp in Postgres may be while a round goes on; each batch is one statement
const STAMP_EVERY_MS = 250;
// silent hosts judged at once (each judgement reads its pool and asks the host's witnesses)
const PARALLEL_JUDGEMENTS = 16;
// a replica survives one missed renewal before the others take its hosts
const LEASE_INTERVALS = 2.5;
// Redis commands wait for the connection (at start, after a blip), but not for ever
const REDIS_COMMAND_TIMEOUT_MS = 2_000;
// a silent host is judged this long after its dead timeout runs out (the timer's own lateness aside)
const JUDGEMENT_SLACK_MS = 5;

export interface HeartbeatReport {
  host: HostRow;
  response: HeartbeatResponse;
  /**
   * when the heartbeat was sent: the report shows the host no earlier than this, and a change
   * made after it may be missing (a round can take seconds on a loaded machine)
   */
  askedAt: Date;
}

/**
 * The control plane polls every agent (the design choice of ARCHITECTURE.md, written down
 * there): one Heartbeat call per host per its pool's interval carries inventory and domains and
 * renews the agent's self-fence lease. Hosts that stop answering go suspect, then down.
 *
 * Every replica with the `monitor` role polls its own share of the hosts (libs/domain's
 * monitorOf over the replicas alive in Redis), so a replica holds TLS connections to its share
 * only (~110 KB each in Node) and a replica that dies has its hosts taken over within a lease.
 *
 * Silence is measured, not read: a host is declared dead only after the control plane has
 * watched it be silent for the dead timeout. A monitor back from an outage (of its own, or of
 * every replica) finds hour-old heartbeats in Postgres; those make the hosts suspect (no new
 * work) at once, and dead only if they stay silent while it watches.
 */
@Injectable()
export class HostMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = getLogger('host-monitor');
  private readonly listeners: ((reports: HeartbeatReport[]) => Promise<void>)[] = [];
  private readonly redis: Redis;
  private readonly membership: MonitorMembership;
  private members: string[] = [];
  private renewedAt = 0;
  private tickTimer?: NodeJS.Timeout;
  private renewTimer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;
  private lastShare = '';
  private tickMs = DEFAULT_LIVENESS.heartbeatIntervalMs;
  private readonly silence = new SilenceClock();
  /** in how long the first silent host of this share reaches its dead timeout (the next tick comes then at the latest) */
  private nextJudgementMs = Infinity;

  constructor(
    private readonly hosts: HostRepository,
    private readonly pools: PoolRepository,
    private readonly vms: VmRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly agents: Agents,
    private readonly certifier: DeathCertifier,
    private readonly hostReturn: HostReturn,
  ) {
    this.redis = createRedis(config, 'producer', {
      enableOfflineQueue: true,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    });
    const self = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const key = `${config.XENPLANE_QUEUE_PREFIX}:host-monitors`;
    this.membership = new MonitorMembership(this.redis, key, self);
  }

  /** Reconciliation subscribes to each tick's answers. */
  onReports(listener: (reports: HeartbeatReport[]) => Promise<void>): void {
    this.listeners.push(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.renew();
    this.scheduleRenew();
    this.scheduleTick(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.tickTimer);
    clearTimeout(this.renewTimer);
    await this.ticking;
    await this.membership.leave().catch(() => undefined);
    this.redis.disconnect();
  }

  /** One round: ask the hosts of this replica's share that are due. */
  async tick(): Promise<void> {
    const pools = await this.liveness();
    this.tickMs = Math.min(
      DEFAULT_LIVENESS.heartbeatIntervalMs,
      ...[...pools.values()].map((p) => p.heartbeatIntervalMs),
    );
    const { hosts, total } = await this.share();
    this.logShare(hosts.length, total);
    const settingsOf = (h: HostRow) => pools.get(h.poolId) ?? DEFAULT_LIVENESS;
    this.silence.keepOnly(hosts);
    // each pool at its own interval (a quarter of a tick early rather than a whole tick late);
    // a host in doubt at every tick, so that it is judged the moment its dead timeout runs out
    const due = hosts.filter((h) => this.silence.due(h, settingsOf(h), this.tickMs / 4));
    const protectedVms = await this.protectedVmsByHost(hosts.length === total ? undefined : due.map((h) => h.id));
    const roster = new PoolRoster(await this.hosts.roster());
    const requests = due.map((host) => roster.heartbeat(host, settingsOf(host), protectedVms.get(host.id) ?? []));
    const stamps = new HeartbeatStamps(
      (ids) => this.hosts.recordHeartbeats(ids),
      STAMP_EVERY_MS,
      (err) => this.log.warn({ err: (err as Error).message }, 'could not stamp heartbeats'),
    );
    const askedAt = new Map<string, Date>();
    const answers = await settleAll(due, PARALLEL_HEARTBEATS, async (host) => {
      this.silence.asked(host.id);
      askedAt.set(host.id, new Date());
      const request = requests[due.indexOf(host)]!;
      const timed = heartbeatSeconds.startTimer();
      const answer = await this.agents.call(host, (c) =>
        c.heartbeat(request, { deadlineMs: this.config.HEARTBEAT_TIMEOUT_MS }),
      );
      timed();
      this.silence.answered(host.id);
      stamps.answered(host.id);
      return answer;
    });
    // every answer stamped before any host is judged: the pool-wide silence check reads them
    await stamps.flush();
    const reports: HeartbeatReport[] = [];
    this.nextJudgementMs = Infinity;
    const settle = async (i: number, host: HostRow): Promise<void> => {
      const answer = answers[i]!;
      const answered = answer.status === 'fulfilled';
      if (answered) {
        if (answer.value.info && inventoryChanged(host, answer.value.info)) {
          await this.hosts.updateInventory(host.id, inventoryColumns(answer.value.info));
        }
        // the witnesses it now knows of: the ones asked about it if it falls silent
        const witnesses = requests[i]!.witnesses.map((w) => w.hostId);
        if (witnesses.join() !== host.witnessIds.join()) await this.hosts.setWitnesses(host.id, witnesses);
      } else {
        this.log.debug({ hostId: host.id, err: (answer.reason as Error).message }, 'heartbeat failed');
      }
      const silentMs = answered ? 0 : this.silence.silentMs(host);
      const next = nextHostState({
        state: host.state,
        answered,
        silentMs,
        watchedMs: this.silence.watchedMs(),
        settings: settingsOf(host),
      });
      const now = await this.enter(host, next, silentMs ?? 0, settingsOf(host), answered ? answer.value : undefined);
      if (!answered && silentMs !== null && now !== 'down') {
        this.nextJudgementMs = Math.min(
          this.nextJudgementMs,
          this.silence.untilDeadMs(silentMs, settingsOf(host)) + JUDGEMENT_SLACK_MS,
        );
      }
      // a host back from the dead is reconciled by its return, not by this round's report
      if (answered && now === 'up' && host.state !== 'down')
        reports.push({ host, response: answer.value, askedAt: askedAt.get(host.id)! });
      if (!answered && now === 'down') await this.agents.forget(host.id);
    };
    // the silent are judged side by side: each judgement may wait on its witnesses' probes, and
    // ten deaths judged in turn would stretch the round by ten probe timeouts
    const silent: number[] = [];
    for (const [i, host] of due.entries()) {
      if (answers[i]!.status === 'fulfilled') await settle(i, host);
      else silent.push(i);
    }
    const judged = await settleAll(silent, PARALLEL_JUDGEMENTS, (i) => settle(i, due[i]!));
    const failed = judged.find((j) => j.status === 'rejected');
    if (failed) throw failed.reason;
    await this.certifier.reviewPartitions([...pools.entries()].filter(([, p]) => p.partitionedSince).map(([id]) => id));
    for (const listener of this.listeners) await listener(reports);
  }

  /**
   * Moves a host to the state its heartbeats call for: a host silent for the dead timeout is
   * judged (declared dead; or unreachable, its peers still reaching it; or still in doubt), one
   * back from the dead is welcomed (stale copies destroyed first); any other change is recorded
   * as it is.
   */
  private async enter(
    host: HostRow,
    next: HostState,
    silentMs: number,
    settings: LivenessSettings,
    answer: HeartbeatResponse | undefined,
  ): Promise<HostState> {
    if (next === 'down' && host.state !== 'down') {
      next = await this.certifier.judge(host, silentMs, settings);
      if (next === 'down') return next;
    }
    if (next === host.state) return next;
    if (host.state === 'down' && answer && !(await this.hostReturn.welcome(host, answer))) return host.state;
    await this.changeState(host, next);
    return next;
  }

  /** Each pool's liveness settings, and whether it is cut off from the control plane. */
  private liveness(): Promise<Map<string, PoolLiveness>> {
    return this.pools.liveness();
  }

  /**
   * This replica's share of the hosts, whole rows, and how many there are in all. Alone it
   * reads every row at once. Beside other replicas it reads the ids to pick its share, then
   * only its share's rows: at 10,000 hosts and 13 replicas, 770 rows a tick, not 10,000.
   */
  private async share(): Promise<{ hosts: HostRow[]; total: number }> {
    if (this.members.length === 1 && this.members[0] === this.membership.self) {
      const hosts = await this.hosts.read({ notDisabled: true });
      return { hosts, total: hosts.length };
    }
    const all = await this.hosts.idsNotDisabled();
    const mine = hostsMonitoredBy(this.membership.self, all, this.members).map((h) => h.id);
    const hosts = mine.length ? (await this.hosts.read({ ids: mine })).filter((h) => h.state !== 'disabled') : [];
    return { hosts, total: all.length };
  }

  // ticks start a tick apart and never overlap: a round longer than that delays the next
  private scheduleTick(delayMs: number): void {
    if (this.stopped) return;
    this.tickTimer = setTimeout(() => {
      const started = Date.now();
      this.ticking = this.tick()
        .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'host monitor tick failed'))
        .finally(() =>
          this.scheduleTick(Math.max(0, Math.min(this.tickMs - (Date.now() - started), this.nextJudgementMs))),
        );
    }, delayMs);
  }

  // the lease is renewed on its own timer: a long round (hosts timing out) must not lose it
  private scheduleRenew(): void {
    if (this.stopped) return;
    this.renewTimer = setTimeout(() => void this.renew().finally(() => this.scheduleRenew()), this.tickMs);
  }

  /**
   * Renews this replica's lease and learns the others'. Without Redis for a whole lease the
   * replica polls every host: two replicas polling one host is harmless, a host nobody polls
   * would go down and lose its VMs.
   */
  private async renew(): Promise<void> {
    const leaseMs = this.tickMs * LEASE_INTERVALS;
    try {
      this.members = await this.membership.renew(leaseMs);
      this.renewedAt = Date.now();
    } catch (err) {
      if (Date.now() - this.renewedAt >= leaseMs) {
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
    this.log.info(
      { monitor: this.membership.self, hosts: mine, of: total, monitors: this.members.length },
      'hosts monitored by this replica',
    );
  }

  private async changeState(host: HostRow, state: HostRow['state']): Promise<void> {
    await this.hosts.changeState(host, state);
    this.log.info({ hostId: host.id, name: host.name, from: host.state, to: state }, 'host state changed');
  }

  private async protectedVmsByHost(hostIds?: string[]): Promise<Map<string, string[]>> {
    const rows = await this.vms.protectedOnHosts(hostIds);
    const byHost = new Map<string, string[]>();
    for (const r of rows) byHost.set(r.hostId, [...(byHost.get(r.hostId) ?? []), r.id]);
    return byHost;
  }
}
