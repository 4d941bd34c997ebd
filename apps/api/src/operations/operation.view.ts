import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Operation } from '@xenplane/db';
import { type HostTried, OPERATION_KINDS, OPERATION_STATUSES } from '@xenplane/domain';

class OperationErrorView {
  @ApiProperty({ example: 'no_valid_host' }) code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'e.g. hosts removed per placement filter',
  })
  details?: unknown;
}

class HostTriedView {
  @ApiProperty({ format: 'uuid' }) hostId!: string;
  @ApiProperty() hostName!: string;
  @ApiProperty({
    enum: ['refused', 'unreachable', 'timeout', 'other'],
    description:
      'refused: its toolstack said no; unreachable: no connection, or it broke; timeout: no answer, and the host stopped answering heartbeats',
  })
  failure!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class OperationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: OPERATION_KINDS }) kind!: string;
  @ApiProperty({ enum: OPERATION_STATUSES }) status!: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiPropertyOptional({ description: 'the step the operation last completed' }) step?: string;
  @ApiPropertyOptional({ format: 'uuid' }) vmId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) hostId?: string;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({
    description:
      "The correlation id of the request that asked for it (its X-Correlation-Id), or of the control plane's work that started it: every log line of its work, in every process, carries it",
  })
  correlationId?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: "The token that asked for it (none for the control plane's own: TTL expiry, HA restarts)",
  })
  requestedBy?: string;
  @ApiPropertyOptional({ description: "That token's name (in the answers of /v1/operations)" })
  requestedByName?: string;
  @ApiPropertyOptional({
    type: [HostTriedView],
    description: 'Hosts a build was placed on and left, in order, and why',
  })
  hostsTried?: HostTriedView[];
  @ApiPropertyOptional({ type: OperationErrorView }) error?: OperationErrorView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ format: 'date-time' }) startedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) finishedAt?: string;
}

export class OperationPage {
  @ApiProperty({ type: [OperationView] }) items!: OperationView[];
  @ApiPropertyOptional() nextCursor?: string;
}

export function presentOperation(op: Operation): OperationView {
  return {
    id: op.id,
    kind: op.kind,
    status: op.status,
    progress: op.progress,
    ...(op.step ? { step: op.step } : {}),
    ...(op.vmId ? { vmId: op.vmId } : {}),
    ...(op.hostId ? { hostId: op.hostId } : {}),
    attempts: op.attempts,
    ...(op.correlationId ? { correlationId: op.correlationId } : {}),
    ...(op.requestedBy ? { requestedBy: op.requestedBy } : {}),
    ...hostsTriedOf(op),
    ...(op.errorCode
      ? {
          error: {
            code: op.errorCode,
            message: op.errorMessage ?? '',
            ...(op.errorDetails !== null ? { details: op.errorDetails } : {}),
          },
        }
      : {}),
    createdAt: op.createdAt.toISOString(),
    ...(op.startedAt ? { startedAt: op.startedAt.toISOString() } : {}),
    ...(op.finishedAt ? { finishedAt: op.finishedAt.toISOString() } : {}),
  };
}

/** The view with the name of the token that asked, when `names` knows it. */
export function withRequesterName(view: OperationView, names: ReadonlyMap<string, string>): OperationView {
  const name = view.requestedBy ? names.get(view.requestedBy) : undefined;
  return name === undefined ? view : { ...view, requestedByName: name };
}

function hostsTriedOf(op: Operation): { hostsTried?: HostTried[] } {
  const tried = (op.params as { tried?: HostTried[] } | null)?.tried;
  return Array.isArray(tried) && tried.length ? { hostsTried: tried } : {};
}
