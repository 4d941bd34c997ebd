import type { Db } from '../client';
import type { Operation, Snapshot, SnapshotState } from '../generated/prisma/client';
import { startSnapshotOperation, type SnapshotStartOutcome, type StartSnapshotOperation } from '../snapshot-operations';
import { createClone, type CloneOutcome, type CloneRequest } from '../vm-clone';
import { finishOperation, type OperationOutcome } from './operation.repository';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

/** What an operation's end does to its snapshot: a new state (and size), or the row removed. */
export type SnapshotEnd = { state: SnapshotState; sizeBytes?: bigint } | 'removed';

/** Every read and write of a VM's snapshots, and the clone of a VM (which copies its disks as they are). */
export class SnapshotRepository {
  constructor(private readonly db: Db) {}

  /** A page of a VM's snapshots, newest first, after the cursor: `take` rows at most. */
  listPage(vmId: string, after: PageCursor | undefined, take: number): Promise<Snapshot[]> {
    return this.db.snapshot.findMany({ where: { vmId, ...afterPage(after) }, orderBy: NEWEST_FIRST, take });
  }

  find(vmId: string, id: string): Promise<Snapshot | null> {
    return this.db.snapshot.findFirst({ where: { id, vmId } });
  }

  /** Starts a snapshot, revert or snapshot delete with its snapshot's change (libs/db startSnapshotOperation). */
  start(s: StartSnapshotOperation): Promise<SnapshotStartOutcome> {
    return startSnapshotOperation(this.db, s);
  }

  /** A clone of a stopped VM with its claim, addresses, disks and operation (libs/db createClone). */
  createClone(c: CloneRequest): Promise<CloneOutcome> {
    return createClone(this.db, c);
  }

  /**
   * Ends a snapshot operation and its snapshot's part in it, in one transaction; the snapshot
   * changes only if the operation was still open (a second end changes nothing).
   */
  end(op: Operation, snapshotId: string, snapshot: SnapshotEnd, outcome: OperationOutcome): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const ended = await finishOperation(tx, op, outcome);
      if (!ended) return false;
      if (snapshot === 'removed') await tx.snapshot.deleteMany({ where: { id: snapshotId } });
      else
        await tx.snapshot.updateMany({
          where: { id: snapshotId },
          data: {
            state: snapshot.state,
            ...(snapshot.sizeBytes !== undefined ? { sizeBytes: snapshot.sizeBytes } : {}),
          },
        });
      return true;
    });
  }
}
