import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import { releaseQuota } from './quota';

describe('releaseQuota (real Postgres)', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('quota');
  });
  afterAll(() => t.drop());

  it('gives back exactly what a VM took, to its project only', async () => {
    const used = { usedInstances: 3, usedVcpus: 6, usedMemoryMb: 6144, usedDiskGb: 60 };
    const [p, other] = [
      await t.db.project.create({ data: { name: 'q', ...used } }),
      await t.db.project.create({ data: { name: 'q2', ...used } }),
    ];
    await releaseQuota(t.db, p.id, { instances: 1, vcpus: 2, memoryMb: 2048, diskGb: 20 });
    expect(await t.db.project.findUniqueOrThrow({ where: { id: p.id } })).toMatchObject({
      usedInstances: 2,
      usedVcpus: 4,
      usedMemoryMb: 4096,
      usedDiskGb: 40,
    });
    expect(await t.db.project.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject(used);
  });
});
