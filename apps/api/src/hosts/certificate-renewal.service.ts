import { Injectable } from '@nestjs/common';
import { HostCertificateRepository, HostRepository, PoolRepository } from '@xenplane/db';
import { certificateRenewal } from '@xenplane/domain';
import { conflict, notFound } from '../common/errors/api-errors';
import type { HostView } from './host.dto';
import { hostViews } from './host-views';

/**
 * An operator's "renew this host's certificate now" (POST /v1/hosts/:id/certificate/renew): the
 * request is recorded on the host and the scheduler's renewer carries it out at its next round
 * (CERT_RENEW_CHECK_INTERVAL_MS), over the host's mutual-TLS channel, as it does for a
 * certificate near expiry. Asking again while one is pending changes nothing.
 */
@Injectable()
export class CertificateRenewalService {
  constructor(
    private readonly certificates: HostCertificateRepository,
    private readonly hosts: HostRepository,
    private readonly pools: PoolRepository,
  ) {}

  async request(id: string): Promise<HostView> {
    const host = await this.certificates.find(id);
    if (!host) throw notFound('host', id);
    // what the renewer would decide once asked: a host it cannot reach is refused now, not left pending
    const decision = certificateRenewal({ ...host, certRenewalRequestedAt: new Date() }, new Date(), 0);
    if (decision.reason === 'expired')
      throw conflict(
        "the host's certificate has expired: it can no longer be reached to renew it; enroll the host again (docs/OPERATIONS.md)",
      );
    if (decision.reason === 'unreachable')
      throw conflict(`the host is ${host.state}: its agent must be up (or in maintenance) to renew its certificate`);
    await this.certificates.requestRenewal(id);
    const [view] = await hostViews({ hosts: this.hosts, pools: this.pools }, { ids: [id] });
    return view!;
  }
}
