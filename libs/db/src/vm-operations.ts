import type { Db } from './client';
import { operationEvent, recordEvents, vmStateEvent } from './events';
import type { Operation, OperationKind, Prisma, Vm, VmState } from './generated/prisma/client';

export interface BeginOperation {
  vm: Pick<Vm, 'id' | 'projectId' | 'state' | 'hostId'>;
  kind: OperationKind;
  /** the transitional state the VM enters */
  via: VmState;
  params?: Prisma.InputJsonObject;
  requestedBy?: string | null;
  correlationId?: string | null;
}

/**
 * Starts an operation on a VM: the VM enters the transitional state and the operation is
 * queued, in one transaction that only succeeds if nobody changed the VM's state meanwhile
 * (null then). A delete overtakes work still in flight on the VM: that work stops at its next
 * step. The API (tenants' actions) and the scheduler (TTL expiry) both start operations here.
 */
export async function beginVmOperation(db: Db, b: BeginOperation): Promise<Operation | null> {
  return db.$transaction(async (tx) => {
    const moved = await tx.vm.updateMany({
      where: { id: b.vm.id, state: b.vm.state },
      data: { state: b.via, stateChangedAt: new Date() },
    });
    if (moved.count !== 1) return null;
    const op = await tx.operation.create({
      data: {
        kind: b.kind,
        projectId: b.vm.projectId,
        vmId: b.vm.id,
        hostId: b.vm.hostId,
        // where the VM goes back to if the operation is cancelled before it starts
        params: { ...b.params, fromState: b.vm.state },
        correlationId: b.correlationId ?? null,
        requestedBy: b.requestedBy ?? null,
      },
    });
    if (b.kind === 'delete') {
      await tx.operation.updateMany({
        where: { vmId: b.vm.id, status: { in: ['queued', 'running'] }, id: { not: op.id } },
        data: { cancelRequested: true },
      });
    }
    await recordEvents(tx, [vmStateEvent({ ...b.vm, state: b.via }), operationEvent(op)]);
    return op;
  });
}
