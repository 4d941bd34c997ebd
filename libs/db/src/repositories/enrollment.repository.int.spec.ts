import { createTestDatabase, seedTestCatalog, type TestCatalog, type TestDatabase } from '@xenplane/testing';
import { EnrollmentRepository } from './enrollment.repository';
import { SystemRepository } from './system.repository';

describe('EnrollmentRepository.enroll and SystemRepository.seed (real Postgres)', () => {
  let t: TestDatabase;
  let c: TestCatalog;
  let enrollments: EnrollmentRepository;

  beforeAll(async () => {
    t = await createTestDatabase('enroll_repo');
    c = await seedTestCatalog(t.db);
    enrollments = new EnrollmentRepository(t.db);
  });
  afterAll(() => t.drop());

  const token = (tokenHash: string) =>
    enrollments.createToken({ tokenHash, poolId: c.poolId, expiresAt: new Date(Date.now() + 60_000) });
  const hostId = '11111111-1111-4111-8111-111111111111';

  it('leaves the token unspent and creates no host when admit refuses (a bad CSR)', async () => {
    await token('hash-a');
    await expect(
      enrollments.enroll('hash-a', hostId, async () => {
        throw new Error('bad csr');
      }),
    ).rejects.toThrow('bad csr');
    expect((await t.db.enrollmentToken.findUniqueOrThrow({ where: { tokenHash: 'hash-a' } })).usedAt).toBeNull();
    expect(await t.db.host.count({ where: { id: hostId } })).toBe(0);
  });

  it('spends the token once: the host in its pool with its event; a second use sees no token', async () => {
    const { host } = await enrollments.enroll('hash-a', hostId, async (tok) => {
      expect(tok?.poolId).toBe(c.poolId);
      return { name: 'h-enrolled', address: '10.0.0.9:7443' };
    });
    expect(host).toMatchObject({ id: hostId, poolId: c.poolId, name: 'h-enrolled' });
    expect(await t.db.event.count({ where: { resourceId: hostId, type: 'host.state' } })).toBe(1);
    const seen: unknown[] = [];
    await expect(
      enrollments.enroll('hash-a', '22222222-2222-4222-8222-222222222222', async (tok) => {
        seen.push(tok);
        throw new Error('unknown, used or expired');
      }),
    ).rejects.toThrow();
    expect(seen).toEqual([null]);
  });

  it('seeds once: a second seed (another API replica) adds nothing and asks for no token', async () => {
    const system = new SystemRepository(t.db);
    let asked = 0;
    const seed = {
      lock: 42,
      adminProject: 'admin',
      defaultPool: 'default',
      defaultNetwork: {
        name: 'default',
        bridge: 'xenbr0',
        cidr: '10.0.0.0/16',
        gateway: '10.0.0.1',
        dns: [],
        rangeStart: '10.0.0.10',
        rangeEnd: '10.0.255.254',
      },
      flavors: [{ name: 'small', vcpus: 1, memoryMb: 512, diskGb: 1 }],
      images: [{ name: 'img', guestType: 'pv' as const, sizeGb: 1 }],
      adminToken: () => ({ name: 'bootstrap-admin', tokenHash: `h${++asked}`, prefix: 'xp_' }),
    };
    const [a, b] = await Promise.all([system.seed(seed), system.seed(seed)]);
    expect([a, b].sort()).toEqual([false, true]);
    expect(asked).toBe(1);
    expect(await t.db.token.count({ where: { role: 'admin', projectId: null } })).toBe(1);
    // the catalog had rows already (seedTestCatalog): none were added
    expect(await t.db.flavor.count({ where: { name: 'small' } })).toBe(0);
    expect(await t.db.pool.count({ where: { name: 'default' } })).toBe(1);
    // the default pool got its default network once
    expect(await t.db.network.findMany({ where: { pool: { name: 'default' } } })).toEqual([
      expect.objectContaining({ name: 'default', bridge: 'xenbr0', cidr: '10.0.0.0/16', isDefault: true }),
    ]);
    expect(await system.ping()).toBe(true);
  });

  it('gives the default pool a network only while it has none: one an operator made or changed stays as it is', async () => {
    const system = new SystemRepository(t.db);
    const pool = await t.db.pool.findUniqueOrThrow({ where: { name: 'default' } });
    await t.db.network.updateMany({ where: { poolId: pool.id }, data: { isDefault: false, name: 'renamed' } });
    await system.seed({
      lock: 42,
      adminProject: 'admin',
      defaultPool: 'default',
      defaultNetwork: {
        name: 'default',
        bridge: 'xenbr0',
        cidr: '10.0.0.0/16',
        gateway: '10.0.0.1',
        dns: [],
        rangeStart: '10.0.0.10',
        rangeEnd: '10.0.255.254',
      },
      flavors: [],
      images: [],
      adminToken: () => ({ name: 'never', tokenHash: 'never', prefix: 'xp_' }),
    });
    expect(
      await t.db.network.findMany({ where: { poolId: pool.id }, select: { name: true, isDefault: true } }),
    ).toEqual([{ name: 'renamed', isDefault: false }]);
  });
});
