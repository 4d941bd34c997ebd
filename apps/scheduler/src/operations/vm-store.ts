import { Inject, Injectable } from '@nestjs/common';
import { DB, type Db, type Prisma, recordEvents, type Vm, vmStateEvent, type VmState } from '@xenplane/db';

type Tx = Prisma.TransactionClient;

/** VM state changes made by workers: conditional on the state expected, each with its event. */
@Injectable()
export class VmStore {
  constructor(@Inject(DB) private readonly db: Db) {}

  load(id: string) {
    return this.db.vm.findUnique({ where: { id }, include: { image: true } });
  }

  /** Moves the VM from `from` to `to`; false when it was not in `from` any more. */
  async move(tx: Tx | Db, vm: Vm, from: VmState | VmState[], to: VmState, data: Prisma.VmUncheckedUpdateManyInput = {}): Promise<boolean> {
    const n = await tx.vm.updateMany({
      where: { id: vm.id, state: Array.isArray(from) ? { in: from } : from },
      data: { ...data, state: to, stateChangedAt: new Date() },
    });
    if (n.count !== 1) return false;
    await recordEvents(tx, [vmStateEvent({ ...vm, state: to, hostId: (data.hostId as string | null | undefined) ?? vm.hostId })]);
    return true;
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }
}
