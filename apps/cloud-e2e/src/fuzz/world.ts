import { randomBytes } from 'node:crypto';
import type { ApiClient } from '@xenplane/testing';

/** Who a fuzzed request comes from: every role there is, no token, and a token nobody issued. */
export const ROLES = [
  'admin',
  'operator',
  'a-admin',
  'a-member',
  'a-viewer',
  'b-admin',
  'b-member',
  'b-viewer',
  'none',
  'unknown-token',
] as const;
export type Role = (typeof ROLES)[number];

/** The kinds of ids path parameters and uuid fields name. */
export const ID_KINDS = [
  'vm',
  'operation',
  'project',
  'token',
  'pool',
  'host',
  'serverGroup',
  'flavor',
  'image',
  'network',
] as const;
export type IdKind = (typeof ID_KINDS)[number];

const MAX_FLAVOR = { vcpus: 512, memoryMb: 16 * 1024 * 1024, diskGb: 65_536 };
const MAX_QUOTA = { instances: 1_000_000, vcpus: 1_000_000, memoryMb: 1_000_000_000, diskGb: 1_000_000_000 };

/** A cloud with two tenants holding a little of everything, and a token of each role. */
export interface FuzzWorld {
  baseUrl: string;
  tokens: Record<Role, string | undefined>;
  /** existing ids by kind, of both tenants and of the operators' side (never the tokens above) */
  ids: Record<IdKind, string[]>;
  flavorNames: string[];
  imageNames: string[];
  hostNames: string[];
  /** the job queues' names (the queue routes' path parameter) */
  queueNames: string[];
}

/**
 * Builds the world through the API as its users would. `operatorToken`: a global operator
 * token, which only the database can make today (the API issues project tokens).
 */
export async function buildWorld(admin: ApiClient, operatorToken: string | undefined): Promise<FuzzWorld> {
  const ok = <T>(what: string, res: { status: number; body: T }): T => {
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  // list routes answer a page: the first one (50) holds all a fuzz world makes
  const items = (what: string, res: { status: number; body: { items: unknown[] } }) => ok(what, res).items;
  const suffix = randomBytes(3).toString('hex');
  const ids: Record<IdKind, string[]> = Object.fromEntries(ID_KINDS.map((k) => [k, []])) as any;
  const tokens: Partial<Record<Role, string | undefined>> = {
    admin: admin.token,
    operator: operatorToken,
    none: undefined,
    'unknown-token': `xp_${randomBytes(24).toString('base64url')}`,
  };
  // the largest flavor there may be: 100 of it is the largest request a quota is checked against
  ok('flavor', await admin.post('/v1/flavors', { name: `colossal-${suffix}`, ...MAX_FLAVOR }));
  for (const tenant of ['a', 'b'] as const) {
    const project = ok(
      'project',
      await admin.post('/v1/projects', { name: `fuzz-${tenant}-${suffix}`, quota: MAX_QUOTA }),
    ) as any;
    ids.project.push(project.id);
    for (const role of ['admin', 'member', 'viewer'] as const) {
      const created = ok('token', await admin.post(`/v1/projects/${project.id}/tokens`, { name: role, role })) as any;
      tokens[`${tenant}-${role}`] = created.token;
    }
    // a token the fuzzer may revoke without losing a role
    ids.token.push(
      (ok('token', await admin.post(`/v1/projects/${project.id}/tokens`, { name: 'spare', role: 'viewer' })) as any).id,
    );
    const member = admin.withToken(tokens[`${tenant}-member`]);
    const group = ok(
      'server group',
      await member.post('/v1/server-groups', { name: 'g', policy: 'anti-affinity' }),
    ) as any;
    ids.serverGroup.push(group.id);
    const vms = ok('vm', await member.post('/v1/vms', { name: 'v', flavor: 'xp.micro', image: 'tiny-pv' })) as any;
    ids.vm.push(vms.vms[0].id);
    ids.operation.push(vms.operations[0].id);
  }
  const admins = items('projects', await admin.get('/v1/projects')) as any[];
  ids.project.push(...admins.filter((p) => !ids.project.includes(p.id)).map((p) => p.id));
  const pool = ok('pool', await admin.post('/v1/pools', { name: `fuzz-${suffix}` })) as any;
  ids.pool.push(...(items('pools', await admin.get('/v1/pools')) as any[]).map((p) => p.id));
  const hosts = items('hosts', await admin.get('/v1/hosts')) as any[];
  ids.host.push(...hosts.map((h) => h.id));
  const flavors = items('flavors', await admin.get('/v1/flavors')) as any[];
  ids.flavor.push(...flavors.map((f) => f.id));
  const images = items('images', await admin.get('/v1/images')) as any[];
  ids.image.push(...images.map((i) => i.id));
  // the default pool's default network, and one of the fuzz pool's (the fuzzer may delete it)
  ok(
    'network',
    await admin.post(`/v1/pools/${pool.id}/networks`, {
      name: `fuzz-${suffix}`,
      bridge: 'xenbr1',
      cidr: '10.99.0.0/24',
      gateway: '10.99.0.1',
    }),
  );
  ids.network.push(...(items('networks', await admin.get('/v1/networks')) as any[]).map((n) => n.id));
  return {
    baseUrl: admin.baseUrl,
    tokens: tokens as Record<Role, string | undefined>,
    ids,
    flavorNames: flavors.map((f) => f.name),
    imageNames: images.map((i) => i.name),
    hostNames: hosts.map((h) => h.name),
    queueNames: (items('queues', await admin.get('/v1/queues')) as any[]).map((q) => q.name),
  };
}
