import { Inject, Injectable } from '@nestjs/common';
import { DB, type Db, type Host, hostStateEvent, recordEvents } from '@xenplane/db';
import { nextHostState } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import type { HeartbeatResponse } from '@xenplane/proto';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { Agents } from '../infra/agents';
import { settleAll } from '../infra/concurrency';
import { inventoryChanged, inventoryColumns } from './inventory';

const PARALLEL_HEARTBEATS = 64;

export interface HeartbeatReport {
  host: Host;
  response: HeartbeatResponse;
}

/**
 * The control plane polls every agent (the design choice of ARCHITECTURE.md, written down
 * there): one Heartbeat call per host per tick carries inventory and domains and renews the
 * agent's self-fence lease. Hosts that stop answering go suspect, then down.
 */
@Injectable()
export class HostMonitor {
  private readonly log = getLogger('host-monitor');
  private readonly listeners: ((reports: HeartbeatReport[]) => Promise<void>)[] = [];

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly agents: Agents,
  ) {}

  /** Reconciliation and HA subscribe to each tick's answers. */
  onReports(listener: (reports: HeartbeatReport[]) => Promise<void>): void {
    this.listeners.push(listener);
  }

  async tick(): Promise<void> {
    const hosts = await this.db.host.findMany({ where: { state: { not: 'disabled' } } });
    const protectedVms = await this.protectedVmsByHost();
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

  private async changeState(host: Host, state: Host['state']): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const n = await tx.host.updateMany({ where: { id: host.id, state: host.state }, data: { state, stateChangedAt: new Date() } });
      if (n.count === 1) await recordEvents(tx, [hostStateEvent({ ...host, state })]);
    });
    this.log.info({ hostId: host.id, name: host.name, from: host.state, to: state }, 'host state changed');
  }

  private async protectedVmsByHost(): Promise<Map<string, string[]>> {
    const rows = await this.db.vm.findMany({
      where: { haPriority: { not: 'none' }, hostId: { not: null }, state: { notIn: ['deleted', 'stopped'] } },
      select: { id: true, hostId: true },
    });
    const byHost = new Map<string, string[]>();
    for (const r of rows) byHost.set(r.hostId!, [...(byHost.get(r.hostId!) ?? []), r.id]);
    return byHost;
  }
}
