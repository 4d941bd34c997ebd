import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../common/auth/principal';
import { Caller } from '../../common/auth/principal.decorator';
import { ApiProblems } from '../../common/http/api-responses';
import { ConsoleQuery, ConsoleView } from './console.dto';
import { VmConsoleService } from './vm-console.service';

@ApiTags('vms')
@Controller('v1/vms/:id/console')
export class VmConsoleController {
  constructor(private readonly consoles: VmConsoleService) {}

  @Get()
  @ApiOkResponse({ type: ConsoleView, description: "The end of the guest's console output" })
  @ApiProblems(
    [404, 'not_found'],
    [409, 'conflict: the VM has no domain (no host yet, stopped, deleted), or its host is known silent'],
    [503, 'unavailable: its host did not answer in time'],
  )
  read(@Caller() p: Principal, @Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Query() q: ConsoleQuery) {
    return this.consoles.read(p, id, q.bytes);
  }
}
