import { randomUUID } from 'node:crypto';
import { Cloud, servedCertificate, waitFor } from '@xenplane/testing';

/**
 * Host certificate renewal in a whole cloud: an operator's POST /v1/hosts/:id/certificate/renew
 * is carried out by the scheduler's renewer over the host's mutual-TLS channel; the host then
 * serves its new certificate and stays up. (The renewal of a certificate near expiry, and the
 * refusals, are the scheduler's integration test.)
 */
describe('host certificate renewal', () => {
  let cloud: Cloud;
  const DAY = 86_400_000;

  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 2, schedulerEnv: { CERT_RENEW_CHECK_INTERVAL_MS: '1000' } });
  });
  afterAll(() => cloud?.stop());

  type HostView = {
    id: string;
    name: string;
    state: string;
    address: string;
    certificateExpiresAt?: string;
    certificateRenewalRequestedAt?: string;
  };
  const host = async (name: string) =>
    ((await cloud.api.get('/v1/hosts')).body.items as HostView[]).find((h) => h.name === name)!;
  const serialOf = (hex: string) => BigInt(`0x${hex}`);

  it('shows when each enrolled host certificate expires: a year on, nothing renewed yet', async () => {
    for (const name of ['sim-1', 'sim-2']) {
      const h = await host(name);
      const left = Date.parse(h.certificateExpiresAt!) - Date.now();
      expect(left).toBeGreaterThan(364 * DAY);
      expect(left).toBeLessThanOrEqual(365 * DAY);
      expect(h.certificateRenewalRequestedAt).toBeUndefined();
    }
    expect(await cloud.db.event.count({ where: { type: 'host.certificate_renewed' } })).toBe(0);
  });

  it("renews a host's certificate when an operator asks (twice: one renewal), and the host stays reachable", async () => {
    const before = await host('sim-1');
    const row = await cloud.db.host.findUniqueOrThrow({ where: { id: before.id } });
    const identity = await cloud.identity();
    const servedBefore = await servedCertificate(before.address, identity);
    expect(serialOf(servedBefore.serial)).toBe(serialOf(row.certSerial!));

    const first = await cloud.api.post(`/v1/hosts/${before.id}/certificate/renew`, {});
    expect(first.status).toBe(202);
    const second = await cloud.api.post(`/v1/hosts/${before.id}/certificate/renew`, {});
    expect(second.status).toBe(202);
    expect(second.body.certificateRenewalRequestedAt).toBeDefined();
    expect(second.body.certificateRenewalRequestedAt).toBe(first.body.certificateRenewalRequestedAt);

    const after = await waitFor('the renewal to be done', async () => {
      const h = await host('sim-1');
      return h.certificateRenewalRequestedAt ? undefined : h;
    });
    const renewed = await cloud.db.host.findUniqueOrThrow({ where: { id: before.id } });
    expect(renewed.certSerial).not.toBe(row.certSerial);
    expect(after.certificateExpiresAt).toBe(renewed.certExpiresAt!.toISOString());
    const served = await servedCertificate(before.address, identity);
    expect(serialOf(served.serial)).toBe(serialOf(renewed.certSerial!));
    expect(served.hostId).toBe(before.id);
    const events = await cloud.db.event.findMany({
      where: { resourceId: before.id, type: 'host.certificate_renewed' },
    });
    expect(events.map((e) => e.data)).toEqual([
      { name: 'sim-1', serial: renewed.certSerial, expiresAt: after.certificateExpiresAt, reason: 'requested' },
    ]);
    // the other host was left alone
    const other = await cloud.db.host.findFirstOrThrow({ where: { name: 'sim-2' } });
    expect(serialOf((await servedCertificate(other.address, identity)).serial)).toBe(serialOf(other.certSerial!));
    // heartbeats go on (the monitor's channel, and new ones)
    const beat = (await cloud.db.host.findUniqueOrThrow({ where: { id: before.id } })).lastHeartbeatAt!;
    await waitFor('a heartbeat after the renewal', async () => {
      const h = await cloud.db.host.findUniqueOrThrow({ where: { id: before.id } });
      return h.lastHeartbeatAt! > beat ? true : undefined;
    });
    // the renewal counted, and the pool's soonest expiry still a year away
    const metrics = await cloud.metrics('scheduler-1');
    expect(metrics).toContain('xenplane_host_certificate_renewals_total{outcome="renewed"} 1');
    const soonest = /^xenplane_host_certificate_expiry_seconds\{pool="[^"]+"\} (-?\d+)$/m.exec(metrics);
    expect(Number(soonest![1])).toBeGreaterThan(364 * 86_400);
    expect((await host('sim-1')).state).toBe('up');
    expect((await (await cloud.agentClient('sim-1')).getHostInfo({})).hostId).toBe(before.id);
  });

  it('refuses, as problem+json, a host it does not know and one that is down, and records nothing', async () => {
    const unknown = await cloud.api.post(`/v1/hosts/${randomUUID()}/certificate/renew`, {});
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const down = await cloud.db.host.create({
      data: { name: 'gone', poolId: await cloud.defaultPoolId(), address: '127.0.0.1:1', state: 'down' },
    });
    const refused = await cloud.api.post(`/v1/hosts/${down.id}/certificate/renew`, {});
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.body.detail).toMatch(/the host is down/);
    const row = await cloud.db.host.findUniqueOrThrow({ where: { id: down.id } });
    expect(row.certRenewalRequestedAt).toBeNull();
  });
});
