import { Injectable } from '@nestjs/common';
import { ProjectRepository, TokenRepository } from '@xenplane/db';
import { canSeeProject, type Principal } from '../common/auth/principal';
import { forbidden, notFound } from '../common/errors/api-errors';
import { hashSecret, newSecret, secretPrefix } from '@xenplane/domain';
import { uniquely } from '../common/http/unique';
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
  constructor(
    private readonly projects: ProjectRepository,
    private readonly tokens: TokenRepository,
  ) {}

  async create(dto: CreateProjectDto): Promise<ProjectView> {
    const p = await uniquely(`project name ${dto.name}`, () =>
      this.projects.create({ name: dto.name, ...quotaColumns(dto.quota) }),
    );
    return presentProject(p);
  }

  async list(): Promise<ProjectView[]> {
    return (await this.projects.listByName()).map(presentProject);
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

  async createToken(principal: Principal, projectId: string, dto: CreateTokenDto): Promise<CreatedTokenView> {
    if (!canSeeProject(principal, projectId)) throw notFound('project', projectId);
    // project admins for their project, global admins for any; never operators or members
    if (principal.role !== 'admin') throw forbidden('only admins create tokens');
    const project = await this.projects.find(projectId);
    if (!project) throw notFound('project', projectId);
    const secret = newSecret('xp');
    const token = await this.tokens.create({
      projectId,
      name: dto.name,
      role: dto.role,
      tokenHash: hashSecret(secret),
      prefix: secretPrefix(secret),
    });
    return { id: token.id, token: secret, name: token.name, role: token.role, projectId };
  }

  async revokeToken(principal: Principal, id: string): Promise<void> {
    const token = await this.tokens.find(id);
    // a tenant only revokes its own project's tokens; nobody learns other tokens exist
    if (!token || token.revokedAt || !canSeeProject(principal, token.projectId)) throw notFound('token', id);
    if (principal.role !== 'admin') throw forbidden('only admins revoke tokens');
    await this.tokens.revoke(id);
  }
}
