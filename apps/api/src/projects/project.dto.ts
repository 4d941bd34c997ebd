import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import type { Project } from '@xenplane/db';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';
import { Optional } from '../common/http/optional';
import { MAX_QUOTA } from '../common/http/size-limits';

export class QuotaDto {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_QUOTA.instances })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA.instances)
  instances?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_QUOTA.vcpus })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA.vcpus)
  vcpus?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_QUOTA.memoryMb })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA.memoryMb)
  memoryMb?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_QUOTA.diskGb })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA.diskGb)
  diskGb?: number;
}

export class CreateProjectDto {
  @ApiProperty({ pattern: NAME_PATTERN.source })
  @IsString()
  @Matches(NAME_PATTERN)
  name!: string;

  @ApiPropertyOptional({ type: QuotaDto })
  @Optional()
  @ValidateNested()
  @Type(() => QuotaDto)
  quota?: QuotaDto;
}

export class UpdateProjectDto {
  @ApiPropertyOptional({ type: QuotaDto })
  @Optional()
  @ValidateNested()
  @Type(() => QuotaDto)
  quota?: QuotaDto;
}

class QuotaView {
  @ApiProperty() instances!: number;
  @ApiProperty() vcpus!: number;
  @ApiProperty() memoryMb!: number;
  @ApiProperty() diskGb!: number;
}

export class ProjectView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: QuotaView }) quota!: QuotaView;
  @ApiProperty({ type: QuotaView }) usage!: QuotaView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function presentProject(p: Project): ProjectView {
  return {
    id: p.id,
    name: p.name,
    quota: { instances: p.quotaInstances, vcpus: p.quotaVcpus, memoryMb: p.quotaMemoryMb, diskGb: p.quotaDiskGb },
    usage: { instances: p.usedInstances, vcpus: p.usedVcpus, memoryMb: p.usedMemoryMb, diskGb: p.usedDiskGb },
    createdAt: p.createdAt.toISOString(),
  };
}

export function quotaColumns(q: QuotaDto | undefined) {
  return {
    ...(q?.instances !== undefined ? { quotaInstances: q.instances } : {}),
    ...(q?.vcpus !== undefined ? { quotaVcpus: q.vcpus } : {}),
    ...(q?.memoryMb !== undefined ? { quotaMemoryMb: q.memoryMb } : {}),
    ...(q?.diskGb !== undefined ? { quotaDiskGb: q.diskGb } : {}),
  };
}
