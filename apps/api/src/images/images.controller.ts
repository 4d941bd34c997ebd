import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { PageOf } from '../common/http/page-view';
import { CreateImageDto, ImageView, ListImagesQuery } from './image.dto';
import { ImagesService } from './images.service';

const Id = () => Param('id', new ParseUUIDPipe());

// who may call these is the role matrix's (libs/domain route-access); which image is the
// service's: another project's answers 404, a public one is the operators' to change
@ApiTags('images')
@Controller('v1/images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(ImageView), description: 'Newest first: public images and the caller’s project’s' })
  @ApiProblems()
  list(@Caller() p: Principal, @Query() q: ListImagesQuery) {
    return this.images.list(p, q);
  }

  @Post()
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: ImageView, description: 'pending: upload its content with PUT /v1/images/:id/file' })
  @ApiProblems([404, 'not_found'], [409, 'conflict'], [422, 'unsupported_disk_format'])
  create(@Caller() p: Principal, @Body() dto: CreateImageDto) {
    return this.images.create(p, dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: ImageView })
  @ApiProblems([404, 'not_found'])
  get(@Caller() p: Principal, @Id() id: string) {
    return this.images.get(p, id);
  }

  @Put(':id/file')
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' }, description: 'The raw disk image, streamed' })
  @ApiHeader({
    name: 'X-Checksum-Sha256',
    required: false,
    description: 'The content’s sha256 (hex): another is refused 422 and nothing is kept',
  })
  @ApiOkResponse({ type: ImageView, description: 'active, with sizeBytes and sha256' })
  @ApiProblems(
    [404, 'not_found'],
    [409, 'conflict: it has its content already, or another upload of it is under way'],
    [413, 'payload_too_large: over IMAGE_MAX_BYTES'],
    [415, 'unsupported_media_type'],
    [422, 'checksum_mismatch'],
  )
  upload(@Caller() p: Principal, @Id() id: string, @Req() req: Request) {
    return this.images.upload(p, id, req);
  }

  @Delete(':id')
  @IdempotencyHeader()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its content' })
  @ApiProblems([404, 'not_found'], [409, 'conflict: VMs that are not deleted use it'])
  async delete(@Caller() p: Principal, @Id() id: string) {
    await this.images.delete(p, id);
  }
}
