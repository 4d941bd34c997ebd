import { fakeFetch, json } from './testing/fake-fetch';
import { requestRaw } from './transport';
import { SDK_VERSION } from './version';

describe('requestRaw', () => {
  it('sends the method, path and query, body and headers as given, and answers any status', async () => {
    const f = fakeFetch().on('POST', '/v1/vms?x=1', json({ code: 'validation_failed' }, 400));
    const res = await requestRaw({ baseUrl: 'http://api.test/', token: 't', fetch: f.fetch }, 'POST', '/v1/vms?x=1', {
      body: '{not json',
      headers: { 'content-type': 'application/json', 'x-extra': 'yes' },
    });
    expect(res.status).toBe(400);
    const req = f.requests[0]!;
    expect(req.url).toBe('http://api.test/v1/vms?x=1');
    expect(await req.text()).toBe('{not json');
    expect(Object.fromEntries(req.headers)).toMatchObject({
      authorization: 'Bearer t',
      'content-type': 'application/json',
      'x-extra': 'yes',
      'user-agent': `xenplane-sdk/${SDK_VERSION}`,
    });
  });

  it('sends bytes as they are, and a request’s own Authorization over the token', async () => {
    const f = fakeFetch().on('PUT', '/v1/images/i/file', new Response(null, { status: 204 }));
    await requestRaw({ baseUrl: 'http://api.test', token: 't', fetch: f.fetch }, 'PUT', '/v1/images/i/file', {
      body: new Uint8Array([1, 2, 3]),
      headers: { authorization: 'Bearer other' },
    });
    const req = f.requests[0]!;
    expect(new Uint8Array(await req.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(req.headers.get('authorization')).toBe('Bearer other');
    expect(req.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends no Authorization without a token', async () => {
    const f = fakeFetch().on('GET', '/healthz', json({ ok: true }));
    await requestRaw({ baseUrl: 'http://api.test', fetch: f.fetch }, 'GET', '/healthz');
    expect(f.requests[0]!.headers.has('authorization')).toBe(false);
    expect(f.requests[0]!.headers.has('idempotency-key')).toBe(false);
  });
});
