import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsStringMap } from '../../common/http/is-string-map';

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const HA_PRIORITIES = ['high', 'medium', 'low', 'none'] as const;
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

export class CreateVmDto {
  @ApiProperty({
    example: 'ci-runner',
    pattern: NAME_PATTERN.source,
    description: 'With count > 1, VMs are named name-1, name-2, ...',
  })
  @IsString()
  @Matches(NAME_PATTERN, {
    message: 'must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit',
  })
  name!: string;

  @ApiProperty({ description: 'Flavor id or name', example: 'm1.small' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  flavor!: string;

  @ApiProperty({ description: 'Image id or name', example: 'tiny-pv' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  image!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 1, description: 'All or none are accepted against quota' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  count?: number;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  poolId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  serverGroupId?: string;

  @ApiPropertyOptional({ enum: HA_PRIORITIES, default: 'none' })
  @IsOptional()
  @IsIn(HA_PRIORITIES)
  haPriority?: (typeof HA_PRIORITIES)[number];

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_TTL_SECONDS,
    description: 'The VM is deleted this many seconds after creation',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TTL_SECONDS)
  ttlSeconds?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { ci_job: '1234' } })
  @IsOptional()
  @IsStringMap()
  metadata?: Record<string, string>;

  @ApiPropertyOptional({ maxLength: 65536 })
  @IsOptional()
  @IsString()
  @MaxLength(65536)
  userData?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Global tokens only: the project to create in (default: the admin project)',
  })
  @IsOptional()
  @IsUUID()
  projectId?: string;
}
