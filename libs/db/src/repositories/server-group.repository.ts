import type { Db } from '../client';
import { groupMemberHostIds } from '../placement-view';
import type { ServerGroup, ServerGroupPolicy } from '../generated/prisma/client';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

/** Every read and write of server groups the apps make. */
export class ServerGroupRepository {
  constructor(private readonly db: Db) {}

  find(id: string): Promise<ServerGroup | null> {
    return this.db.serverGroup.findUnique({ where: { id } });
  }

  /** The group, if it belongs to the project. */
  findInProject(id: string, projectId: string): Promise<ServerGroup | null> {
    return this.db.serverGroup.findFirst({ where: { id, projectId } });
  }

  /**
   * A page of the groups of the project in scope (every project's when none), newest first,
   * after the cursor: `take` rows at most; those with this name only when given.
   */
  listPage(
    filter: { projectId?: string; name?: string },
    after: PageCursor | undefined,
    take: number,
  ): Promise<ServerGroup[]> {
    return this.db.serverGroup.findMany({ where: { ...filter, ...afterPage(after) }, orderBy: NEWEST_FIRST, take });
  }

  /** A name already taken in the project fails with Prisma's unique violation (P2002). */
  create(data: { projectId: string; name: string; policy: ServerGroupPolicy }): Promise<ServerGroup> {
    return this.db.serverGroup.create({ data });
  }

  /** The hosts the group's members are placed on, one VM left out if given (libs/db groupMemberHostIds). */
  memberHostIds(groupId: string, exceptVmId?: string): Promise<string[]> {
    return groupMemberHostIds(this.db, groupId, exceptVmId);
  }
}
