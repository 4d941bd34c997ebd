import { type HostTried, progressOf } from '@xenplane/domain';
import { releaseAllocations } from '../claims';
import type { Db } from '../client';
import { operationEvent, recordEvents, vmStateEvent } from '../events';
import { restartsAhead } from '../failover';
import type { Operation, OperationStatus, Prisma, Vm, VmState } from '../generated/prisma/client';
import { evacuationMoves, recordEvacuationProgress } from '../host-maintenance';
import { beginOperation, type BegunOperation, type FirstStep } from '../operation-begin';
import { type BuiltVm, type DeletedVm, finishBuiltVms, finishDeletedVms } from '../operation-ends';
import { releaseQuota, vmUsage } from '../quota';
import { type BeginOperation, beginVmOperation } from '../vm-operations';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';
import { moveVm, type VmMove } from './vm.repository';

type Tx = Db | Prisma.TransactionClient;

/** How an operation ends. */
export type OperationOutcome =
  { status: 'succeeded' } | { status: 'failed' | 'cancelled'; code: string; message: string; details?: unknown };

/**
 * The VM change an operation's end carries, in the same transaction: its allocations released
 * before the move (`first`), only once it moved (`if-moved`), or not at all.
 */
export interface VmMoveAtEnd extends VmMove {
  release?: 'first' | 'if-moved';
}

/**
 * Every write to an operation row: conditional on the status it expects, so two workers that
 * somehow hold the same job can never both move it, and every change leaves an event.
 */
export class OperationRepository {
  constructor(private readonly db: Db) {}

  /** The operation, if it is the project's in scope (any project's when none). */
  findVisible(id: string, scope: { projectId?: string }): Promise<Operation | null> {
    return this.db.operation.findFirst({ where: { id, ...scope } });
  }

  /** The VM's newest operation of this kind not finished yet (queued or running), if it is in the project in scope. */
  openOfVm(vmId: string, kind: Operation['kind'], scope: { projectId?: string }): Promise<Operation | null> {
    return this.db.operation.findFirst({
      where: { vmId, kind, status: { in: ['queued', 'running'] }, ...scope },
      orderBy: NEWEST_FIRST,
    });
  }

  /** Why a VM's snapshot is in error: the last of its operations that failed, if any. */
  async lastFailureOf(vmId: string, snapshotId: string): Promise<{ code: string; message: string } | null> {
    const op = await this.db.operation.findFirst({
      where: { vmId, status: 'failed', params: { path: ['snapshotId'], equals: snapshotId } },
      orderBy: { createdAt: 'desc' },
      select: { errorCode: true, errorMessage: true },
    });
    return op ? { code: op.errorCode ?? 'internal', message: op.errorMessage ?? '' } : null;
  }

  withIds(ids: readonly string[]): Promise<Operation[]> {
    return this.db.operation.findMany({ where: { id: { in: [...ids] } } });
  }

  /** A page of operations, newest first, after the cursor: `take` rows at most. */
  listPage(
    filter: { projectId?: string; vmId?: string; status?: OperationStatus; kind?: Operation['kind'] },
    after: PageCursor | undefined,
    take: number,
  ): Promise<Operation[]> {
    return this.db.operation.findMany({
      where: {
        ...(filter.projectId ? { projectId: filter.projectId } : {}),
        ...(filter.vmId ? { vmId: filter.vmId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.kind ? { kind: filter.kind } : {}),
        ...afterPage(after),
      },
      orderBy: NEWEST_FIRST,
      take,
    });
  }

  /** Operations not finished that were created before `before`, oldest first: what the outbox checks are queued. */
  openCreatedBefore(before: Date, take: number) {
    return this.db.operation.findMany({
      where: { status: { in: ['queued', 'running'] }, createdAt: { lt: before } },
      select: { id: true, kind: true, correlationId: true, params: true },
      orderBy: { createdAt: 'asc' },
      take,
    });
  }

  /**
   * Cancels an operation no worker has started, in one transaction: it ends `cancelled` and its
   * VM goes back to `restoredState` (a cancelled create's VM is deleted, its quota and addresses given back),
   * each with its event. Conditional on `queued`: null when a worker took it up meanwhile.
   */
  cancelQueued(op: Operation, restoredState: (vm: Vm) => VmState): Promise<Operation | null> {
    return this.db.$transaction(async (tx) => {
      const now = new Date();
      const n = await tx.operation.updateMany({
        where: { id: op.id, status: 'queued' },
        data: { status: 'cancelled', finishedAt: now, errorCode: 'cancelled', errorMessage: 'cancelled by request' },
      });
      if (n.count !== 1) return null;
      const after = await tx.operation.findUniqueOrThrow({ where: { id: op.id } });
      const events = [operationEvent(after)];
      const vm = op.vmId ? await tx.vm.findUnique({ where: { id: op.vmId } }) : null;
      if (vm) {
        const restored = restoredState(vm);
        await tx.vm.update({
          where: { id: vm.id },
          data: { state: restored, stateChangedAt: now, ...(restored === 'deleted' ? { deletedAt: now } : {}) },
        });
        if (op.kind === 'create') await releaseQuota(tx, vm.projectId, vmUsage(vm));
        // a VM deleted keeps no address, whichever way it got there
        if (restored === 'deleted') await tx.vmAddress.deleteMany({ where: { vmId: vm.id } });
        events.push(vmStateEvent({ ...vm, state: restored }));
      }
      await recordEvents(tx, events);
      return after;
    });
  }

  /** Asks a running operation to stop at its next look; null when it had finished. */
  async requestCancel(id: string): Promise<Operation | null> {
    const [op] = await this.db.operation.updateManyAndReturn({
      where: { id, status: 'running' },
      data: { cancelRequested: true },
    });
    return op ?? null;
  }

  /** The pool's HA restarts not finished, counted by step and status. */
  async haRestartsByStep(poolId: string): Promise<{ step: string | null; status: string; n: number }[]> {
    const rows = await this.db.$queryRaw<{ step: string | null; status: string; n: bigint }[]>`
      SELECT step, status::text, count(*) AS n FROM operations
      WHERE kind = 'ha_restart' AND status IN ('queued', 'running') AND params->>'poolId' = ${poolId}
      GROUP BY step, status`;
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /** Every HA restart not finished, counted by what it does: queued (waiting its turn), running, waiting (no capacity). */
  async haRestartsByState(): Promise<{ state: string; n: number }[]> {
    const rows = await this.db.$queryRaw<{ state: string; n: bigint }[]>`
      SELECT CASE WHEN step = 'waiting_for_capacity' THEN 'waiting' WHEN status = 'queued' OR step IS NULL THEN 'queued' ELSE 'running' END AS state,
        count(*) AS n
      FROM operations WHERE kind = 'ha_restart' AND status IN ('queued', 'running') GROUP BY 1`;
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  find(id: string): Promise<Operation | null> {
    return this.db.operation.findUnique({ where: { id } });
  }

  /** Takes up an operation for a worker, with a create's or a delete's first step (libs/db beginOperation). */
  begin(id: string, first: { create: FirstStep; delete: FirstStep }): Promise<BegunOperation> {
    return beginOperation(this.db, id, first);
  }

  /** Creates' ends in one statement (libs/db finishBuiltVms): one flag a create, false when its VM had left `building`. */
  finishBuilt(items: readonly BuiltVm[]): Promise<boolean[]> {
    return finishBuiltVms(this.db, items);
  }

  /** Deletes' ends in one statement (libs/db finishDeletedVms). */
  finishDeleted(items: readonly DeletedVm[]): Promise<void> {
    return finishDeletedVms(this.db, items);
  }

  /** Begins an operation on a VM, moving the VM `via` its transitional state (libs/db beginVmOperation); null when it could not. */
  beginOnVm(b: BeginOperation): Promise<Operation | null> {
    return beginVmOperation(this.db, b);
  }

  async recordStep(op: Operation, step: string): Promise<void> {
    await this.db.operation.updateMany({
      where: { id: op.id, status: 'running' },
      data: { step, progress: progressOf(op.kind, step) },
    });
  }

  /** Ends the operation, with its event, in a transaction of its own; false when it had ended already. */
  end(op: Operation, outcome: OperationOutcome): Promise<boolean> {
    return this.db.$transaction((tx) => finish(tx, op, outcome));
  }

  /**
   * Ends the operation and moves its VM in one transaction. The outcome may depend on whether
   * the VM moved (a function of it); without a move (null) only the operation ends.
   */
  endWithVm(
    op: Operation,
    move: VmMoveAtEnd | null,
    outcome: OperationOutcome | ((moved: boolean) => OperationOutcome),
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const moved = move ? await moveWithRelease(tx, move) : false;
      return finish(tx, op, typeof outcome === 'function' ? outcome(moved) : outcome);
    });
  }

  /**
   * A build given up to another host, in one transaction: the VM's allocations released, the VM
   * back in `scheduling` holding no host, and the hosts tried so far noted on the operation.
   */
  async returnToScheduling(op: Operation, vm: Vm, tried: HostTried[], errorMessage: string): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await moveWithRelease(tx, {
        vm,
        from: 'building',
        to: 'scheduling',
        data: { hostId: null, domId: null, errorMessage },
        release: 'first',
      });
      await noteHostsTried(tx, op, tried);
    });
  }

  /** The hosts a build was placed on and left (operation.params.tried, shown as hostsTried); it holds no host now. */
  noteHostsTried(op: Operation, tried: HostTried[]): Promise<void> {
    return noteHostsTried(this.db, op, tried);
  }

  /** An HA restart with no room for its VM now: it waits, visibly, and is tried again by itself. */
  async waitingForCapacity(op: Operation, why: string): Promise<void> {
    await this.db.operation.updateMany({
      where: { id: op.id, status: 'running' },
      data: {
        step: 'waiting_for_capacity',
        progress: progressOf(op.kind, 'waiting_for_capacity'),
        errorMessage: `waiting for capacity: ${why}`.slice(0, 2000),
      },
    });
  }

  /** Counts a failed attempt and remembers why, while the job waits for its next one. */
  async noteRetry(op: Operation, message: string): Promise<void> {
    await this.db.operation.updateMany({
      where: { id: op.id, status: 'running' },
      data: { attempts: { increment: 1 }, errorMessage: `retrying after: ${message}`.slice(0, 2000) },
    });
  }

  /** How many HA restarts of the pool with one of these priorities wait to be placed (libs/db restartsAhead). */
  restartsAhead(poolId: string, priorities: readonly string[]): Promise<number> {
    return restartsAhead(this.db, poolId, priorities);
  }

  /** The migrate operations an evacuation started, oldest first (libs/db evacuationMoves). */
  evacuationMoves(evacuation: Pick<Operation, 'id' | 'hostId' | 'createdAt'>) {
    return evacuationMoves(this.db, evacuation);
  }

  /** An evacuation's progress, while it runs (libs/db recordEvacuationProgress). */
  recordEvacuationProgress(op: Pick<Operation, 'id'>, progress: number): Promise<void> {
    return recordEvacuationProgress(this.db, op, progress);
  }
}

/** Ends the operation, with its event, inside the caller's transaction; false when it had ended already. */
export async function finishOperation(tx: Tx, op: Operation, outcome: OperationOutcome): Promise<boolean> {
  return finish(tx, op, outcome);
}

async function finish(tx: Tx, op: Operation, outcome: OperationOutcome): Promise<boolean> {
  const rows = await tx.operation.updateManyAndReturn({
    where: { id: op.id, status: { in: ['queued', 'running'] } },
    data: {
      status: outcome.status,
      finishedAt: new Date(),
      attempts: { increment: 1 },
      ...(outcome.status === 'succeeded'
        ? { step: 'done', progress: 100, errorMessage: null }
        : {
            errorCode: outcome.code,
            errorMessage: outcome.message.slice(0, 2000),
            ...(outcome.details !== undefined ? { errorDetails: outcome.details as Prisma.InputJsonValue } : {}),
          }),
    },
  });
  const done = rows[0];
  if (done) await recordEvents(tx, [operationEvent(done)]);
  return done !== undefined;
}

async function moveWithRelease(tx: Tx, { release, ...move }: VmMoveAtEnd): Promise<boolean> {
  if (release === 'first') await releaseAllocations(tx, move.vm.id);
  const moved = await moveVm(tx, move);
  if (release === 'if-moved' && moved) await releaseAllocations(tx, move.vm.id);
  return moved;
}

async function noteHostsTried(tx: Tx, op: Operation, tried: HostTried[]): Promise<void> {
  await tx.operation.update({
    where: { id: op.id },
    data: { hostId: null, params: { ...(op.params as object), tried } as unknown as Prisma.InputJsonObject },
  });
}
