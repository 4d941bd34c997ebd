import type { Db } from '../client';
import type { Prisma, Project } from '../generated/prisma/client';

/** Every read and write of project rows the apps make. */
export class ProjectRepository {
  constructor(private readonly db: Db) {}

  find(id: string): Promise<Project | null> {
    return this.db.project.findUnique({ where: { id } });
  }

  findByName(name: string): Promise<Project | null> {
    return this.db.project.findUnique({ where: { name } });
  }

  /** The project, which must exist. */
  get(id: string): Promise<Project> {
    return this.db.project.findUniqueOrThrow({ where: { id } });
  }

  /** Every project, by name. */
  listByName(): Promise<Project[]> {
    return this.db.project.findMany({ orderBy: { name: 'asc' } });
  }

  /** A name already taken fails with Prisma's unique violation (P2002). */
  create(data: Prisma.ProjectCreateInput): Promise<Project> {
    return this.db.project.create({ data });
  }

  /** New quotas; lowering one below usage is allowed (it blocks new VMs, never removes existing ones). */
  setQuota(id: string, quota: Prisma.ProjectUpdateInput): Promise<Project> {
    return this.db.project.update({ where: { id }, data: quota });
  }
}
