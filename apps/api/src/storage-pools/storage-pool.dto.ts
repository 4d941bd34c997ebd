import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Optional } from '../common/http/optional';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';

/** a device path under /dev of plain characters, no `..` segment: what the agent accepts (spec-validation) */
export const DEVICE_PATH = /^(?!.*\/\.\.(\/|$))\/dev\/[A-Za-z0-9._/-]{1,250}$/;

export class CreateStoragePoolDto {
  @ApiProperty({ pattern: NAME_PATTERN.source, example: 'san-1' })
  @IsString()
  @Matches(NAME_PATTERN, {
    message: 'must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit',
  })
  name!: string;

  @ApiProperty({
    enum: ['shared'],
    description: 'Only shared storage pools are made here: each pool has its local one',
  })
  @IsIn(['shared'])
  kind!: 'shared';

  @ApiProperty({
    example: '/dev/disk/by-id/scsi-36001405abcdef',
    description: 'The block device (a LUN) every host of the pool sees at this path',
  })
  @IsString()
  @MaxLength(255)
  @Matches(DEVICE_PATH, { message: 'must be a device path under /dev of letters, digits and . _ / -, with no ..' })
  devicePath!: string;

  @ApiProperty({ minimum: 1, maximum: 1_048_576, description: 'GiB of the device the control plane hands out' })
  @IsInt()
  @Min(1)
  @Max(1_048_576)
  capacityGb!: number;

  @ApiPropertyOptional({
    default: false,
    description:
      'The pool’s default storage pool: new VMs of the pool get their disks here (the previous default no longer is)',
  })
  @Optional()
  @IsBoolean()
  default?: boolean;
}
