import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PoolRepository, StoragePoolRepository } from '@xenplane/db';
import { conflict, notFound } from '../common/errors/api-errors';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { readPage } from '../common/http/cursor';
import { PageQuery } from '../common/http/page-query';
import { PageOf } from '../common/http/page-view';
import { isUniqueViolation } from '../common/http/unique';
import { CreateStoragePoolDto } from './storage-pool.dto';
import { presentStoragePool, StoragePoolView } from './storage-pool.view';

/** Where VMs' disks live, and how full each host's share is: operators' and admins' view; admins add shared ones. */
@ApiTags('storage-pools')
@Controller('v1')
export class StoragePoolsController {
  constructor(
    private readonly storagePools: StoragePoolRepository,
    private readonly pools: PoolRepository,
  ) {}

  @Post('pools/:id/storage-pools')
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: StoragePoolView, description: 'The shared storage pool, its room all free' })
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  async create(@Param('id', new ParseUUIDPipe()) poolId: string, @Body() dto: CreateStoragePoolDto) {
    if (!(await this.pools.exists(poolId))) throw notFound('pool', poolId);
    try {
      const created = await this.storagePools.createShared({
        poolId,
        name: dto.name,
        devicePath: dto.devicePath,
        capacityGb: dto.capacityGb,
        isDefault: dto.default ?? false,
      });
      return presentStoragePool(created);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw conflict(
        `the pool already has a storage pool named ${dto.name}, or its default was changed meanwhile: try again`,
      );
    }
  }

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
