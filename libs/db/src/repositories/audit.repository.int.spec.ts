import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import { AuditRepository, type NewAuditEntry } from './audit.repository';

describe('AuditRepository and the append-only audit_entries table (real Postgres)', () => {
  let t: TestDatabase;
  let audit: AuditRepository;

  beforeAll(async () => {
    t = await createTestDatabase('audit_repo');
    audit = new AuditRepository(t.db);
  });
  afterAll(() => t.drop());

  const entry = (over: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
    actorType: 'token',
    tokenId: randomUUID(),
    tokenName: 'ci',
    role: 'member',
    projectId: null,
    method: 'POST',
    route: '/v1/vms',
    action: 'vm.create',
    resourceType: 'vm',
    resourceIds: [],
    summary: { name: 'web' },
    status: 202,
    sourceAddress: '127.0.0.1',
    ...over,
  });

  /** Records the entry, and reads its row back (record() returns nothing: it is on every change's path). */
  const recorded = async (e: NewAuditEntry) => {
    const correlationId = randomUUID();
    await audit.record({ ...e, correlationId });
    return t.db.auditEntry.findFirstOrThrow({ where: { correlationId } });
  };

  it('records every field as given', async () => {
    const row = await recorded(
      entry({ resourceIds: [randomUUID()], operationIds: [randomUUID()], problemCode: 'conflict', status: 409 }),
    );
    expect(row).toMatchObject({ actorType: 'token', role: 'member', summary: { name: 'web' }, status: 409 });
    expect(row.resourceIds).toHaveLength(1);
    expect(row.operationIds).toHaveLength(1);
    expect(row.createdAt).toBeInstanceOf(Date);
  });

  describe('the database refuses to change or remove a row', () => {
    it('refuses UPDATE, by the client and in raw SQL, and the row stays as it was', async () => {
      const row = await recorded(entry({ status: 403, problemCode: 'forbidden' }));
      await expect(t.db.auditEntry.update({ where: { id: row.id }, data: { status: 202 } })).rejects.toThrow(
        /append-only: UPDATE refused/,
      );
      await expect(
        t.db.$executeRawUnsafe(`UPDATE audit_entries SET problem_code = NULL WHERE id = '${row.id}'`),
      ).rejects.toThrow(/append-only: UPDATE refused/);
      expect(await t.db.auditEntry.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);
    });

    it('refuses DELETE, even one that matches no row, and the rows stay', async () => {
      const row = await recorded(entry());
      const before = await t.db.auditEntry.count();
      await expect(t.db.auditEntry.delete({ where: { id: row.id } })).rejects.toThrow(/append-only: DELETE refused/);
      await expect(t.db.auditEntry.deleteMany({})).rejects.toThrow(/append-only: DELETE refused/);
      await expect(t.db.$executeRawUnsafe('DELETE FROM audit_entries WHERE false')).rejects.toThrow(
        /append-only: DELETE refused/,
      );
      expect(await t.db.auditEntry.count()).toBe(before);
      expect(await t.db.auditEntry.findUnique({ where: { id: row.id } })).not.toBeNull();
    });
  });

  describe('listPage', () => {
    let db2: TestDatabase;
    let trail: AuditRepository;
    const alice = randomUUID();
    const bob = randomUUID();
    const project = randomUUID();
    const vm = randomUUID();
    const t0 = Date.UTC(2026, 11, 5, 12, 0, 0);

    beforeAll(async () => {
      // a database of its own: the rows above would be in every page
      db2 = await createTestDatabase('audit_pages');
      trail = new AuditRepository(db2.db);
      const rows = [
        entry({ tokenId: alice, projectId: project, resourceIds: [vm], status: 202 }),
        entry({
          tokenId: alice,
          projectId: project,
          method: 'DELETE',
          route: '/v1/vms/:id',
          action: 'vm.delete',
          resourceIds: [vm],
          status: 404,
          problemCode: 'not_found',
        }),
        entry({
          tokenId: bob,
          action: 'project.create',
          resourceType: 'project',
          resourceIds: [randomUUID()],
          status: 201,
        }),
        entry({ tokenId: bob, action: 'host.maintenance', resourceType: 'host', status: 409, problemCode: 'conflict' }),
        entry({
          actorType: 'anonymous',
          tokenId: null,
          tokenName: null,
          role: null,
          status: 401,
          problemCode: 'unauthorized',
        }),
      ];
      // distinct, known times; the last two share one, so the id breaks the tie
      const times = [t0, t0 + 1000, t0 + 2000, t0 + 3000, t0 + 3000];
      for (const [i, r] of rows.entries())
        await db2.db.auditEntry.create({ data: { ...r, createdAt: new Date(times[i]!) } });
    });
    afterAll(() => db2.drop());

    const all = async (filter: Parameters<AuditRepository['listPage']>[0], pageSize = 2) => {
      const seen: Awaited<ReturnType<AuditRepository['listPage']>> = [];
      let after: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const page = await trail.listPage(filter, after, pageSize);
        seen.push(...page);
        if (page.length < pageSize) return seen;
        after = page[page.length - 1]!;
      }
    };

    it('pages newest first, each row once, ties broken by id', async () => {
      const rows = await all({});
      expect(rows).toHaveLength(5);
      expect(new Set(rows.map((r) => r.id)).size).toBe(5);
      const keys = rows.map((r) => [r.createdAt.getTime(), r.id] as const);
      const sorted = [...keys].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1));
      expect(keys).toEqual(sorted);
    });

    it('filters by token, project, resource, action, method, status class and time', async () => {
      expect((await all({ tokenId: alice })).map((r) => r.action)).toEqual(['vm.delete', 'vm.create']);
      expect(await all({ projectId: project })).toHaveLength(2);
      expect((await all({ resourceId: vm })).map((r) => r.status)).toEqual([404, 202]);
      expect((await all({ resourceType: 'project' })).map((r) => r.tokenId)).toEqual([bob]);
      expect((await all({ action: 'host.maintenance' })).map((r) => r.problemCode)).toEqual(['conflict']);
      expect((await all({ method: 'DELETE' })).map((r) => r.status)).toEqual([404]);
      expect((await all({ status: { from: 400, to: 500 } })).map((r) => r.status).sort()).toEqual([401, 404, 409]);
      expect((await all({ status: { from: 200, to: 300 } })).map((r) => r.status)).toEqual([201, 202]);
      const window = await all({ since: new Date(t0 + 1000), until: new Date(t0 + 3000) });
      expect(window.map((r) => r.status)).toEqual([201, 404]);
      expect(await all({ tokenId: alice, status: { from: 500, to: 600 } })).toEqual([]);
    });
  });
});
