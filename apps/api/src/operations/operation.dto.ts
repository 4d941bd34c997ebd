import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';
import { OPERATION_KINDS, OPERATION_STATUSES } from '@xenplane/domain';
import { PageQuery } from '../common/http/page-query';
import { Optional } from '../common/http/optional';

export class ListOperationsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID()
  vmId?: string;

  @ApiPropertyOptional({ enum: OPERATION_STATUSES })
  @Optional()
  @IsIn(OPERATION_STATUSES)
  status?: (typeof OPERATION_STATUSES)[number];

  @ApiPropertyOptional({ enum: OPERATION_KINDS })
  @Optional()
  @IsIn(OPERATION_KINDS)
  kind?: (typeof OPERATION_KINDS)[number];
}
