import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { PageQuery } from '../../common/http/page-query';
import { NAME_PATTERN } from '../dto/create-vm.dto';

export class CreateSnapshotDto {
  @ApiProperty({
    example: 'before-upgrade',
    pattern: NAME_PATTERN.source,
    description: 'Unique among the VM’s snapshots',
  })
  @IsString()
  @Matches(NAME_PATTERN, {
    message: 'must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit',
  })
  name!: string;
}

export class ListSnapshotsQuery extends PageQuery {}
