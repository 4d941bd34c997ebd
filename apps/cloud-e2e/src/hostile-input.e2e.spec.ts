import { connect } from 'node:net';
import { type ApiResponse, Cloud } from '@xenplane/testing';
import { expectRefused, rowCounts } from './helpers';

const NOBODY = '8a0e7f0e-4b8e-4a51-9f4c-6d1d0f7b2f11';
const forgedCursor = (text: string) => Buffer.from(text).toString('base64url');

/**
 * Input an attacker generated that used to be answered 500 (issue 14): each is now a 4xx
 * problem+json, refused before it writes a row. Most are refused once, at the edge
 * (apps/api/src/common/http/input-guard.ts), whatever the route.
 */
describe('hostile input', () => {
  let cloud: Cloud;
  let bodyRoutes: { method: string; path: string }[];
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 0 });
    const doc = (await cloud.api.withToken(undefined).get('/docs-json')).body;
    bodyRoutes = Object.entries<any>(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => m === 'post' || m === 'patch')
        .map((m) => ({ method: m.toUpperCase(), path: path.replace(/\{[^}]+\}/g, NOBODY) })),
    );
  });
  afterAll(() => cloud?.stop());

  const refused = (send: () => Promise<ApiResponse>, status: number, code: string) =>
    expectRefused(cloud, send, status, code);
  const valid = { name: 'ok', flavor: 'm1.small', image: 'tiny-pv' };

  it('refuses JSON nested deeper than 32 levels, however deep, before it is walked', async () => {
    const arrays = `{"name":${'['.repeat(1_500)}${']'.repeat(1_500)}}`;
    expect(arrays.length).toBeLessThan(3_100);
    const tooDeep = await refused(() => cloud.api.post('/v1/vms', arrays), 400, 'validation_failed');
    expect(tooDeep.errors).toEqual([
      { field: `name${'[0]'.repeat(31)}`, message: 'nests arrays or objects deeper than 32' },
    ]);
    const objects = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    await refused(() => cloud.api.post('/v1/pools', objects), 400, 'validation_failed');
    await refused(() => cloud.api.patch(`/v1/projects/${NOBODY}`, objects), 400, 'validation_failed');
    // 32 levels pass the edge: the DTO then refuses what metadata holds
    const at32 = `{"name":"ok","flavor":"m1.small","image":"tiny-pv","metadata":{"a":${'['.repeat(30)}${']'.repeat(30)}}}`;
    const deepButLegal = await refused(() => cloud.api.post('/v1/vms', at32), 400, 'validation_failed');
    expect(deepButLegal.errors).toEqual([{ field: 'metadata', message: expect.stringContaining('strings') }]);
  });

  it('refuses NUL in any body string, query parameter or path, in one place', async () => {
    for (const [path, body, field] of [
      ['/v1/vms', { ...valid, flavor: 'xp.micro\u0000' }, 'flavor'],
      ['/v1/vms', { ...valid, userData: '#!/bin/sh\u0000' }, 'userData'],
      ['/v1/vms', { ...valid, metadata: { team: 'ci\u0000' } }, 'metadata.team'],
      ['/v1/vms', { ...valid, image: '\u0000' }, 'image'],
      ['/v1/flavors', { name: 'f\u0000', vcpus: 1, memoryMb: 64, diskGb: 1 }, 'name'],
      ['/v1/placement/dry-run', { flavor: 'm1.small\u0000', image: 'tiny-pv' }, 'flavor'],
      ['/v1/server-groups', { name: 'g', policy: 'affinity\u0000' }, 'policy'],
    ] as const) {
      const problem = await refused(() => cloud.api.post(path, body), 400, 'validation_failed');
      expect({ path, errors: problem.errors }).toEqual({
        path,
        errors: [{ field, message: 'must not contain NUL characters' }],
      });
    }
    await refused(() => cloud.api.get('/v1/vms?cursor=a%00b'), 400, 'validation_failed');
    await refused(() => cloud.api.get('/v1/operations?status=queued%00'), 400, 'validation_failed');
    await refused(() => cloud.api.get('/v1/vms/%00'), 400, 'validation_failed');
  });

  it('refuses prototype keys at the top, in metadata and in placementWeights, and writes nothing', async () => {
    for (const [path, body, field] of [
      ['/v1/vms', '{"__proto__":{"polluted":1}}', '__proto__'],
      ['/v1/vms', '{"constructor":{"prototype":{"polluted":1}}}', 'constructor'],
      ['/v1/vms', JSON.stringify({ ...valid, metadata: { constructor: 'x' } }), 'metadata.constructor'],
      ['/v1/vms', JSON.stringify({ ...valid, metadata: { toString: 'x' } }), 'metadata.toString'],
      ['/v1/pools', '{"name":"p1","placementWeights":{"__proto__":{"polluted":1}}}', 'placementWeights.__proto__'],
      ['/v1/pools', '{"name":"p2","placementWeights":{"prototype":1}}', 'placementWeights.prototype'],
      ['/v1/projects', '{"name":"p3","quota":{"valueOf":1}}', 'quota.valueOf'],
    ] as const) {
      const problem = await refused(() => cloud.api.post(path, body), 400, 'validation_failed');
      expect({ path, errors: problem.errors }).toEqual({ path, errors: [{ field, message: expect.any(String) }] });
    }
    await refused(() => cloud.api.get('/v1/vms?__proto__=1'), 400, 'validation_failed');
    await refused(() => cloud.api.get('/v1/vms?constructor=1'), 400, 'validation_failed');
    // the API goes on as before
    expect((await cloud.api.post('/v1/pools', { name: 'after-proto' })).status).toBe(201);
  });

  it('answers 415 to a body in another charset on every body route of the OpenAPI document', async () => {
    expect(bodyRoutes.length).toBeGreaterThan(15);
    // refused at the edge, before any route: not even the audit trail records them
    const audited = await cloud.db.auditEntry.count();
    for (const { method, path } of bodyRoutes)
      await refused(
        () => cloud.api.request(method, path, '{"name":"x"}', { 'content-type': 'application/json; charset=latin1' }),
        415,
        'unsupported_media_type',
      );
    expect(await cloud.db.auditEntry.count()).toBe(audited);
  });

  it('answers 415 to text, XML, form and octet-stream bodies, and takes a POST that has no body', async () => {
    const pool = (await cloud.api.post('/v1/pools', { name: 'typed' })).body;
    for (const [type, body] of [
      ['text/plain', '{"cpuAllocationRatio":8}'],
      ['application/xml', '<pool><cpuAllocationRatio>8</cpuAllocationRatio></pool>'],
      ['application/x-www-form-urlencoded', 'cpuAllocationRatio=8'],
      ['application/octet-stream', '\u0001\u0002'],
      ['application/merge-patch+json', '{"cpuAllocationRatio":8}'],
    ])
      await refused(
        () => cloud.api.patch(`/v1/pools/${pool.id}`, body, { 'content-type': type }),
        415,
        'unsupported_media_type',
      );
    await refused(
      () => cloud.api.post('/v1/vms', JSON.stringify(valid), { 'content-encoding': 'compress' }),
      415,
      'unsupported_media_type',
    );
    await refused(
      () => cloud.api.post('/v1/vms', JSON.stringify(valid), { 'content-encoding': 'gzip' }),
      400,
      'validation_failed',
    );
    expect((await cloud.api.get('/v1/pools')).body.items.find((p: any) => p.id === pool.id).cpuAllocationRatio).toBe(
      pool.cpuAllocationRatio,
    );
    // no body, or an empty one, whatever its type: the route answers (here: no such operation)
    await refused(() => cloud.api.post(`/v1/operations/${NOBODY}/cancel`), 404, 'not_found');
    await refused(
      () => cloud.api.post(`/v1/operations/${NOBODY}/cancel`, '', { 'content-type': 'text/plain' }),
      404,
      'not_found',
    );
  });

  it('refuses forged pagination cursors on /v1/vms and /v1/operations', async () => {
    for (const cursor of [
      forgedCursor(`99999-01-01T00:00:00.000Z|${NOBODY}`),
      forgedCursor(`2026-01-01T00:00:00.000Z|${'-'.repeat(36)}`),
      forgedCursor(`2026-02-30T00:00:00.000Z|${NOBODY}`),
      'not base64 at all!',
    ])
      for (const path of ['/v1/vms', '/v1/operations']) {
        const problem = await refused(
          () => cloud.api.get(`${path}?cursor=${encodeURIComponent(cursor)}`),
          400,
          'validation_failed',
        );
        expect(problem.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      }
  });

  it('refuses null for an optional field, and a body that is not a JSON object', async () => {
    const project = (await cloud.api.post('/v1/projects', { name: 'nulls' })).body;
    const pool = (await cloud.api.post('/v1/pools', { name: 'nulls' })).body;
    for (const [method, path, body, field] of [
      ['POST', '/v1/pools', { name: 'z', cpuAllocationRatio: null }, 'cpuAllocationRatio'],
      ['PATCH', `/v1/pools/${pool.id}`, { placementWeights: null }, 'placementWeights'],
      ['POST', '/v1/projects', { name: 'q', quota: { instances: null } }, 'quota.instances'],
      ['PATCH', `/v1/projects/${project.id}`, { quota: null }, 'quota'],
      ['POST', '/v1/vms', { ...valid, ttlSeconds: null }, 'ttlSeconds'],
      ['POST', '/v1/vms', { ...valid, count: null }, 'count'],
      [
        'POST',
        '/v1/placement/dry-run',
        { flavor: 'm1.small', image: 'tiny-pv', excludeHostIds: null },
        'excludeHostIds',
      ],
    ] as const) {
      const problem = await refused(() => cloud.api.request(method, path, body), 400, 'validation_failed');
      expect({ path, fields: problem.errors.map((e: any) => e.field) }).toEqual({ path, fields: [field] });
    }
    for (const body of ['[]', '[1,2]', '[{"quota":{"instances":1}}]'])
      for (const path of [`/v1/pools/${pool.id}`, `/v1/projects/${project.id}`]) {
        const problem = await refused(() => cloud.api.patch(path, body), 400, 'validation_failed');
        expect(problem.errors).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
      }
    await refused(() => cloud.api.patch(`/v1/pools/${pool.id}`, 'null'), 400, 'validation_failed');
    await refused(() => cloud.api.post('/v1/vms', '"a string"'), 400, 'validation_failed');
  });

  it('keeps every quota sum inside a Postgres integer: bounds on sizes and quotas, 422 over quota', async () => {
    await refused(
      () => cloud.api.post('/v1/flavors', { name: 'x', vcpus: 513, memoryMb: 64, diskGb: 1 }),
      400,
      'validation_failed',
    );
    await refused(
      () => cloud.api.post('/v1/flavors', { name: 'x', vcpus: 1, memoryMb: 16 * 1024 * 1024 + 1, diskGb: 1 }),
      400,
      'validation_failed',
    );
    for (const quota of [
      { instances: 2 ** 31 },
      { instances: 1_000_001 },
      { memoryMb: 2 ** 31 - 1 },
      { vcpus: 2 ** 31 },
    ])
      await refused(() => cloud.api.post('/v1/projects', { name: 'near-int4', quota }), 400, 'validation_failed');

    const flavor = await cloud.api.post('/v1/flavors', {
      name: 'colossal',
      vcpus: 512,
      memoryMb: 16 * 1024 * 1024,
      diskGb: 1,
    });
    expect(flavor.status).toBe(201);
    const project = (
      await cloud.api.post('/v1/projects', {
        name: 'big',
        quota: { instances: 1_000_000, vcpus: 1_000_000, memoryMb: 1_000_000_000, diskGb: 1_000_000_000 },
      })
    ).body;
    // usage near the quota (as 900 GiB-class VMs would leave it): with 100 of the new flavor the
    // sum passes 2^31, which the quota check once computed in integer ("integer out of range", 500)
    await cloud.db.project.update({ where: { id: project.id }, data: { usedMemoryMb: 900_000_000 } });
    const member = cloud.api.withToken(
      (await cloud.api.post(`/v1/projects/${project.id}/tokens`, { name: 'm', role: 'member' })).body.token,
    );
    const over = await refused(
      () => member.post('/v1/vms', { name: 'huge', flavor: 'colossal', image: 'tiny-pv', count: 100 }),
      422,
      'quota_exceeded',
    );
    expect(over.excess).toEqual([expect.objectContaining({ resource: 'memoryMb', requested: 1_677_721_600 })]);
    expect((await cloud.db.project.findUniqueOrThrow({ where: { id: project.id } })).usedMemoryMb).toBe(900_000_000);
  });

  it('refuses an event id past the largest bigint, as ?since= and as Last-Event-ID', async () => {
    const since = await refused(() => cloud.api.get('/v1/events?since=9223372036854775808'), 400, 'validation_failed');
    expect(since.errors).toEqual([{ field: 'since', message: expect.stringContaining('9223372036854775807') }]);
    const header = await refused(
      () => cloud.api.get('/v1/events', { 'last-event-id': '9223372036854775808' }),
      400,
      'validation_failed',
    );
    expect(header.errors).toEqual([{ field: 'Last-Event-ID', message: expect.any(String) }]);
  });

  it('answers a URL or headers over 16 KB, and malformed HTTP, with a problem too', async () => {
    const long = await refused(() => cloud.api.get(`/v1/vms?pad=${'p'.repeat(17_000)}`), 431, 'headers_too_large');
    expect(long.title).toBe('Request Header Fields Too Large');
    await refused(() => cloud.api.get('/v1/vms', { 'x-filler': 'f'.repeat(17_000) }), 431, 'headers_too_large');
    const before = await rowCounts(cloud);
    const raw = await rawExchange(
      cloud.apiUrl,
      'GET /v1/vms HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(raw).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
    expect(await rowCounts(cloud)).toEqual(before);
  });
});

/** Writes `request` on a new connection; resolves with everything the server sent until it closed. */
function rawExchange(baseUrl: string, request: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}
