import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { type Host, VmRepository } from '@xenplane/db';
import { type KnownVm, type ReconcileAction, reconcileHost } from '@xenplane/domain';
import { toReported } from '../hosts/reported-domain';
import { getLogger } from '@xenplane/observability';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { type HeartbeatReport, HostMonitor } from '../hosts/host-monitor';
import { Agents } from '../infra/agents';

/**
 * After every heartbeat round, compares each answering host's domains with what Postgres
 * says (the decision is libs/domain's reconcileHost) and carries out the outcome, each one
 * logged and recorded as an event.
 */
@Injectable()
export class Reconciler implements OnModuleInit {
  private readonly log = getLogger('reconciler');

  constructor(
    private readonly vms: VmRepository,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly monitor: HostMonitor,
    private readonly agents: Agents,
  ) {}

  onModuleInit(): void {
    this.monitor.onReports((reports) => this.reconcile(reports));
  }

  async reconcile(reports: HeartbeatReport[]): Promise<void> {
    for (const { host, response, askedAt } of reports) {
      try {
        const domains = response.domains.map(toReported);
        const vms = await this.knownVms(
          host.id,
          domains.map((d) => d.vmId),
        );
        const actions = reconcileHost({
          hostId: host.id,
          // not now: a VM that changed after the heartbeat was sent is not settled in its report
          reportedAt: askedAt,
          domains,
          vms,
          settleMs: this.config.RECONCILE_SETTLE_MS,
          stuckAfterMs: this.config.STUCK_AFTER_MS,
        });
        for (const action of actions) await this.apply(host, action, vms.get(action.vmId));
      } catch (err) {
        this.log.warn({ hostId: host.id, err: (err as Error).message }, 'reconciliation of a host failed');
      }
    }
  }

  private async knownVms(hostId: string, reportedIds: string[]): Promise<Map<string, KnownVm>> {
    const rows = await this.vms.reconciledOn(hostId, reportedIds);
    return new Map(rows.map((r) => [r.id, r]));
  }

  private async apply(
    host: Host,
    action: ReconcileAction,
    vm: (KnownVm & { projectId?: string }) | undefined,
  ): Promise<void> {
    this.log.info({ hostId: host.id, ...action }, 'reconciling');
    switch (action.kind) {
      case 'destroy-orphan':
        // the disks go only with a VM that no longer exists anywhere
        await this.agents.call(host, (a) => a.destroyDomain({ vmId: action.vmId, purgeStorage: action.purge }));
        return;
      case 'mark-vanished':
        await this.move(vm, 'running', 'stopped', {
          powerState: 'shutdown',
          domId: null,
          errorCode: 'domain_vanished',
          errorMessage: `its domain disappeared from host ${host.name}`,
        });
        return;
      case 'set-power':
        await this.vms.setPowerState(action.vmId, action.powerState);
        return;
      case 'mark-stuck':
        await this.move(vm, action.state, 'error', {
          errorCode: 'stuck',
          errorMessage: `stuck in ${action.state} with no operation working on it`,
        });
        return;
    }
  }

  private async move(
    vm: (KnownVm & { projectId?: string }) | undefined,
    from: KnownVm['state'],
    to: KnownVm['state'],
    data: Record<string, unknown>,
  ) {
    if (!vm?.projectId) return;
    await this.vms.reconcileState({ id: vm.id, projectId: vm.projectId, hostId: vm.hostId }, from, to, data);
  }
}
