import { Inject, Injectable } from '@nestjs/common';
import { type Db, operationEvent, recordEvents, releaseQuota, vmStateEvent, vmUsage, type VmState } from '@xenplane/db';
import { cancelRole, cancelVerdict, stateAfterCancel } from '@xenplane/domain';
import { allows, visibleProject, type Principal } from '../common/auth/principal';
import { conflict, forbidden, notFound } from '../common/errors/api-errors';
import { afterCursor, decodeCursor, page, PAGE_ORDER } from '../common/http/cursor';
import { DB } from '@xenplane/db';
import type { ListOperationsQuery } from './operation.dto';
import { type OperationPage, type OperationView, presentOperation } from './operation.view';

@Injectable()
export class OperationsService {
  constructor(@Inject(DB) private readonly db: Db) {}

  async get(principal: Principal, id: string): Promise<OperationView> {
    return presentOperation(await this.find(principal, id));
  }

  async list(principal: Principal, q: ListOperationsQuery): Promise<OperationPage> {
    const limit = q.limit ?? 50;
    const rows = await this.db.operation.findMany({
      where: {
        ...visibleProject(principal),
        ...(q.vmId ? { vmId: q.vmId } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...afterCursor(q.cursor ? decodeCursor(q.cursor) : undefined),
      },
      orderBy: PAGE_ORDER,
      take: limit + 1,
    });
    return page(rows, limit, presentOperation);
  }

  /**
   * Cancels an operation no worker has started: the operation ends `cancelled` and its VM goes
   * back where it was (a cancelled create never existed: its quota comes back).
   * Conditional on `queued`, so a worker that starts it at the same moment wins or loses cleanly.
   */
  async cancel(principal: Principal, id: string): Promise<OperationView> {
    const op = await this.find(principal, id);
    const who = cancelRole(op);
    if (!allows(who.role, principal)) throw forbidden(who.refusal);
    const verdict = cancelVerdict(op);
    if (verdict.kind === 'request') return this.requestCancel(op.id);
    if (verdict.kind === 'conflict') throw conflict(verdict.reason, { operationStatus: op.status });
    const cancelled = await this.db.$transaction(async (tx) => {
      const now = new Date();
      const n = await tx.operation.updateMany({
        where: { id, status: 'queued' },
        data: { status: 'cancelled', finishedAt: now, errorCode: 'cancelled', errorMessage: 'cancelled by request' },
      });
      if (n.count !== 1) throw conflict('the operation started meanwhile');
      const after = await tx.operation.findUniqueOrThrow({ where: { id } });
      const events = [operationEvent(after)];
      const vm = op.vmId ? await tx.vm.findUnique({ where: { id: op.vmId } }) : null;
      if (vm) {
        const restored: VmState = stateAfterCancel(op.kind, (op.params as { fromState?: VmState }).fromState, vm.state);
        await tx.vm.update({
          where: { id: vm.id },
          data: { state: restored, stateChangedAt: now, ...(restored === 'deleted' ? { deletedAt: now } : {}) },
        });
        if (op.kind === 'create') await releaseQuota(tx, vm.projectId, vmUsage(vm));
        events.push(vmStateEvent({ ...vm, state: restored }));
      }
      await recordEvents(tx, events);
      return after;
    });
    return presentOperation(cancelled);
  }

  /**
   * A running evacuation stops at its next look (it checks between migrations): the
   * migrations under way finish, no new one starts. It answers the operation still running.
   */
  private async requestCancel(id: string): Promise<OperationView> {
    const [op] = await this.db.operation.updateManyAndReturn({ where: { id, status: 'running' }, data: { cancelRequested: true } });
    if (!op) throw conflict('the operation finished meanwhile');
    return presentOperation(op);
  }

  private async find(principal: Principal, id: string) {
    const op = await this.db.operation.findFirst({ where: { id, ...visibleProject(principal) } });
    if (!op) throw notFound('operation', id);
    return op;
  }
}
