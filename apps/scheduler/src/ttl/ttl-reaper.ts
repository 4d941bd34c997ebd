import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Operation, OperationRepository, VmRepository } from '@xenplane/db';
import { checkAction } from '@xenplane/domain';
import { currentCorrelationId, getLogger } from '@xenplane/observability';
import { OperationQueue } from '../infra/operation-queue';

const BATCH = 500;

/**
 * CI machines must never leak: a VM past its expiresAt gets a delete operation, like one a
 * tenant would ask for, whatever state it is in (a VM still being built is overtaken).
 */
@Injectable()
export class TtlReaper {
  private readonly log = getLogger('ttl-reaper');

  constructor(
    private readonly vms: VmRepository,
    private readonly ops: OperationRepository,
    private readonly operations: OperationQueue,
  ) {}

  async reap(): Promise<number> {
    const expired = await this.vms.expired(BATCH);
    const ops: Operation[] = [];
    // the deletes of one pass share its correlation id (the periodic task's), as a request's do
    const correlationId = currentCorrelationId() ?? randomUUID();
    for (const vm of expired) {
      const check = checkAction('delete', vm.state);
      if (!check.ok) continue;
      const op = await this.ops.beginOnVm({
        vm,
        kind: 'delete',
        via: check.via,
        params: { reason: 'expired' },
        correlationId,
      });
      if (op) ops.push(op);
    }
    if (ops.length) {
      await this.operations.wake(ops);
      this.log.info({ count: ops.length }, 'deleting expired VMs');
    }
    return ops.length;
  }
}
