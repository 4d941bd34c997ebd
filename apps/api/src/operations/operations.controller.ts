import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { ListOperationsQuery } from './operation.dto';
import { OperationPage, OperationView } from './operation.view';
import { OperationsService } from './operations.service';
import { OperationTimelineView } from './timeline.view';

const Id = () => Param('id', new ParseUUIDPipe());

@ApiTags('operations')
@Controller('v1/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Get()
  @ApiOkResponse({ type: OperationPage })
  @ApiProblems()
  list(@Caller() p: Principal, @Query() q: ListOperationsQuery) {
    return this.operations.list(p, q);
  }

  @Get(':id')
  @ApiOkResponse({ type: OperationView })
  @ApiProblems([404, 'not_found'])
  get(@Caller() p: Principal, @Id() id: string) {
    return this.operations.get(p, id);
  }

  @Get(':id/timeline')
  @ApiOkResponse({ type: OperationTimelineView })
  @ApiProblems([404, 'not_found'])
  timeline(@Caller() p: Principal, @Id() id: string) {
    return this.operations.timeline(p, id);
  }

  @Post(':id/cancel')
  // a project's operations: its members; a host's (evacuate): operators (checked in the service)
  @HttpCode(200)
  @IdempotencyHeader()
  @ApiOkResponse({ type: OperationView })
  @ApiProblems([403, 'forbidden'], [404, 'not_found'], [409, 'conflict'])
  cancel(@Caller() p: Principal, @Id() id: string) {
    return this.operations.cancel(p, id);
  }
}
