import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiOkResponse, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { Accepted, ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { OperationView } from '../operations/operation.view';
import { CreateVmDto } from './dto/create-vm.dto';
import { ListVmsQuery } from './dto/list-vms.dto';
import { UpdateVmDto, VmActionDto } from './dto/vm-action.dto';
import { CloneVmView, CreateVmsView, VmPage, VmView } from './vm.view';
import { VmsService } from './vms.service';

const Id = () => Param('id', new ParseUUIDPipe({ version: '4' }));

@ApiTags('vms')
@Controller('v1/vms')
export class VmsController {
  constructor(private readonly vms: VmsService) {}

  @Post()
  @Accepted(CreateVmsView, 'The VMs and their create operations')
  @ApiProblems([404, 'not_found'], [409, 'conflict'], [422, 'quota_exceeded, addresses_exhausted'])
  create(@Caller() p: Principal, @Body() dto: CreateVmDto) {
    return this.vms.create(p, dto);
  }

  @Get()
  @ApiOkResponse({ type: VmPage })
  @ApiQuery({
    name: 'metadata',
    required: false,
    style: 'deepObject',
    explode: true,
    schema: { type: 'object', additionalProperties: { type: 'string' } },
    description:
      'VMs whose metadata has each of these keys with this value, ANDed: `metadata[job]=42` or `metadata.job=42`',
  })
  @ApiProblems()
  list(@Caller() p: Principal, @Query() q: ListVmsQuery) {
    return this.vms.list(p, q);
  }

  @Get(':id')
  @ApiOkResponse({ type: VmView })
  @ApiProblems([404, 'not_found'])
  get(@Caller() p: Principal, @Id() id: string) {
    return this.vms.get(p, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: VmView })
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  update(@Caller() p: Principal, @Id() id: string, @Body() dto: UpdateVmDto) {
    return this.vms.update(p, id, dto);
  }

  @Post(':id/actions')
  @HttpCode(202)
  @ApiExtraModels(OperationView, CloneVmView)
  @ApiAcceptedResponse({
    description: 'The operation carrying out the action; for clone, the new VM and its operation',
    schema: { oneOf: [{ $ref: getSchemaPath(OperationView) }, { $ref: getSchemaPath(CloneVmView) }] },
  })
  @IdempotencyHeader()
  @ApiProblems(
    [404, 'not_found'],
    [409, 'conflict'],
    [422, 'quota_exceeded, addresses_exhausted, no_valid_host (clone)'],
  )
  act(@Caller() p: Principal, @Id() id: string, @Body() dto: VmActionDto) {
    return this.vms.act(p, id, dto);
  }

  @Delete(':id')
  @Accepted(OperationView, 'The delete operation')
  @ApiProblems([404, 'not_found'], [409, 'conflict'])
  delete(@Caller() p: Principal, @Id() id: string) {
    return this.vms.delete(p, id);
  }
}
