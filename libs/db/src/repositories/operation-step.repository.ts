import type { StepRecord } from '@xenplane/observability';
import type { Db } from '../client';
import type { OperationStep } from '../generated/prisma/client';

/** Operations' timelines: steps written by the processes as they end, read by GET /v1/operations/:id/timeline. */
export class OperationStepRepository {
  constructor(private readonly db: Db) {}

  /** Keeps steps of one operation; a step kept already (the same span) is kept once. */
  record(operationId: string, steps: readonly StepRecord[]): Promise<void> {
    return this.recordEach([operationId], steps);
  }

  /** Keeps the same steps for each of several operations (the request that made them all). */
  async recordEach(operationIds: readonly string[], steps: readonly StepRecord[]): Promise<void> {
    await this.db.operationStep.createMany({
      data: operationIds.flatMap((operationId) =>
        steps.map((s) => ({
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
      ),
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
