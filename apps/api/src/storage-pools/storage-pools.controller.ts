import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PoolRepository, StoragePoolRepository } from '@xenplane/db';
import { notFound } from '../common/errors/api-errors';
import { ApiProblems } from '../common/http/api-responses';
import { readPage } from '../common/http/cursor';
import { PageQuery } from '../common/http/page-query';
import { PageOf } from '../common/http/page-view';
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
    type: PageOf(StoragePoolView),
    description: 'The pool’s storage pools, newest first, with each host’s capacity and usage',
  })
  @ApiProblems([404, 'not_found'])
  async listInPool(@Param('id', new ParseUUIDPipe()) poolId: string, @Query() q: PageQuery) {
    if (!(await this.pools.exists(poolId))) throw notFound('pool', poolId);
    return this.page(poolId, q);
  }

  @Get('storage-pools')
  @ApiOkResponse({ type: PageOf(StoragePoolView), description: 'Every pool’s storage pools, newest first' })
  @ApiProblems()
  list(@Query() q: PageQuery) {
    return this.page(undefined, q);
  }

  private page(poolId: string | undefined, q: PageQuery) {
    return readPage(
      q,
      (after, take) => this.storagePools.listPage(poolId, after, take),
      (rows) => rows.map(presentStoragePool),
    );
  }
}
