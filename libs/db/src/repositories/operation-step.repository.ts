import type { StepRecord } from '@xenplane/observability';
import type { Db } from '../client';
import type { OperationStep } from '../generated/prisma/client';

/** Operations' timelines: steps written by the processes as they end, read by GET /v1/operations/:id/timeline. */
export class OperationStepRepository {
  constructor(private readonly db: Db) {}

  /** Keeps steps of any operations in one statement; a step kept already (the same span) is kept once. */
  async recordRows(rows: readonly { operationId: string; step: StepRecord }[]): Promise<void> {
    await this.db.operationStep.createMany({
      data: rows.map(({ operationId, step: s }) => ({
        operationId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId ?? null,
        traceId: s.traceId,
        name: s.name,
        side: s.side,
        startedAt: s.startedAt,
        durationMs: s.durationMs,
        failed: s.failed,
        attributes: s.attributes,
      })),
      skipDuplicates: true,
    });
  }

  /** The operation's steps, in the order they began. */
  of(operationId: string): Promise<OperationStep[]> {
    return this.db.operationStep.findMany({ where: { operationId }, orderBy: { startedAt: 'asc' } });
  }

  /** Forgets steps begun before this time; how many went. */
  async deleteBefore(before: Date): Promise<number> {
    return (await this.db.operationStep.deleteMany({ where: { startedAt: { lt: before } } })).count;
  }
}
