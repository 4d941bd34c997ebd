import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';
import { VM_STATES } from '@xenplane/domain';
import { PageQuery } from '../../common/http/page-query';
import { Optional } from '../../common/http/optional';

export class ListVmsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: VM_STATES })
  @Optional()
  @IsIn(VM_STATES)
  state?: (typeof VM_STATES)[number];

  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID()
  poolId?: string;
}
