import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PoolRepository, StoragePoolRepository } from '@xenplane/db';
import { notFound } from '../common/errors/api-errors';
import { ApiProblems } from '../common/http/api-responses';
import { presentStoragePool, StoragePoolView } from './storage-pool.view';

/** Where VMs' disks live, and how full each host's share is: operators' and admins' view (read-only). */
@ApiTags('storage-pools')
@Controller('v1')
export class StoragePoolsController {
  constructor(
    private readonly storagePools: StoragePoolRepository,
    private readonly pools: PoolRepository,
  ) {}

  @Get('pools/:id/storage-pools')
  @ApiOkResponse({
    type: [StoragePoolView],
    description: 'The pool’s storage pools, with each host’s capacity and usage',
  })
  @ApiProblems([404, 'not_found'])
  async listInPool(@Param('id', new ParseUUIDPipe()) poolId: string) {
    if (!(await this.pools.exists(poolId))) throw notFound('pool', poolId);
    return (await this.storagePools.listWithHosts(poolId)).map(presentStoragePool);
  }

  @Get('storage-pools')
  @ApiOkResponse({ type: [StoragePoolView], description: 'Every pool’s storage pools, by pool name' })
  @ApiProblems()
  async list() {
    return (await this.storagePools.listWithHosts()).map(presentStoragePool);
  }
}
