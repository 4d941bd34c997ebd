import {
  createTestDatabase,
  createTestHost,
  seedTestCatalog,
  type TestCatalog,
  type TestDatabase,
} from '@xenplane/testing';
import type { Host } from '../generated/prisma/client';
import { openEvacuation } from '../host-maintenance';
import { HostRepository } from './host.repository';

describe('HostRepository units of work (real Postgres)', () => {
  let t: TestDatabase;
  let c: TestCatalog;
  let hosts: HostRepository;

  beforeAll(async () => {
    t = await createTestDatabase('host_repo');
    c = await seedTestCatalog(t.db);
    hosts = new HostRepository(t.db);
  });
  afterAll(() => t.drop());

  const stateEvents = (hostId: string) => t.db.event.count({ where: { resourceId: hostId, type: 'host.state' } });
  const admitAny = (host: Host | null) => host!;

  it('changes a host from the state it was read in, once, with one event', async () => {
    const h = await createTestHost(t.db, c.poolId);
    expect(await hosts.changeState(h, 'suspect')).toBe(true);
    // a second monitor that read the host `up` too changes nothing
    expect(await hosts.changeState(h, 'down')).toBe(false);
    expect((await t.db.host.findUniqueOrThrow({ where: { id: h.id } })).state).toBe('suspect');
    expect(await stateEvents(h.id)).toBe(1);
  });

  it('puts a host in maintenance with its evacuation; a refusal writes nothing', async () => {
    const h = await createTestHost(t.db, c.poolId);
    await expect(
      hosts.enterMaintenance(h.id, { requestedBy: null, correlationId: null }, () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect((await t.db.host.findUniqueOrThrow({ where: { id: h.id } })).state).toBe('up');
    expect(await openEvacuation(t.db, h.id)).toBeNull();

    const seen: (string | null)[] = [];
    const op = await hosts.enterMaintenance(h.id, { requestedBy: null, correlationId: 'c-1' }, (host, open) => {
      seen.push(host?.state ?? null, open?.id ?? null);
      return host!;
    });
    expect(seen).toEqual(['up', null]);
    expect(op).toMatchObject({ kind: 'evacuate', status: 'queued', hostId: h.id, correlationId: 'c-1' });
    expect((await t.db.host.findUniqueOrThrow({ where: { id: h.id } })).state).toBe('maintenance');
    // the admit callback sees the evacuation now open
    await hosts.enterMaintenance(h.id, null, (host, open) => {
      expect(open?.id).toBe(op!.id);
      return host!;
    });
  });

  it('hands admit a null host when there is none', async () => {
    const seen: unknown[] = [];
    await expect(
      hosts.enable('00000000-0000-4000-8000-000000000000', 'x', (host) => {
        seen.push(host);
        throw new Error('no such host');
      }),
    ).rejects.toThrow('no such host');
    expect(seen).toEqual([null]);
  });

  it('enables a host: back up, its evacuation under way cancelled with the reason', async () => {
    const h = await createTestHost(t.db, c.poolId);
    const op = await hosts.enterMaintenance(h.id, { requestedBy: null, correlationId: null }, admitAny);
    await hosts.enable(h.id, 'the host was enabled', admitAny);
    expect((await t.db.host.findUniqueOrThrow({ where: { id: h.id } })).state).toBe('up');
    expect(await t.db.operation.findUniqueOrThrow({ where: { id: op!.id } })).toMatchObject({
      status: 'cancelled',
      errorMessage: 'the host was enabled',
    });
    // enabling an `up` host writes nothing
    const before = await stateEvents(h.id);
    await hosts.enable(h.id, 'again', admitAny);
    expect(await stateEvents(h.id)).toBe(before);
  });
});
