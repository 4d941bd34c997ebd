// The agent's half of certificate renewal against its real state directory: what is on disk
// after each refusal and after an installation.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CertificateAuthority, createCertificateAuthority, createKeyAndCsr } from '@xenplane/pki';
import type { HostIdentity } from '../enrollment/enrollment';
import { AgentError } from '../errors';
import { CertificateRenewal } from './certificate-renewal';
import { identityFile, readIdentity, writeIdentity } from './identity-file';

describe('CertificateRenewal (the agent side, its identity file)', () => {
  const root = mkdtempSync(join(tmpdir(), 'xp-renewal-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let ca: CertificateAuthority;
  let otherCa: CertificateAuthority;

  beforeAll(async () => {
    [ca, otherCa] = await Promise.all([createCertificateAuthority(), createCertificateAuthority('Another CA')]);
  });

  /** An enrolled host: its identity file written, as enrollment leaves it. */
  const enrolled = async () => {
    const stateDir = mkdtempSync(join(root, 'host-'));
    const hostId = randomUUID();
    const { keyPem, csrPem } = await createKeyAndCsr('h');
    const cert = await ca.signHostCsr(csrPem, { hostId, address: '127.0.0.1:7443', days: 5 });
    const identity: HostIdentity = {
      hostId,
      poolId: randomUUID(),
      name: 'h',
      address: '127.0.0.1:7443',
      caCertPem: ca.caCertPem,
      certPem: cert.certPem,
      keyPem,
    };
    writeIdentity(stateDir, identity);
    const served: HostIdentity[] = [];
    const renewal = new CertificateRenewal(identity, { stateDir, serve: (i) => served.push(i) });
    return { stateDir, identity, renewal, served, before: readFileSync(identityFile(stateDir), 'utf8') };
  };
  const refusedWith = (fn: () => unknown): AgentError => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(AgentError);
      return err as AgentError;
    }
    throw new Error('accepted');
  };

  it('installs the certificate signed for its pending key: identity file replaced (0600, nothing left beside it), served', async () => {
    const h = await enrolled();
    const csrPem = await h.renewal.request();
    const issued = await ca.signHostCsr(csrPem, { hostId: h.identity.hostId, address: h.identity.address });
    const renewed = h.renewal.install(issued.certPem);

    expect(BigInt(`0x${renewed.serial}`)).toBe(BigInt(`0x${issued.serial}`));
    const onDisk = readIdentity(h.stateDir)!;
    expect(onDisk.certPem).toBe(issued.certPem);
    expect(onDisk.keyPem).not.toBe(h.identity.keyPem);
    expect({ ...onDisk, certPem: '', keyPem: '' }).toEqual({ ...h.identity, certPem: '', keyPem: '' });
    expect(statSync(identityFile(h.stateDir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(h.stateDir)).toEqual(['identity.json']);
    expect(h.served).toEqual([onDisk]);
    // the key is spent: installing again needs a new request
    expect(refusedWith(() => h.renewal.install(issued.certPem)).code).toBe('failed_precondition');
  });

  it.each([
    [
      'for another key',
      async (_csr: string, id: string) => {
        const other = await createKeyAndCsr('h');
        return (await ca.signHostCsr(other.csrPem, { hostId: id, address: 'a:1' })).certPem;
      },
    ],
    [
      'of another CA',
      async (csr: string, id: string) => (await otherCa.signHostCsr(csr, { hostId: id, address: 'a:1' })).certPem,
    ],
    [
      'naming another host',
      async (csr: string) => (await ca.signHostCsr(csr, { hostId: randomUUID(), address: 'a:1' })).certPem,
    ],
    ['that is no certificate', async () => 'garbage'],
  ])('refuses a certificate %s, and leaves its identity as it was', async (_what, make) => {
    const h = await enrolled();
    const csrPem = await h.renewal.request();
    const bad = await make(csrPem, h.identity.hostId);

    expect(refusedWith(() => h.renewal.install(bad)).code).toBe('invalid_argument');
    expect(readFileSync(identityFile(h.stateDir), 'utf8')).toBe(h.before);
    expect(readdirSync(h.stateDir)).toEqual(['identity.json']);
    expect(h.served).toEqual([]);
    // the pending key is still there: the right certificate is still accepted
    const good = await ca.signHostCsr(csrPem, { hostId: h.identity.hostId, address: h.identity.address });
    h.renewal.install(good.certPem);
    expect(readIdentity(h.stateDir)!.certPem).toBe(good.certPem);
  });

  it('refuses an installation with no request pending (an agent restarted meanwhile has forgotten its key)', async () => {
    const h = await enrolled();
    const first = await h.renewal.request();
    // a restarted agent: a new CertificateRenewal, nothing pending
    const restarted = new CertificateRenewal(readIdentity(h.stateDir)!, {
      stateDir: h.stateDir,
      serve: () => undefined,
    });
    const issued = await ca.signHostCsr(first, { hostId: h.identity.hostId, address: h.identity.address });
    expect(refusedWith(() => restarted.install(issued.certPem)).code).toBe('failed_precondition');
    expect(readFileSync(identityFile(h.stateDir), 'utf8')).toBe(h.before);
  });

  it('completes only the latest request (a new one replaces the pending key)', async () => {
    const h = await enrolled();
    const first = await h.renewal.request();
    const second = await h.renewal.request();
    const forFirst = await ca.signHostCsr(first, { hostId: h.identity.hostId, address: h.identity.address });
    expect(refusedWith(() => h.renewal.install(forFirst.certPem)).message).toMatch(/not for the key/);
    expect(readFileSync(identityFile(h.stateDir), 'utf8')).toBe(h.before);
    const forSecond = await ca.signHostCsr(second, { hostId: h.identity.hostId, address: h.identity.address });
    h.renewal.install(forSecond.certPem);
    expect(existsSync(`${identityFile(h.stateDir)}.new`)).toBe(false);
    expect(readIdentity(h.stateDir)!.certPem).toBe(forSecond.certPem);
  });

  it('a crash while writing leaves the old identity: a torn identity.json.new is ignored, then overwritten', async () => {
    const h = await enrolled();
    // what a crash between the temp file's write and its rename leaves behind
    writeFileSync(`${identityFile(h.stateDir)}.new`, '{"hostId": "torn', { mode: 0o600 });
    expect(readIdentity(h.stateDir)).toEqual(h.identity);
    const csrPem = await h.renewal.request();
    const issued = await ca.signHostCsr(csrPem, { hostId: h.identity.hostId, address: h.identity.address });
    h.renewal.install(issued.certPem);
    expect(readIdentity(h.stateDir)!.certPem).toBe(issued.certPem);
    expect(readdirSync(h.stateDir)).toEqual(['identity.json']);
  });
});
