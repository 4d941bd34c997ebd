import type { Db } from '../client';
import { hostCertificateRenewedEvent, recordEvents } from '../events';
import type { HostState } from '../generated/prisma/client';

/** What the renewal decision (libs/domain certificateRenewal) and the renewal itself need of a host. */
export interface HostCertificateRow {
  id: string;
  name: string;
  address: string;
  state: HostState;
  certSerial: string | null;
  certExpiresAt: Date | null;
  certRenewalRequestedAt: Date | null;
}

const SELECT = {
  id: true,
  name: true,
  address: true,
  state: true,
  certSerial: true,
  certExpiresAt: true,
  certRenewalRequestedAt: true,
} as const;

/** Host certificates: which may need renewing, a renewal done, an operator's "renew now". */
export class HostCertificateRepository {
  constructor(private readonly db: Db) {}

  /**
   * Hosts that answer (up, in maintenance) whose certificate is still valid at `now` and may
   * need renewing: expiring before `renewBefore`, of unknown expiry, or asked for; the soonest to
   * expire first, `take` at most. Expired ones are not among them (they cannot be renewed, and
   * would hold the first places for ever): `expired` lists those. The decision itself is
   * libs/domain's certificateRenewal.
   */
  candidates(now: Date, renewBefore: Date, take: number): Promise<HostCertificateRow[]> {
    return this.db.host.findMany({
      where: {
        state: { in: ['up', 'maintenance'] },
        OR: [
          { certExpiresAt: null },
          { certExpiresAt: { gt: now, lt: renewBefore } },
          { certExpiresAt: { gt: now }, certRenewalRequestedAt: { not: null } },
        ],
      },
      select: SELECT,
      orderBy: [{ certExpiresAt: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }],
      take,
    });
  }

  /** Hosts (but the disabled) whose certificate expired by `now`: the control plane cannot reach them any more. */
  expired(now: Date, take: number): Promise<HostCertificateRow[]> {
    return this.db.host.findMany({
      where: { state: { not: 'disabled' }, certExpiresAt: { lte: now } },
      select: SELECT,
      orderBy: [{ certExpiresAt: 'asc' }, { id: 'asc' }],
      take,
    });
  }

  /** Each pool's soonest certificate expiry among its hosts not disabled (hosts of unknown expiry aside). */
  async soonestExpiryByPool(): Promise<{ pool: string; expiresAt: Date }[]> {
    return this.db.$queryRaw<{ pool: string; expiresAt: Date }[]>`
      SELECT p.name AS pool, min(h.cert_expires_at) AS "expiresAt"
      FROM hosts h JOIN pools p ON p.id = h.pool_id
      WHERE h.state <> 'disabled' AND h.cert_expires_at IS NOT NULL
      GROUP BY p.name`;
  }

  find(id: string): Promise<HostCertificateRow | null> {
    return this.db.host.findUnique({ where: { id }, select: SELECT });
  }

  /**
   * An operator's "renew now": kept until a renewal carries it out. Asking again while one is
   * pending keeps the first time (idempotent). False when there is no such host.
   */
  async requestRenewal(id: string): Promise<boolean> {
    const n = await this.db.$executeRaw`
      UPDATE hosts SET cert_renewal_requested_at = coalesce(cert_renewal_requested_at, now())
      WHERE id = ${id}::uuid`;
    return n > 0;
  }

  /**
   * The host now serves a new certificate: its serial, fingerprint and expiry, with its event,
   * in one transaction. The operator's request the renewal saw when it began (`seenRequest`)
   * is done; one made since is kept (it asked for a renewal after this one started).
   */
  async recordRenewal(
    host: { id: string; name: string },
    cert: { serial: string; fingerprint: string; expiresAt: Date; reason: string },
    seenRequest: Date | null,
  ): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.$executeRaw`
        UPDATE hosts SET cert_serial = ${cert.serial}, cert_fingerprint = ${cert.fingerprint},
          cert_expires_at = ${cert.expiresAt},
          cert_renewal_requested_at = CASE WHEN cert_renewal_requested_at IS NOT DISTINCT FROM ${seenRequest}::timestamptz
            THEN NULL ELSE cert_renewal_requested_at END
        WHERE id = ${host.id}::uuid`;
      await recordEvents(tx, [hostCertificateRenewedEvent(host, cert)]);
    });
  }
}
