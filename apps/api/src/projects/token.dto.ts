import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsString, Matches } from 'class-validator';
import type { TokenSummary } from '@xenplane/db';
import { MAX_TOKEN_LIFETIME_YEARS } from '@xenplane/domain';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';
import { Optional } from '../common/http/optional';

export const TOKEN_ROLES = ['admin', 'member', 'viewer'] as const;
export const GLOBAL_TOKEN_ROLES = ['operator', 'admin'] as const;
const ALL_ROLES = ['admin', 'member', 'viewer', 'operator'];

// a date and time with its time zone: a time without one would be read in the server's
const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export class CreateTokenDto {
  @ApiProperty({ pattern: NAME_PATTERN.source })
  @IsString()
  @Matches(NAME_PATTERN)
  name!: string;

  @ApiProperty({ enum: TOKEN_ROLES })
  @IsIn(TOKEN_ROLES)
  role!: (typeof TOKEN_ROLES)[number];

  @ApiPropertyOptional({
    format: 'date-time',
    description: `When the token stops working: in the future, at most ${MAX_TOKEN_LIFETIME_YEARS} years ahead; absent: never`,
  })
  @Optional()
  @Matches(DATE_TIME_WITH_ZONE, {
    message: 'expiresAt must be a date and time with a time zone, e.g. 2027-01-31T00:00:00Z',
  })
  // the lowest decorator is checked first: not a date at all, before a date without a time zone
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

/** A global token: an operator (the infrastructure) or an admin (everything). */
export class CreateGlobalTokenDto extends OmitType(CreateTokenDto, ['role'] as const) {
  @ApiProperty({ enum: GLOBAL_TOKEN_ROLES })
  @IsIn(GLOBAL_TOKEN_ROLES)
  role!: (typeof GLOBAL_TOKEN_ROLES)[number];
}

/** A token as listed: never its secret nor its hash. */
export class TokenView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ALL_ROLES }) role!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for global tokens' })
  projectId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The secret's first characters, to tell tokens apart; null for a secret chosen by a person",
  })
  prefix!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: never expires' })
  expiresAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Recorded every few seconds, not on every request; null: never used',
  })
  lastUsedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
}

export class CreatedTokenView extends TokenView {
  @ApiProperty({ description: 'The secret: shown once, never again' }) token!: string;
}

export function presentToken(t: TokenSummary): TokenView {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    projectId: t.projectId,
    prefix: t.prefix,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}
