import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import { IdempotencyRepository } from './idempotency.repository';

describe('IdempotencyRepository (real Postgres)', () => {
  let t: TestDatabase;
  let records: IdempotencyRepository;
  beforeAll(async () => {
    t = await createTestDatabase('idempotency');
    records = new IdempotencyRepository(t.db);
  });
  afterAll(() => t.drop());

  const claim = (scope: string, key: string, method = 'POST') =>
    records.claim({
      scope,
      key,
      method,
      path: '/v1/vms',
      requestHash: 'h',
      lockedUntil: new Date(Date.now() + 30_000),
      expiresAt: new Date(Date.now() + 3_600_000),
    });

  it('keeps the newest answered keys of a caller over the bound, and leaves others and keys in flight alone', async () => {
    for (let i = 0; i < 8; i++) {
      expect(await claim('flood', `k${i}`)).toBe(true);
      await t.db
        .$executeRaw`UPDATE idempotency_records SET created_at = now() - ${8 - i} * interval '1 minute' WHERE key = ${`k${i}`}`;
      if (i !== 0) await records.recordAnswer('flood', `k${i}`, 202, { n: i });
    }
    await claim('calm', 'only');
    await records.recordAnswer('calm', 'only', 202, {});

    // 8 keys, the oldest still in flight: the bound of 3 keeps the 3 newest answers and the one in flight
    expect(await records.trimPerScope(3)).toBe(4);
    const left = await t.db.idempotencyRecord.findMany();
    expect(left.map((r) => `${r.scope}/${r.key}`).sort()).toEqual([
      'calm/only',
      'flood/k0',
      'flood/k5',
      'flood/k6',
      'flood/k7',
    ]);
    expect(await records.trimPerScope(3)).toBe(0);
  });

  it('records the method a key was claimed with', async () => {
    expect(await claim('deleter', 'd1', 'DELETE')).toBe(true);
    expect(await records.find('deleter', 'd1')).toMatchObject({ method: 'DELETE' });
  });
});
