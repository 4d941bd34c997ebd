import { ApiHideProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsString, IsUUID, Matches } from 'class-validator';
import { commaList, VM_STATES, type VmState } from '@xenplane/domain';
import { IsStringMap } from '../../common/http/is-string-map';
import { Optional } from '../../common/http/optional';
import { PageQuery } from '../../common/http/page-query';
import { NAME_PATTERN } from './create-vm.dto';

export class ListVmsQuery extends PageQuery {
  @ApiPropertyOptional({
    enum: VM_STATES,
    isArray: true,
    description:
      'VMs in any of these states: repeated (`state=a&state=b`) or a comma list; all but `deleted` when absent',
  })
  @Optional()
  @Transform(({ value }) => commaList(value))
  @IsArray()
  @ArrayMaxSize(VM_STATES.length)
  @IsIn(VM_STATES, { each: true })
  state?: VmState[];

  @ApiPropertyOptional({ description: 'the VM with exactly this name', example: 'ci-runner-1' })
  @Optional()
  @IsString()
  @Matches(NAME_PATTERN, { message: 'must be a VM name (1-63 letters, digits, dots, dashes or underscores)' })
  name?: string;

  @ApiPropertyOptional({ description: 'VMs whose name starts with this', example: 'ci-runner-' })
  @Optional()
  @IsString()
  @Matches(NAME_PATTERN, { message: 'must be the start of a VM name (letters, digits, dots, dashes or underscores)' })
  namePrefix?: string;

  // documented by the route's @ApiQuery: OpenAPI spells a query object's style there only
  @ApiHideProperty()
  @Optional()
  @IsStringMap()
  metadata?: Record<string, string>;

  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID()
  poolId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'VMs of this project (global tokens; a project token may name only its own, which it lists anyway)',
  })
  @Optional()
  @IsUUID()
  projectId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'VMs placed on this host (global tokens only)' })
  @Optional()
  @IsUUID()
  hostId?: string;
}
