import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { Flavor, Image } from '@xenplane/db';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';
import { MAX_SIZE } from '../common/http/size-limits';
import { Optional } from '../common/http/optional';

// What ends up in an xl config: absolute paths of plain characters only (the xl driver
// validates again; this refuses nonsense at the edge).
const PATH = /^\/[A-Za-z0-9._\/-]{1,255}$/;
const CMDLINE = /^[A-Za-z0-9 ._=,:\/+-]{0,1024}$/;

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

export const GUEST_TYPES = ['pv', 'pvh', 'hvm'] as const;

export class CreateImageDto {
  @ApiProperty({ pattern: NAME_PATTERN.source }) @IsString() @Matches(NAME_PATTERN) name!: string;
  @ApiProperty({ enum: GUEST_TYPES }) @IsIn(GUEST_TYPES) guestType!: (typeof GUEST_TYPES)[number];
  @ApiProperty({ minimum: 0, maximum: 65_536 }) @IsInt() @Min(0) @Max(65_536) sizeGb!: number;
  @ApiPropertyOptional({ description: 'Kernel path in dom0 (pv, pvh)' }) @Optional() @Matches(PATH) kernel?: string;
  @ApiPropertyOptional() @Optional() @Matches(PATH) ramdisk?: string;
  @ApiPropertyOptional() @Optional() @IsString() @MaxLength(1024) @Matches(CMDLINE) cmdline?: string;
  @ApiPropertyOptional({ enum: ['pygrub'] }) @Optional() @IsIn(['pygrub']) bootloader?: string;
  @ApiPropertyOptional({ enum: ['raw', 'qcow2'], default: 'raw' })
  @Optional()
  @IsIn(['raw', 'qcow2'])
  diskFormat?: string;
  @ApiPropertyOptional({ description: 'Disk image path in dom0 to copy for each VM' })
  @Optional()
  @Matches(PATH)
  source?: string;
}

export class ImageView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: GUEST_TYPES }) guestType!: string;
  @ApiProperty() sizeGb!: number;
  @ApiPropertyOptional() kernel?: string;
  @ApiPropertyOptional() ramdisk?: string;
  @ApiPropertyOptional() cmdline?: string;
  @ApiPropertyOptional() bootloader?: string;
  @ApiProperty() diskFormat!: string;
  @ApiPropertyOptional() source?: string;
}

export const presentFlavor = (f: Flavor): FlavorView => ({
  id: f.id,
  name: f.name,
  vcpus: f.vcpus,
  memoryMb: f.memoryMb,
  diskGb: f.diskGb,
});

export const presentImage = (i: Image): ImageView => ({
  id: i.id,
  name: i.name,
  guestType: i.guestType,
  sizeGb: i.sizeGb,
  ...(i.kernel ? { kernel: i.kernel } : {}),
  ...(i.ramdisk ? { ramdisk: i.ramdisk } : {}),
  ...(i.cmdline ? { cmdline: i.cmdline } : {}),
  ...(i.bootloader ? { bootloader: i.bootloader } : {}),
  diskFormat: i.diskFormat,
  ...(i.source ? { source: i.source } : {}),
});
