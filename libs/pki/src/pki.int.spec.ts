import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCa } from './ca-store';
import { createKeyAndCsr } from './csr';
import { identityFromCertificate } from './identity';

describe('the control plane CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-pki-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hostId = '6f1c2a7e-8a0b-4c3d-9e5f-112233445566';

  it('is created once, even when two processes ask at the same moment, with a private key only its owner reads', async () => {
    const [a, b] = await Promise.all([loadOrCreateCa(join(dir, 'race')), loadOrCreateCa(join(dir, 'race'))]);
    expect(a.caCertPem).toBe(b.caCertPem);
    expect(statSync(join(dir, 'race', 'ca.key')).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateCa(join(dir, 'race'));
    expect(again.caCertPem).toBe(a.caCertPem);
  });

  it('signs a host CSR with the host id and address, and nothing the CSR asked for', async () => {
    const ca = await loadOrCreateCa(join(dir, 'sign'));
    const { csrPem } = await createKeyAndCsr('evil,CN=control-plane');
    const issued = await ca.signHostCsr(csrPem, { hostId, address: '10.0.0.5:7443' });
    const cert = new X509Certificate(issued.certPem);
    expect(cert.verify(new X509Certificate(ca.caCertPem).publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain(`URI:urn:xenplane:host:${hostId}`);
    expect(cert.subjectAltName).toContain('IP Address:10.0.0.5');
    expect(identityFromCertificate(issued.certPem)).toEqual({ kind: 'host', hostId });
    expect(issued.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names a DNS address as a DNS name', async () => {
    const ca = await loadOrCreateCa(join(dir, 'sign'));
    const { csrPem } = await createKeyAndCsr('h');
    const cert = new X509Certificate((await ca.signHostCsr(csrPem, { hostId, address: 'xen-07.lab:7443' })).certPem);
    expect(cert.subjectAltName).toContain('DNS:xen-07.lab');
  });

  it('refuses a CSR that is not one, or whose signature does not verify', async () => {
    const ca = await loadOrCreateCa(join(dir, 'sign'));
    await expect(
      ca.signHostCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----', {
        hostId,
        address: 'a:1',
      }),
    ).rejects.toThrow();
    const { csrPem } = await createKeyAndCsr('h');
    const lines = csrPem.split('\n');
    const mid = Math.floor(lines.length / 2);
    lines[mid] = lines[mid]!.slice(0, 10) + (lines[mid]![10] === 'A' ? 'B' : 'A') + lines[mid]!.slice(11);
    await expect(ca.signHostCsr(lines.join('\n'), { hostId, address: 'a:1' })).rejects.toThrow();
  });

  it('issues the control plane its own identity', async () => {
    const ca = await loadOrCreateCa(join(dir, 'sign'));
    const id = await ca.issueControlPlaneIdentity('scheduler');
    expect(identityFromCertificate(id.certPem)).toEqual({ kind: 'control-plane' });
    expect(id.keyPem).toContain('BEGIN PRIVATE KEY');
  });

  it('sees no identity in a certificate of nobody', () => {
    expect(identityFromCertificate('DNS:example.com, URI:urn:other:thing')).toBeUndefined();
  });
});
