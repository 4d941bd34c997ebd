import { Inject, Injectable } from '@nestjs/common';
import { HostCertificateRepository, type HostCertificateRow } from '@xenplane/db';
import { certificateRenewal } from '@xenplane/domain';
import { getLogger } from '@xenplane/observability';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { Agents } from '../infra/agents';
import { settleAll } from '../infra/concurrency';
import { certificateRenewals } from '../metrics/scheduler-metrics';
import { renewHostCertificate } from './renew-host-certificate';

const DAY_MS = 86_400_000;
// hosts renewed at once, and looked at per round: a fleet upgraded from before expiries were
// recorded renews in rounds of this many, not 10,000 signatures at once
const PARALLEL_RENEWALS = 8;
const PER_ROUND = 200;

export interface RenewalRound {
  renewed: number;
  failed: number;
  /** hosts whose certificate expired: they cannot be reached to renew it (enroll them again) */
  expired: number;
}

/**
 * Keeps hosts' certificates valid: at each tick (CERT_RENEW_CHECK_INTERVAL_MS, one replica at
 * a time: a periodic task), the hosts whose certificate has less than CERT_RENEW_BEFORE_DAYS
 * left, whose expiry is unknown, or for which an operator asked, get a new one
 * (renewHostCertificate), recorded with a `host.certificate_renewed` event. A failed renewal is
 * tried again at the next tick: the host keeps serving its current certificate meanwhile.
 */
@Injectable()
export class CertificateRenewer {
  private readonly log = getLogger('certificate-renewal');

  constructor(
    private readonly certificates: HostCertificateRepository,
    private readonly agents: Agents,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async renewDue(now = new Date()): Promise<RenewalRound> {
    const days = this.config.CERT_RENEW_BEFORE_DAYS;
    const candidates = await this.certificates.candidates(now, new Date(now.getTime() + days * DAY_MS), PER_ROUND);
    const decided = candidates.map((host) => ({ host, decision: certificateRenewal(host, now, days) }));
    const expired = await this.certificates.expired(now, PER_ROUND);
    for (const host of expired)
      this.log.error(
        { hostId: host.id, host: host.name, expiredAt: host.certExpiresAt },
        'host certificate expired: the host cannot be reached to renew it; enroll it again (docs/OPERATIONS.md)',
      );
    const due = decided.flatMap((d) => (d.decision.renew ? [{ host: d.host, reason: d.decision.reason }] : []));
    const results = await settleAll(due, PARALLEL_RENEWALS, ({ host, reason }) => this.renew(host, reason));
    const failed = results.filter((r) => r.status === 'rejected').length;
    return { renewed: results.length - failed, failed, expired: expired.length };
  }

  /** One host's renewal, now. */
  async renew(host: HostCertificateRow, reason: string): Promise<void> {
    try {
      const ca = await this.agents.authority();
      const issued = await this.agents.call(host, (agent) => renewHostCertificate(agent, ca, host));
      await this.certificates.recordRenewal(
        host,
        { serial: issued.serial, fingerprint: issued.fingerprint, expiresAt: issued.notAfter, reason },
        host.certRenewalRequestedAt,
      );
      certificateRenewals.inc({ outcome: 'renewed' });
      this.log.info(
        { hostId: host.id, host: host.name, serial: issued.serial, expiresAt: issued.notAfter, reason },
        'host certificate renewed',
      );
    } catch (err) {
      certificateRenewals.inc({ outcome: 'failed' });
      this.log.warn(
        { hostId: host.id, host: host.name, err: (err as Error).message },
        'host certificate renewal failed',
      );
      throw err;
    }
  }
}
