import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { SystemRepository } from '@xenplane/db';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { ApiProblems } from '../common/http/api-responses';
import { OperationQueue } from '../infra/queue.module';

class WhoamiView {
  @ApiProperty({ format: 'uuid' }) tokenId!: string;
  @ApiProperty({ enum: ['admin', 'member', 'viewer', 'operator'] }) role!: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Absent for global tokens' }) projectId?: string;
  @ApiProperty() global!: boolean;
}

class HealthView {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

class ReadyView {
  @ApiProperty() database!: boolean;
  @ApiProperty() redis!: boolean;
}

@ApiTags('system')
@Controller()
export class HealthController {
  constructor(
    private readonly system: SystemRepository,
    private readonly queue: OperationQueue,
  ) {}

  @Get('healthz')
  @ApiOkResponse({ description: 'The process is alive', type: HealthView })
  healthz(): HealthView {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOkResponse({ type: ReadyView })
  @ApiServiceUnavailableResponse({ type: ReadyView })
  async readyz(@Res({ passthrough: true }) res: Response) {
    const [database, redis] = await Promise.all([this.system.ping(), this.queue.ping()]);
    // Redis down only delays work (the outbox catches up); Postgres down means nothing works
    res.status(database ? 200 : 503);
    return { database, redis };
  }

  @Get('v1/whoami')
  @ApiOkResponse({ type: WhoamiView })
  @ApiProblems()
  whoami(@Caller() p: Principal): WhoamiView {
    return {
      tokenId: p.tokenId,
      role: p.role,
      ...(p.projectId ? { projectId: p.projectId } : {}),
      global: p.projectId === null,
    };
  }
}
