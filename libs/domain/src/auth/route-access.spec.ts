import type { Caller } from './access';
import {
  renderRouteAccess,
  ROUTE_ACCESS,
  type RouteAccess,
  routeAccess,
  routeAllows,
  routeKey,
  undeclaredRoutes,
} from './route-access';

const viewer: Caller = { role: 'viewer', projectId: 'p' };
const member: Caller = { role: 'member', projectId: 'p' };
const projectAdmin: Caller = { role: 'admin', projectId: 'p' };
const operator: Caller = { role: 'operator', projectId: null };
const admin: Caller = { role: 'admin', projectId: null };

const may = (key: string, caller: Caller | null) => routeAllows(routeAccess(key)!, caller);

describe('routeKey', () => {
  it('names a route as the matrix does, whatever Express calls its parameters', () => {
    expect(routeKey('post', '/v1/vms/:id/actions')).toBe('POST /v1/vms/{id}/actions');
    expect(routeKey('HEAD', '/v1/vms')).toBe('GET /v1/vms');
  });
});

describe('the role matrix', () => {
  it('lets operators migrate tenants’ VMs, and tenants act on their own', () => {
    expect(may('POST /v1/vms/{id}/actions', operator)).toBe(true);
    expect(may('POST /v1/vms/{id}/actions', member)).toBe(true);
    expect(may('POST /v1/vms/{id}/actions', viewer)).toBe(false);
  });

  it('keeps viewers to reading and tenants off the infrastructure', () => {
    for (const key of ['POST /v1/vms', 'DELETE /v1/vms/{id}', 'PATCH /v1/vms/{id}', 'POST /v1/server-groups']) {
      expect([key, may(key, viewer)]).toEqual([key, false]);
    }
    for (const key of ['GET /v1/hosts', 'POST /v1/pools', 'POST /v1/hosts/{id}/declare-dead']) {
      expect([key, may(key, projectAdmin)]).toEqual([key, false]);
    }
  });

  it('keeps tokens and projects to admins, and operators out of tenants’ VMs creation', () => {
    expect(may('POST /v1/projects/{id}/tokens', member)).toBe(false);
    expect(may('POST /v1/projects/{id}/tokens', projectAdmin)).toBe(true);
    expect(may('POST /v1/projects/{id}/tokens', operator)).toBe(false);
    expect(may('POST /v1/projects', operator)).toBe(false);
    expect(may('POST /v1/vms', operator)).toBe(false);
  });

  it('lets a global admin call every route, and nobody without a token but the public ones', () => {
    for (const [key, access] of Object.entries(ROUTE_ACCESS)) {
      expect([key, may(key, admin)]).toEqual([key, true]);
      const open = access.levels.some((l) => l === 'public' || l === 'enrollment');
      expect([key, may(key, null)]).toEqual([key, open]);
    }
  });

  it('finds the routes it does not name, and the entries no route serves', () => {
    expect(undeclaredRoutes([...Object.keys(ROUTE_ACCESS), 'GET /v1/secret'])).toEqual({
      undeclared: ['GET /v1/secret'],
      unserved: [],
    });
    expect(undeclaredRoutes(Object.keys(ROUTE_ACCESS).slice(1)).unserved).toEqual(['GET /healthz']);
  });

  it('has no entry that an inherited property could answer', () => {
    expect(routeAccess('constructor')).toBeUndefined();
    expect(routeAccess('toString')).toBeUndefined();
  });
});

describe('the route catalogue’s names', () => {
  const entries = Object.entries(ROUTE_ACCESS as Record<string, RouteAccess>);

  it('gives every route a camelCase operationId, none twice', () => {
    for (const [key, { operationId }] of entries) {
      expect({ key, operationId, camelCase: /^[a-z][a-zA-Z0-9]*$/.test(operationId) }).toEqual({
        key,
        operationId,
        camelCase: true,
      });
    }
    const seen = new Map<string, string[]>();
    for (const [key, { operationId }] of entries) seen.set(operationId, [...(seen.get(operationId) ?? []), key]);
    expect([...seen].filter(([, keys]) => keys.length > 1)).toEqual([]);
  });

  it('gives every route a short summary of one line', () => {
    for (const [key, { summary }] of entries) {
      const fits = summary.length > 0 && summary.length <= 80 && !/[\n.]$/.test(summary) && /^[A-Z]/.test(summary);
      expect({ key, summary, fits }).toEqual({ key, summary, fits: true });
    }
  });

  it('shows each route’s operationId in the rendered matrix', () => {
    expect(renderRouteAccess()).toContain('| `POST /v1/vms` | `createVm` |');
  });
});
