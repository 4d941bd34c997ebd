import { createKeyAndCsr } from '@xenplane/pki';
import { getLogger } from '@xenplane/observability';
import type { HostIdentity } from '../enrollment/enrollment';
import { AgentError } from '../errors';
import { writeIdentity } from './identity-file';
import { CertificateRefused, checkRenewedCertificate, type RenewedCertificate } from './renewed-certificate';

const log = getLogger('certificate-renewal');

export interface RenewalTarget {
  stateDir: string;
  /** serves new connections under the identity given (ServedCredentials.replace) */
  serve(identity: HostIdentity): void;
}

/**
 * The agent's half of certificate renewal (docs/OPERATIONS.md, "Certificate rotation"). The
 * control plane asks for a request (a new key, kept pending here, in memory only: the private
 * key never leaves the host, and is never on disk before its certificate is), then sends the
 * certificate its CA signed for it. Installing writes the identity file first (atomically),
 * then serves it: a crash in between restarts the agent on the new identity, a crash before
 * leaves the old one, and an agent restarted with a request pending has forgotten it (the
 * control plane's install is refused, and it asks again).
 */
export class CertificateRenewal {
  private pendingKeyPem?: string;

  constructor(
    private identity: HostIdentity,
    private readonly target: RenewalTarget,
  ) {}

  /** A CSR for a new key; the key replaces any pending one (only the latest request can be completed). */
  async request(): Promise<string> {
    const { keyPem, csrPem } = await createKeyAndCsr(this.identity.name);
    this.pendingKeyPem = keyPem;
    log.info({ hostId: this.identity.hostId }, 'certificate renewal requested: new key pending');
    return csrPem;
  }

  install(certPem: string): RenewedCertificate {
    const keyPem = this.pendingKeyPem;
    if (!keyPem) throw new AgentError('failed_precondition', 'no renewal request is pending here: ask for one first');
    let renewed: RenewedCertificate;
    try {
      renewed = checkRenewedCertificate({
        certPem,
        pendingKeyPem: keyPem,
        caCertPem: this.identity.caCertPem,
        hostId: this.identity.hostId,
      });
    } catch (err) {
      if (err instanceof CertificateRefused) {
        log.warn({ hostId: this.identity.hostId, reason: err.message }, 'renewed certificate refused');
        throw new AgentError('invalid_argument', `certificate refused: ${err.message}`);
      }
      throw err;
    }
    const next: HostIdentity = { ...this.identity, certPem, keyPem };
    writeIdentity(this.target.stateDir, next);
    this.target.serve(next);
    this.identity = next;
    this.pendingKeyPem = undefined;
    log.info(
      { hostId: next.hostId, serial: renewed.serial, notAfter: renewed.notAfter.toISOString() },
      'certificate renewed',
    );
    return renewed;
  }
}
