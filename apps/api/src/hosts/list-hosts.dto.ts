import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsUUID } from 'class-validator';
import { commaList, HOST_STATES, type HostState } from '@xenplane/domain';
import { Optional } from '../common/http/optional';
import { NamedPageQuery } from '../common/http/page-query';

export class ListHostsQuery extends NamedPageQuery {
  @ApiPropertyOptional({
    enum: HOST_STATES,
    isArray: true,
    description: 'hosts in any of these states: repeated (`state=a&state=b`) or a comma list',
  })
  @Optional()
  @Transform(({ value }) => commaList(value))
  @IsArray()
  @ArrayMaxSize(HOST_STATES.length)
  @IsIn(HOST_STATES, { each: true })
  state?: HostState[];

  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID()
  poolId?: string;
}
