import type { Db } from '../client';
import type { Prisma, Project } from '../generated/prisma/client';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

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

  /** A page of projects, newest first, after the cursor: `take` rows at most; the one with this name only when given. */
  listPage(filter: { name?: string }, after: PageCursor | undefined, take: number): Promise<Project[]> {
    return this.db.project.findMany({
      where: { ...(filter.name !== undefined ? { name: filter.name } : {}), ...afterPage(after) },
      orderBy: NEWEST_FIRST,
      take,
    });
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
