import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import { TokenRepository } from './token.repository';

describe('TokenRepository (real Postgres)', () => {
  let t: TestDatabase;
  let tokens: TokenRepository;
  let projectId: string;

  beforeAll(async () => {
    t = await createTestDatabase('token_repo');
    tokens = new TokenRepository(t.db);
    projectId = (await t.db.project.create({ data: { name: 'p' } })).id;
  });
  afterAll(() => t.drop());

  const make = (name: string, project: string | null = projectId) =>
    tokens.create({
      projectId: project,
      name,
      role: project ? 'member' : 'operator',
      tokenHash: `hash-${name}`,
      prefix: null,
    });

  it('records the last uses of many tokens in one statement, never moving a time back', async () => {
    const [a, b, c] = [await make('a'), await make('b'), await make('c')];
    const t1 = new Date('2026-12-05T10:00:00.123Z');
    const t2 = new Date('2026-12-05T10:00:05.456Z');
    let statements = 0;
    const counted = new TokenRepository(
      t.db.$extends({
        query: {
          $allOperations: ({ args, query }) => {
            statements++;
            return query(args);
          },
        },
      }) as unknown as typeof t.db,
    );
    await counted.markUsed([
      { id: a.id, at: t2 },
      { id: b.id, at: t1 },
      { id: '00000000-0000-4000-8000-000000000000', at: t2 }, // deleted since: ignored
    ]);
    expect(statements).toBe(1);
    // an older use flushed late (another replica's batch) changes nothing; a newer one moves it on
    await tokens.markUsed([
      { id: a.id, at: t1 },
      { id: b.id, at: t2 },
    ]);
    const rows = await t.db.token.findMany({ where: { id: { in: [a.id, b.id, c.id] } }, orderBy: { name: 'asc' } });
    expect(rows.map((r) => [r.name, r.lastUsedAt?.toISOString() ?? null])).toEqual([
      ['a', t2.toISOString()],
      ['b', t2.toISOString()],
      ['c', null],
    ]);
  });

  it('writes nothing for an empty batch', async () => {
    const before = await t.db.token.findMany({ orderBy: { id: 'asc' } });
    await tokens.markUsed([]);
    expect(await t.db.token.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
  });

  it('revokes once: a second revocation of the same token reports it did nothing', async () => {
    const token = await make('once');
    expect(await tokens.revoke(token.id)).toBe(true);
    const revokedAt = (await tokens.find(token.id))!.revokedAt;
    expect(revokedAt).toBeInstanceOf(Date);
    expect(await tokens.revoke(token.id)).toBe(false);
    expect((await tokens.find(token.id))!.revokedAt).toEqual(revokedAt);
  });

  it("lists a project's tokens and the global ones apart, without their hashes", async () => {
    const other = (await t.db.project.create({ data: { name: 'other' } })).id;
    await make('elsewhere', other);
    const global = await make('ops', null);
    const listed = await tokens.listPage(other, undefined, 10);
    expect(listed.map((x) => x.name)).toEqual(['elsewhere']);
    expect(listed[0]).not.toHaveProperty('tokenHash');
    const globals = await tokens.listPage(null, undefined, 10);
    expect(globals.map((x) => x.id)).toEqual([global.id]);
    expect(globals[0]).not.toHaveProperty('tokenHash');
  });
});
