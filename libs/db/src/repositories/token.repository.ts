import type { Db } from '../client';
import type { Prisma, Token } from '../generated/prisma/client';
import { afterPage, NEWEST_FIRST, type PageCursor } from './page';

/** A token as it may be listed: everything but the hash of its secret. */
export type TokenSummary = Omit<Token, 'tokenHash'>;

/** A use of a token the API noted, written later in a batch (TokenRepository.markUsed). */
export interface TokenUse {
  id: string;
  at: Date;
}

const SUMMARY = {
  id: true,
  projectId: true,
  name: true,
  role: true,
  prefix: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const satisfies Prisma.TokenSelect;

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

  /**
   * A page of a project's tokens (the global ones when `projectId` is null), revoked ones too,
   * newest first, after the cursor: `take` rows at most; never their hashes.
   */
  listPage(projectId: string | null, after: PageCursor | undefined, take: number): Promise<TokenSummary[]> {
    return this.db.token.findMany({
      where: { projectId, ...afterPage(after) },
      select: SUMMARY,
      orderBy: NEWEST_FIRST,
      take,
    });
  }

  create(data: Prisma.TokenUncheckedCreateInput): Promise<Token> {
    return this.db.token.create({ data });
  }

  /** Revokes a token not revoked yet; false when it was (or is gone): two revocations race, one wins. */
  async revoke(id: string): Promise<boolean> {
    const { count } = await this.db.token.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count === 1;
  }

  /**
   * Records when tokens were last used, all in one statement. A time never moves back: API
   * replicas flush their batches in any order, and an older use written late changes nothing.
   * Ids of tokens deleted since are ignored.
   */
  async markUsed(uses: readonly TokenUse[]): Promise<void> {
    if (!uses.length) return;
    const ids = uses.map((u) => u.id);
    const times = uses.map((u) => u.at.toISOString());
    await this.db.$executeRaw`
      UPDATE tokens AS t SET last_used_at = GREATEST(t.last_used_at, u.at)
      FROM unnest(${ids}::uuid[], ${times}::timestamptz[]) AS u(id, at)
      WHERE t.id = u.id`;
  }
}
