// The x509 toolkit is loaded on first use only: an agent in a 512 MB dom0 needs it once, to
// enroll, and never again (identity checks use Node's own X509 parser).
import type { CertificateAuthority } from './certificate-authority';

export * from './identity';
export * from './migration-ticket';
export type { CertificateAuthority, IssuedCert } from './certificate-authority';

export async function loadOrCreateCa(dir: string): Promise<CertificateAuthority> {
  return (await import('./ca-store')).loadOrCreateCa(dir);
}

/** A CA in memory only (tests): the deployed one is loadOrCreateCa's, kept in its directory. */
export async function createCertificateAuthority(commonName?: string): Promise<CertificateAuthority> {
  return (await (await import('./certificate-authority')).CertificateAuthority.create(commonName)).ca;
}

export async function createKeyAndCsr(commonName: string): Promise<{ keyPem: string; csrPem: string }> {
  return (await import('./csr')).createKeyAndCsr(commonName);
}
