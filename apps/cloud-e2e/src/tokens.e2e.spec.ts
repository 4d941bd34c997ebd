import { type ApiClient, type ApiProcess, Cloud, waitFor } from '@xenplane/testing';

/**
 * Tokens over their life: created with an expiry, listed without their secrets, their last use
 * recorded in batches, revoked at once on every API replica.
 */
describe('tokens', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 0 });
  });
  afterAll(() => cloud?.stop());

  let projects = 0;
  /** A fresh project and a token of it with this role, as a client. */
  async function projectToken(role: 'admin' | 'member' | 'viewer', extra: { expiresAt?: string } = {}) {
    const project = await cloud.api.post('/v1/projects', { name: `tokens-${++projects}` });
    expect(project.status).toBe(201);
    const created = await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, { name: 'ci', role, ...extra });
    expect(created.status).toBe(201);
    return {
      projectId: project.body.id as string,
      token: created.body,
      client: cloud.api.withToken(created.body.token),
    };
  }

  const whoami = (client: ApiClient) => client.get('/v1/whoami');

  describe('expiry', () => {
    it('works until its expiry, then answers 401 problem+json saying when it expired', async () => {
      const expiresAt = new Date(Date.now() + 1_500).toISOString();
      const { token, client } = await projectToken('member', { expiresAt });
      expect(token).toMatchObject({ expiresAt, revokedAt: null, lastUsedAt: null });
      expect((await whoami(client)).status).toBe(200);
      const refused = await waitFor(
        'the token to expire',
        async () => {
          const res = await whoami(client);
          return res.status === 401 ? res : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ code: 'unauthorized', detail: `the token expired at ${expiresAt}` });
    });

    it('refuses an expiry in the past, beyond ten years, without a time zone, or not a date: 400, no token', async () => {
      const project = await cloud.api.post('/v1/projects', { name: 'tokens-bad-expiry' });
      const before = await cloud.db.token.count();
      const year = 365 * 24 * 3600 * 1000;
      for (const [expiresAt, message] of [
        [new Date(Date.now() - 1_000).toISOString(), 'must be in the future'],
        [new Date(Date.now() + 10 * year + 10 * 24 * 3600 * 1000).toISOString(), 'must be at most 10 years from now'],
        ['2027-01-31T00:00:00', 'expiresAt must be a date and time with a time zone, e.g. 2027-01-31T00:00:00Z'],
        ['next tuesday', 'expiresAt must be a valid ISO 8601 date string'],
        [1_900_000_000, 'expiresAt must be a valid ISO 8601 date string'],
      ] as const) {
        const res = await cloud.api.post(`/v1/projects/${project.body.id}/tokens`, {
          name: 'x',
          role: 'member',
          expiresAt,
        });
        expect({ expiresAt, status: res.status, code: res.body.code, errors: res.body.errors }).toEqual({
          expiresAt,
          status: 400,
          code: 'validation_failed',
          errors: [{ field: 'expiresAt', message }],
        });
      }
      expect(await cloud.db.token.count()).toBe(before);
    });
  });

  describe('listing', () => {
    it("shows a project's tokens, revoked ones too, to its admins and global admins, never a secret or hash", async () => {
      const { projectId, token: admin, client: projectAdmin } = await projectToken('admin');
      const member = (await cloud.api.post(`/v1/projects/${projectId}/tokens`, { name: 'm', role: 'member' })).body;
      const gone = (await cloud.api.post(`/v1/projects/${projectId}/tokens`, { name: 'gone', role: 'viewer' })).body;
      expect((await cloud.api.delete(`/v1/tokens/${gone.id}`)).status).toBe(204);

      for (const client of [cloud.api, projectAdmin]) {
        const res = await client.get(`/v1/projects/${projectId}/tokens`);
        expect(res.status).toBe(200);
        // newest first
        expect(res.body.items.map((t: any) => [t.name, t.role, t.revokedAt !== null])).toEqual([
          ['gone', 'viewer', true],
          ['m', 'member', false],
          ['ci', 'admin', false],
        ]);
        for (const t of res.body.items) {
          expect(Object.keys(t).sort()).toEqual(
            ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'projectId', 'revokedAt', 'role'].sort(),
          );
          expect(JSON.stringify(t)).not.toMatch(/[0-9a-f]{64}/); // no hash
        }
        // the prefix is a generated secret's first characters, a display aid
        expect(res.body.items.find((t: any) => t.name === 'ci').prefix).toBe(admin.token.slice(0, 10));
        expect(admin.token.length).toBeGreaterThan(40);
      }
      expect(JSON.stringify((await cloud.api.get(`/v1/projects/${projectId}/tokens`)).body.items)).not.toContain(
        member.token,
      );
    });

    it("refuses the listing to members (403) and another project's admin (404), as creating and revoking", async () => {
      const { projectId, client: member } = await projectToken('member');
      const { client: otherAdmin } = await projectToken('admin');
      expect((await member.get(`/v1/projects/${projectId}/tokens`)).status).toBe(403);
      expect((await member.post(`/v1/projects/${projectId}/tokens`, { name: 'x', role: 'viewer' })).status).toBe(403);
      expect((await otherAdmin.get(`/v1/projects/${projectId}/tokens`)).status).toBe(404);
      expect((await otherAdmin.post(`/v1/projects/${projectId}/tokens`, { name: 'x', role: 'viewer' })).status).toBe(
        404,
      );
      expect((await cloud.api.get('/v1/projects/00000000-0000-4000-8000-000000000000/tokens')).status).toBe(404);
      expect((await otherAdmin.get('/v1/tokens')).status).toBe(403);
    });

    it('shows global admins the global tokens, keeping nothing of the secret XENPLANE_ADMIN_TOKEN chose', async () => {
      const res = await cloud.api.get('/v1/tokens');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        expect.objectContaining({ name: 'bootstrap-admin', role: 'admin', projectId: null, prefix: null }),
      ]);
      // nothing of the chosen secret is stored anywhere in its row (the harness chose it: XENPLANE_ADMIN_TOKEN)
      const row = await cloud.db.token.findFirstOrThrow({ where: { name: 'bootstrap-admin' } });
      expect(row.prefix).toBeNull();
      expect(JSON.stringify(row)).not.toContain(cloud.adminToken.slice(0, 6));
    });
  });

  describe('global tokens', () => {
    it('are made by global admins only, as operator or admin, and work as their role', async () => {
      const before = await cloud.db.token.count();
      const tenantAdmin = (await projectToken('admin')).client;
      expect((await tenantAdmin.post('/v1/tokens', { name: 'ops', role: 'operator' })).status).toBe(403);
      const member = await cloud.api.post('/v1/tokens', { name: 'ops', role: 'member' });
      expect(member).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
      expect(await cloud.db.token.count()).toBe(before + 1); // only the tenant admin's own token

      const created = await cloud.api.post('/v1/tokens', { name: 'ops', role: 'operator' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'ops', role: 'operator', projectId: null, token: expect.any(String) });
      const operator = cloud.api.withToken(created.body.token);
      expect((await operator.get('/v1/hosts')).status).toBe(200);
      expect((await operator.post('/v1/projects', { name: 'not-mine' })).status).toBe(403);
      const listed = (await cloud.api.get('/v1/tokens')).body.items.map((t: { name: string }) => t.name);
      expect(listed).toEqual(['ops', 'bootstrap-admin']); // newest first
    });
  });

  describe('last use', () => {
    it('is recorded in batches, not per request, and at shutdown', async () => {
      // an API whose batches would come only after a minute: what is written must be its shutdown's
      const slow = await cloud.addApi({ TOKEN_LAST_USED_FLUSH_MS: '60000' });
      const { token } = await projectToken('viewer');
      const client = slow.api.withToken(token.token);
      const firstUse = Date.now();
      for (let i = 0; i < 20; i++) expect((await whoami(client)).status).toBe(200);
      const lastUse = Date.now();
      // twenty requests answered, no write yet
      expect((await cloud.db.token.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt).toBeNull();
      await slow.process.stop();
      const used = (await cloud.db.token.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt;
      expect(used?.getTime()).toBeGreaterThanOrEqual(firstUse);
      expect(used?.getTime()).toBeLessThanOrEqual(lastUse);
    });

    it('shows in the listing a few seconds after use (the default batch interval)', async () => {
      const { projectId, token, client } = await projectToken('viewer');
      const before = Date.now();
      expect((await whoami(client)).status).toBe(200);
      const listed = await waitFor(
        'lastUsedAt in the listing',
        async () => {
          const t = (await cloud.api.get(`/v1/projects/${projectId}/tokens`)).body.items.find(
            (x: any) => x.id === token.id,
          );
          return t.lastUsedAt ? t : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      expect(Date.parse(listed.lastUsedAt)).toBeGreaterThanOrEqual(before);
    });
  });

  describe('revocation across API replicas', () => {
    // a replica that caches lookups for a minute: only the revocation message can stop it
    let b: ApiProcess;
    const subscriptions = () => b.process.output().split('subscribed to token revocations').length - 1;
    beforeAll(async () => {
      b = await cloud.addApi({ AUTH_CACHE_MS: '60000' });
      await b.process.waitForOutput('subscribed to token revocations');
    });

    it('keeps a token cached on replica B (so only a message can stop it there)', async () => {
      const { token } = await projectToken('member');
      const onB = b.api.withToken(token.token);
      expect((await whoami(onB)).status).toBe(200);
      // revoked behind the API's back: no message, and B answers from its cache
      await cloud.db.token.update({ where: { id: token.id }, data: { revokedAt: new Date() } });
      expect((await whoami(onB)).status).toBe(200);
    });

    it('refuses the very next request on replica B once replica A answered the revocation', async () => {
      const { token } = await projectToken('member');
      const onB = b.api.withToken(token.token);
      for (let i = 0; i < 5; i++) expect((await whoami(onB)).status).toBe(200);
      expect((await cloud.api.delete(`/v1/tokens/${token.id}`)).status).toBe(204);
      const next = await whoami(onB);
      expect({ status: next.status, detail: next.body.detail }).toEqual({
        status: 401,
        detail: 'the token is unknown or revoked',
      });
      expect((await whoami(cloud.api.withToken(token.token))).status).toBe(401);
      // a second revocation finds nothing to revoke
      expect((await cloud.api.delete(`/v1/tokens/${token.id}`)).status).toBe(404);
    });

    it('forgets what it cached when its subscription was lost, as revocations were missed meanwhile', async () => {
      const { token } = await projectToken('member');
      const onB = b.api.withToken(token.token);
      expect((await whoami(onB)).status).toBe(200);
      // the revocation's message is lost: B's subscription drops, and the revocation is not announced
      await cloud.db.token.update({ where: { id: token.id }, data: { revokedAt: new Date() } });
      const redis = cloud.redisClient();
      const clients = (await redis.client('LIST')) as string;
      const mine = clients
        .split('\n')
        .find((line) => line.includes(` name=xenplane-api-token-revocations-${b.process.pid} `));
      expect(mine).toBeDefined();
      const subscribedBefore = subscriptions();
      await redis.client('KILL', 'ID', /\bid=(\d+)/.exec(mine!)![1]!);
      await waitFor('replica B to subscribe again', async () =>
        subscriptions() > subscribedBefore ? true : undefined,
      );
      expect((await whoami(onB)).status).toBe(401);
    });
  });
});
