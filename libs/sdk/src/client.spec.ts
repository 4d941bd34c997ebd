import { createXenplane } from './client';
import { ProblemError } from './errors';
import { fakeFetch, json, problem } from './testing/fake-fetch';
import type { Vm } from './types';

const BASE = 'http://api.test';
const vm = (id: string, state: Vm['state'] = 'running') => ({ id, name: id, state }) as Vm;

describe('createXenplane', () => {
  it('sends the token and a User-Agent, and resolves to the body', async () => {
    const f = fakeFetch().on('GET', '/v1/vms/a', json(vm('a')));
    const xp = createXenplane({ baseUrl: `${BASE}/`, token: 'xp_secret', fetch: f.fetch, userAgent: 'ci/1' });
    const got: Vm = await xp.GET('/v1/vms/{id}', { params: { path: { id: 'a' } } });
    expect(got).toEqual(vm('a'));
    expect(f.requests[0]!.url).toBe(`${BASE}/v1/vms/a`);
    expect(f.requests[0]!.headers.get('authorization')).toBe('Bearer xp_secret');
    expect(f.requests[0]!.headers.get('user-agent')).toBe('ci/1');
  });

  describe('errors', () => {
    it('a problem+json answer throws a ProblemError with its status, code, title and detail', async () => {
      const f = fakeFetch().on('GET', '/v1/vms/x', problem(404, 'not_found', 'vm x not found'));
      const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
      const err = await xp.GET('/v1/vms/{id}', { params: { path: { id: 'x' } } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProblemError);
      expect(err).toMatchObject({ status: 404, code: 'not_found', title: 'not_found', detail: 'vm x not found' });
      expect((err as ProblemError).message).toBe('404 not_found: vm x not found');
    });

    it('keeps validation errors field by field', async () => {
      const body = {
        title: 'Bad Request',
        status: 400,
        code: 'validation_failed',
        detail: 'name: bad',
        errors: [{ field: 'name', message: 'bad' }],
      };
      const f = fakeFetch().on('POST', '/v1/vms', json(body, 400));
      const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
      const err = (await xp
        .POST('/v1/vms', { body: { name: '!', flavor: 'f', image: 'i' } })
        .catch((e: unknown) => e)) as ProblemError;
      expect(err.problem.errors).toEqual([{ field: 'name', message: 'bad' }]);
      expect(err.code).toBe('validation_failed');
    });

    it('an answer that is not a problem (a proxy’s page) still throws, with the status and the text', async () => {
      const f = fakeFetch().on(
        'GET',
        '/v1/vms/a',
        new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
      );
      const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
      const err = (await xp
        .GET('/v1/vms/{id}', { params: { path: { id: 'a' } } })
        .catch((e: unknown) => e)) as ProblemError;
      expect(err).toBeInstanceOf(ProblemError);
      expect(err).toMatchObject({
        status: 502,
        title: 'Bad Gateway',
        detail: '<html>bad gateway</html>',
      });
      expect(err.code).toBeUndefined();
    });

    it('raw never throws on an error answer', async () => {
      const f = fakeFetch().on('GET', '/v1/vms/x', problem(404, 'not_found', 'gone'));
      const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
      const { error, response } = await xp.raw.GET('/v1/vms/{id}', { params: { path: { id: 'x' } } });
      expect(response.status).toBe(404);
      expect(error).toMatchObject({ code: 'not_found' });
    });
  });

  describe('idempotency keys', () => {
    const writes = () =>
      fakeFetch()
        .on('GET', '/v1/vms/a', json(vm('a')))
        .on('POST', '/v1/vms', json({ vms: [], operations: [] }, 202))
        .on('PATCH', '/v1/vms/a', json(vm('a')))
        .on('DELETE', '/v1/vms/a', json({}, 202));

    it('are made for every write and only for writes, a new one each time', async () => {
      const f = writes();
      const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
      await xp.GET('/v1/vms/{id}', { params: { path: { id: 'a' } } });
      await xp.POST('/v1/vms', { body: { name: 'a', flavor: 'f', image: 'i' } });
      await xp.POST('/v1/vms', { body: { name: 'a', flavor: 'f', image: 'i' } });
      await xp.PATCH('/v1/vms/{id}', { params: { path: { id: 'a' } }, body: {} });
      await xp.DELETE('/v1/vms/{id}', { params: { path: { id: 'a' } } });
      const keys = f.requests.map((r) => [r.method, r.headers.get('idempotency-key')] as const);
      expect(keys[0]).toEqual(['GET', null]);
      for (const [, key] of keys.slice(1)) expect(key).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Set(keys.slice(1).map(([, k]) => k)).size).toBe(4);
    });

    it('keep the one given', async () => {
      const f = writes();
      const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
      await xp.POST('/v1/vms', {
        body: { name: 'a', flavor: 'f', image: 'i' },
        params: { header: { 'Idempotency-Key': 'mine-1' } },
      });
      await xp.DELETE('/v1/vms/{id}', { params: { path: { id: 'a' } }, headers: { 'idempotency-key': 'mine-2' } });
      expect(f.requests.map((r) => r.headers.get('idempotency-key'))).toEqual(['mine-1', 'mine-2']);
    });

    it('are not made when turned off', async () => {
      const f = writes();
      const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch, idempotencyKeys: false });
      await xp.POST('/v1/vms', { body: { name: 'a', flavor: 'f', image: 'i' } });
      expect(f.requests[0]!.headers.get('idempotency-key')).toBeNull();
    });
  });

  describe('paginate', () => {
    it('follows nextCursor to the last page, keeping the caller’s query', async () => {
      const f = fakeFetch()
        .on('GET', '/v1/vms?state=running&limit=2', json({ items: [vm('a'), vm('b')], nextCursor: 'c1' }))
        .on('GET', '/v1/vms?state=running&limit=2&cursor=c1', json({ items: [vm('c'), vm('d')], nextCursor: 'c2' }))
        .on('GET', '/v1/vms?state=running&limit=2&cursor=c2', json({ items: [vm('e')] }));
      const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
      const names: string[] = [];
      for await (const v of xp.paginate('/v1/vms', { params: { query: { state: ['running'], limit: 2 } } }))
        names.push(v.name);
      expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(f.requests).toHaveLength(3);
    });

    it('reads no further page than the caller takes', async () => {
      const f = fakeFetch()
        .on('GET', '/v1/operations', json({ items: [{ id: 'o1' }, { id: 'o2' }], nextCursor: 'n' }))
        .on('GET', '/v1/operations?cursor=n', json({ items: [{ id: 'o3' }] }));
      const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
      for await (const op of xp.paginate('/v1/operations')) if (op.id === 'o2') break;
      expect(f.requests).toHaveLength(1);
    });

    it('throws a page’s refusal', async () => {
      const f = fakeFetch()
        .on('GET', '/v1/vms', json({ items: [vm('a')], nextCursor: 'bad' }))
        .on('GET', '/v1/vms?cursor=bad', problem(400, 'validation_failed', 'cursor: invalid'));
      const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
      const seen: string[] = [];
      const err = await (async () => {
        for await (const v of xp.paginate('/v1/vms')) seen.push(v.id);
      })().catch((e: unknown) => e);
      expect(seen).toEqual(['a']);
      expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
    });
  });
});
