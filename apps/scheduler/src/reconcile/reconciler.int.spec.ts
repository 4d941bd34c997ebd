import { VmRepository } from '@xenplane/db';
import {
  createTestDatabase,
  createTestHost,
  seedTestCatalog,
  type TestCatalog,
  type TestDatabase,
} from '@xenplane/testing';
import type { SchedulerConfig } from '../config';
import type { HostMonitor } from '../hosts/host-monitor';
import type { Agents } from '../infra/agents';
import { Reconciler } from './reconciler';

const SETTLE_MS = 2_000;

/**
 * A heartbeat round can take seconds on a loaded machine: a report must be judged by when the
 * host was asked, not by when the round ended, or a VM that came up in between looks vanished.
 */
describe('Reconciler (real Postgres)', () => {
  let t: TestDatabase;
  let c: TestCatalog;
  let reconciler: Reconciler;

  beforeAll(async () => {
    t = await createTestDatabase('reconciler');
    c = await seedTestCatalog(t.db);
    const config = { RECONCILE_SETTLE_MS: SETTLE_MS, STUCK_AFTER_MS: 600_000 } as SchedulerConfig;
    const agents = {
      call: () => Promise.reject(new Error('no agent call is expected here')),
    } as unknown as Agents;
    reconciler = new Reconciler(new VmRepository(t.db), config, {} as HostMonitor, agents);
  });
  afterAll(() => t.drop());

  const runningVm = async (hostId: string, stateChangedAt: Date) =>
    t.db.vm.create({
      data: {
        projectId: c.projectId,
        name: 'v',
        state: 'running',
        hostId,
        stateChangedAt,
        flavorId: c.flavorId,
        imageId: c.imageId,
        guestType: 'pv',
        vcpus: 1,
        memoryMb: 512,
        diskGb: 1,
      },
    });
  const noDomains = { domains: [] } as never;

  it('leaves a VM that became running after its host was asked, however late the round ends', async () => {
    const host = await createTestHost(t.db, c.poolId);
    const askedAt = new Date(Date.now() - 10 * SETTLE_MS);
    const vm = await runningVm(host.id, new Date(askedAt.getTime() + 1_000));

    await reconciler.reconcile([{ host: host as never, response: noDomains, askedAt }]);

    expect(await t.db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({
      state: 'running',
      errorCode: null,
    });
  });

  it('marks a running VM whose domain is missing from a report asked for after it settled', async () => {
    const host = await createTestHost(t.db, c.poolId);
    const askedAt = new Date();
    const vm = await runningVm(host.id, new Date(askedAt.getTime() - SETTLE_MS - 1_000));

    await reconciler.reconcile([{ host: host as never, response: noDomains, askedAt }]);

    expect(await t.db.vm.findUniqueOrThrow({ where: { id: vm.id } })).toMatchObject({
      state: 'stopped',
      errorCode: 'domain_vanished',
      hostId: host.id,
    });
  });
});
