import { type AccessLevel, allows, type Caller } from './access';

/** Who may call a route: any one of these levels suffices. */
export interface RouteAccess {
  levels: readonly AccessLevel[];
  /** what the handler checks beyond the role, in words (docs/API.md shows it) */
  then?: string;
}

/**
 * The role matrix: every route of the API and who may call it, written down once. The API's
 * guard reads it (a route missing here is refused, and the API will not start with one), the
 * OpenAPI document's security comes from it, and docs/API.md renders it. Keys are
 * `METHOD /path` with OpenAPI's `{param}` placeholders.
 */
export const ROUTE_ACCESS = {
  'GET /healthz': { levels: ['public'] },
  'GET /readyz': { levels: ['public'] },
  'GET /metrics': { levels: ['public'] },
  'GET /v1/whoami': { levels: ['viewer'] },

  'POST /v1/projects': { levels: ['admin'] },
  'GET /v1/projects': { levels: ['admin'] },
  'GET /v1/projects/{id}': { levels: ['viewer'], then: 'its own project only' },
  'PATCH /v1/projects/{id}': { levels: ['admin'] },
  'POST /v1/projects/{id}/tokens': { levels: ['project-admin'], then: 'its own project only' },
  'GET /v1/projects/{id}/tokens': { levels: ['project-admin'], then: 'its own project only' },
  'GET /v1/tokens': { levels: ['admin'] },
  'POST /v1/tokens': { levels: ['admin'] },
  'DELETE /v1/tokens/{id}': { levels: ['project-admin'], then: "its own project's tokens only" },
  'POST /v1/projects/{id}/keypairs': { levels: ['member'], then: 'its own project only' },
  'GET /v1/projects/{id}/keypairs': { levels: ['viewer'], then: 'its own project only' },
  'DELETE /v1/projects/{id}/keypairs/{keypair}': { levels: ['member'], then: 'its own project only' },
  'POST /v1/projects/{id}/webhooks': { levels: ['member'], then: 'its own project only' },
  'GET /v1/projects/{id}/webhooks': { levels: ['viewer'], then: 'its own project only' },
  'GET /v1/projects/{id}/webhooks/{webhookId}': { levels: ['viewer'], then: 'its own project only' },
  'PATCH /v1/projects/{id}/webhooks/{webhookId}': { levels: ['member'], then: 'its own project only' },
  'DELETE /v1/projects/{id}/webhooks/{webhookId}': { levels: ['member'], then: 'its own project only' },
  'GET /v1/projects/{id}/webhooks/{webhookId}/deliveries': { levels: ['viewer'], then: 'its own project only' },

  'GET /v1/flavors': { levels: ['viewer'] },
  'POST /v1/flavors': { levels: ['admin'] },
  'GET /v1/images': { levels: ['viewer'], then: "a project token sees public images and its own project's" },
  'POST /v1/images': {
    levels: ['member', 'operator'],
    then: "global tokens make public images (or a named project's); a project token its own project's",
  },
  'GET /v1/images/{id}': { levels: ['viewer'], then: "public images and its own project's only" },
  'PUT /v1/images/{id}/file': {
    levels: ['member', 'operator'],
    then: "a project token its own project's images only; public images by global tokens",
  },
  'DELETE /v1/images/{id}': {
    levels: ['member', 'operator'],
    then: "a project token its own project's images only; public images by global tokens",
  },

  'POST /v1/pools': { levels: ['operator'] },
  'GET /v1/pools': { levels: ['operator'] },
  'PATCH /v1/pools/{id}': { levels: ['operator'] },
  'GET /v1/pools/{id}/ha': { levels: ['operator'] },
  'POST /v1/pools/{id}/networks': { levels: ['operator'] },
  'GET /v1/pools/{id}/networks': { levels: ['operator'] },
  'GET /v1/networks': {
    levels: ['viewer'],
    then: 'a project token sees each network without its bridge, range and use',
  },
  'PATCH /v1/networks/{id}': { levels: ['operator'] },
  'DELETE /v1/networks/{id}': { levels: ['operator'] },
  'GET /v1/pools/{id}/storage-pools': { levels: ['operator'] },
  'GET /v1/storage-pools': { levels: ['operator'] },

  'POST /v1/hosts/enrollment-tokens': { levels: ['operator'] },
  'POST /v1/hosts/enroll': { levels: ['enrollment'] },
  'GET /v1/hosts': { levels: ['operator'] },
  'GET /v1/hosts/{id}': { levels: ['operator'] },
  'POST /v1/hosts/{id}/maintenance': { levels: ['operator'] },
  'POST /v1/hosts/{id}/enable': { levels: ['operator'] },
  'POST /v1/hosts/{id}/declare-dead': { levels: ['operator'] },
  'POST /v1/placement/dry-run': { levels: ['operator'] },

  'POST /v1/server-groups': { levels: ['member'] },
  'GET /v1/server-groups': { levels: ['viewer'] },

  'POST /v1/vms': { levels: ['member'] },
  'GET /v1/vms': { levels: ['viewer'], then: "a project token sees its own project's VMs" },
  'GET /v1/vms/{id}': { levels: ['viewer'], then: "its own project's VMs only" },
  'PATCH /v1/vms/{id}': { levels: ['member'], then: "its own project's VMs only" },
  'POST /v1/vms/{id}/actions': {
    levels: ['member', 'operator'],
    then: "its own project's VMs only; an operator only `migrate`, and only operators name `targetHostId`",
  },
  'DELETE /v1/vms/{id}': { levels: ['member'], then: "its own project's VMs only" },
  // members, not viewers: a console may show what a guest printed at boot, secrets included
  'GET /v1/vms/{id}/console': { levels: ['member'], then: "its own project's VMs only" },
  'POST /v1/vms/{id}/snapshots': { levels: ['member'], then: "its own project's VMs only" },
  'GET /v1/vms/{id}/snapshots': { levels: ['viewer'], then: "its own project's VMs only" },
  'GET /v1/vms/{id}/snapshots/{snapshotId}': { levels: ['viewer'], then: "its own project's VMs only" },
  'DELETE /v1/vms/{id}/snapshots/{snapshotId}': { levels: ['member'], then: "its own project's VMs only" },
  'POST /v1/vms/{id}/snapshots/{snapshotId}/revert': { levels: ['member'], then: "its own project's VMs only" },

  'GET /v1/operations': { levels: ['viewer'], then: "a project token sees its own project's operations" },
  'GET /v1/operations/{id}': { levels: ['viewer'], then: "its own project's operations only" },
  'POST /v1/operations/{id}/cancel': {
    levels: ['member', 'operator'],
    then: "its own project's operations; a host's operations (evacuate) by operators",
  },
  'GET /v1/events': { levels: ['viewer'], then: "a project token sees its own project's events" },
  'GET /v1/audit': { levels: ['admin'] },
} as const satisfies Record<string, RouteAccess>;

export type RouteKey = keyof typeof ROUTE_ACCESS;

/** `GET /v1/vms/{id}` from an HTTP method and an Express route path (`/v1/vms/:id`). */
export function routeKey(method: string, routePath: string): string {
  const verb = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  return `${verb} ${routePath.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
}

export function routeAccess(key: string): RouteAccess | undefined {
  return Object.hasOwn(ROUTE_ACCESS, key) ? (ROUTE_ACCESS as Record<string, RouteAccess>)[key] : undefined;
}

/** Needs the route a bearer token at all (public and enrollment routes do not). */
export function needsToken(access: RouteAccess): boolean {
  return access.levels.every((l) => l !== 'public' && l !== 'enrollment');
}

/** May this caller call the route, as far as its role goes (the handler may refuse more). */
export function routeAllows(access: RouteAccess, caller: Caller | null): boolean {
  return access.levels.some((level) =>
    level === 'public' || level === 'enrollment' ? true : caller !== null && allows(level, caller),
  );
}

/** Routes the app serves that the matrix does not name, and entries no route answers. */
export function undeclaredRoutes(served: string[]): { undeclared: string[]; unserved: string[] } {
  const known = new Set(Object.keys(ROUTE_ACCESS));
  const seen = new Set(served);
  return {
    undeclared: served.filter((k) => !known.has(k)),
    unserved: [...known].filter((k) => !seen.has(k)),
  };
}

const COLUMNS: [string, Caller][] = [
  ['viewer', { role: 'viewer', projectId: 'p' }],
  ['member', { role: 'member', projectId: 'p' }],
  ['project admin', { role: 'admin', projectId: 'p' }],
  ['operator', { role: 'operator', projectId: null }],
  ['admin', { role: 'admin', projectId: null }],
];

/** The matrix as the Markdown table docs/API.md holds (a test keeps the two the same). */
export function renderRouteAccess(): string {
  const head = `| route | ${COLUMNS.map(([n]) => n).join(' | ')} | and then |`;
  const rule = `| --- | ${COLUMNS.map(() => ':-:').join(' | ')} | --- |`;
  const rows = Object.entries(ROUTE_ACCESS as Record<string, RouteAccess>).map(([key, access]) => {
    const cells = needsToken(access)
      ? COLUMNS.map(([, c]) => (routeAllows(access, c) ? 'yes' : '')).join(' | ')
      : COLUMNS.map(() => access.levels[0]).join(' | ');
    return `| \`${key}\` | ${cells} | ${access.then ?? ''} |`;
  });
  return [head, rule, ...rows].join('\n');
}
