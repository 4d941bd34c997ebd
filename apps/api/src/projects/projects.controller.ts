import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { Caller } from '../common/auth/principal.decorator';
import { ApiProblems, IdempotencyHeader } from '../common/http/api-responses';
import { NamedPageQuery } from '../common/http/page-query';
import { PageOf } from '../common/http/page-view';
import { CreateProjectDto, ProjectView, UpdateProjectDto } from './project.dto';
import { ProjectsService } from './projects.service';

const Id = () => Param('id', new ParseUUIDPipe());

@ApiTags('projects')
@Controller('v1')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post('projects')
  @IdempotencyHeader()
  @ApiCreatedResponse({ type: ProjectView })
  @ApiProblems([409, 'conflict'])
  create(@Body() dto: CreateProjectDto) {
    return this.projects.create(dto);
  }

  @Get('projects')
  @ApiOkResponse({ type: PageOf(ProjectView) })
  @ApiProblems()
  list(@Query() q: NamedPageQuery) {
    return this.projects.list(q);
  }

  @Get('projects/:id')
  @ApiOkResponse({ type: ProjectView })
  @ApiProblems([404, 'not_found'])
  get(@Caller() p: Principal, @Id() id: string) {
    return this.projects.get(p, id);
  }

  @Patch('projects/:id')
  @ApiOkResponse({ type: ProjectView })
  @ApiProblems([404, 'not_found'])
  update(@Id() id: string, @Body() dto: UpdateProjectDto) {
    return this.projects.update(id, dto);
  }
}
