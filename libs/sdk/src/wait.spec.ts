import { createXenplane } from './client';
import { ProblemError, TimeoutError, VmFailedError } from './errors';
import { fakeFetch, json, problem, sseAnswer, until } from './testing/fake-fetch';
import type { Vm } from './types';

const BASE = 'http://api.test';
const vm = (state: Vm['state'], extra: Partial<Vm> = {}) => ({ id: 'a', name: 'a', state, ...extra }) as Vm;
const frame = (id: number, state: string) =>
  `id: ${id}\nevent: vm.state\ndata: ${JSON.stringify({ id: String(id), type: 'vm.state', resourceType: 'vm', resourceId: 'a', projectId: 'p', data: { state }, createdAt: '' })}\n\n`;

/** GET /v1/vms/a answers the states in turn (the last one from then on). */
function vmReads(states: Vm['state'][]) {
  let i = 0;
  return () => json(vm(states[Math.min(i++, states.length - 1)]!));
}

describe('waitForVm', () => {
  it('on the stream: reads the VM once subscribed, then after each of its events', async () => {
    const s = sseAnswer();
    const f = fakeFetch()
      .on('GET', /^\/v1\/events/, () => s.response)
      .on('GET', '/v1/vms/a', vmReads(['building', 'running']));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const seen: string[] = [];
    const waiting = xp.waitForVm('a', 'running', { timeoutMs: 5_000, onProgress: (v) => seen.push(v.state) });
    s.write(': connected\n\n');
    await until(() => seen.length === 1);
    s.write(frame(1, 'running'));
    await expect(waiting).resolves.toMatchObject({ state: 'running' });
    expect(seen).toEqual(['building', 'running']);
    // one stream, two reads: no polling while the stream is up
    expect(f.requests.map((r) => new URL(r.url).pathname)).toEqual(['/v1/events', '/v1/vms/a', '/v1/vms/a']);
  });

  it('resolves at once when the VM already is in a state asked for', async () => {
    const s = sseAnswer();
    const f = fakeFetch()
      .on('GET', /^\/v1\/events/, () => s.response)
      .on('GET', '/v1/vms/a', json(vm('stopped')));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const waiting = xp.waitForVm('a', ['running', 'stopped'], { timeoutMs: 5_000 });
    s.write(': connected\n\n');
    await expect(waiting).resolves.toMatchObject({ state: 'stopped' });
  });

  it('falls back to polling when the stream cannot be had', async () => {
    const f = fakeFetch()
      .on('GET', /^\/v1\/events/, new Response('upstream down', { status: 502 }))
      .on('GET', '/v1/vms/a', vmReads(['building', 'building', 'running']));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    await expect(xp.waitForVm('a', 'running', { timeoutMs: 5_000, pollMs: 10 })).resolves.toMatchObject({
      state: 'running',
    });
    expect(f.requests.filter((r) => r.url.endsWith('/v1/vms/a'))).toHaveLength(3);
  });

  it('polls when the stream does not say it is subscribed in time (a proxy buffering it), and closes it', async () => {
    const s = sseAnswer();
    let streamSignal: AbortSignal | undefined;
    const f = fakeFetch()
      .on('GET', /^\/v1\/events/, (req) => {
        streamSignal = req.signal;
        return s.response;
      })
      .on('GET', '/v1/vms/a', vmReads(['building', 'building', 'running']));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const waiting = xp.waitForVm('a', 'running', { timeoutMs: 5_000, pollMs: 10, subscribeMs: 50 });
    await expect(waiting).resolves.toMatchObject({ state: 'running' });
    expect(streamSignal?.aborted).toBe(true);
  });

  it('polls on when the stream breaks, and through reads that fail for a while (503)', async () => {
    const s = sseAnswer();
    let reads = 0;
    const f = fakeFetch()
      .on('GET', /^\/v1\/events/, () => s.response)
      .on('GET', '/v1/vms/a', () =>
        ++reads === 2 ? problem(503, 'unavailable', 'restarting') : json(vm(reads < 4 ? 'building' : 'running')),
      );
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const waiting = xp.waitForVm('a', 'running', { timeoutMs: 5_000, pollMs: 10 });
    s.write(': connected\n\n');
    await until(() => reads >= 1);
    s.end();
    await expect(waiting).resolves.toMatchObject({ state: 'running' });
    expect(reads).toBe(4);
  });

  it('rejects with TimeoutError, and closes its stream', async () => {
    const s = sseAnswer();
    let streamSignal: AbortSignal | undefined;
    const f = fakeFetch()
      .on('GET', /^\/v1\/events/, (req) => {
        streamSignal = req.signal;
        return s.response;
      })
      .on('GET', '/v1/vms/a', json(vm('building')));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const waiting = xp.waitForVm('a', 'running', { timeoutMs: 100 });
    s.write(': connected\n\n');
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toBe('VM a running: not within 100 ms');
    expect(streamSignal?.aborted).toBe(true);
  });

  it('times out while polling too', async () => {
    const f = fakeFetch()
      .on('GET', /^\/v1\/events/, problem(503, 'unavailable', 'no'))
      .on('GET', '/v1/vms/a', json(vm('building')));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    await expect(xp.waitForVm('a', 'running', { timeoutMs: 80, pollMs: 10 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('rejects with VmFailedError when the VM lands in error, with its error', async () => {
    const s = sseAnswer();
    const f = fakeFetch()
      .on('GET', /^\/v1\/events/, () => s.response)
      .on('GET', '/v1/vms/a', json(vm('error', { error: { code: 'no_valid_host', message: 'no host fits' } })));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const waiting = xp.waitForVm('a', 'running', { timeoutMs: 5_000 });
    s.write(': connected\n\n');
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmFailedError);
    expect(err).toBeInstanceOf(ProblemError);
    expect(err).toMatchObject({ code: 'vm_error', vm: { state: 'error' } });
    expect((err as Error).message).toContain('VM a is error, not running (no host fits)');
  });

  it('deleted is a failure unless waited for', async () => {
    const f = () =>
      fakeFetch()
        .on('GET', /^\/v1\/events/, problem(503, 'unavailable', 'no'))
        .on('GET', '/v1/vms/a', json(vm('deleted')));
    await expect(
      createXenplane({ baseUrl: BASE, fetch: f().fetch }).waitForVm('a', 'running', { timeoutMs: 1_000 }),
    ).rejects.toMatchObject({ code: 'vm_deleted' });
    await expect(
      createXenplane({ baseUrl: BASE, fetch: f().fetch }).waitForVm('a', 'deleted', { timeoutMs: 1_000 }),
    ).resolves.toMatchObject({ state: 'deleted' });
  });

  it('rejects with the 404 of a VM that is not there, and with the caller’s abort', async () => {
    const f = fakeFetch()
      .on('GET', /^\/v1\/events/, problem(503, 'unavailable', 'no'))
      .on('GET', '/v1/vms/a', problem(404, 'not_found', 'vm a not found'));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    await expect(xp.waitForVm('a', 'running', { timeoutMs: 1_000 })).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    });

    const g = fakeFetch()
      .on('GET', /^\/v1\/events/, problem(503, 'unavailable', 'no'))
      .on('GET', '/v1/vms/a', json(vm('building')));
    const abort = new AbortController();
    const waiting = createXenplane({ baseUrl: BASE, fetch: g.fetch }).waitForVm('a', 'running', {
      timeoutMs: 5_000,
      pollMs: 10,
      signal: abort.signal,
    });
    abort.abort(new Error('cancelled by the caller'));
    await expect(waiting).rejects.toThrow('cancelled by the caller');
  });
});

describe('waitForOperation', () => {
  it('resolves with the operation once it is over, failed included', async () => {
    const s = sseAnswer();
    let reads = 0;
    let ownEventSent = false;
    const f = fakeFetch()
      .on('GET', /^\/v1\/events/, () => s.response)
      .on('GET', '/v1/operations/o', () => json({ id: 'o', status: ++reads && ownEventSent ? 'failed' : 'running' }));
    const xp = createXenplane({ baseUrl: BASE, fetch: f.fetch });
    const waiting = xp.waitForOperation('o', { timeoutMs: 5_000 });
    s.write(': connected\n\n');
    await until(() => reads === 1);
    // another operation's event: no read (the read count at the end shows it)
    s.write(
      `id: 1\nevent: operation.status\ndata: ${JSON.stringify({ id: '1', type: 'operation.status', resourceType: 'operation', resourceId: 'other', data: {} })}\n\n`,
    );
    ownEventSent = true;
    s.write(
      `id: 2\nevent: operation.status\ndata: ${JSON.stringify({ id: '2', type: 'operation.status', resourceType: 'operation', resourceId: 'o', data: { status: 'failed' } })}\n\n`,
    );
    await expect(waiting).resolves.toMatchObject({ id: 'o', status: 'failed' });
    expect(reads).toBe(2);
    expect(new URL(f.requests[0]!.url).searchParams.get('types')).toBe('operation.status');
  });
});
