import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HostRepository, PoolRepository } from '@xenplane/db';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { notFound } from '../common/errors/api-errors';
import { Accepted, ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { OperationView } from '../operations/operation.view';
import { CertificateRenewalService } from './certificate-renewal.service';
import { EnrollmentService } from './enrollment.service';
import { CreateEnrollmentTokenDto, EnrolledHostView, EnrollHostDto, EnrollmentTokenView, HostView } from './host.dto';
import { hostViews, presentHosts } from './host-views';
import { readPage } from '../common/http/cursor';
import { PageOf } from '../common/http/page-view';
import { ListHostsQuery } from './list-hosts.dto';
import { DeclareDeadDto, DeclaredDeadView, DeclareDeadService } from './declare-dead';
import { MaintenanceDto } from './maintenance.dto';
import { MaintenanceService } from './maintenance.service';
import { AnswerHoldsSecret } from '../common/idempotency/answer-holds-secret';

@ApiTags('hosts')
@Controller('v1/hosts')
export class HostsController {
  constructor(
    private readonly hosts: HostRepository,
    private readonly pools: PoolRepository,
    private readonly enrollment: EnrollmentService,
    private readonly maintenance: MaintenanceService,
    private readonly declareDeadService: DeclareDeadService,
    private readonly certificateRenewal: CertificateRenewalService,
  ) {}

  @Post('enrollment-tokens')
  @IdempotencyHeader()
  @AnswerHoldsSecret('token')
  @ApiCreatedResponse({ type: EnrollmentTokenView })
  @ApiProblems()
  createEnrollmentToken(@Caller() p: Principal, @Body() dto: CreateEnrollmentTokenDto) {
    return this.enrollment.createToken(p.tokenId, dto);
  }

  /** Called by a host agent, authenticated by its one-time enrollment token. */
  @Post('enroll')
  @ApiCreatedResponse({ type: EnrolledHostView })
  @ApiProblems([409, 'conflict'])
  enroll(@Body() dto: EnrollHostDto) {
    return this.enrollment.enroll(dto);
  }

  @Get()
  @ApiOkResponse({ type: PageOf(HostView), description: 'Newest first' })
  @ApiProblems()
  list(@Query() q: ListHostsQuery) {
    const filter = {
      ...(q.state ? { states: q.state } : {}),
      ...(q.poolId ? { poolId: q.poolId } : {}),
      ...(q.name !== undefined ? { name: q.name } : {}),
    };
    const repos = { hosts: this.hosts, pools: this.pools };
    return readPage(
      q,
      (after, take) => this.hosts.readPage(filter, after, take),
      (rows) => presentHosts(repos, rows),
    );
  }

  @Get(':id')
  @ApiOkResponse({ type: HostView })
  @ApiProblems([404, 'not_found'])
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    const [host] = await hostViews({ hosts: this.hosts, pools: this.pools }, { ids: [id] });
    if (!host) throw notFound('host', id);
    return host;
  }

  @Post(':id/maintenance')
  @Accepted(OperationView, 'The evacuate operation moving the running VMs off the host')
  @ApiOkResponse({ type: HostView, description: 'With evacuate: false, the host now in maintenance' })
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  async enterMaintenance(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Caller() p: Principal,
    @Body() dto: MaintenanceDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.maintenance.enterMaintenance(p, id, dto);
    if ('operation' in result) return result.operation;
    res.status(200);
    return result.host;
  }

  @Post(':id/declare-dead')
  @Accepted(DeclaredDeadView, 'The host, down; its protected VMs restarting elsewhere, the others stopped')
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  declareDead(@Param('id', new ParseUUIDPipe()) id: string, @Caller() p: Principal, @Body() dto: DeclareDeadDto) {
    return this.declareDeadService.declare(p, id, dto);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @IdempotencyHeader()
  @ApiOkResponse({ type: HostView, description: 'The host, up again; an evacuation under way is cancelled' })
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  enable(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.maintenance.enable(id);
  }

  @Post(':id/certificate/renew')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: HostView,
    description:
      'The host, its renewal asked for (certificateRenewalRequestedAt): the scheduler renews its certificate within CERT_RENEW_CHECK_INTERVAL_MS; asking again while one is pending changes nothing',
  })
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  renewCertificate(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.certificateRenewal.request(id);
  }
}
