import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { NamedPageQuery } from '../common/http/page-query';
import { PageOf } from '../common/http/page-view';
import { CreateKeypairDto, KeypairView } from './keypair.dto';
import { KeypairsService } from './keypairs.service';

const ProjectId = () => Param('id', new ParseUUIDPipe());

// who may call these is the role matrix's (libs/domain route-access): the project's members
// (viewers list), global admins; the service answers another project's keypairs 404
@ApiTags('keypairs')
@Controller('v1/projects/:id/keypairs')
export class KeypairsController {
  constructor(private readonly keypairs: KeypairsService) {}

  @Post()
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: KeypairView })
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  create(@Caller() p: Principal, @ProjectId() id: string, @Body() dto: CreateKeypairDto) {
    return this.keypairs.create(p, id, dto);
  }

  @Get()
  @ApiOkResponse({ type: PageOf(KeypairView), description: 'Newest first' })
  @ApiProblems([404, 'not_found'])
  list(@Caller() p: Principal, @ProjectId() id: string, @Query() q: NamedPageQuery) {
    return this.keypairs.list(p, id, q);
  }

  @Delete(':keypair')
  @IdempotencyHeader()
  @HttpCode(204)
  @ApiParam({ name: 'keypair', description: "The keypair's id or name" })
  @ApiNoContentResponse({ description: 'Deleted: VMs created with it keep their key' })
  @ApiProblems([404, 'not_found'])
  delete(@Caller() p: Principal, @ProjectId() id: string, @Param('keypair') keypair: string) {
    return this.keypairs.delete(p, id, keypair);
  }
}
