import { deliveriesFor } from '@xenplane/domain';
import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import type { Webhook } from '../generated/prisma/client';
import { type EventToDispatch, WebhookRepository } from './webhook.repository';

describe('WebhookRepository (real Postgres)', () => {
  let t: TestDatabase;
  let webhooks: WebhookRepository;
  let projectA: string;
  let projectB: string;

  beforeAll(async () => {
    t = await createTestDatabase('webhook_repo');
    webhooks = new WebhookRepository(t.db);
    projectA = (await t.db.project.create({ data: { name: 'a' } })).id;
    projectB = (await t.db.project.create({ data: { name: 'b' } })).id;
  });
  afterAll(() => t.drop());

  const hook = (projectId: string, eventTypes = ['*']) =>
    webhooks.create(
      { projectId, url: 'https://example.com/', description: null, eventTypes, secret: 's', createdByTokenId: null },
      20,
    );
  const record = (projectId: string | null, n = 1) =>
    t.db.event.createMany({
      data: Array.from({ length: n }, () => ({
        projectId,
        resourceType: projectId ? 'vm' : 'host',
        resourceId: '00000000-0000-4000-8000-000000000001',
        type: projectId ? 'vm.state' : 'host.state',
        data: {},
      })),
    });
  // the dispatcher's own plan, without the gap wait (ids here follow each other)
  const everything = (events: EventToDispatch[], hooks: Webhook[]) => ({
    deliveries: deliveriesFor(events, hooks),
    cursor: events[events.length - 1]!.id,
  });
  const cursor = async () => (await t.db.webhookCursor.findUnique({ where: { name: 'dispatcher' } }))?.eventId;

  it('starts after the newest event, then turns each later one into one delivery per matching webhook', async () => {
    await record(projectA, 3);
    const [ha, hb] = [await hook(projectA), await hook(projectB)];
    expect(await webhooks.dispatch(100, everything)).toEqual([]);
    const start = await cursor();
    expect(start).toBe((await t.db.event.findFirst({ orderBy: { id: 'desc' } }))!.id);

    await record(projectA, 2);
    await record(null, 1);
    await record(projectB, 1);
    const made = await webhooks.dispatch(100, everything);
    expect(made.map((d) => d.webhookId).sort()).toEqual([ha!.id, ha!.id, hb!.id].sort());
    expect(made.every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);
    // the rows as the client reads them (the insert is hand-written)
    const [row] = made;
    expect(row).toEqual(await t.db.webhookDelivery.findUnique({ where: { id: row!.id } }));
    expect(typeof row!.eventId).toBe('bigint');
    expect(row!.createdAt).toBeInstanceOf(Date);
    expect(await cursor()).toBe(start! + 4n);
    // read to the end: nothing more, nothing twice
    expect(await webhooks.dispatch(100, everything)).toEqual([]);
    expect(await t.db.webhookDelivery.count()).toBe(3);
  });

  it('commits nothing of a round that fails: its events are dispatched again by the next', async () => {
    await record(projectA, 2);
    const before = await cursor();
    const count = await t.db.webhookDelivery.count();
    await expect(
      webhooks.dispatch(100, (events, hooks) => {
        everything(events, hooks);
        throw new Error('killed mid-round');
      }),
    ).rejects.toThrow('killed mid-round');
    expect(await cursor()).toBe(before);
    expect(await t.db.webhookDelivery.count()).toBe(count);
    expect(await webhooks.dispatch(100, everything)).toHaveLength(2);
    expect(await cursor()).toBe(before! + 2n);
  });

  it('moves the cursor only as far as the plan says (a gap waited on), reading the rest again later', async () => {
    await record(projectA, 3);
    const before = (await cursor())!;
    const first = await webhooks.dispatch(100, (events, hooks) => everything(events.slice(0, 1), hooks));
    expect(first).toHaveLength(1);
    expect(await cursor()).toBe(before + 1n);
    expect(await webhooks.dispatch(100, everything)).toHaveLength(2);
  });

  it('lets dispatchers of several replicas run at once: each event is delivered once', async () => {
    await record(projectA, 50);
    const count = await t.db.webhookDelivery.count();
    const rounds = await Promise.all(Array.from({ length: 4 }, () => webhooks.dispatch(20, everything)));
    const again = await Promise.all(Array.from({ length: 4 }, () => webhooks.dispatch(20, everything)));
    const ids = [...rounds, ...again].flat().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(await t.db.webhookDelivery.count()).toBe(count + 50);
  });

  it('caps a project, concurrent creates included', async () => {
    const p = (await t.db.project.create({ data: { name: 'capped' } })).id;
    const made = await Promise.all(
      Array.from({ length: 8 }, () =>
        webhooks.create(
          {
            projectId: p,
            url: 'https://x.example/',
            description: null,
            eventTypes: ['*'],
            secret: 's',
            createdByTokenId: null,
          },
          5,
        ),
      ),
    );
    expect(made.filter(Boolean)).toHaveLength(5);
    expect(await t.db.webhook.count({ where: { projectId: p } })).toBe(5);
  });

  it('records an attempt only on a delivery still pending, and forgets deliveries with their event', async () => {
    const [d] = await t.db.webhookDelivery.findMany({ where: { status: 'pending' }, take: 1 });
    const next = new Date(Date.now() + 1_000);
    expect(
      await webhooks.recordAttempt(d!.id, 1, {
        status: 'pending',
        statusCode: 500,
        error: 'HTTP 500',
        nextAttemptAt: next,
      }),
    ).toBe(true);
    expect(
      await webhooks.recordAttempt(d!.id, 2, {
        status: 'delivered',
        statusCode: 200,
        error: null,
        nextAttemptAt: null,
      }),
    ).toBe(true);
    expect(
      await webhooks.recordAttempt(d!.id, 3, { status: 'failed', statusCode: 500, error: 'late', nextAttemptAt: null }),
    ).toBe(false);
    const row = await t.db.webhookDelivery.findUniqueOrThrow({ where: { id: d!.id } });
    expect(row).toMatchObject({
      status: 'delivered',
      attempts: 2,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(row.deliveredAt).toBeInstanceOf(Date);
    await t.db.event.delete({ where: { id: row.eventId } });
    expect(await t.db.webhookDelivery.count({ where: { id: d!.id } })).toBe(0);
  });
});
