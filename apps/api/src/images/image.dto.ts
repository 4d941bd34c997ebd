import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import type { Image } from '@xenplane/db';
import { Optional } from '../common/http/optional';
import { NamedPageQuery } from '../common/http/page-query';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';

// What ends up in an xl config: absolute paths of plain characters only (the xl driver
// validates again; this refuses nonsense at the edge).
const PATH = /^\/[A-Za-z0-9._\/-]{1,255}$/;
const CMDLINE = /^[A-Za-z0-9 ._=,:\/+-]{0,1024}$/;

export const GUEST_TYPES = ['pv', 'pvh', 'hvm'] as const;
/** Formats a client may name: anything but raw is refused with how to convert it (422). */
export const DISK_FORMATS = ['raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx'] as const;

export class CreateImageDto {
  @ApiProperty({ pattern: NAME_PATTERN.source }) @IsString() @Matches(NAME_PATTERN) name!: string;
  @ApiProperty({ enum: GUEST_TYPES }) @IsIn(GUEST_TYPES) guestType!: (typeof GUEST_TYPES)[number];
  @ApiPropertyOptional({
    enum: DISK_FORMATS,
    default: 'raw',
    description: 'Only raw is uploaded: convert others first (`qemu-img convert -O raw`)',
  })
  @Optional()
  @IsIn(DISK_FORMATS)
  diskFormat?: string;
  @ApiPropertyOptional({ description: 'Kernel path in dom0 (pv, pvh)' }) @Optional() @Matches(PATH) kernel?: string;
  @ApiPropertyOptional() @Optional() @Matches(PATH) ramdisk?: string;
  @ApiPropertyOptional() @Optional() @IsString() @MaxLength(1024) @Matches(CMDLINE) cmdline?: string;
  @ApiPropertyOptional({ enum: ['pygrub'] }) @Optional() @IsIn(['pygrub']) bootloader?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Global tokens: the project whose image it is (none: a public image). A project token makes its own project’s.',
  })
  @Optional()
  @IsUUID()
  projectId?: string;
}

export class ListImagesQuery extends NamedPageQuery {
  @ApiPropertyOptional({ enum: ['pending', 'active'] })
  @Optional()
  @IsIn(['pending', 'active'])
  status?: 'pending' | 'active';

  @ApiPropertyOptional({ enum: ['public', 'project'], description: 'public images, or projects’ own' })
  @Optional()
  @IsIn(['public', 'project'])
  visibility?: 'public' | 'project';

  @ApiPropertyOptional({ format: 'uuid', description: 'One project’s images (global tokens)' })
  @Optional()
  @IsUUID()
  projectId?: string;
}

export class ImageView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: GUEST_TYPES }) guestType!: string;
  @ApiProperty({ enum: ['public', 'project'] }) visibility!: 'public' | 'project';
  @ApiPropertyOptional({ format: 'uuid', description: 'The project whose image it is (none: public)' })
  projectId?: string;
  @ApiProperty({
    enum: ['pending', 'active'],
    description: 'pending until its content is uploaded (PUT /v1/images/:id/file)',
  })
  status!: string;
  @ApiProperty({ description: 'GiB, rounded up (its content’s, once uploaded)' }) sizeGb!: number;
  @ApiPropertyOptional({ description: 'Bytes of its content, once uploaded' }) sizeBytes?: number;
  @ApiPropertyOptional({ description: 'Lowercase hex sha256 of its content, once uploaded' }) sha256?: string;
  @ApiPropertyOptional({ format: 'date-time' }) uploadedAt?: string;
  @ApiPropertyOptional() kernel?: string;
  @ApiPropertyOptional() ramdisk?: string;
  @ApiPropertyOptional() cmdline?: string;
  @ApiPropertyOptional() bootloader?: string;
  @ApiProperty() diskFormat!: string;
  @ApiPropertyOptional({ description: 'A disk image path in dom0 (seeded images)' }) source?: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export const presentImage = (i: Image): ImageView => ({
  id: i.id,
  name: i.name,
  guestType: i.guestType,
  visibility: i.projectId ? 'project' : 'public',
  ...(i.projectId ? { projectId: i.projectId } : {}),
  status: i.status,
  sizeGb: i.sizeGb,
  ...(i.sizeBytes !== null ? { sizeBytes: Number(i.sizeBytes) } : {}),
  ...(i.sha256 ? { sha256: i.sha256 } : {}),
  ...(i.uploadedAt ? { uploadedAt: i.uploadedAt.toISOString() } : {}),
  ...(i.kernel ? { kernel: i.kernel } : {}),
  ...(i.ramdisk ? { ramdisk: i.ramdisk } : {}),
  ...(i.cmdline ? { cmdline: i.cmdline } : {}),
  ...(i.bootloader ? { bootloader: i.bootloader } : {}),
  diskFormat: i.diskFormat,
  ...(i.source ? { source: i.source } : {}),
  createdAt: i.createdAt.toISOString(),
});
