import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CreateVmDto } from '../vms/dto/create-vm.dto';
import { Optional } from '../common/http/optional';
import { MAX_SIZE } from '../common/http/size-limits';

export const GUEST_TYPES = ['pv', 'pvh', 'hvm'] as const;

/**
 * A hypothetical create: a flavor (or raw resources) and an image (or a guest type), with the
 * create's own count, pool, server group and HA priority (validated as a create validates them).
 */
export class DryRunDto extends PickType(CreateVmDto, ['count', 'poolId', 'serverGroupId', 'haPriority'] as const) {
  @ApiPropertyOptional({ description: 'Flavor id or name; or give vcpus, memoryMb and diskGb', example: 'm1.small' })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  flavor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SIZE.vcpus })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(MAX_SIZE.vcpus)
  vcpus?: number;

  @ApiPropertyOptional({ minimum: 16, maximum: MAX_SIZE.memoryMb })
  @Optional()
  @IsInt()
  @Min(16)
  @Max(MAX_SIZE.memoryMb)
  memoryMb?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1000000 })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  diskGb?: number;

  @ApiPropertyOptional({ description: 'Image id or name; or give guestType', example: 'tiny-pv' })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  image?: string;

  @ApiPropertyOptional({ enum: GUEST_TYPES })
  @Optional()
  @IsIn(GUEST_TYPES)
  guestType?: (typeof GUEST_TYPES)[number];

  @ApiPropertyOptional({ type: [String], description: 'Hosts to leave out (e.g. the one being drained)' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  excludeHostIds?: string[];
}

export class FilterCountView {
  @ApiProperty() filter!: string;
  @ApiProperty() removed!: number;
  @ApiProperty() reason!: string;
}

export class DryRunPlacementView {
  @ApiProperty({ format: 'uuid' }) hostId!: string;
  @ApiProperty() hostName!: string;
  @ApiProperty({ type: [String], description: 'The ranked hosts a claim would try, best first' }) candidates!: string[];
}

export class DryRunView {
  @ApiProperty({ description: 'Whether every requested VM would be placed' }) placeable!: boolean;
  @ApiProperty() hostsConsidered!: number;
  @ApiProperty({
    type: [FilterCountView],
    description: 'Per filter, how many hosts it removed and why (for the first VM, or for the one that failed)',
  })
  filters!: FilterCountView[];
  @ApiProperty({ type: [DryRunPlacementView], description: 'Where each VM would land (empty when not placeable)' })
  placements!: DryRunPlacementView[];
  @ApiPropertyOptional({ description: 'When not placeable: the index (0-based) of the first VM that fits nowhere' })
  failedIndex?: number;
}
