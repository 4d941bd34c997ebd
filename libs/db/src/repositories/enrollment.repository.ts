import type { Db } from '../client';
import { hostStateEvent, recordEvents } from '../events';
import type { EnrollmentToken, Host, Prisma } from '../generated/prisma/client';

/** Enrollment tokens, and the hosts they let in. */
export class EnrollmentRepository {
  constructor(private readonly db: Db) {}

  /** The token whose secret hashes to this, spent or not (the audit trail names who used it). */
  findTokenByHash(tokenHash: string): Promise<EnrollmentToken | null> {
    return this.db.enrollmentToken.findUnique({ where: { tokenHash } });
  }

  createToken(data: Prisma.EnrollmentTokenUncheckedCreateInput): Promise<EnrollmentToken> {
    return this.db.enrollmentToken.create({ data });
  }

  /**
   * Spends the token (unused, unexpired) for the host and creates the host, with its event, in
   * one transaction. `admit` sees the token spent (null: unknown, used or expired) and gives the
   * host's columns, or throws to refuse: the token is then left unspent. A host name already
   * taken fails with Prisma's unique violation (P2002).
   */
  enroll(
    tokenHash: string,
    hostId: string,
    admit: (token: EnrollmentToken | null) => Promise<Omit<Prisma.HostUncheckedCreateInput, 'id' | 'poolId'>>,
  ): Promise<{ token: EnrollmentToken; host: Host }> {
    return this.db.$transaction(async (tx) => {
      const [token] = await tx.enrollmentToken.updateManyAndReturn({
        where: { tokenHash, usedAt: null, expiresAt: { gt: new Date() } },
        data: { usedAt: new Date(), hostId },
      });
      const columns = await admit(token ?? null);
      const host = await tx.host.create({ data: { ...columns, id: hostId, poolId: token!.poolId } });
      await recordEvents(tx, [hostStateEvent(host)]);
      return { token: token!, host };
    });
  }

  /** Forgets tokens that expired before `before`; how many went. */
  async deleteExpiredBefore(before: Date): Promise<number> {
    return (await this.db.enrollmentToken.deleteMany({ where: { expiresAt: { lt: before } } })).count;
  }
}
