import { request as httpRequest } from 'node:http';
import { type ApiResponse, Cloud } from '@xenplane/testing';
import { rowCounts } from './helpers';

const PER_TOKEN = 40;
const PER_ADDRESS = 20;
const WINDOW_SECONDS = 60;

/** A GET from another source address (127.0.0.0/8 is all loopback), to show limits are per address. */
function getFrom(localAddress: string, url: string, token: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

const statuses = (answers: ApiResponse[]) =>
  answers.reduce<Record<number, number>>((n, a) => ({ ...n, [a.status]: (n[a.status] ?? 0) + 1 }), {});

function expectRateLimited(res: ApiResponse) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 429, code: 'rate_limited', title: 'Too Many Requests' });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(res.body.retryAfterSeconds).toBe(retryAfter);
}

/**
 * Rate limits with small budgets: per token once authenticated, per source address otherwise,
 * counted in Redis and so shared by API replicas. Every test starts with fresh budgets.
 */
describe('rate limits', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({
      hosts: 0,
      env: {
        RATE_LIMIT_PER_TOKEN: String(PER_TOKEN),
        RATE_LIMIT_PER_ADDRESS_UNAUTHENTICATED: String(PER_ADDRESS),
        RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
      },
    });
  });
  afterAll(() => cloud?.stop());
  beforeEach(() => cloud.resetRateLimits());

  const bad = (i: number) => cloud.api.withToken(`xp_guess-${String(i).padStart(8, '0')}`);

  it('slows token guessing: past the address budget a bad token gets 429 problem+json with Retry-After', async () => {
    const answers = await Promise.all(Array.from({ length: PER_ADDRESS + 10 }, (_, i) => bad(i).get('/v1/whoami')));
    expect(statuses(answers)).toEqual({ 401: PER_ADDRESS, 429: 10 });
    expectRateLimited(answers.find((a) => a.status === 429)!);
    // the address's budget is spent for requests without a token and for enrollments too, and a
    // refused write leaves no trace (the audit trail does not record 429s: a flood costs nothing)
    const audited = await cloud.db.auditEntry.count();
    expectRateLimited(await bad(99).post('/v1/projects', { name: 'guessed' }));
    expectRateLimited(await cloud.api.withToken(undefined).get('/v1/vms'));
    expectRateLimited(
      await cloud.api.withToken(undefined).post('/v1/hosts/enroll', { token: 'xpe_guess', name: 'h', address: 'a:1' }),
    );
    expect(await cloud.db.auditEntry.count()).toBe(audited);
    expect(await cloud.db.project.count({ where: { name: 'guessed' } })).toBe(0);
    // health and readiness are never limited (metrics are on a port of their own)
    for (const path of ['/healthz', '/readyz'])
      expect((await cloud.api.withToken(undefined).get(path)).status).toBe(200);
    // a valid token from the same address spends its own budget, and another address its own
    expect((await cloud.api.get('/v1/whoami')).status).toBe(200);
    expect((await getFrom('127.0.0.2', `${cloud.apiUrl}/v1/whoami`, 'xp_guess-elsewhere')).status).toBe(401);
  });

  it('holds a valid token to its own budget, and a throttled request writes nothing', async () => {
    const project = await cloud.api.post('/v1/projects', { name: 'limited' });
    const member = await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'ci', role: 'member' });
    const ci = cloud.api.withToken(member.body.token);
    const answers = await Promise.all(Array.from({ length: PER_TOKEN }, () => ci.get('/v1/whoami')));
    expect(statuses(answers)).toEqual({ 200: PER_TOKEN });

    const before = { ...(await rowCounts(cloud)), audit: await cloud.db.auditEntry.count() };
    const vms = await cloud.db.vm.count({ where: { projectId: project.body.id } });
    const refused = await ci.post(
      '/v1/vms',
      { name: 'throttled', flavor: 'xp.micro', image: 'tiny-pv' },
      { 'idempotency-key': 'throttled-1' },
    );
    expectRateLimited(refused);
    expect(refused.body.detail).toMatch(/^too many requests with this token; retry in \d+ s$/);
    expect({ ...(await rowCounts(cloud)), audit: await cloud.db.auditEntry.count() }).toEqual(before);
    expect(await cloud.db.vm.count({ where: { projectId: project.body.id } })).toBe(vms);
    // another token is not held back
    expect((await cloud.api.get('/v1/whoami')).status).toBe(200);
  });

  it('shares budgets between API processes on one Redis', async () => {
    const b = await cloud.addApi();
    const project = await cloud.api.post('/v1/projects', { name: 'shared' });
    const member = await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'ci', role: 'member' });
    const [onA, onB] = [cloud.api, b.api].map((api) => api.withToken(member.body.token));
    const half = PER_TOKEN / 2;
    const spent = await Promise.all([
      ...Array.from({ length: half }, () => onA!.get('/v1/whoami')),
      ...Array.from({ length: half }, () => onB!.get('/v1/whoami')),
    ]);
    expect(statuses(spent)).toEqual({ 200: PER_TOKEN });
    expectRateLimited(await onA!.get('/v1/whoami'));
    expectRateLimited(await onB!.get('/v1/whoami'));

    const guesses = await Promise.all(
      Array.from({ length: PER_ADDRESS }, (_, i) =>
        (i % 2 ? b.api : cloud.api).withToken(`xp_guess-ab-${i}00000`).get('/v1/whoami'),
      ),
    );
    expect(statuses(guesses)).toEqual({ 401: PER_ADDRESS });
    expectRateLimited(await b.api.withToken('xp_guess-ab-last000').get('/v1/whoami'));
    expectRateLimited(await bad(0).get('/v1/whoami'));
  });
});
