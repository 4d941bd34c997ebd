import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { CONTROL_PLANE_URI, hostUri } from './identity';
import { type CryptoKey, generateKeys, newSerial, privateKeyPem, SIGNING_ALGORITHM, x509 } from './crypto';

export interface IssuedCert {
  certPem: string;
  serial: string;
  /** sha256 of the DER, hex */
  fingerprint: string;
  /** the end of its validity */
  notAfter: Date;
}

const DAY_MS = 86_400_000;
const HOST_CERT_DAYS = 365;
const CONTROL_PLANE_CERT_DAYS = 30;

/**
 * The control plane's own CA: it signs each enrolled agent's key (server and client use, named
 * by its host id) and the control plane's client identity. Trust is this CA and nothing else.
 */
export class CertificateAuthority {
  constructor(
    readonly caCertPem: string,
    private readonly cert: x509.X509Certificate,
    private readonly key: CryptoKey,
  ) {}

  static async create(commonName = 'Xenplane CA'): Promise<{ ca: CertificateAuthority; keyPem: string }> {
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: newSerial(),
      name: `CN=${commonName}`,
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + 10 * 365 * DAY_MS),
      keys,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const pem = cert.toString('pem');
    return { ca: new CertificateAuthority(pem, cert, keys.privateKey), keyPem: await privateKeyPem(keys.privateKey) };
  }

  /**
   * Signs an enrolling agent's request. The certificate names the host by id (URI SAN) and by
   * the address the control plane dials (IP or DNS SAN); the CSR's own subject is ignored.
   * Enrollment and renewal both use it: 365 days (`days` is for tests of a short-lived one).
   */
  async signHostCsr(csrPem: string, o: { hostId: string; address: string; days?: number }): Promise<IssuedCert> {
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(csrPem);
    } catch {
      throw new Error('not a PKCS#10 certificate request');
    }
    if (!(await csr.verify())) throw new Error('the certificate request signature does not verify');
    const host = o.address.replace(/:\d+$/, '');
    return this.issue(
      csr.publicKey,
      `CN=${o.hostId}`,
      o.days ?? HOST_CERT_DAYS,
      [
        { type: 'url', value: hostUri(o.hostId) },
        isIP(host) ? { type: 'ip', value: host } : { type: 'dns', value: host },
      ],
      [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
    );
  }

  /** A client identity for the control plane's own processes (the scheduler). */
  async issueControlPlaneIdentity(name: string): Promise<{ keyPem: string; certPem: string }> {
    const keys = await generateKeys();
    const publicKey = await x509.PublicKey.create(keys.publicKey);
    const issued = await this.issue(
      publicKey,
      `CN=xenplane-${name}`,
      CONTROL_PLANE_CERT_DAYS,
      [{ type: 'url', value: CONTROL_PLANE_URI }],
      [x509.ExtendedKeyUsage.clientAuth],
    );
    return { keyPem: await privateKeyPem(keys.privateKey), certPem: issued.certPem };
  }

  private async issue(
    publicKey: x509.PublicKey,
    subject: string,
    days: number,
    names: x509.JsonGeneralName[],
    usages: string[],
  ): Promise<IssuedCert> {
    const serial = newSerial();
    const notAfter = new Date(Date.now() + days * DAY_MS);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject,
      issuer: this.cert.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter,
      signingKey: this.key,
      publicKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension(usages, false),
        new x509.SubjectAlternativeNameExtension(names, false),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert, false),
      ],
    });
    return {
      certPem: cert.toString('pem'),
      serial,
      fingerprint: createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex'),
      notAfter: cert.notAfter,
    };
  }
}
