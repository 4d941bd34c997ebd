import type { Db } from '../client';
import { groupMemberHostIds } from '../placement-view';
import type { ServerGroup, ServerGroupPolicy } from '../generated/prisma/client';

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

  /** Groups of the project in scope (every project's when none), by name. */
  listByName(scope: { projectId?: string }): Promise<ServerGroup[]> {
    return this.db.serverGroup.findMany({ where: scope, orderBy: { name: 'asc' } });
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
