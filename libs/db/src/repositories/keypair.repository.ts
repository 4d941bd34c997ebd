import type { Db } from '../client';
import type { Keypair } from '../generated/prisma/client';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

/** A project's keypairs (named OpenSSH public keys): every read and write of them the apps make. */
export class KeypairRepository {
  constructor(private readonly db: Db) {}

  /** A name already taken in the project fails with Prisma's unique violation (P2002). */
  create(data: { projectId: string; name: string; publicKey: string; fingerprint: string }): Promise<Keypair> {
    return this.db.keypair.create({ data });
  }

  /** A page of the project's keypairs, newest first, after the cursor: `take` rows at most; the one with this name only when given. */
  listPage(
    projectId: string,
    filter: { name?: string },
    after: PageCursor | undefined,
    take: number,
  ): Promise<Keypair[]> {
    return this.db.keypair.findMany({
      where: { projectId, ...(filter.name !== undefined ? { name: filter.name } : {}), ...afterPage(after) },
      orderBy: NEWEST_FIRST,
      take,
    });
  }

  /** Those of the project's keypairs that have these names (another project's never). */
  findByNames(projectId: string, names: readonly string[]): Promise<Keypair[]> {
    if (!names.length) return Promise.resolve([]);
    return this.db.keypair.findMany({ where: { projectId, name: { in: [...names] } } });
  }

  /** The project's keypair with this id or name, deleted; null when it has none such. */
  async delete(projectId: string, ref: { id: string } | { name: string }): Promise<Keypair | null> {
    const found = await this.db.keypair.findFirst({ where: { projectId, ...ref } });
    if (!found) return null;
    // a concurrent delete won: this one did nothing
    const n = await this.db.keypair.deleteMany({ where: { id: found.id } });
    return n.count === 1 ? found : null;
  }
}
