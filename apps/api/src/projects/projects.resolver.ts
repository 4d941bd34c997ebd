import { Injectable } from '@nestjs/common';
import { ProjectRepository } from '@xenplane/db';
import type { Principal } from '../common/auth/principal';
import { invalid } from '../common/errors/api-errors';
import { ADMIN_PROJECT } from '../bootstrap/seed-data';

/** Which project a caller's new resources belong to. */
@Injectable()
export class ProjectsResolver {
  constructor(private readonly projects: ProjectRepository) {}

  async targetProject(principal: Principal, requested: string | undefined): Promise<string> {
    if (principal.projectId) {
      if (requested && requested !== principal.projectId)
        throw invalid('projectId', 'a project token creates in its own project only');
      return principal.projectId;
    }
    const project = requested ? await this.projects.find(requested) : await this.projects.findByName(ADMIN_PROJECT);
    if (!project) throw invalid('projectId', 'no such project');
    return project.id;
  }
}
