import { Inject, Injectable } from '@nestjs/common';
import { DB, type Db, type Operation, operationEvent, type Prisma, recordEvents } from '@xenplane/db';
import { progressOf } from '@xenplane/domain';

type Tx = Prisma.TransactionClient;

/**
 * Every write to an operation row: conditional on the status it expects, so two workers that
 * somehow hold the same job can never both move it, and every change leaves an event.
 */
@Injectable()
export class OperationStore {
  constructor(@Inject(DB) private readonly db: Db) {}

  load(id: string): Promise<Operation | null> {
    return this.db.operation.findUnique({ where: { id } });
  }

  /** Another unfinished operation on the same VM was queued first: it goes first. */
  async olderOpenOnVm(op: Operation): Promise<boolean> {
    // a create is its VM's first operation: nothing can be older
    if (!op.vmId || op.kind === 'create') return false;
    const older = await this.db.operation.count({
      where: { vmId: op.vmId, status: { in: ['queued', 'running'] }, createdAt: { lt: op.createdAt }, id: { not: op.id } },
    });
    return older > 0;
  }

  /**
   * queued -> running (its event with it, in one statement); null when someone else got there
   * first (cancelled, or another worker). A running operation picked up again stays running.
   */
  async start(op: Operation): Promise<Operation | null> {
    const expected = op.status === 'queued' ? 'queued' : 'running';
    const rows = await this.db.$queryRaw<{ started_at: Date }[]>`
      WITH started AS (
        UPDATE operations SET status = 'running', started_at = coalesce(started_at, now()), updated_at = now()
        WHERE id = ${op.id}::uuid AND status = ${expected}::"OperationStatus"
        RETURNING id, project_id, kind, progress, vm_id, error_code, started_at
      ), recorded AS (
        INSERT INTO events (project_id, resource_type, resource_id, type, data)
        SELECT project_id, 'operation', id, 'operation.status',
          jsonb_build_object('kind', kind::text, 'status', 'running', 'progress', progress, 'vmId', vm_id::text, 'errorCode', error_code)
        FROM started WHERE ${expected === 'queued'}
      )
      SELECT started_at FROM started`;
    const row = rows[0];
    return row ? { ...op, status: 'running', startedAt: row.started_at } : null;
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

  /** Counts a failed attempt and remembers why, while the job waits for its next one. */
  async noteRetry(op: Operation, message: string): Promise<void> {
    await this.db.operation.updateMany({
      where: { id: op.id, status: 'running' },
      data: { attempts: { increment: 1 }, errorMessage: `retrying after: ${message}`.slice(0, 2000) },
    });
  }
}
