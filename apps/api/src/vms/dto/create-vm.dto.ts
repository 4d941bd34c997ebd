import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  MAX_DATA_DISKS,
  MAX_SSH_KEY_LENGTH,
  MAX_SSH_KEYS,
  MAX_VM_NETWORKS,
  USER_DATA_MAX_BYTES,
} from '@xenplane/domain';
import { IsStringMap } from '../../common/http/is-string-map';
import { Optional } from '../../common/http/optional';
import { MAX_BATCH, MAX_DATA_DISK_GB } from '../../common/http/size-limits';

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const HA_PRIORITIES = ['high', 'medium', 'low', 'none'] as const;
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

/** A data disk a VM is created with: blank, of a size. */
export class DataDiskDto {
  @ApiProperty({ minimum: 1, maximum: MAX_DATA_DISK_GB, example: 20, description: 'Its size in GiB' })
  @IsInt()
  @Min(1)
  @Max(MAX_DATA_DISK_GB)
  sizeGb!: number;
}

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

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_BATCH,
    default: 1,
    description: 'All or none are accepted against quota',
  })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH)
  count?: number;

  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID()
  poolId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID()
  serverGroupId?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_VM_NETWORKS,
    example: ['lan'],
    description:
      'Networks by name or id, one vif and address on each, in this order. Absent: the default network of the pool ' +
      '(without poolId: of the only pool that has one, which the VM then lives in). [] for none. A VM lives in its networks’ pool.',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_VM_NETWORKS)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(64, { each: true })
  networks?: string[];

  @ApiPropertyOptional({
    type: [DataDiskDto],
    maxItems: MAX_DATA_DISKS,
    example: [{ sizeGb: 20 }],
    description:
      'Blank data disks besides the root disk (the flavor’s disk, a copy-on-write clone of the image when it has ' +
      'content), in this order: xvdb, xvdc, ... (hvm: hdb, hdc, then xvde, ...). They count in the VM’s diskGb, ' +
      'so in the quota and on its host',
  })
  @Optional()
  @ValidateNested({ each: true })
  @Type(() => DataDiskDto)
  @ArrayMaxSize(MAX_DATA_DISKS)
  // the last one declared is checked first: "must be an array" before what an array must hold
  @IsArray()
  disks?: DataDiskDto[];

  @ApiPropertyOptional({ enum: HA_PRIORITIES, default: 'none' })
  @Optional()
  @IsIn(HA_PRIORITIES)
  haPriority?: (typeof HA_PRIORITIES)[number];

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_TTL_SECONDS,
    description: 'The VM is deleted this many seconds after creation',
  })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(MAX_TTL_SECONDS)
  ttlSeconds?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { ci_job: '1234' } })
  @Optional()
  @IsStringMap()
  metadata?: Record<string, string>;

  @ApiPropertyOptional({
    maxLength: 65536,
    description:
      `cloud-init user-data, passed to the guest as is through its config drive: at most ${USER_DATA_MAX_BYTES} ` +
      'bytes (UTF-8). Never shown back (the VM shows userDataBytes), never logged',
  })
  @Optional()
  @IsString()
  @MaxLength(65536)
  userData?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_SSH_KEYS,
    description:
      `What cloud-init installs for the guest's default user: each entry an OpenSSH public key ` +
      `(\`ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|384|521 <base64> [comment]\`, rsa of 2048 bits or more) or the ` +
      `name of one of the project's keypairs`,
    example: ['ci-key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... alice@laptop'],
  })
  @Optional()
  @ArrayMaxSize(MAX_SSH_KEYS)
  @IsString({ each: true })
  @MaxLength(MAX_SSH_KEY_LENGTH, { each: true })
  // the last one declared is checked first: "must be an array" before what an array must hold
  @IsArray()
  sshKeys?: string[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Global tokens only: the project to create in (default: the admin project)',
  })
  @Optional()
  @IsUUID()
  projectId?: string;
}
