import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsNumber, IsObject, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { Pool } from '@xenplane/db';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';

export class PoolSettingsDto {
  @ApiPropertyOptional({ minimum: 0.1, maximum: 64, default: 4 }) @IsOptional() @IsNumber() @Min(0.1) @Max(64) cpuAllocationRatio?: number;
  @ApiPropertyOptional({ minimum: 0.1, maximum: 4, default: 1 }) @IsOptional() @IsNumber() @Min(0.1) @Max(4) ramAllocationRatio?: number;
  @ApiPropertyOptional({ minimum: 0.1, maximum: 16, default: 1 }) @IsOptional() @IsNumber() @Min(0.1) @Max(16) diskAllocationRatio?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 100, default: 0 }) @IsOptional() @IsInt() @Min(0) @Max(100) haHostFailuresToTolerate?: number;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() requireCpuCompatibility?: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Weigher settings, see docs/placement.md' })
  @IsOptional()
  @IsObject()
  placementWeights?: Record<string, unknown>;
}

export class CreatePoolDto extends PoolSettingsDto {
  @ApiProperty({ pattern: NAME_PATTERN.source }) @IsString() @Matches(NAME_PATTERN) name!: string;
}

export class PoolView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() cpuAllocationRatio!: number;
  @ApiProperty() ramAllocationRatio!: number;
  @ApiProperty() diskAllocationRatio!: number;
  @ApiProperty() haHostFailuresToTolerate!: number;
  @ApiProperty() requireCpuCompatibility!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) placementWeights!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export const presentPool = (p: Pool): PoolView => ({
  id: p.id,
  name: p.name,
  cpuAllocationRatio: p.cpuAllocationRatio,
  ramAllocationRatio: p.ramAllocationRatio,
  diskAllocationRatio: p.diskAllocationRatio,
  haHostFailuresToTolerate: p.haHostFailuresToTolerate,
  requireCpuCompatibility: p.requireCpuCompatibility,
  placementWeights: p.placementWeights as Record<string, unknown>,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});
