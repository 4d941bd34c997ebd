import { Inject, Injectable } from '@nestjs/common';
import {
  beginOperation,
  type BegunOperation,
  type BuiltVm,
  DB,
  type Db,
  type DeletedVm,
  finishBuiltVms,
  finishDeletedVms,
  type Operation,
  operationEvent,
  type Prisma,
  recordEvents,
} from '@xenplane/db';
import { type HostTried, progressOf } from '@xenplane/domain';
import { StatementBatcher } from '../infra/statement-batcher';

type Tx = Prisma.TransactionClient;

// what beginOperation writes for the two kinds whose first step rides along with taking them up,
// and what their handlers write themselves when it did not (an operation resumed after a crash)
export const FIRST_STEPS = {
  create: { step: 'placing', progress: progressOf('create', 'placing') },
  delete: { step: 'destroying', progress: progressOf('delete', 'destroying') },
};

/**
 * Every write to an operation row: conditional on the status it expects, so two workers that
 * somehow hold the same job can never both move it, and every change leaves an event.
 */
@Injectable()
export class OperationStore {
  // the ends of concurrent creates and deletes share statements (finishBuiltVms, finishDeletedVms)
  private readonly built: StatementBatcher<BuiltVm, boolean>;
  private readonly deleted: StatementBatcher<DeletedVm, undefined>;

  constructor(@Inject(DB) private readonly db: Db) {
    this.built = new StatementBatcher((items) => finishBuiltVms(db, items));
    this.deleted = new StatementBatcher(async (items) => {
      await finishDeletedVms(db, items);
      return items.map(() => undefined);
    });
  }

  load(id: string): Promise<Operation | null> {
    return this.db.operation.findUnique({ where: { id } });
  }

  /** Takes up an operation for a worker, with a create's or a delete's first step (beginOperation). */
  begin(id: string): Promise<BegunOperation> {
    return beginOperation(this.db, id, FIRST_STEPS);
  }

  /** A create's end: VM running, operation succeeded; false when the VM had left `building`. */
  finishBuilt(b: BuiltVm): Promise<boolean> {
    return this.built.submit(b);
  }

  /** A delete's end: VM deleted, claims and quota released, operation succeeded. */
  finishDeleted(d: DeletedVm): Promise<undefined> {
    return this.deleted.submit(d);
  }

  async step(op: Operation, step: string, tx: Tx | Db = this.db): Promise<void> {
    await tx.operation.updateMany({
      where: { id: op.id, status: 'running' },
      data: { step, progress: progressOf(op.kind, step) },
    });
  }

  /** Ends the operation; call inside the transaction that records what it achieved. */
  async finish(
    tx: Tx,
    op: Operation,
    outcome:
      | { status: 'succeeded' }
      | { status: 'failed' | 'cancelled'; code: string; message: string; details?: unknown },
  ): Promise<boolean> {
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

  /**
   * Ends an operation no handler here can run (a newer API's kind, met by an older scheduler):
   * failed at once rather than retried in vain; the reconciler settles a VM it left mid-state.
   */
  async abandon(op: Operation, message: string): Promise<void> {
    await this.db.$transaction((tx) => this.finish(tx, op, { status: 'failed', code: 'internal', message }));
  }

  /** The hosts a build was placed on and left (operation.params.tried, shown as hostsTried); it holds no host now. */
  async noteHostsTried(op: Operation, tried: HostTried[], tx: Tx | Db = this.db): Promise<void> {
    await tx.operation.update({ where: { id: op.id }, data: { hostId: null, params: { ...(op.params as object), tried } as unknown as Prisma.InputJsonObject } });
  }

  /** An HA restart with no room for its VM now: it waits, visibly, and is tried again by itself. */
  async waitingForCapacity(op: Operation, why: string): Promise<void> {
    await this.db.operation.updateMany({
      where: { id: op.id, status: 'running' },
      data: { step: 'waiting_for_capacity', progress: progressOf(op.kind, 'waiting_for_capacity'), errorMessage: `waiting for capacity: ${why}`.slice(0, 2000) },
    });
  }

  /** Counts a failed attempt and remembers why, while the job waits for its next one. */
  async noteRetry(op: Operation, message: string): Promise<void> {
    await this.db.operation.updateMany({
      where: { id: op.id, status: 'running' },
      data: { attempts: { increment: 1 }, errorMessage: `retrying after: ${message}`.slice(0, 2000) },
    });
  }
}
