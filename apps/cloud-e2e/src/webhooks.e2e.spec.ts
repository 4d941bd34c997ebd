import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '@xenplane/domain';
import { type ApiClient, Cloud, waitFor } from '@xenplane/testing';

const ATTEMPTS = 4;

/** One request a receiver got: what a tenant's endpoint sees. */
interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any;
}

/**
 * A tenant's receiver on a free port of this machine: records every request and answers by path:
 * `/flaky/...` 500 to a delivery's first two attempts then 200, `/down/...` always 503, any other
 * path 200.
 */
class Receiver {
  readonly received: Received[] = [];
  private readonly attemptsOf = new Map<string, number>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        this.received.push({ path, headers: req.headers, body, json: JSON.parse(body) });
        const delivery = String(req.headers['x-xenplane-delivery']);
        const n = (this.attemptsOf.get(delivery) ?? 0) + 1;
        this.attemptsOf.set(delivery, n);
        res.statusCode = path.startsWith('/down') ? 503 : path.startsWith('/flaky') && n <= 2 ? 500 : 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Webhooks per project (issue 16): a project subscribes to its event types; the scheduler's
 * webhooks role POSTs each matching event, HMAC-signed, retried with backoff through BullMQ,
 * and keeps a delivery log. Tested against a receiver in the test, with small backoff settings.
 */
describe('webhooks', () => {
  let cloud: Cloud;
  let receiver: Receiver;
  let a: ApiClient; // a member of project A
  let aViewer: ApiClient;
  let b: ApiClient; // a member of project B
  let projectA: string;
  let projectB: string;

  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
    cloud = await Cloud.start({
      hosts: 1,
      schedulerEnv: {
        WEBHOOK_POLL_INTERVAL_MS: '50',
        WEBHOOK_BACKOFF_MS: '100',
        WEBHOOK_BACKOFF_MAX_MS: '400',
        WEBHOOK_ATTEMPTS: String(ATTEMPTS),
        WEBHOOK_TIMEOUT_MS: '2000',
      },
    });
    const project = async (name: string) => (await cloud.api.post('/v1/projects', { name })).body.id as string;
    const token = async (projectId: string, role: string) =>
      cloud.api.withToken(
        (await cloud.api.post(`/v1/projects/${projectId}/tokens`, { name: `${role}-hooks`, role })).body.token,
      );
    projectA = await project('hooks-a');
    projectB = await project('hooks-b');
    a = await token(projectA, 'member');
    aViewer = await token(projectA, 'viewer');
    b = await token(projectB, 'member');
  });

  afterAll(async () => {
    await cloud?.stop();
    await receiver?.stop();
  });

  const hooks = (projectId: string) => `/v1/projects/${projectId}/webhooks`;
  const subscribe = async (client: ApiClient, projectId: string, path: string, eventTypes: string[]) => {
    const res = await client.post(hooks(projectId), { url: receiver.url + path, eventTypes });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  };
  const createVm = async (client: ApiClient, name: string) => {
    const res = await client.post('/v1/vms', { name, flavor: 'xp.micro', image: 'tiny-pv' });
    expect(res.status).toBe(202);
    await cloud.waitForOperation(res.body.operations[0].id);
    return res.body.vms[0].id as string;
  };
  const deliveries = async (client: ApiClient, projectId: string, id: string) =>
    (await client.get(`${hooks(projectId)}/${id}/deliveries?limit=500`)).body.items as any[];
  const stateOf = (vmId: string, path: string, state: string) =>
    receiver.at(path).find((r) => r.json.resourceId === vmId && r.json.data.state === state);

  it("delivers a project's VM events, signed with the webhook's secret, and nothing of another project's", async () => {
    const hookA = await subscribe(a, projectA, '/a', ['vm.*']);
    expect(hookA).toMatchObject({ projectId: projectA, eventTypes: ['vm.*'], enabled: true });
    expect(hookA.secret).toMatch(/^whsec_/);
    const hookB = await subscribe(b, projectB, '/b', ['*']);

    // the secret is shown once: never by a read
    const read = await aViewer.get(`${hooks(projectA)}/${hookA.id}`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    expect(JSON.stringify((await aViewer.get(hooks(projectA))).body)).not.toContain(hookA.secret);

    const vmId = await createVm(a, 'hooked');
    const running = await waitFor('the running VM delivered', async () => stateOf(vmId, '/a', 'running'));

    for (const r of receiver.at('/a')) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-xenplane-event']).toBe(r.json.type);
      expect(
        verifyWebhookSignature(
          hookA.secret,
          String(r.headers['x-xenplane-timestamp']),
          r.body,
          String(r.headers['x-xenplane-signature']),
        ),
      ).toBe(true);
      // subscribed to vm.* only: no operation.status
      expect(r.json.type).toMatch(/^vm\./);
      expect(r.json.projectId).toBe(projectA);
    }
    expect(running.json).toMatchObject({ type: 'vm.state', resourceType: 'vm', resourceId: vmId, projectId: projectA });
    expect(running.json.id).toMatch(/^\d+$/);
    // B's webhook (every type) got none of A's events; B's secret does not verify A's deliveries
    expect(receiver.at('/b').filter((r) => r.json.projectId === projectA)).toEqual([]);
    expect(
      verifyWebhookSignature(
        hookB.secret,
        String(running.headers['x-xenplane-timestamp']),
        running.body,
        String(running.headers['x-xenplane-signature']),
      ),
    ).toBe(false);

    // the delivery log: one row per delivered event, newest first, each delivered at once
    const log = await deliveries(aViewer, projectA, hookA.id);
    const sent = receiver.at('/a');
    expect(log.length).toBe(sent.length);
    expect(new Set(log.map((d) => d.id))).toEqual(new Set(sent.map((r) => r.headers['x-xenplane-delivery'])));
    expect(log.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastStatusCode === 200)).toBe(true);
    // newest first (deliveries a dispatch round made together share their time)
    const times = log.map((d) => Date.parse(d.createdAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));

    // B sees none of A's webhooks: 404, as if the project did not exist
    expect((await b.get(hooks(projectA))).status).toBe(404);
    expect((await b.get(`${hooks(projectA)}/${hookA.id}`)).status).toBe(404);
    expect((await b.get(`${hooks(projectB)}/${hookA.id}`)).status).toBe(404);
    expect((await b.get(`${hooks(projectA)}/${hookA.id}/deliveries`)).status).toBe(404);
    expect((await b.delete(`${hooks(projectB)}/${hookA.id}`)).status).toBe(404);
    expect(await cloud.db.webhook.count({ where: { id: hookA.id } })).toBe(1);
    // a viewer reads, a member writes
    expect((await aViewer.post(hooks(projectA), { url: `${receiver.url}/v`, eventTypes: ['*'] })).status).toBe(403);
  });

  it('retries a receiver that answers 500 twice, then records it delivered after three attempts', async () => {
    const hook = await subscribe(a, projectA, '/flaky', ['operation.status']);
    const vmId = await createVm(a, 'flaky');
    const log = await waitFor('an operation.status delivered after retries', async () => {
      const rows = await deliveries(a, projectA, hook.id);
      return rows.length && rows.every((d) => d.status === 'delivered') ? rows : undefined;
    });
    for (const d of log) {
      expect(d).toMatchObject({ eventType: 'operation.status', attempts: 3, lastStatusCode: 200 });
      expect(d).not.toHaveProperty('nextAttemptAt');
      expect(d.deliveredAt).toBeDefined();
      // every attempt carried the same delivery id, each freshly signed
      const attempts = receiver.at('/flaky').filter((r) => r.headers['x-xenplane-delivery'] === d.id);
      expect(attempts).toHaveLength(3);
      for (const r of attempts)
        expect(
          verifyWebhookSignature(
            hook.secret,
            String(r.headers['x-xenplane-timestamp']),
            r.body,
            String(r.headers['x-xenplane-signature']),
          ),
        ).toBe(true);
    }
    expect(receiver.at('/flaky').every((r) => r.json.data.vmId === vmId || r.json.type === 'operation.status')).toBe(
      true,
    );
  });

  it(`fails a delivery after ${ATTEMPTS} attempts a receiver refused, with its last status and error`, async () => {
    const hook = await subscribe(b, projectB, '/down', ['vm.state']);
    await createVm(b, 'down');
    const log = await waitFor('deliveries failed', async () => {
      const rows = await deliveries(b, projectB, hook.id);
      return rows.length && rows.every((d) => d.status === 'failed') ? rows : undefined;
    });
    for (const d of log) {
      expect(d).toMatchObject({ attempts: ATTEMPTS, lastStatusCode: 503, lastError: 'HTTP 503' });
      expect(receiver.at('/down').filter((r) => r.headers['x-xenplane-delivery'] === d.id)).toHaveLength(ATTEMPTS);
    }
  });

  it('sends a deleted webhook nothing more, and forgets its delivery log', async () => {
    const gone = await subscribe(a, projectA, '/gone', ['vm.state']);
    const vmId = await createVm(a, 'goodbye');
    await waitFor('the running VM delivered', async () => stateOf(vmId, '/gone', 'running'));
    const before = receiver.at('/gone').length;
    expect((await a.delete(`${hooks(projectA)}/${gone.id}`)).status).toBe(204);
    expect(await cloud.db.webhookDelivery.count({ where: { webhookId: gone.id } })).toBe(0);
    expect((await a.get(`${hooks(projectA)}/${gone.id}`)).status).toBe(404);
    expect((await a.delete(`${hooks(projectA)}/${gone.id}`)).status).toBe(404);

    // a webhook made after the delete gets the stop: events are dispatched in order, so the
    // deleted one would have had it by then
    const witness = await subscribe(a, projectA, '/witness', ['vm.state']);
    const stop = await a.post(`/v1/vms/${vmId}/actions`, { action: 'stop' });
    await cloud.waitForOperation(stop.body.id);
    await waitFor('the stopped VM delivered', async () => stateOf(vmId, '/witness', 'stopped'));
    expect(receiver.at('/gone')).toHaveLength(before);
    expect(receiver.at('/witness').every((r) => r.headers['x-xenplane-delivery'] !== undefined)).toBe(true);
    await a.delete(`${hooks(projectA)}/${witness.id}`);
  });

  it('a disabled webhook gets nothing until enabled again; PATCH checks what it changes', async () => {
    const hook = await subscribe(a, projectA, '/paused', ['vm.state']);
    const off = await a.patch(`${hooks(projectA)}/${hook.id}`, { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, eventTypes: ['vm.state'] });
    const bad = await a.patch(`${hooks(projectA)}/${hook.id}`, { eventTypes: ['host.state'], enabled: true });
    expect(bad.status).toBe(400);
    expect((await a.get(`${hooks(projectA)}/${hook.id}`)).body).toMatchObject({
      enabled: false,
      eventTypes: ['vm.state'],
    });

    const witness = await subscribe(a, projectA, '/witness2', ['vm.state']);
    const vmId = await createVm(a, 'paused');
    await waitFor('the running VM delivered', async () => stateOf(vmId, '/witness2', 'running'));
    expect(receiver.at('/paused')).toEqual([]);
    expect(await cloud.db.webhookDelivery.count({ where: { webhookId: hook.id } })).toBe(0);
    await a.delete(`${hooks(projectA)}/${witness.id}`);
    await a.delete(`${hooks(projectA)}/${hook.id}`);
  });

  it('refuses bad input with a 400 naming the field, and stores nothing', async () => {
    const before = await cloud.db.webhook.count();
    const refusals: [unknown, string][] = [
      [{ url: 'ftp://example.com/', eventTypes: ['*'] }, 'url: must be an http or https URL'],
      [{ url: 'https://user:secret@example.com/', eventTypes: ['*'] }, 'url: must not carry a user name or password'],
      [
        { url: 'http://169.254.169.254/latest/meta-data/', eventTypes: ['*'] },
        'url: must not point at 169.254.169.254',
      ],
      [{ url: 'http://[fe80::1]/', eventTypes: ['*'] }, 'url: must not point at fe80::1'],
      [{ url: `https://example.com/${'a'.repeat(2_100)}`, eventTypes: ['*'] }, 'url'],
      [{ url: 'https://example.com/', eventTypes: [] }, 'eventTypes: must name at least one'],
      [{ url: 'https://example.com/', eventTypes: ['host.state'] }, 'eventTypes: "host.state" is not an event type'],
      [{ url: 'https://example.com/', eventTypes: 'vm.state' }, 'eventTypes'],
      [{ eventTypes: ['*'] }, 'url'],
      [{ url: 'https://example.com/', eventTypes: ['*'], enabled: null }, 'enabled'],
    ];
    for (const [body, detail] of refusals) {
      const res = await a.post(hooks(projectA), body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toContain(detail);
    }
    expect(await cloud.db.webhook.count()).toBe(before);
    // the password of a refused URL is not in the audit trail
    expect(JSON.stringify(await cloud.db.auditEntry.findMany({ where: { action: 'webhook.create' } }))).not.toContain(
      'secret@',
    );
  });

  it('answers an Idempotency-Key replay without the secret, and caps a project at 20 webhooks', async () => {
    const key = { 'idempotency-key': 'hooks-replay-1' };
    const body = { url: `${receiver.url}/once`, eventTypes: ['vm.state'] };
    const first = await b.post(hooks(projectB), body, key);
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^whsec_/);
    const again = await b.post(hooks(projectB), body, key);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body).not.toHaveProperty('secret');
    expect(JSON.stringify(await cloud.db.idempotencyRecord.findMany())).not.toContain(first.body.secret);

    const have = await cloud.db.webhook.count({ where: { projectId: projectB } });
    for (let i = have; i < 20; i++) expect((await b.post(hooks(projectB), body)).status).toBe(201);
    const over = await b.post(hooks(projectB), body);
    expect(over.status).toBe(409);
    expect(over.body.detail).toContain('20 webhooks');
    expect(await cloud.db.webhook.count({ where: { projectId: projectB } })).toBe(20);

    // the list pages newest first
    const page1 = await b.get(`${hooks(projectB)}?limit=15`);
    const page2 = await b.get(`${hooks(projectB)}?limit=15&cursor=${page1.body.nextCursor}`);
    expect(page1.body.items).toHaveLength(15);
    expect(page2.body.items).toHaveLength(5);
    expect(page2.body.nextCursor).toBeUndefined();
    expect(new Set([...page1.body.items, ...page2.body.items].map((w: any) => w.id)).size).toBe(20);
  });

  it('never logs a secret or a signature', () => {
    const logs = [cloud.apiProcess!, ...cloud.schedulers].map((p) => p.output()).join('\n');
    // the scheduler did log its attempts
    expect(logs).toContain('webhook delivery attempted');
    for (const r of receiver.received) expect(logs).not.toContain(String(r.headers['x-xenplane-signature']));
    expect(logs).not.toMatch(/whsec_/);
  });
});
