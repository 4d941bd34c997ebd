import { Injectable } from '@nestjs/common';
import { ProjectRepository } from '@xenplane/db';
import { canSeeProject, type Principal } from '../common/auth/principal';
import { notFound } from '../common/errors/api-errors';
import { uniquely } from '../common/http/unique';
import { readPage } from '../common/http/cursor';
import type { NamedPageQuery } from '../common/http/page-query';
import type { Page } from '../common/http/page-view';
import {
  type CreateProjectDto,
  presentProject,
  type ProjectView,
  quotaColumns,
  type UpdateProjectDto,
} from './project.dto';

@Injectable()
export class ProjectsService {
  constructor(private readonly projects: ProjectRepository) {}

  async create(dto: CreateProjectDto): Promise<ProjectView> {
    const p = await uniquely(`project name ${dto.name}`, () =>
      this.projects.create({ name: dto.name, ...quotaColumns(dto.quota) }),
    );
    return presentProject(p);
  }

  list(q: NamedPageQuery): Promise<Page<ProjectView>> {
    const filter = q.name !== undefined ? { name: q.name } : {};
    return readPage(
      q,
      (after, take) => this.projects.listPage(filter, after, take),
      (rows) => rows.map(presentProject),
    );
  }

  async get(principal: Principal, id: string): Promise<ProjectView> {
    if (!canSeeProject(principal, id)) throw notFound('project', id);
    const p = await this.projects.find(id);
    if (!p) throw notFound('project', id);
    return presentProject(p);
  }

  async update(id: string, dto: UpdateProjectDto): Promise<ProjectView> {
    const exists = await this.projects.find(id);
    if (!exists) throw notFound('project', id);
    // lowering a quota below usage is allowed: it blocks new VMs, never removes existing ones
    return presentProject(await this.projects.setQuota(id, quotaColumns(dto.quota)));
  }
}
