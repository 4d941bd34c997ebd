import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsUUID, Matches } from 'class-validator';
import type { AuditEntry } from '@xenplane/db';
import { OUTCOME_CLASSES, type OutcomeClass } from '@xenplane/domain';
import { PageQuery } from '../common/http/page-query';
import { Optional } from '../common/http/optional';

const CHANGE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

export class ListAuditQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'rows of requests made with this token' })
  @Optional()
  @IsUUID()
  tokenId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "the caller's project, or the project a global token acted in" })
  @Optional()
  @IsUUID()
  projectId?: string;

  @ApiPropertyOptional({ example: 'vm', description: 'vm, project, token, flavor, image, pool, host, ...' })
  @Optional()
  @Matches(/^[a-z][a-z_]{0,39}$/)
  resourceType?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'rows naming this resource (the target, or one it created)' })
  @Optional()
  @IsUUID()
  resourceId?: string;

  @ApiPropertyOptional({ example: 'vm.stop', description: '<resource>.<verb>, e.g. vm.create, vm.stop, token.revoke' })
  @Optional()
  @Matches(/^[a-z][a-z_]{0,39}\.[a-z][a-z_]{0,39}$/)
  action?: string;

  @ApiPropertyOptional({ enum: CHANGE_METHODS })
  @Optional()
  @IsIn(CHANGE_METHODS)
  method?: (typeof CHANGE_METHODS)[number];

  @ApiPropertyOptional({ enum: OUTCOME_CLASSES, description: 'the class of the answer status' })
  @Optional()
  @IsIn(OUTCOME_CLASSES)
  outcome?: OutcomeClass;

  @ApiPropertyOptional({ format: 'date-time', description: 'rows at or after this time' })
  @Optional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'rows before this time' })
  @Optional()
  @IsISO8601({ strict: true })
  until?: string;
}

export class AuditEntryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time', description: 'when the answer was known' }) createdAt!: string;
  @ApiProperty({
    enum: ['token', 'enrollment', 'anonymous'],
    description: "token: a bearer token; enrollment: a host's one-time token; anonymous: no token it could name",
  })
  actorType!: string;
  @ApiPropertyOptional({ format: 'uuid' }) tokenId?: string;
  @ApiPropertyOptional() tokenName?: string;
  @ApiPropertyOptional({ enum: ['admin', 'member', 'viewer', 'operator'] }) role?: string;
  @ApiPropertyOptional({ format: 'uuid' }) projectId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'the enrollment token a host used' }) enrollmentTokenId?: string;
  @ApiProperty({ example: 'POST' }) method!: string;
  @ApiProperty({ example: '/v1/vms/:id/actions', description: 'the route template, not the URL' }) route!: string;
  @ApiProperty({ example: 'vm.stop' }) action!: string;
  @ApiProperty({ example: 'vm' }) resourceType!: string;
  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'the target the route names, and what a successful create made',
  })
  resourceIds!: string[];
  @ApiProperty({ type: [String], format: 'uuid', description: 'operations an accepted request started' })
  operationIds!: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "the request's safe fields (names, sizes, choices): never secrets, user-data or tokens",
  })
  summary!: Record<string, unknown>;
  @ApiProperty({ example: 202 }) status!: number;
  @ApiPropertyOptional({ example: 'forbidden', description: 'the problem code of a refusal' }) problemCode?: string;
  @ApiPropertyOptional() correlationId?: string;
  @ApiProperty({ example: '203.0.113.7', description: 'the client (X-Forwarded-For only from trusted proxies)' })
  sourceAddress!: string;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntryView] }) items!: AuditEntryView[];
  @ApiPropertyOptional() nextCursor?: string;
}

export function presentAuditEntry(e: AuditEntry): AuditEntryView {
  return {
    id: e.id,
    createdAt: e.createdAt.toISOString(),
    actorType: e.actorType,
    ...(e.tokenId ? { tokenId: e.tokenId } : {}),
    ...(e.tokenName !== null ? { tokenName: e.tokenName } : {}),
    ...(e.role ? { role: e.role } : {}),
    ...(e.projectId ? { projectId: e.projectId } : {}),
    ...(e.enrollmentTokenId ? { enrollmentTokenId: e.enrollmentTokenId } : {}),
    method: e.method,
    route: e.route,
    action: e.action,
    resourceType: e.resourceType,
    resourceIds: e.resourceIds,
    operationIds: e.operationIds,
    summary: (e.summary ?? {}) as Record<string, unknown>,
    status: e.status,
    ...(e.problemCode ? { problemCode: e.problemCode } : {}),
    ...(e.correlationId ? { correlationId: e.correlationId } : {}),
    sourceAddress: e.sourceAddress,
  };
}
