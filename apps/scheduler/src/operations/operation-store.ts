import { Inject, Injectable } from '@nestjs/common';
import { DB, type Db, type Operation, operationColumnsOf, operationEvent, type Prisma, recordEvents, type Vm, vmColumnsOf, vmFromRow, withoutVm } from '@xenplane/db';
import { progressOf } from '@xenplane/domain';

type Tx = Prisma.TransactionClient;

export interface BegunOperation {
  /** the operation as it now is; null when it does not exist */
  op: Operation | null;
  /** its VM as it was when the operation was taken up (read in the same statement) */
  vm: Vm | null;
  started: boolean;
  /** an older unfinished operation on the same VM goes first */
  waits: boolean;
}

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

  /**
   * Takes up an operation for a worker, in ONE statement: reads it, and moves it queued ->
   * running (its event with it) unless another unfinished operation on the same VM was queued
   * first (that one goes first; a create is its VM's first operation, nothing is older). A
   * running operation picked up again stays running. `started` is false when it is finished,
   * must wait, or another worker got there first.
   */
  async begin(id: string): Promise<BegunOperation> {
    const rows = await this.db.$queryRaw<Record<string, unknown>[]>`
      WITH current AS (
        SELECT * FROM operations WHERE id = ${id}::uuid
      ), older AS (
        SELECT 1 FROM current c
        WHERE c.kind <> 'create' AND c.vm_id IS NOT NULL AND EXISTS (
          SELECT 1 FROM operations p
          WHERE p.vm_id = c.vm_id AND p.status IN ('queued', 'running') AND p.created_at < c.created_at AND p.id <> c.id)
      ), started AS (
        UPDATE operations o SET status = 'running', started_at = coalesce(o.started_at, now()), updated_at = now()
        FROM current c
        WHERE o.id = c.id AND o.status = c.status AND c.status IN ('queued', 'running') AND NOT EXISTS (SELECT 1 FROM older)
        RETURNING o.id, o.started_at, c.status AS was
      ), recorded AS (
        INSERT INTO events (project_id, resource_type, resource_id, type, data)
        SELECT c.project_id, 'operation', c.id, 'operation.status',
          jsonb_build_object('kind', c.kind::text, 'status', 'running', 'progress', c.progress, 'vmId', c.vm_id::text, 'errorCode', c.error_code)
        FROM current c JOIN started s ON s.was = 'queued'
      )
      SELECT ${operationColumnsOf('current')}, EXISTS (SELECT 1 FROM older) AS waits, EXISTS (SELECT 1 FROM started) AS started,
        (SELECT started_at FROM started) AS "startedNow", ${vmColumnsOf('v')}
      FROM current LEFT JOIN vms v ON v.id = current.vm_id`;
    const row = rows[0];
    if (!row) return { op: null, vm: null, started: false, waits: false };
    const vm = vmFromRow(row);
    const { waits, started, startedNow, ...op } = withoutVm<Operation & { waits: boolean; started: boolean; startedNow: Date | null }>(row);
    if (!started) return { op, vm, started: false, waits };
    return { op: { ...op, status: 'running', startedAt: startedNow }, vm, started: true, waits: false };
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

  /** Counts a failed attempt and remembers why, while the job waits for its next one. */
  async noteRetry(op: Operation, message: string): Promise<void> {
    await this.db.operation.updateMany({
      where: { id: op.id, status: 'running' },
      data: { attempts: { increment: 1 }, errorMessage: `retrying after: ${message}`.slice(0, 2000) },
    });
  }
}
