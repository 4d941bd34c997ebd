import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, Matches } from 'class-validator';
import { type ServerGroup, type ServerGroupPolicy, ServerGroupRepository } from '@xenplane/db';
import { visibleProject, type Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { uniquely } from '../common/http/unique';
import { readPage } from '../common/http/cursor';
import { NamedPageQuery } from '../common/http/page-query';
import { PageOf } from '../common/http/page-view';
import { ProjectsResolver } from '../projects/projects.resolver';
import { NAME_PATTERN } from '../vms/dto/create-vm.dto';
import { Optional } from '../common/http/optional';

export const POLICIES = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] as const;
type ApiPolicy = (typeof POLICIES)[number];

// The database spells policies with underscores (Prisma enum names cannot hold dashes).
const toDb = (p: ApiPolicy) => p.replace(/-/g, '_') as ServerGroupPolicy;
const toApi = (p: ServerGroupPolicy) => p.replace(/_/g, '-') as ApiPolicy;

export class CreateServerGroupDto {
  @ApiProperty({ pattern: NAME_PATTERN.source }) @IsString() @Matches(NAME_PATTERN) name!: string;
  @ApiProperty({ enum: POLICIES }) @IsIn(POLICIES) policy!: ApiPolicy;
  @ApiPropertyOptional({ format: 'uuid', description: 'Global tokens only' })
  @Optional()
  @IsUUID()
  projectId?: string;
}

export class ServerGroupView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: POLICIES }) policy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

const present = (g: ServerGroup): ServerGroupView => ({
  id: g.id,
  projectId: g.projectId,
  name: g.name,
  policy: toApi(g.policy),
  createdAt: g.createdAt.toISOString(),
});

@ApiTags('server-groups')
@Controller('v1/server-groups')
export class ServerGroupsController {
  constructor(
    private readonly groups: ServerGroupRepository,
    private readonly projects: ProjectsResolver,
  ) {}

  @Post()
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: ServerGroupView })
  @ApiProblems([409, 'conflict'])
  async create(@Caller() p: Principal, @Body() dto: CreateServerGroupDto) {
    const projectId = await this.projects.targetProject(p, dto.projectId);
    const group = await uniquely(`server group name ${dto.name}`, () =>
      this.groups.create({ projectId, name: dto.name, policy: toDb(dto.policy) }),
    );
    return present(group);
  }

  @Get()
  @ApiOkResponse({ type: PageOf(ServerGroupView) })
  @ApiProblems()
  list(@Caller() p: Principal, @Query() q: NamedPageQuery) {
    const filter = { ...visibleProject(p), ...(q.name !== undefined ? { name: q.name } : {}) };
    return readPage(
      q,
      (after, take) => this.groups.listPage(filter, after, take),
      (rows) => rows.map(present),
    );
  }
}
