import type { StepRecord } from '@xenplane/observability';
import type { Db } from '../client';
import { prepared } from '../prepared';
import type { OperationStep } from '../generated/prisma/client';

/** Operations' timelines: steps written by the processes as they end, read by GET /v1/operations/:id/timeline. */
export class OperationStepRepository {
  constructor(private readonly db: Db) {}

  /**
   * Keeps steps of any operations in one prepared statement (every operation's steps pass here:
   * the ORM's createMany cost the scheduler more CPU than the insert); a step kept already (the
   * same span) is kept once.
   */
  async recordRows(rows: readonly { operationId: string; step: StepRecord }[]): Promise<void> {
    if (rows.length === 0) return;
    const json = JSON.stringify(
      rows.map(({ operationId, step: s }) => ({
        operation_id: operationId,
        span_id: s.spanId,
        parent_span_id: s.parentSpanId ?? null,
        trace_id: s.traceId,
        name: s.name,
        side: s.side,
        started_at: s.startedAt.toISOString(),
        duration_ms: s.durationMs,
        failed: s.failed,
        attributes: s.attributes,
      })),
    );
    await this.db.$executeRaw`${prepared('operation_steps_record')}
      INSERT INTO operation_steps (operation_id, span_id, parent_span_id, trace_id, name, side, started_at,
        duration_ms, failed, attributes)
      SELECT operation_id, span_id, parent_span_id, trace_id, name, side, started_at, duration_ms, failed, attributes
      FROM jsonb_to_recordset(${json}::jsonb) AS s(operation_id uuid, span_id text, parent_span_id text,
        trace_id text, name text, side text, started_at timestamptz, duration_ms float8, failed boolean, attributes jsonb)
      ON CONFLICT DO NOTHING`;
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
