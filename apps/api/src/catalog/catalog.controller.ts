import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CatalogRepository } from '@xenplane/db';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { readPage } from '../common/http/cursor';
import { NamedPageQuery } from '../common/http/page-query';
import { PageOf } from '../common/http/page-view';
import { uniquely } from '../common/http/unique';
import { CreateFlavorDto, FlavorView, presentFlavor } from './catalog.dto';

/** Flavors: what every tenant picks from, what only admins change (images: ../images). */
@ApiTags('catalog')
@Controller('v1')
export class CatalogController {
  constructor(private readonly catalog: CatalogRepository) {}

  @Get('flavors')
  @ApiOkResponse({ type: PageOf(FlavorView) })
  @ApiProblems()
  flavors(@Query() q: NamedPageQuery) {
    const filter = q.name !== undefined ? { name: q.name } : {};
    return readPage(
      q,
      (after, take) => this.catalog.flavorPage(filter, after, take),
      (rows) => rows.map(presentFlavor),
    );
  }

  @Post('flavors')
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: FlavorView })
  @ApiProblems([409, 'conflict'])
  async createFlavor(@Body() dto: CreateFlavorDto) {
    return presentFlavor(await uniquely(`flavor name ${dto.name}`, () => this.catalog.createFlavor(dto)));
  }
}
