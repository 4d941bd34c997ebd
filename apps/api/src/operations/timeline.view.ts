import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type Timeline, TIMELINE_SIDES } from '@xenplane/domain';

const SIDE = {
  enum: TIMELINE_SIDES,
  description: 'api: the request to its commit; queue: waiting for a worker; scheduler; agent: on the host',
};

class TimelineStepView {
  @ApiProperty({ example: 'placement', description: 'docs/TRACING.md lists the steps' }) name!: string;
  @ApiProperty(SIDE) side!: string;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ minimum: 0, description: 'milliseconds, to the microsecond' }) durationMs!: number;
  @ApiProperty({ description: "milliseconds from the timeline's start (an agent's clock may differ a little)" })
  offsetMs!: number;
  @ApiProperty({ minimum: 0, description: '0 for a top-level step, 1 for a step inside it, ...' }) depth!: number;
  @ApiProperty({ description: "the span's id in the operation's trace" }) spanId!: string;
  @ApiPropertyOptional({ description: 'the step this one ran inside' }) parentSpanId?: string;
  @ApiProperty() failed!: boolean;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'e.g. host.id, claim.result, xl.subcommand, xl.exit_code',
  })
  attributes!: Record<string, unknown>;
}

class SideTotalView {
  @ApiProperty(SIDE) side!: string;
  @ApiProperty({ description: "milliseconds inside the side's outermost steps" }) ms!: number;
}

class TimelineGapView {
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty() durationMs!: number;
  @ApiPropertyOptional({ description: 'the top-level step before it' }) after?: string;
  @ApiPropertyOptional({ description: 'the top-level step after it' }) before?: string;
}

export class OperationTimelineView {
  @ApiProperty({ format: 'uuid' }) operationId!: string;
  @ApiProperty() status!: string;
  @ApiPropertyOptional({ description: 'the trace all its steps belong to (the first one recorded)' }) traceId?: string;
  @ApiPropertyOptional() correlationId?: string;
  @ApiProperty({ format: 'date-time', description: "the request's arrival, or the operation's creation" })
  startedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'its end, or now while it runs' }) endedAt!: string;
  @ApiProperty() wallMs!: number;
  @ApiProperty({ type: [TimelineStepView], description: 'depth first: each step followed by the steps inside it' })
  steps!: TimelineStepView[];
  @ApiProperty({ type: [SideTotalView] }) totals!: SideTotalView[];
  @ApiProperty({ type: [TimelineGapView], description: 'time no top-level step covers' }) gaps!: TimelineGapView[];
  @ApiProperty() unaccountedMs!: number;
}

/** The timeline as the API answers it: times as ISO strings, durations rounded to the microsecond. */
export function presentTimeline(
  op: { id: string; status: string; correlationId: string | null },
  t: Timeline,
  traceId: string | undefined,
): OperationTimelineView {
  const ms = (n: number) => Math.round(n * 1000) / 1000;
  return {
    operationId: op.id,
    status: op.status,
    ...(traceId ? { traceId } : {}),
    ...(op.correlationId ? { correlationId: op.correlationId } : {}),
    startedAt: t.startedAt.toISOString(),
    endedAt: t.endedAt.toISOString(),
    wallMs: ms(t.wallMs),
    steps: t.steps.map((s) => ({
      name: s.name,
      side: s.side,
      startedAt: s.startedAt.toISOString(),
      durationMs: ms(s.durationMs),
      offsetMs: ms(s.offsetMs),
      depth: s.depth,
      spanId: s.spanId,
      ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
      failed: s.failed,
      attributes: s.attributes,
    })),
    totals: t.totals.map((x) => ({ side: x.side, ms: ms(x.ms) })),
    gaps: t.gaps.map((g) => ({
      startedAt: g.startedAt.toISOString(),
      durationMs: ms(g.durationMs),
      ...(g.after ? { after: g.after } : {}),
      ...(g.before ? { before: g.before } : {}),
    })),
    unaccountedMs: ms(t.unaccountedMs),
  };
}
