import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createXenplane, ProblemError, TimeoutError, type Vm, type Xenplane } from '@xenplane/sdk';
import { Cloud } from '@xenplane/testing';

/**
 * The SDK against a whole cloud, as a tenant's CI job uses it: create, wait, list, delete, and
 * the refusals as typed errors. And the committed OpenAPI document it is generated from is the
 * one the API serves.
 */
describe('the SDK (@xenplane/sdk)', () => {
  let cloud: Cloud;
  let xp: Xenplane;
  /** every request the SDK sent, as "METHOD /path?query" */
  const sent: string[] = [];

  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 1 });
    const project = await cloud.api.post('/v1/projects', { name: 'sdk' });
    const token = (await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'ci', role: 'member' })).body
      .token;
    xp = createXenplane({
      baseUrl: cloud.apiUrl,
      token,
      fetch: (input, init) => {
        const req = new Request(input, init);
        const url = new URL(req.url);
        sent.push(`${req.method} ${url.pathname}${url.search}`);
        return fetch(req);
      },
    });
  });
  afterAll(() => cloud?.stop());

  const vmCount = () => cloud.db.vm.count({ where: { state: { not: 'deleted' } } });

  it('docs/openapi.json is the document the API serves', async () => {
    const served = (await cloud.api.withToken(undefined).get('/docs-json')).body;
    const committed = JSON.parse(readFileSync(join(__dirname, '../../../docs/openapi.json'), 'utf8'));
    if (isDeepStrictEqual(served, committed)) return;
    const differ = (a: Record<string, unknown> = {}, b: Record<string, unknown> = {}) =>
      [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !isDeepStrictEqual(a[k], b[k]));
    throw new Error(
      `docs/openapi.json differs from what the API serves at /docs-json (paths: ${differ(served.paths, committed.paths).join(', ') || 'none'}; ` +
        `schemas: ${differ(served.components?.schemas, committed.components?.schemas).join(', ') || 'none'}; ` +
        `top level: ${differ(served, committed).join(', ')}): regenerate with node scripts/build.mjs && node scripts/openapi.mjs`,
    );
  });

  it('creates VMs, waits for one on the event stream, lists them page by page, deletes and waits for deleted', async () => {
    const created = await xp.POST('/v1/vms', {
      body: { name: 'sdk', flavor: 'xp.micro', image: 'tiny-pv', count: 3, ttlSeconds: 600 },
    });
    expect(created.vms).toHaveLength(3);
    const first = created.vms[0]!;

    sent.length = 0;
    const states: string[] = [];
    // polling every 50 ms would read the VM dozens of times while it builds: on the stream it is
    // read once subscribed and once per state it goes through
    const running: Vm = await xp.waitForVm(first.id, 'running', {
      timeoutMs: 60_000,
      pollMs: 50,
      onProgress: (v) => states.push(v.state),
    });
    expect(running).toMatchObject({ id: first.id, state: 'running', name: 'sdk-1' });
    expect(states.at(-1)).toBe('running');
    // one stream (two requests when this API refuses the ?vmId= filter: asked again without it)
    expect(sent.filter((s) => s === 'GET /v1/events').length).toBeLessThanOrEqual(1);
    expect(sent.filter((s) => s.startsWith('GET /v1/events?')).length).toBeLessThanOrEqual(1);
    expect(sent.filter((s) => s === `GET /v1/vms/${first.id}`).length).toBeLessThanOrEqual(6);

    const op = await xp.waitForOperation(created.operations[0]!.id, { timeoutMs: 60_000 });
    expect(op).toMatchObject({ kind: 'create', status: 'succeeded', vmId: first.id });

    sent.length = 0;
    const listed: string[] = [];
    for await (const vm of xp.paginate('/v1/vms', { params: { query: { limit: 2 } } })) listed.push(vm.id);
    expect(listed.sort()).toEqual(created.vms.map((v) => v.id).sort());
    expect(sent).toHaveLength(2); // two pages of at most 2

    for (const vm of created.vms) await xp.DELETE('/v1/vms/{id}', { params: { path: { id: vm.id } } });
    const gone = await Promise.all(created.vms.map((v) => xp.waitForVm(v.id, 'deleted', { timeoutMs: 60_000 })));
    expect(gone.map((v) => v.state)).toEqual(['deleted', 'deleted', 'deleted']);
    expect(await vmCount()).toBe(0);
  });

  it('makes an Idempotency-Key for a create: the same key given twice creates one VM', async () => {
    const body = { name: 'once', flavor: 'xp.micro', image: 'tiny-pv' };
    const key = `sdk-${Date.now()}`;
    const a = await xp.POST('/v1/vms', { body, params: { header: { 'Idempotency-Key': key } } });
    const b = await xp.POST('/v1/vms', { body, params: { header: { 'Idempotency-Key': key } } });
    expect(b.vms[0]!.id).toBe(a.vms[0]!.id);
    expect(await cloud.db.idempotencyRecord.count({ where: { key } })).toBe(1);
    // without a key given, the SDK made one per request (a record each)
    const before = await cloud.db.idempotencyRecord.count();
    await xp.DELETE('/v1/vms/{id}', { params: { path: { id: a.vms[0]!.id } } });
    expect(await cloud.db.idempotencyRecord.count()).toBe(before + 1);
    await xp.waitForVm(a.vms[0]!.id, 'deleted', { timeoutMs: 60_000 });
  });

  it('throws a refusal as a ProblemError with its code, and changes nothing', async () => {
    const before = await cloud.db.vm.count();
    const missing = '00000000-0000-4000-8000-000000000000';
    const err = await xp.GET('/v1/vms/{id}', { params: { path: { id: missing } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect(err).toMatchObject({ status: 404, code: 'not_found' });

    const bad = await xp
      .POST('/v1/vms', { body: { name: 'bad name', flavor: 'xp.micro', image: 'tiny-pv' } })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((bad as ProblemError).problem.errors?.map((e) => e.field)).toContain('name');
    await expect(xp.waitForVm(missing, 'running', { timeoutMs: 5_000 })).rejects.toMatchObject({ status: 404 });
    expect(await cloud.db.vm.count()).toBe(before);
  });

  it('a wait that times out rejects with TimeoutError and leaves the VM as it was', async () => {
    const { vms } = await xp.POST('/v1/vms', { body: { name: 'steady', flavor: 'xp.micro', image: 'tiny-pv' } });
    await xp.waitForVm(vms[0]!.id, 'running', { timeoutMs: 60_000 });
    const err = await xp.waitForVm(vms[0]!.id, 'stopped', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((await xp.GET('/v1/vms/{id}', { params: { path: { id: vms[0]!.id } } })).state).toBe('running');
    await xp.DELETE('/v1/vms/{id}', { params: { path: { id: vms[0]!.id } } });
  });
});
