import { createXenplane } from './client';
import { eventMatches, type XenplaneEvent } from './events';
import { fakeFetch, problem, sseAnswer, until } from './testing/fake-fetch';

const BASE = 'http://api.test';
const frame = (id: number, type: string, resourceId: string, data: object = {}, resourceType = 'vm') =>
  `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ id: String(id), type, resourceType, resourceId, projectId: 'p', data, createdAt: '2026-01-01T00:00:00.000Z' })}\n\n`;

async function take<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const x of it) {
    out.push(x);
    if (out.length === n) break;
  }
  return out;
}

describe('events', () => {
  it('yields the stream’s events, asking the server to filter', async () => {
    const s = sseAnswer();
    const f = fakeFetch().on('GET', /^\/v1\/events/, () => s.response);
    const xp = createXenplane({ baseUrl: BASE, token: 't', fetch: f.fetch });
    const got = take(xp.events({ vmId: 'a', types: ['vm.state'] }), 2);
    s.write(': connected\n\n' + frame(1, 'vm.state', 'a', { state: 'building' }));
    s.write(frame(2, 'vm.state', 'a', { state: 'running' }));
    expect((await got).map((e) => [e.id, e.data['state']])).toEqual([
      ['1', 'building'],
      ['2', 'running'],
    ]);
    const url = new URL(f.requests[0]!.url);
    expect(url.searchParams.get('vmId')).toBe('a');
    expect(url.searchParams.get('types')).toBe('vm.state');
    expect(f.requests[0]!.headers.get('authorization')).toBe('Bearer t');
  });

  it('filters here too, whatever the server sent', async () => {
    const s = sseAnswer();
    const f = fakeFetch().on('GET', /^\/v1\/events/, () => s.response);
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const got = take(xp.events({ vmId: 'a' }), 2);
    s.write(frame(1, 'vm.state', 'b'));
    s.write(frame(2, 'operation.status', 'op1', { vmId: 'a', status: 'running' }, 'operation'));
    s.write(frame(3, 'host.state', 'h', {}, 'host'));
    s.write(frame(4, 'vm.state', 'a'));
    expect((await got).map((e) => e.id)).toEqual(['2', '4']);
  });

  it('drops the server filters when the API refuses them (an API older than them)', async () => {
    const s = sseAnswer();
    const f = fakeFetch()
      .on('GET', /^\/v1\/events$/, () => s.response)
      .on('GET', /^\/v1\/events\?/, problem(400, 'validation_failed', 'property vmId should not exist'));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const got = take(xp.events({ vmId: 'a' }), 1);
    s.write(frame(1, 'vm.state', 'b') + frame(2, 'vm.state', 'a'));
    expect((await got).map((e) => e.id)).toEqual(['2']);
    expect(f.requests.map((r) => new URL(r.url).search)).toEqual(['?vmId=a', '']);
  });

  it('reconnects with Last-Event-ID after the stream ends, after the retry the server asked for', async () => {
    const first = sseAnswer();
    const second = sseAnswer();
    const answers = [first, second];
    const f = fakeFetch().on('GET', '/v1/events', () => answers.shift()!.response);
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const got = take(xp.events({ since: '5' }), 2);
    first.write('retry: 10\n\n' + frame(6, 'vm.state', 'a'));
    first.end();
    await until(() => f.requests.length === 2);
    second.write(frame(7, 'vm.state', 'a'));
    expect((await got).map((e) => e.id)).toEqual(['6', '7']);
    expect(f.requests.map((r) => r.headers.get('last-event-id'))).toEqual(['5', '6']);
  });

  it('throws a refusal (401) instead of reconnecting', async () => {
    const f = fakeFetch().on('GET', '/v1/events', problem(401, 'unauthorized', 'bad token'));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    await expect(take(xp.events(), 1)).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(f.requests).toHaveLength(1);
  });

  it('ends when the signal aborts', async () => {
    const s = sseAnswer();
    const f = fakeFetch().on('GET', '/v1/events', () => s.response);
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const abort = new AbortController();
    const got: XenplaneEvent[] = [];
    const done = (async () => {
      for await (const e of xp.events({ signal: abort.signal })) {
        got.push(e);
        abort.abort();
      }
    })();
    s.write(frame(1, 'vm.state', 'a'));
    await done;
    expect(got.map((e) => e.id)).toEqual(['1']);
  });

  it('eventMatches: a VM’s events are its own and its operations’', () => {
    const e = (resourceType: string, resourceId: string, data: object, type = 'x') =>
      ({ id: '1', type, resourceType, resourceId, projectId: null, data, createdAt: '' }) as XenplaneEvent;
    expect(eventMatches(e('vm', 'a', {}), { vmId: 'a' })).toBe(true);
    expect(eventMatches(e('operation', 'o', { vmId: 'a' }), { vmId: 'a' })).toBe(true);
    expect(eventMatches(e('operation', 'o', { vmId: 'b' }), { vmId: 'a' })).toBe(false);
    expect(eventMatches(e('vm', 'a', {}, 'vm.state'), { vmId: 'a', types: ['operation.status'] })).toBe(false);
    expect(eventMatches(e('host', 'h', {}), {})).toBe(true);
  });
});
