import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import type { Flavor } from '@xenplane/db';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';
import { MAX_SIZE } from '../common/http/size-limits';

export class CreateFlavorDto {
  @ApiProperty({ pattern: NAME_PATTERN.source }) @IsString() @Matches(NAME_PATTERN) name!: string;
  @ApiProperty({ minimum: 1, maximum: MAX_SIZE.vcpus }) @IsInt() @Min(1) @Max(MAX_SIZE.vcpus) vcpus!: number;
  @ApiProperty({ minimum: 32, maximum: MAX_SIZE.memoryMb })
  @IsInt()
  @Min(32)
  @Max(MAX_SIZE.memoryMb)
  memoryMb!: number;
  @ApiProperty({ minimum: 0, maximum: MAX_SIZE.diskGb }) @IsInt() @Min(0) @Max(MAX_SIZE.diskGb) diskGb!: number;
}

export class FlavorView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() vcpus!: number;
  @ApiProperty() memoryMb!: number;
  @ApiProperty() diskGb!: number;
}

export const presentFlavor = (f: Flavor): FlavorView => ({
  id: f.id,
  name: f.name,
  vcpus: f.vcpus,
  memoryMb: f.memoryMb,
  diskGb: f.diskGb,
});
