import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { NamedPageQuery } from '../common/http/page-query';
import { PageOf } from '../common/http/page-view';
import { CreateNetworkDto, ListNetworksQuery, NetworkView, UpdateNetworkDto } from './network.dto';
import { NetworksService } from './networks.service';

const Id = () => Param('id', new ParseUUIDPipe());

@ApiTags('networks')
@Controller('v1')
export class NetworksController {
  constructor(private readonly networks: NetworksService) {}

  @Post('pools/:id/networks')
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: NetworkView })
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  create(@Id() poolId: string, @Body() dto: CreateNetworkDto) {
    return this.networks.create(poolId, dto);
  }

  @Get('pools/:id/networks')
  @ApiOkResponse({ type: PageOf(NetworkView), description: 'Newest first' })
  @ApiProblems([404, 'not_found'])
  listInPool(@Id() poolId: string, @Query() q: NamedPageQuery) {
    return this.networks.listInPool(poolId, q);
  }

  @Get('networks')
  @ApiOkResponse({
    type: PageOf(NetworkView),
    description: 'Newest first; tenants see each network without its bridge, range and use',
  })
  @ApiProblems()
  list(@Caller() p: Principal, @Query() q: ListNetworksQuery) {
    return this.networks.list(p, q);
  }

  @Patch('networks/:id')
  @ApiOkResponse({ type: NetworkView })
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  update(@Id() id: string, @Body() dto: UpdateNetworkDto) {
    return this.networks.update(id, dto);
  }

  @Delete('networks/:id')
  @IdempotencyHeader()
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  async delete(@Id() id: string) {
    await this.networks.delete(id);
  }
}
