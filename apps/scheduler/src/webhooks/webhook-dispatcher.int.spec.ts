import { randomBytes } from 'node:crypto';
import { WebhookRepository } from '@xenplane/db';
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from '@xenplane/testing';
import { loadSchedulerConfig } from '../config';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookQueue } from './webhook-queue';

/**
 * The webhooks' outbox rule (real Postgres and Redis): a pending delivery without a live job
 * gets one again, a delivery with one is left alone, and an ended one is not woken.
 */
describe('WebhookDispatcher sweep', () => {
  let t: TestDatabase;
  let queue: WebhookQueue;
  let dispatcher: WebhookDispatcher;
  let webhookId: string;

  beforeAll(async () => {
    t = await createTestDatabase('webhook_sweep');
    const config = loadSchedulerConfig({
      DATABASE_URL: t.url,
      REDIS_URL: TEST_REDIS_URL,
      XENPLANE_QUEUE_PREFIX: `xptest-${randomBytes(4).toString('hex')}`,
      OUTBOX_GRACE_MS: '0',
    });
    queue = new WebhookQueue(config);
    dispatcher = new WebhookDispatcher(new WebhookRepository(t.db), queue, config);
    const project = await t.db.project.create({ data: { name: 'p' } });
    webhookId = (
      await t.db.webhook.create({
        data: { projectId: project.id, url: 'https://example.com/', eventTypes: ['*'], secret: 's' },
      })
    ).id;
  });
  afterAll(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.onApplicationShutdown();
    await t.drop();
  });

  const delivery = async (status: 'pending' | 'delivered' | 'failed', nextAttemptAt: Date | null = null) => {
    const event = await t.db.event.create({
      data: {
        projectId: null,
        resourceType: 'vm',
        resourceId: '00000000-0000-4000-8000-000000000001',
        type: 'vm.state',
        data: {},
      },
    });
    return t.db.webhookDelivery.create({
      data: { webhookId, eventId: event.id, eventType: 'vm.state', status, nextAttemptAt },
    });
  };

  it('re-enqueues pending deliveries without a job, at their next attempt, and only those', async () => {
    const lost = await delivery('pending');
    const later = await delivery('pending', new Date(Date.now() + 60_000));
    const done = await delivery('delivered');
    const failed = await delivery('failed');
    expect(await dispatcher.sweep()).toBe(2);
    expect(await queue.queue.getJobState(lost.id)).toBe('waiting');
    const job = await queue.queue.getJob(later.id);
    expect(await job!.getState()).toBe('delayed');
    expect(job!.delay).toBeGreaterThan(50_000);
    expect(await queue.queue.getJobState(done.id)).toBe('unknown');
    expect(await queue.queue.getJobState(failed.id)).toBe('unknown');
    // their jobs are alive now: a second sweep leaves them
    expect(await dispatcher.sweep()).toBe(0);
    expect(await queue.queue.count()).toBe(2);
  });
});
