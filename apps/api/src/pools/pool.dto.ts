import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsNumber, IsObject, IsString, Matches, Max, Min } from 'class-validator';
import type { Pool } from '@xenplane/db';
import { DEFAULT_LIVENESS, fenceAfterMs, type LivenessSettings, livenessProblems } from '@xenplane/domain';
import { ApiError } from '../common/errors/api-errors';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';
import { Optional } from '../common/http/optional';

export class PoolSettingsDto {
  @ApiPropertyOptional({ minimum: 0.1, maximum: 64, default: 4 })
  @Optional()
  @IsNumber()
  @Min(0.1)
  @Max(64)
  cpuAllocationRatio?: number;
  @ApiPropertyOptional({ minimum: 0.1, maximum: 4, default: 1 })
  @Optional()
  @IsNumber()
  @Min(0.1)
  @Max(4)
  ramAllocationRatio?: number;
  @ApiPropertyOptional({ minimum: 0.1, maximum: 16, default: 1 })
  @Optional()
  @IsNumber()
  @Min(0.1)
  @Max(16)
  diskAllocationRatio?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 100, default: 0 })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(100)
  haHostFailuresToTolerate?: number;
  @ApiPropertyOptional({ default: true }) @Optional() @IsBoolean() requireCpuCompatibility?: boolean;
  @ApiPropertyOptional({
    minimum: 100,
    maximum: 60_000,
    default: 2000,
    description: 'How often each host is asked for a heartbeat',
  })
  @Optional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  heartbeatIntervalMs?: number;
  @ApiPropertyOptional({
    minimum: 200,
    maximum: 600_000,
    default: 6000,
    description: 'Silent this long, a host takes no new work and its VMs show powerState unknown',
  })
  @Optional()
  @IsInt()
  @Min(200)
  @Max(600_000)
  suspectAfterMs?: number;
  @ApiPropertyOptional({
    minimum: 500,
    maximum: 3_600_000,
    default: 12000,
    description:
      'Silent this long (and unreached by its peers), a host is declared dead and its protected VMs restart elsewhere',
  })
  @Optional()
  @IsInt()
  @Min(500)
  @Max(3_600_000)
  deadAfterMs?: number;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Weigher settings: per resource (vcpus, memoryMb, diskGb) { mode: spread | pack, weight }, and softAffinity, softAntiAffinity weights',
  })
  @Optional()
  @IsObject()
  placementWeights?: Record<string, unknown>;
}

export class CreatePoolDto extends PoolSettingsDto {
  @ApiProperty({ pattern: NAME_PATTERN.source }) @IsString() @Matches(NAME_PATTERN) name!: string;
}

class LivenessView {
  @ApiProperty() heartbeatIntervalMs!: number;
  @ApiProperty() suspectAfterMs!: number;
  @ApiProperty() deadAfterMs!: number;
  @ApiProperty({
    description:
      'Derived from deadAfterMs: how long an agent cut off from the control plane and from most of its peers keeps its HA-protected VMs (docs/HA.md)',
  })
  fenceAfterMs!: number;
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
  @ApiProperty({ type: LivenessView }) liveness!: LivenessView;
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Set while more than half of the pool is silent: nobody is declared dead',
  })
  partitionedSince?: string;
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
  liveness: {
    heartbeatIntervalMs: p.heartbeatIntervalMs,
    suspectAfterMs: p.suspectAfterMs,
    deadAfterMs: p.deadAfterMs,
    fenceAfterMs: fenceAfterMs(p),
  },
  ...(p.partitionedSince ? { partitionedSince: p.partitionedSince.toISOString() } : {}),
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});

/** The pool's liveness settings after a change, refused whole if they cannot work together. */
export function livenessAfter(current: LivenessSettings | undefined, dto: PoolSettingsDto): LivenessSettings {
  const base = current ?? DEFAULT_LIVENESS;
  const next = {
    heartbeatIntervalMs: dto.heartbeatIntervalMs ?? base.heartbeatIntervalMs,
    suspectAfterMs: dto.suspectAfterMs ?? base.suspectAfterMs,
    deadAfterMs: dto.deadAfterMs ?? base.deadAfterMs,
  };
  const problems = livenessProblems(next);
  if (problems.length)
    throw new ApiError('validation_failed', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
  return next;
}
