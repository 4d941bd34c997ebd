import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Db } from '@xenplane/db';
import { Access } from '../common/auth/access.decorator';
import { invalid } from '../common/errors/api-errors';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { uniquely } from '../common/http/unique';
import { DB } from '@xenplane/db';
import { CreateFlavorDto, CreateImageDto, FlavorView, ImageView, presentFlavor, presentImage } from './catalog.dto';

/** Flavors and images: what every tenant picks from, what only admins change. */
@ApiTags('catalog')
@Controller('v1')
export class CatalogController {
  constructor(@Inject(DB) private readonly db: Db) {}

  @Get('flavors')
  @Access('viewer')
  @ApiOkResponse({ type: [FlavorView] })
  @ApiProblems()
  async flavors() {
    return (await this.db.flavor.findMany({ orderBy: [{ vcpus: 'asc' }, { memoryMb: 'asc' }] })).map(presentFlavor);
  }

  @Post('flavors')
  @Access('admin')
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: FlavorView })
  @ApiProblems([409, 'conflict'])
  async createFlavor(@Body() dto: CreateFlavorDto) {
    return presentFlavor(await uniquely(`flavor name ${dto.name}`, () => this.db.flavor.create({ data: dto })));
  }

  @Get('images')
  @Access('viewer')
  @ApiOkResponse({ type: [ImageView] })
  @ApiProblems()
  async images() {
    return (await this.db.image.findMany({ orderBy: { name: 'asc' } })).map(presentImage);
  }

  @Post('images')
  @Access('admin')
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: ImageView })
  @ApiProblems([409, 'conflict'])
  async createImage(@Body() dto: CreateImageDto) {
    if (dto.guestType !== 'hvm' && !dto.kernel && !dto.bootloader) {
      throw invalid('kernel', 'a pv or pvh image needs a kernel or a bootloader');
    }
    if (dto.bootloader && dto.guestType !== 'pv') throw invalid('bootloader', 'only pv guests boot through pygrub');
    return presentImage(await uniquely(`image name ${dto.name}`, () => this.db.image.create({ data: dto })));
  }
}
