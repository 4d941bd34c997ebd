import { createPrivateKey, X509Certificate } from 'node:crypto';
import { identityFromSubjectAltName } from '@xenplane/pki';

export class CertificateRefused extends Error {
  override name = 'CertificateRefused';
}

export interface RenewedCertificate {
  /** hex, as the TLS peer certificate shows it */
  serial: string;
  notAfter: Date;
}

/**
 * The agent's check of a certificate the control plane sends back for its renewal request:
 * it must be for the key the agent keeps pending, signed by the CA it already trusts, name this
 * host's id and be valid now. Anything else is refused (CertificateRefused, saying why): a
 * certificate the agent cannot serve with, or that would make it another host, must never
 * replace the one that works.
 */
export function checkRenewedCertificate(o: {
  certPem: string;
  pendingKeyPem: string;
  caCertPem: string;
  hostId: string;
  now?: number;
}): RenewedCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(o.certPem);
  } catch {
    throw new CertificateRefused('not a PEM certificate');
  }
  if (!cert.checkPrivateKey(createPrivateKey(o.pendingKeyPem)))
    throw new CertificateRefused('the certificate is not for the key this host asked to have signed');
  const ca = new X509Certificate(o.caCertPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    throw new CertificateRefused('the certificate is not signed by the CA this host trusts');
  const identity = identityFromSubjectAltName(cert.subjectAltName);
  if (identity?.kind !== 'host' || identity.hostId !== o.hostId)
    throw new CertificateRefused(`the certificate does not name this host (${o.hostId})`);
  const now = o.now ?? Date.now();
  const notAfter = new Date(cert.validTo);
  if (now < Date.parse(cert.validFrom) || now >= notAfter.getTime())
    throw new CertificateRefused('the certificate is not valid now');
  return { serial: cert.serialNumber.toLowerCase(), notAfter };
}
