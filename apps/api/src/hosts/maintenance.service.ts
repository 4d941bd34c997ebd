import { Inject, Injectable } from '@nestjs/common';
import { cancelEvacuation, changeHostState, createEvacuation, DB, type Db, lockHost, openEvacuation, type Prisma } from '@xenplane/db';
import { enableTransition, type HostState, type HostTransition, maintenanceTransition } from '@xenplane/domain';
import { currentCorrelationId, getLogger } from '@xenplane/observability';
import type { Principal } from '../common/auth/principal';
import { conflict, notFound } from '../common/errors/api-errors';
import { OperationQueue } from '../infra/queue.module';
import { type OperationView, presentOperation } from '../operations/operation.view';
import type { HostView } from './host.dto';
import { hostViews } from './host-views';
import type { MaintenanceDto } from './maintenance.dto';

type Tx = Prisma.TransactionClient;

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
    @Inject(DB) private readonly db: Db,
    private readonly queue: OperationQueue,
  ) {}

  async enterMaintenance(principal: Principal, hostId: string, dto: MaintenanceDto): Promise<MaintenanceResult> {
    const evacuate = dto.evacuate ?? true;
    const op = await this.db.$transaction(async (tx) => {
      const host = await this.lockedHost(tx, hostId, maintenanceTransition);
      const open = await openEvacuation(tx, host.id);
      if (evacuate && open) throw conflict('an evacuation of this host is already under way', { operationId: open.id });
      if (host.state !== 'maintenance') await changeHostState(tx, host, 'maintenance');
      if (!evacuate) return null;
      return createEvacuation(tx, { hostId: host.id, requestedBy: principal.tokenId, correlationId: currentCorrelationId() ?? null });
    });
    this.log.info({ hostId, evacuate, operationId: op?.id }, 'host in maintenance');
    if (!op) return { host: await this.present(hostId) };
    await this.queue.wake([op]);
    return { operation: presentOperation(op) };
  }

  /** Back to `up`; an evacuation under way ends `cancelled` (VMs it already moved stay moved). */
  async enable(hostId: string): Promise<HostView> {
    await this.db.$transaction(async (tx) => {
      const host = await this.lockedHost(tx, hostId, enableTransition);
      if (host.state === 'up') return;
      await changeHostState(tx, host, 'up');
      const open = await openEvacuation(tx, host.id);
      if (open) await cancelEvacuation(tx, open, 'the host was enabled');
    });
    this.log.info({ hostId }, 'host enabled');
    return this.present(hostId);
  }

  private async lockedHost(tx: Tx, hostId: string, transition: (state: HostState) => HostTransition) {
    const host = await lockHost(tx, hostId);
    if (!host) throw notFound('host', hostId);
    const t = transition(host.state);
    if (!t.ok) throw conflict(t.reason, { state: host.state });
    return host;
  }

  private async present(hostId: string): Promise<HostView> {
    const [host] = await hostViews(this.db, { ids: [hostId] });
    return host!;
  }
}
