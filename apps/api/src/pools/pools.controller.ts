import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  HostRepository,
  OperationRepository,
  PoolRepository,
  PoolUsageRepository,
  type Prisma,
  VmRepository,
} from '@xenplane/db';
import { notFound } from '../common/errors/api-errors';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { readPage } from '../common/http/cursor';
import { NamedPageQuery } from '../common/http/page-query';
import { PageOf } from '../common/http/page-view';
import { uniquely } from '../common/http/unique';
import { CreatePoolDto, livenessAfter, PoolSettingsDto, PoolView, presentPool } from './pool.dto';
import { validatePlacementWeights } from './placement-weights';
import { poolHa, PoolHaView } from './pool-ha';
import { poolUsageHistory, PoolUsageHistoryView, UsageHistoryQuery } from './pool-usage';

@ApiTags('pools')
@Controller('v1/pools')
export class PoolsController {
  constructor(
    private readonly pools: PoolRepository,
    private readonly hosts: HostRepository,
    private readonly vms: VmRepository,
    private readonly operations: OperationRepository,
    private readonly usage: PoolUsageRepository,
  ) {}

  @Post()
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: PoolView })
  @ApiProblems([409, 'conflict'])
  async create(@Body() dto: CreatePoolDto) {
    const data = {
      ...dto,
      ...livenessAfter(undefined, dto),
      placementWeights: validatePlacementWeights(dto.placementWeights) as Prisma.InputJsonValue,
    };
    return presentPool(await uniquely(`pool name ${dto.name}`, () => this.pools.create(data)));
  }

  @Get()
  @ApiOkResponse({ type: PageOf(PoolView) })
  @ApiProblems()
  list(@Query() q: NamedPageQuery) {
    const filter = q.name !== undefined ? { name: q.name } : {};
    return readPage(
      q,
      (after, take) => this.pools.listPage(filter, after, take),
      (rows) => rows.map(presentPool),
    );
  }

  @Get(':id/ha')
  @ApiOkResponse({
    type: PoolHaView,
    description: 'The failures the pool tolerates now, its protected VMs, its hosts by liveness and its HA restarts',
  })
  @ApiProblems([404, 'not_found'])
  ha(@Param('id', new ParseUUIDPipe()) id: string) {
    return poolHa({ pools: this.pools, hosts: this.hosts, vms: this.vms, operations: this.operations }, id);
  }

  @Get(':id/usage-history')
  @ApiOkResponse({
    type: PoolUsageHistoryView,
    description:
      "The pool's capacity and usage per resource over a window (the last day by default), as the scheduler sampled them, downsampled to 500 points at most",
  })
  @ApiProblems([404, 'not_found'])
  usageHistory(@Param('id', new ParseUUIDPipe()) id: string, @Query() q: UsageHistoryQuery) {
    return poolUsageHistory({ pools: this.pools, usage: this.usage }, id, q);
  }

  @Patch(':id')
  @ApiOkResponse({ type: PoolView })
  @ApiProblems([404, 'not_found'])
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: PoolSettingsDto) {
    const current = await this.pools.find(id);
    if (!current) throw notFound('pool', id);
    const { placementWeights, ...rest } = dto;
    // schedulers' capacity caches re-read pools on every refresh: a new ratio applies at once
    const pool = await this.pools.update(id, {
      ...rest,
      ...livenessAfter(current, dto),
      ...(placementWeights
        ? { placementWeights: validatePlacementWeights(placementWeights) as Prisma.InputJsonValue }
        : {}),
    });
    return presentPool(pool);
  }
}
