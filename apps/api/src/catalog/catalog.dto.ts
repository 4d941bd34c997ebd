import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { Flavor, Image } from '@xenplane/db';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';

// What ends up in an xl config: absolute paths of plain characters only (the xl driver
// validates again; this refuses nonsense at the edge).
const PATH = /^\/[A-Za-z0-9._\/-]{1,255}$/;
const CMDLINE = /^[A-Za-z0-9 ._=,:\/+-]{0,1024}$/;

export class CreateFlavorDto {
  @ApiProperty({ pattern: NAME_PATTERN.source }) @IsString() @Matches(NAME_PATTERN) name!: string;
  @ApiProperty({ minimum: 1, maximum: 512 }) @IsInt() @Min(1) @Max(512) vcpus!: number;
  @ApiProperty({ minimum: 32, maximum: 16_777_216 }) @IsInt() @Min(32) @Max(16_777_216) memoryMb!: number;
  @ApiProperty({ minimum: 0, maximum: 65_536 }) @IsInt() @Min(0) @Max(65_536) diskGb!: number;
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
  @ApiPropertyOptional({ description: 'Kernel path in dom0 (pv, pvh)' }) @IsOptional() @Matches(PATH) kernel?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(PATH) ramdisk?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1024) @Matches(CMDLINE) cmdline?: string;
  @ApiPropertyOptional({ enum: ['pygrub'] }) @IsOptional() @IsIn(['pygrub']) bootloader?: string;
  @ApiPropertyOptional({ enum: ['raw', 'qcow2'], default: 'raw' })
  @IsOptional()
  @IsIn(['raw', 'qcow2'])
  diskFormat?: string;
  @ApiPropertyOptional({ description: 'Disk image path in dom0 to copy for each VM' })
  @IsOptional()
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
