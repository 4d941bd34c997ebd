// Certificate renewal end to end: the scheduler's renewer (real Postgres, its own Agents client
// and CA) renews a real agent process's short-lived certificate over gRPC with mutual TLS. What
// is checked is what each side keeps: the certificate the agent serves in a new TLS handshake,
// its identity file, and the host's row and events.
import { status as Status } from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostCertificateRepository } from '@xenplane/db';
import { createKeyAndCsr } from '@xenplane/pki';
import {
  createTestDatabase,
  freePort,
  seedTestCatalog,
  servedCertificate,
  StandaloneAgent,
  type TestDatabase,
} from '@xenplane/testing';
import type { SchedulerConfig } from '../config';
import { Agents } from '../infra/agents';
import { CertificateRenewer } from './certificate-renewer';
import { randomUUID } from 'node:crypto';

const DAY = 86_400_000;
const serialOf = (hex: string) => BigInt(`0x${hex}`);

describe('host certificate renewal (real agent process, gRPC with mutual TLS, real Postgres)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xp-cert-renewal-'));
  const caDir = join(dir, 'ca');
  // enrolled 10 days before expiry: inside the default 30 days
  const agent = new StandaloneAgent({ caDir, certDays: 10 });
  let t: TestDatabase;
  let poolId: string;
  let agents: Agents;
  let certificates: HostCertificateRepository;
  let renewer: CertificateRenewer;

  beforeAll(async () => {
    t = await createTestDatabase('cert_renewal');
    poolId = (await seedTestCatalog(t.db)).poolId;
    await agent.start();
    const config = {
      XENPLANE_PKI_DIR: caDir,
      AGENT_CALL_TIMEOUT_MS: 5_000,
      AGENT_CHANNEL_IDLE_MS: 60_000,
      CERT_RENEW_BEFORE_DAYS: 30,
    } as SchedulerConfig;
    agents = new Agents(config);
    certificates = new HostCertificateRepository(t.db);
    renewer = new CertificateRenewer(certificates, agents, config);
    const served = await servedCertificate(agent.address, agent.controlPlane!);
    await t.db.host.create({
      data: {
        id: agent.hostId,
        name: 'renewed',
        poolId,
        address: agent.address,
        state: 'up',
        certSerial: served.serial.toLowerCase(),
        certExpiresAt: served.validTo,
      },
    });
  });
  // each part stopped even when beforeAll failed half-way: no agent process left behind
  afterAll(async () => {
    await agent.destroy();
    await agents?.onApplicationShutdown();
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const identityOnDisk = () => readFileSync(join(agent.stateDir, 'identity.json'), 'utf8');
  const hostRow = () => t.db.host.findUniqueOrThrow({ where: { id: agent.hostId } });
  const renewedEvents = (hostId: string = agent.hostId) =>
    t.db.event.findMany({ where: { resourceId: hostId, type: 'host.certificate_renewed' }, orderBy: { id: 'asc' } });

  it('renews a host whose certificate is near expiry; new connections see the new certificate, its file is replaced', async () => {
    const before = await servedCertificate(agent.address, agent.controlPlane!);
    const fileBefore = JSON.parse(identityOnDisk()) as Record<string, string>;
    expect(before.hostId).toBe(agent.hostId);
    expect(before.validTo.getTime() - Date.now()).toBeLessThan(11 * DAY);
    // a call on a channel made before the renewal: established connections go on
    const oldClient = agent.client();
    await oldClient.getHostInfo({});

    expect(await renewer.renewDue()).toEqual({ renewed: 1, failed: 0, expired: 0 });

    const after = await servedCertificate(agent.address, agent.controlPlane!);
    const row = await hostRow();
    expect(serialOf(after.serial)).not.toBe(serialOf(before.serial));
    expect(serialOf(after.serial)).toBe(serialOf(row.certSerial!));
    expect(after.hostId).toBe(agent.hostId);
    expect(after.validTo.getTime() - Date.now()).toBeGreaterThan(364 * DAY);
    expect(Math.abs(row.certExpiresAt!.getTime() - after.validTo.getTime())).toBeLessThan(1_000);
    expect(row.certFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const events = await renewedEvents();
    expect(events.map((e) => e.data)).toEqual([
      { name: 'renewed', serial: row.certSerial, expiresAt: row.certExpiresAt!.toISOString(), reason: 'expiring' },
    ]);

    const file = JSON.parse(identityOnDisk()) as Record<string, string>;
    expect(file['certPem']).not.toBe(fileBefore['certPem']);
    expect(file['keyPem']).not.toBe(fileBefore['keyPem']);
    expect({ ...file, certPem: '', keyPem: '' }).toEqual({ ...fileBefore, certPem: '', keyPem: '' });
    expect(statSync(join(agent.stateDir, 'identity.json')).mode & 0o777).toBe(0o600);

    // the control plane reaches it: on a new channel (new handshake) and on the old one
    expect((await agent.client(5_000, { ...agent.controlPlane! }).getHostInfo({})).hostId).toBe(agent.hostId);
    expect((await oldClient.getHostInfo({})).hostId).toBe(agent.hostId);
    // done: the next round has nothing to renew
    expect(await renewer.renewDue()).toEqual({ renewed: 0, failed: 0, expired: 0 });
  });

  it('the renewed identity survives a restart of the agent', async () => {
    const served = await servedCertificate(agent.address, agent.controlPlane!);
    await agent.stop();
    await agent.start();
    expect(serialOf((await servedCertificate(agent.address, agent.controlPlane!)).serial)).toBe(
      serialOf(served.serial),
    );
  });

  it("renews at an operator's request (asked twice, done once) however long is left", async () => {
    const before = await hostRow();
    expect(await certificates.requestRenewal(agent.hostId)).toBe(true);
    const asked = (await hostRow()).certRenewalRequestedAt!;
    expect(await certificates.requestRenewal(agent.hostId)).toBe(true);
    expect((await hostRow()).certRenewalRequestedAt).toEqual(asked);
    expect(await certificates.requestRenewal(randomUUID())).toBe(false);

    expect(await renewer.renewDue()).toEqual({ renewed: 1, failed: 0, expired: 0 });
    const after = await hostRow();
    expect(after.certSerial).not.toBe(before.certSerial);
    expect(after.certRenewalRequestedAt).toBeNull();
    expect((await renewedEvents()).at(-1)!.data).toMatchObject({ reason: 'requested', serial: after.certSerial });
    expect(serialOf((await servedCertificate(agent.address, agent.controlPlane!)).serial)).toBe(
      serialOf(after.certSerial!),
    );
  });

  it('a certificate the agent refuses leaves its identity, on disk and served, as it was', async () => {
    const fileBefore = identityOnDisk();
    const served = await servedCertificate(agent.address, agent.controlPlane!);
    const client = agent.client();
    const { csrPem } = await client.requestCertificateRenewal({});
    const ca = await agents.authority();
    const stranger = await createKeyAndCsr('x');
    const refused = [
      (await ca.signHostCsr(csrPem, { hostId: randomUUID(), address: agent.address })).certPem,
      (await ca.signHostCsr(stranger.csrPem, { hostId: agent.hostId, address: agent.address })).certPem,
    ];
    for (const certificatePem of refused) {
      await expect(client.installCertificate({ certificatePem })).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
      });
    }
    expect(identityOnDisk()).toBe(fileBefore);
    expect((await servedCertificate(agent.address, agent.controlPlane!)).serial).toBe(served.serial);
    expect((await agent.client(5_000, { ...agent.controlPlane! }).getHostInfo({})).hostId).toBe(agent.hostId);
  });

  it('an agent killed between request and certificate restarts on its old identity, refuses the late certificate, and is renewed at the next round', async () => {
    const fileBefore = identityOnDisk();
    const served = await servedCertificate(agent.address, agent.controlPlane!);
    const rowBefore = await hostRow();
    const { csrPem } = await agent.client().requestCertificateRenewal({});
    await agent.process!.kill();
    await agent.start();
    expect(identityOnDisk()).toBe(fileBefore);
    expect((await servedCertificate(agent.address, agent.controlPlane!)).serial).toBe(served.serial);
    // the certificate for the key it made before it died: that key is gone with the process
    const late = await (await agents.authority()).signHostCsr(csrPem, { hostId: agent.hostId, address: agent.address });
    await expect(agent.client().installCertificate({ certificatePem: late.certPem })).rejects.toMatchObject({
      code: Status.FAILED_PRECONDITION,
    });
    expect(identityOnDisk()).toBe(fileBefore);

    await certificates.requestRenewal(agent.hostId);
    expect(await renewer.renewDue()).toEqual({ renewed: 1, failed: 0, expired: 0 });
    const row = await hostRow();
    expect(row.certSerial).not.toBe(rowBefore.certSerial);
    expect(serialOf((await servedCertificate(agent.address, agent.controlPlane!)).serial)).toBe(
      serialOf(row.certSerial!),
    );
  });

  it('only the control plane may renew: a host certificate of the same CA is refused', async () => {
    const fileBefore = identityOnDisk();
    const peer = agent.client(5_000, await agent.hostIdentity());
    await expect(peer.requestCertificateRenewal({})).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });
    await expect(peer.installCertificate({ certificatePem: 'x' })).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
    expect(identityOnDisk()).toBe(fileBefore);
  });

  it('a host it cannot reach keeps its row as it was and is tried again; an expired one is reported, not called', async () => {
    const silent = await t.db.host.create({
      data: {
        name: 'silent',
        poolId,
        address: `127.0.0.1:${await freePort()}`,
        state: 'up',
        certSerial: 'aa',
        certExpiresAt: new Date(Date.now() + 2 * DAY),
      },
    });
    const expired = await t.db.host.create({
      data: {
        name: 'expired',
        poolId,
        address: '127.0.0.1:1',
        state: 'up',
        certSerial: 'bb',
        certExpiresAt: new Date(Date.now() - DAY),
      },
    });
    expect(await renewer.renewDue()).toEqual({ renewed: 0, failed: 1, expired: 1 });
    for (const h of [silent, expired]) {
      const row = await t.db.host.findUniqueOrThrow({ where: { id: h.id } });
      expect({ serial: row.certSerial, expiresAt: row.certExpiresAt }).toEqual({
        serial: h.certSerial,
        expiresAt: h.certExpiresAt,
      });
      expect(await renewedEvents(h.id)).toEqual([]);
    }
    // still a candidate at the next round; the expired one is reported again, never a candidate
    const now = new Date();
    expect((await certificates.candidates(now, new Date(now.getTime() + 30 * DAY), 10)).map((h) => h.name)).toEqual([
      'silent',
    ]);
    expect((await certificates.expired(now, 10)).map((h) => h.name)).toEqual(['expired']);
  });
});
