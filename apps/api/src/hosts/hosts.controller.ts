import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Db } from '@xenplane/db';
import { Access } from '../common/auth/access.decorator';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { notFound } from '../common/errors/api-errors';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { DB } from '@xenplane/db';
import { EnrollmentService } from './enrollment.service';
import { CreateEnrollmentTokenDto, EnrolledHostView, EnrollHostDto, EnrollmentTokenView, HostView, presentHost } from './host.dto';

@ApiTags('hosts')
@Controller('v1/hosts')
export class HostsController {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly enrollment: EnrollmentService,
  ) {}

  @Post('enrollment-tokens')
  @Access('operator')
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: EnrollmentTokenView })
  @ApiProblems()
  createEnrollmentToken(@Caller() p: Principal, @Body() dto: CreateEnrollmentTokenDto) {
    return this.enrollment.createToken(p.tokenId, dto);
  }

  /** Called by a host agent, authenticated by its one-time enrollment token. */
  @Post('enroll')
  @Access('enrollment')
  @ApiCreatedResponse({ type: EnrolledHostView })
  @ApiProblems([409, 'conflict'])
  enroll(@Body() dto: EnrollHostDto) {
    return this.enrollment.enroll(dto);
  }

  @Get()
  @Access('operator')
  @ApiOkResponse({ type: [HostView] })
  @ApiProblems()
  async list() {
    return (await this.db.host.findMany({ include: { pool: true }, orderBy: { name: 'asc' } })).map(presentHost);
  }

  @Get(':id')
  @Access('operator')
  @ApiOkResponse({ type: HostView })
  @ApiProblems([404, 'not_found'])
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    const host = await this.db.host.findUnique({ where: { id }, include: { pool: true } });
    if (!host) throw notFound('host', id);
    return presentHost(host);
  }
}
