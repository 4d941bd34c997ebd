import { Inject, Injectable } from '@nestjs/common';
import { beginVmOperation, DB, type Db, type Operation } from '@xenplane/db';
import { checkAction } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
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
    @Inject(DB) private readonly db: Db,
    private readonly operations: OperationQueue,
  ) {}

  async reap(): Promise<number> {
    const expired = await this.db.vm.findMany({
      where: { expiresAt: { lte: new Date() }, state: { notIn: ['deleting', 'deleted'] } },
      select: { id: true, projectId: true, state: true, hostId: true },
      orderBy: { expiresAt: 'asc' },
      take: BATCH,
    });
    const ops: Operation[] = [];
    for (const vm of expired) {
      const check = checkAction('delete', vm.state);
      if (!check.ok) continue;
      const op = await beginVmOperation(this.db, { vm, kind: 'delete', via: check.via, params: { reason: 'expired' } });
      if (op) ops.push(op);
    }
    if (ops.length) {
      await this.operations.wake(ops);
      this.log.info({ count: ops.length }, 'deleting expired VMs');
    }
    return ops.length;
  }
}
