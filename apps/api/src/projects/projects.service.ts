import { Inject, Injectable } from '@nestjs/common';
import type { Db } from '@xenplane/db';
import { canSeeProject, type Principal } from '../common/auth/principal';
import { forbidden, notFound } from '../common/errors/api-errors';
import { hashSecret, newSecret, secretPrefix } from '@xenplane/domain';
import { uniquely } from '../common/http/unique';
import { DB } from '@xenplane/db';
import {
  type CreatedTokenView,
  type CreateProjectDto,
  type CreateTokenDto,
  presentProject,
  type ProjectView,
  quotaColumns,
  type UpdateProjectDto,
} from './project.dto';

@Injectable()
export class ProjectsService {
  constructor(@Inject(DB) private readonly db: Db) {}

  async create(dto: CreateProjectDto): Promise<ProjectView> {
    const p = await uniquely(`project name ${dto.name}`, () =>
      this.db.project.create({ data: { name: dto.name, ...quotaColumns(dto.quota) } }),
    );
    return presentProject(p);
  }

  async list(): Promise<ProjectView[]> {
    return (await this.db.project.findMany({ orderBy: { name: 'asc' } })).map(presentProject);
  }

  async get(principal: Principal, id: string): Promise<ProjectView> {
    if (!canSeeProject(principal, id)) throw notFound('project', id);
    const p = await this.db.project.findUnique({ where: { id } });
    if (!p) throw notFound('project', id);
    return presentProject(p);
  }

  async update(id: string, dto: UpdateProjectDto): Promise<ProjectView> {
    const exists = await this.db.project.findUnique({ where: { id } });
    if (!exists) throw notFound('project', id);
    // lowering a quota below usage is allowed: it blocks new VMs, never removes existing ones
    return presentProject(await this.db.project.update({ where: { id }, data: quotaColumns(dto.quota) }));
  }

  async createToken(principal: Principal, projectId: string, dto: CreateTokenDto): Promise<CreatedTokenView> {
    if (!canSeeProject(principal, projectId)) throw notFound('project', projectId);
    // project admins for their project, global admins for any; never operators or members
    if (principal.role !== 'admin') throw forbidden('only admins create tokens');
    const project = await this.db.project.findUnique({ where: { id: projectId } });
    if (!project) throw notFound('project', projectId);
    const secret = newSecret('xp');
    const token = await this.db.token.create({
      data: { projectId, name: dto.name, role: dto.role, tokenHash: hashSecret(secret), prefix: secretPrefix(secret) },
    });
    return { id: token.id, token: secret, name: token.name, role: token.role, projectId };
  }

  async revokeToken(principal: Principal, id: string): Promise<void> {
    const token = await this.db.token.findUnique({ where: { id } });
    // a tenant only revokes its own project's tokens; nobody learns other tokens exist
    if (!token || token.revokedAt || !canSeeProject(principal, token.projectId)) throw notFound('token', id);
    if (principal.role !== 'admin') throw forbidden('only admins revoke tokens');
    await this.db.token.update({ where: { id }, data: { revokedAt: new Date() } });
  }
}
