import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CatalogRepository } from '@xenplane/db';
import { invalid } from '../common/errors/api-errors';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { uniquely } from '../common/http/unique';
import { CreateFlavorDto, CreateImageDto, FlavorView, ImageView, presentFlavor, presentImage } from './catalog.dto';

/** Flavors and images: what every tenant picks from, what only admins change. */
@ApiTags('catalog')
@Controller('v1')
export class CatalogController {
  constructor(private readonly catalog: CatalogRepository) {}

  @Get('flavors')
  @ApiOkResponse({ type: [FlavorView] })
  @ApiProblems()
  async flavors() {
    return (await this.catalog.flavors()).map(presentFlavor);
  }

  @Post('flavors')
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: FlavorView })
  @ApiProblems([409, 'conflict'])
  async createFlavor(@Body() dto: CreateFlavorDto) {
    return presentFlavor(await uniquely(`flavor name ${dto.name}`, () => this.catalog.createFlavor(dto)));
  }

  @Get('images')
  @ApiOkResponse({ type: [ImageView] })
  @ApiProblems()
  async images() {
    return (await this.catalog.images()).map(presentImage);
  }

  @Post('images')
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: ImageView })
  @ApiProblems([409, 'conflict'])
  async createImage(@Body() dto: CreateImageDto) {
    if (dto.guestType !== 'hvm' && !dto.kernel && !dto.bootloader) {
      throw invalid('kernel', 'a pv or pvh image needs a kernel or a bootloader');
    }
    if (dto.bootloader && dto.guestType !== 'pv') throw invalid('bootloader', 'only pv guests boot through pygrub');
    return presentImage(await uniquely(`image name ${dto.name}`, () => this.catalog.createImage(dto)));
  }
}
