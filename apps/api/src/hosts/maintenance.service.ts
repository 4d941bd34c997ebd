import { Injectable } from '@nestjs/common';
import { type Host, HostRepository, type Operation, PoolRepository } from '@xenplane/db';
import { enableTransition, type HostState, type HostTransition, maintenanceTransition } from '@xenplane/domain';
import { currentCorrelationId, getLogger } from '@xenplane/observability';
import type { Principal } from '../common/auth/principal';
import { conflict, notFound } from '../common/errors/api-errors';
import { OperationQueue } from '../infra/queue.module';
import { type OperationView, presentOperation } from '../operations/operation.view';
import type { HostView } from './host.dto';
import { hostViews } from './host-views';
import type { MaintenanceDto } from './maintenance.dto';

/** What POST /v1/hosts/:id/maintenance answered: the evacuation, or the host when there is none. */
export type MaintenanceResult = { operation: OperationView } | { host: HostView };

/**
 * Operators drain a host: maintenance keeps new VMs off it (placement only takes `up` hosts)
 * and an evacuate operation moves its running VMs elsewhere; enable brings it back. Each call
 * is one transaction on the locked host row, so concurrent calls on a host take turns.
 */
@Injectable()
export class MaintenanceService {
  private readonly log = getLogger('host-maintenance');

  constructor(
    private readonly hosts: HostRepository,
    private readonly pools: PoolRepository,
    private readonly queue: OperationQueue,
  ) {}

  async enterMaintenance(principal: Principal, hostId: string, dto: MaintenanceDto): Promise<MaintenanceResult> {
    const evacuate = dto.evacuate ?? true;
    const evacuation = evacuate
      ? { requestedBy: principal.tokenId, correlationId: currentCorrelationId() ?? null }
      : null;
    const op = await this.hosts.enterMaintenance(hostId, evacuation, (locked: Host | null, open: Operation | null) => {
      const host = this.admitted(locked, hostId, maintenanceTransition);
      if (evacuate && open) throw conflict('an evacuation of this host is already under way', { operationId: open.id });
      return host;
    });
    this.log.info({ hostId, evacuate, operationId: op?.id }, 'host in maintenance');
    if (!op) return { host: await this.present(hostId) };
    await this.queue.wake([op]);
    return { operation: presentOperation(op) };
  }

  /** Back to `up`; an evacuation under way ends `cancelled` (VMs it already moved stay moved). */
  async enable(hostId: string): Promise<HostView> {
    await this.hosts.enable(hostId, 'the host was enabled', (locked) =>
      this.admitted(locked, hostId, enableTransition),
    );
    this.log.info({ hostId }, 'host enabled');
    return this.present(hostId);
  }

  /** The locked host, if the transition may start from its state; throwing refuses it (the transaction writes nothing). */
  private admitted(host: Host | null, hostId: string, transition: (state: HostState) => HostTransition): Host {
    if (!host) throw notFound('host', hostId);
    const t = transition(host.state);
    if (!t.ok) throw conflict(t.reason, { state: host.state });
    return host;
  }

  private async present(hostId: string): Promise<HostView> {
    const [host] = await hostViews({ hosts: this.hosts, pools: this.pools }, { ids: [hostId] });
    return host!;
  }
}
