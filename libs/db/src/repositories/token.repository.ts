import type { Db } from '../client';
import type { Prisma, Token } from '../generated/prisma/client';

/** API tokens: every read and write of them the apps make (only their hashes are stored). */
export class TokenRepository {
  constructor(private readonly db: Db) {}

  find(id: string): Promise<Token | null> {
    return this.db.token.findUnique({ where: { id } });
  }

  /** The token whose secret hashes to this. */
  findByHash(tokenHash: string): Promise<Token | null> {
    return this.db.token.findUnique({ where: { tokenHash } });
  }

  /** The names of these tokens, by id (revoked ones too: they still name who asked). */
  async namesOf(ids: readonly string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.db.token.findMany({
      where: { id: { in: [...new Set(ids)] } },
      select: { id: true, name: true },
    });
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  create(data: Prisma.TokenUncheckedCreateInput): Promise<Token> {
    return this.db.token.create({ data });
  }

  async revoke(id: string): Promise<void> {
    await this.db.token.update({ where: { id }, data: { revokedAt: new Date() } });
  }
}
