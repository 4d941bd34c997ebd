import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCa } from './ca-store';
import type { CertificateAuthority } from './certificate-authority';
import { createKeyAndCsr } from './csr';
import {
  type MigrationClaims,
  MigrationTicketError,
  signMigrationTicket,
  verifyMigrationTicket,
} from './migration-ticket';

describe('migration tickets (a real CA)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-ticket-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const now = Date.now();
  const claims: MigrationClaims = {
    vmId: '0b6f3f2e-8c1a-4a51-9d3e-000000000001',
    sourceHostId: '6f1c2a7e-8a0b-4c3d-9e5f-000000000001',
    targetHostId: '6f1c2a7e-8a0b-4c3d-9e5f-000000000002',
    expiresAt: now + 60_000,
  };
  const { expiresAt: _ignored, ...expect_ } = claims;
  let ca: CertificateAuthority;
  let controlPlane: { certPem: string; keyPem: string };
  beforeAll(async () => {
    ca = await loadOrCreateCa(join(dir, 'ca'));
    controlPlane = await ca.issueControlPlaneIdentity('scheduler');
  });
  const check = (ticket: string, over: Partial<typeof expect_> = {}, at = now) =>
    verifyMigrationTicket(ticket, { caCertPem: ca.caCertPem, expect: { ...expect_, ...over }, now: at });

  it('admits the migration the control plane signed for', () => {
    expect(() => check(signMigrationTicket(controlPlane, claims))).not.toThrow();
  });

  it.each([
    ['another VM', { vmId: '0b6f3f2e-8c1a-4a51-9d3e-000000000009' }, /another VM/],
    [
      'another source (the caller is not the host named)',
      { sourceHostId: '6f1c2a7e-8a0b-4c3d-9e5f-000000000009' },
      /another source host/,
    ],
    ['another target', { targetHostId: '6f1c2a7e-8a0b-4c3d-9e5f-000000000009' }, /another target host/],
  ])('refuses a ticket for %s', (_what, over, message) => {
    expect(() => check(signMigrationTicket(controlPlane, claims), over)).toThrow(message);
  });

  it('refuses an expired ticket, and one valid for longer than a migration needs to start', () => {
    expect(() => check(signMigrationTicket(controlPlane, claims), {}, claims.expiresAt)).toThrow(/expired/);
    expect(() => check(signMigrationTicket(controlPlane, { ...claims, expiresAt: now + 24 * 3_600_000 }))).toThrow(
      /too long/,
    );
  });

  it('refuses a ticket a host signed (a host cannot give itself permission)', async () => {
    const { keyPem, csrPem } = await createKeyAndCsr('rogue');
    const host = await ca.signHostCsr(csrPem, { hostId: claims.sourceHostId, address: '127.0.0.1:1' });
    expect(() => check(signMigrationTicket({ certPem: host.certPem, keyPem }, claims))).toThrow(
      /not signed by the control plane/,
    );
  });

  it("refuses a ticket signed under another CA's control plane", async () => {
    const other = await loadOrCreateCa(join(dir, 'other'));
    const stranger = await other.issueControlPlaneIdentity('scheduler');
    expect(() => check(signMigrationTicket(stranger, claims))).toThrow(/not signed under our CA/);
  });

  it('refuses claims changed after signing, and garbage', () => {
    const [, signature, cert] = signMigrationTicket(controlPlane, claims).split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...claims, targetHostId: '6f1c2a7e-8a0b-4c3d-9e5f-000000000009' }),
    ).toString('base64url');
    expect(() =>
      check(`${forged}.${signature}.${cert}`, { targetHostId: '6f1c2a7e-8a0b-4c3d-9e5f-000000000009' }),
    ).toThrow(/signature does not match/);
    for (const bad of ['', 'a.b', 'a.b.c.d', 'a.b.c', 'x'.repeat(10_000)])
      expect(() => check(bad)).toThrow(MigrationTicketError);
  });
});
