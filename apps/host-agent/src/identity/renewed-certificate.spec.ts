import { randomUUID } from 'node:crypto';
import { type CertificateAuthority, createCertificateAuthority, createKeyAndCsr } from '@xenplane/pki';
import { CertificateRefused, checkRenewedCertificate } from './renewed-certificate';

describe("the agent's check of a renewed certificate", () => {
  const hostId = randomUUID();
  let ca: CertificateAuthority;
  let otherCa: CertificateAuthority;
  let pending: { keyPem: string; csrPem: string };

  beforeAll(async () => {
    [ca, otherCa, pending] = await Promise.all([
      createCertificateAuthority(),
      createCertificateAuthority('Another CA'),
      createKeyAndCsr('h1'),
    ]);
  });

  const check = (certPem: string, now?: number) =>
    checkRenewedCertificate({
      certPem,
      pendingKeyPem: pending.keyPem,
      caCertPem: ca.caCertPem,
      hostId,
      ...(now === undefined ? {} : { now }),
    });
  const refusal = (certPem: string, now?: number) => {
    try {
      check(certPem, now);
    } catch (err) {
      expect(err).toBeInstanceOf(CertificateRefused);
      return (err as Error).message;
    }
    throw new Error('the certificate was accepted');
  };

  it('accepts the certificate our CA signed for the pending key, naming this host, and says its serial and end', async () => {
    const issued = await ca.signHostCsr(pending.csrPem, { hostId, address: '10.0.0.1:7443' });
    const renewed = check(issued.certPem);
    expect(BigInt(`0x${renewed.serial}`)).toBe(BigInt(`0x${issued.serial}`));
    // X.509 keeps seconds
    expect(Math.abs(renewed.notAfter.getTime() - issued.notAfter.getTime())).toBeLessThan(1_000);
  });

  it('refuses a certificate for another key (the agent could not serve with it)', async () => {
    const other = await createKeyAndCsr('h1');
    const issued = await ca.signHostCsr(other.csrPem, { hostId, address: '10.0.0.1:7443' });
    expect(refusal(issued.certPem)).toMatch(/not for the key this host asked/);
  });

  it('refuses a certificate of another CA, even for the pending key and this host', async () => {
    const issued = await otherCa.signHostCsr(pending.csrPem, { hostId, address: '10.0.0.1:7443' });
    expect(refusal(issued.certPem)).toMatch(/not signed by the CA this host trusts/);
  });

  it('refuses a certificate naming another host (it would make this agent that host)', async () => {
    const issued = await ca.signHostCsr(pending.csrPem, { hostId: randomUUID(), address: '10.0.0.1:7443' });
    expect(refusal(issued.certPem)).toMatch(/does not name this host/);
  });

  it('refuses a certificate that is not valid now', async () => {
    const issued = await ca.signHostCsr(pending.csrPem, { hostId, address: '10.0.0.1:7443', days: 1 });
    expect(refusal(issued.certPem, Date.now() + 2 * 86_400_000)).toMatch(/not valid now/);
  });

  it('refuses what is not a certificate', () => {
    expect(refusal('')).toMatch(/not a PEM certificate/);
    expect(refusal('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toMatch(/not a PEM certificate/);
  });
});
