import { Inject, Injectable } from '@nestjs/common';
import { DB, type Db, type Image, type Prisma, recordEvents, type Vm, vmStateEvent, type VmState } from '@xenplane/db';

// images kept in memory; the oldest read goes first beyond this
const MAX_IMAGES = 1_000;

type Tx = Prisma.TransactionClient;

/** VM state changes made by workers: conditional on the state expected, each with its event. */
@Injectable()
export class VmStore {
  private readonly images = new Map<string, Image>();

  constructor(@Inject(DB) private readonly db: Db) {}

  load(id: string): Promise<Vm | null> {
    return this.db.vm.findUnique({ where: { id } });
  }

  /**
   * A VM's image, read once per scheduler: images never change once created (the API only
   * adds them), so the row a build needs is the row it was created with.
   */
  async image(id: string): Promise<Image> {
    let image = this.images.get(id);
    if (!image) {
      image = await this.db.image.findUniqueOrThrow({ where: { id } });
      if (this.images.size >= MAX_IMAGES) this.images.delete(this.images.keys().next().value!);
      this.images.set(id, image);
    }
    return image;
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
