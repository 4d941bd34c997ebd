import { type AccessLevel, allows, type Caller } from './access';

/** Who may call a route (any one of these levels suffices), and what the route is called. */
export interface RouteAccess {
  /**
   * The route's name in the OpenAPI document and in clients generated from it (`createVm`):
   * camelCase, unique, and never changed once published, as SDK method names depend on it.
   */
  operationId: string;
  /** What the route does, in a few words (the OpenAPI summary) */
  summary: string;
  levels: readonly AccessLevel[];
  /** what the handler checks beyond the role, in words (docs/API.md shows it) */
  then?: string;
}

/**
 * The role matrix: every route of the API and who may call it, written down once. The API's
 * guard reads it (a route missing here is refused, and the API will not start with one), the
 * OpenAPI document's security, operationIds and summaries come from it, and docs/API.md
 * renders it. Keys are `METHOD /path` with OpenAPI's `{param}` placeholders.
 */
export const ROUTE_ACCESS = {
  'GET /healthz': { operationId: 'getHealth', summary: 'Whether the process is alive', levels: ['public'] },
  'GET /readyz': {
    operationId: 'getReadiness',
    summary: 'Whether the database and Redis are reachable',
    levels: ['public'],
  },
  'GET /v1/whoami': { operationId: 'whoami', summary: "The calling token's id, role and project", levels: ['viewer'] },

  'POST /v1/projects': { operationId: 'createProject', summary: 'Create a project with its quota', levels: ['admin'] },
  'GET /v1/projects': {
    operationId: 'listProjects',
    summary: 'List projects with their quota and usage',
    levels: ['admin'],
  },
  'GET /v1/projects/{id}': {
    operationId: 'getProject',
    summary: 'Get a project with its quota and usage',
    levels: ['viewer'],
    then: 'its own project only',
  },
  'PATCH /v1/projects/{id}': {
    operationId: 'updateProject',
    summary: "Change a project's name or quota",
    levels: ['admin'],
  },
  'POST /v1/projects/{id}/tokens': {
    operationId: 'createProjectToken',
    summary: 'Create a project token (its secret is shown once)',
    levels: ['project-admin'],
    then: 'its own project only',
  },
  'GET /v1/projects/{id}/tokens': {
    operationId: 'listProjectTokens',
    summary: "List a project's tokens",
    levels: ['project-admin'],
    then: 'its own project only',
  },
  'GET /v1/tokens': {
    operationId: 'listGlobalTokens',
    summary: 'List the global tokens (operators and admins)',
    levels: ['admin'],
  },
  'POST /v1/tokens': {
    operationId: 'createGlobalToken',
    summary: 'Create a global token (its secret is shown once)',
    levels: ['admin'],
  },
  'DELETE /v1/tokens/{id}': {
    operationId: 'revokeToken',
    summary: 'Revoke a token',
    levels: ['project-admin'],
    then: "its own project's tokens only",
  },
  'POST /v1/projects/{id}/keypairs': {
    operationId: 'createKeypair',
    summary: 'Register an SSH public key in a project',
    levels: ['member'],
    then: 'its own project only',
  },
  'GET /v1/projects/{id}/keypairs': {
    operationId: 'listKeypairs',
    summary: "List a project's SSH keypairs",
    levels: ['viewer'],
    then: 'its own project only',
  },
  'DELETE /v1/projects/{id}/keypairs/{keypair}': {
    operationId: 'deleteKeypair',
    summary: 'Delete an SSH keypair',
    levels: ['member'],
    then: 'its own project only',
  },
  'POST /v1/projects/{id}/webhooks': {
    operationId: 'createWebhook',
    summary: "Subscribe a URL to the project's events (its signing secret is shown once)",
    levels: ['member'],
    then: 'its own project only',
  },
  'GET /v1/projects/{id}/webhooks': {
    operationId: 'listWebhooks',
    summary: "List a project's webhooks",
    levels: ['viewer'],
    then: 'its own project only',
  },
  'GET /v1/projects/{id}/webhooks/{webhookId}': {
    operationId: 'getWebhook',
    summary: 'Get a webhook',
    levels: ['viewer'],
    then: 'its own project only',
  },
  'PATCH /v1/projects/{id}/webhooks/{webhookId}': {
    operationId: 'updateWebhook',
    summary: "Change a webhook's URL, event types or whether it is enabled",
    levels: ['member'],
    then: 'its own project only',
  },
  'DELETE /v1/projects/{id}/webhooks/{webhookId}': {
    operationId: 'deleteWebhook',
    summary: 'Delete a webhook (nothing more is delivered to it)',
    levels: ['member'],
    then: 'its own project only',
  },
  'GET /v1/projects/{id}/webhooks/{webhookId}/deliveries': {
    operationId: 'listWebhookDeliveries',
    summary: "A webhook's delivery log, newest first",
    levels: ['viewer'],
    then: 'its own project only',
  },

  'GET /v1/flavors': { operationId: 'listFlavors', summary: 'List flavors', levels: ['viewer'] },
  'POST /v1/flavors': { operationId: 'createFlavor', summary: 'Create a flavor', levels: ['admin'] },
  'GET /v1/images': {
    operationId: 'listImages',
    summary: 'List images',
    levels: ['viewer'],
    then: "a project token sees public images and its own project's",
  },
  'POST /v1/images': {
    operationId: 'createImage',
    summary: 'Create an image, pending its content',
    levels: ['member', 'operator'],
    then: "global tokens make public images (or a named project's); a project token its own project's",
  },
  'GET /v1/images/{id}': {
    operationId: 'getImage',
    summary: 'Get an image',
    levels: ['viewer'],
    then: "public images and its own project's only",
  },
  'PUT /v1/images/{id}/file': {
    operationId: 'uploadImageFile',
    summary: "Upload an image's content",
    levels: ['member', 'operator'],
    then: "a project token its own project's images only; public images by global tokens",
  },
  'DELETE /v1/images/{id}': {
    operationId: 'deleteImage',
    summary: 'Delete an image and its content',
    levels: ['member', 'operator'],
    then: "a project token its own project's images only; public images by global tokens",
  },

  'POST /v1/pools': { operationId: 'createPool', summary: 'Create a pool of hosts', levels: ['operator'] },
  'GET /v1/pools': { operationId: 'listPools', summary: 'List pools', levels: ['operator'] },
  'PATCH /v1/pools/{id}': { operationId: 'updatePool', summary: "Change a pool's settings", levels: ['operator'] },
  'GET /v1/pools/{id}/ha': {
    operationId: 'getPoolHa',
    summary: "A pool's high-availability state",
    levels: ['operator'],
  },
  'GET /v1/pools/{id}/usage-history': {
    operationId: 'getPoolUsageHistory',
    summary: "A pool's capacity and usage over time",
    levels: ['operator'],
  },
  'POST /v1/pools/{id}/networks': {
    operationId: 'createNetwork',
    summary: 'Create a network in a pool',
    levels: ['operator'],
  },
  'GET /v1/pools/{id}/networks': {
    operationId: 'listPoolNetworks',
    summary: "List a pool's networks",
    levels: ['operator'],
  },
  'GET /v1/networks': {
    operationId: 'listNetworks',
    summary: 'List networks',
    levels: ['viewer'],
    then: 'a project token sees each network without its bridge, range and use',
  },
  'PATCH /v1/networks/{id}': { operationId: 'updateNetwork', summary: 'Change a network', levels: ['operator'] },
  'DELETE /v1/networks/{id}': { operationId: 'deleteNetwork', summary: 'Delete a network', levels: ['operator'] },
  'POST /v1/pools/{id}/storage-pools': {
    operationId: 'createStoragePool',
    summary: 'Add a shared storage pool (a LUN every host sees) to a pool',
    levels: ['admin'],
  },
  'GET /v1/pools/{id}/storage-pools': {
    operationId: 'listPoolStoragePools',
    summary: "List a pool's storage pools",
    levels: ['operator'],
  },
  'GET /v1/storage-pools': { operationId: 'listStoragePools', summary: 'List storage pools', levels: ['operator'] },

  'POST /v1/hosts/enrollment-tokens': {
    operationId: 'createEnrollmentToken',
    summary: 'Create a one-time token for a host to join a pool',
    levels: ['operator'],
  },
  'POST /v1/hosts/enroll': {
    operationId: 'enrollHost',
    summary: 'Enroll a host with an enrollment token',
    levels: ['enrollment'],
  },
  'GET /v1/hosts': { operationId: 'listHosts', summary: 'List hosts', levels: ['operator'] },
  'GET /v1/hosts/{id}': { operationId: 'getHost', summary: 'Get a host', levels: ['operator'] },
  'POST /v1/hosts/{id}/maintenance': {
    operationId: 'enterHostMaintenance',
    summary: 'Put a host in maintenance, evacuating its VMs',
    levels: ['operator'],
  },
  'POST /v1/hosts/{id}/enable': {
    operationId: 'enableHost',
    summary: 'Take a host out of maintenance',
    levels: ['operator'],
  },
  'POST /v1/hosts/{id}/declare-dead': {
    operationId: 'declareHostDead',
    summary: 'Declare a host dead, restarting its protected VMs elsewhere',
    levels: ['operator'],
  },
  'POST /v1/hosts/{id}/certificate/renew': {
    operationId: 'renewHostCertificate',
    summary: "Renew a host's certificate now (the scheduler does it at its next round)",
    levels: ['admin'],
  },
  'POST /v1/placement/dry-run': {
    operationId: 'dryRunPlacement',
    summary: 'Where VMs would be placed, without creating them',
    levels: ['operator'],
  },

  'POST /v1/server-groups': {
    operationId: 'createServerGroup',
    summary: 'Create a server group (affinity policy)',
    levels: ['member'],
  },
  'GET /v1/server-groups': { operationId: 'listServerGroups', summary: 'List server groups', levels: ['viewer'] },

  'POST /v1/vms': { operationId: 'createVm', summary: 'Create one or more VMs', levels: ['member'] },
  'GET /v1/vms': {
    operationId: 'listVms',
    summary: 'List VMs',
    levels: ['viewer'],
    then: "a project token sees its own project's VMs",
  },
  'GET /v1/vms/{id}': {
    operationId: 'getVm',
    summary: 'Get a VM',
    levels: ['viewer'],
    then: "its own project's VMs only",
  },
  'PATCH /v1/vms/{id}': {
    operationId: 'updateVm',
    summary: "Change a VM's name, metadata or settings",
    levels: ['member'],
    then: "its own project's VMs only",
  },
  'POST /v1/vms/{id}/actions': {
    operationId: 'runVmAction',
    summary: 'Start, stop, reboot, migrate or clone a VM',
    levels: ['member', 'operator'],
    then: "its own project's VMs only; an operator only `migrate`, and only operators name `targetHostId`",
  },
  'DELETE /v1/vms/{id}': {
    operationId: 'deleteVm',
    summary: 'Delete a VM',
    levels: ['member'],
    then: "its own project's VMs only",
  },
  // members, not viewers: a console may show what a guest printed at boot, secrets included
  'GET /v1/vms/{id}/console': {
    operationId: 'getVmConsole',
    summary: "The end of a VM's console output",
    levels: ['member'],
    then: "its own project's VMs only",
  },
  'POST /v1/vms/{id}/snapshots': {
    operationId: 'createSnapshot',
    summary: "Snapshot a VM's disks",
    levels: ['member'],
    then: "its own project's VMs only",
  },
  'GET /v1/vms/{id}/snapshots': {
    operationId: 'listSnapshots',
    summary: "List a VM's snapshots",
    levels: ['viewer'],
    then: "its own project's VMs only",
  },
  'GET /v1/vms/{id}/snapshots/{snapshotId}': {
    operationId: 'getSnapshot',
    summary: 'Get a snapshot',
    levels: ['viewer'],
    then: "its own project's VMs only",
  },
  'DELETE /v1/vms/{id}/snapshots/{snapshotId}': {
    operationId: 'deleteSnapshot',
    summary: 'Delete a snapshot',
    levels: ['member'],
    then: "its own project's VMs only",
  },
  'POST /v1/vms/{id}/snapshots/{snapshotId}/revert': {
    operationId: 'revertSnapshot',
    summary: "Revert a VM's disks to a snapshot",
    levels: ['member'],
    then: "its own project's VMs only",
  },

  'GET /v1/operations': {
    operationId: 'listOperations',
    summary: 'List operations',
    levels: ['viewer'],
    then: "a project token sees its own project's operations",
  },
  'GET /v1/operations/{id}': {
    operationId: 'getOperation',
    summary: 'Get an operation',
    levels: ['viewer'],
    then: "its own project's operations only",
  },
  'GET /v1/operations/{id}/timeline': {
    operationId: 'getOperationTimeline',
    summary: "An operation's timeline: each step, where and how long",
    levels: ['viewer'],
    then: "its own project's operations only",
  },
  'POST /v1/operations/{id}/cancel': {
    operationId: 'cancelOperation',
    summary: 'Cancel an operation',
    levels: ['member', 'operator'],
    then: "its own project's operations; a host's operations (evacuate) by operators",
  },
  'GET /v1/events': {
    operationId: 'streamEvents',
    summary: 'Stream events (Server-Sent Events)',
    levels: ['viewer'],
    then: "a project token sees its own project's events",
  },
  'GET /v1/audit': { operationId: 'listAuditEntries', summary: 'List audit log entries', levels: ['admin'] },

  'GET /v1/queues': {
    operationId: 'listQueues',
    summary: "Every job queue's jobs by state and its oldest waiting job's age",
    levels: ['admin'],
  },
  'GET /v1/queues/{name}/jobs': {
    operationId: 'listQueueJobs',
    summary: "A queue's jobs in one state (failed by default), newest first",
    levels: ['admin'],
  },
  'POST /v1/queues/{name}/jobs/{job}/retry': {
    operationId: 'retryQueueJob',
    summary: 'Send a failed job back to its queue to be tried again',
    levels: ['admin'],
  },
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
  const head = `| route | operationId | ${COLUMNS.map(([n]) => n).join(' | ')} | and then |`;
  const rule = `| --- | --- | ${COLUMNS.map(() => ':-:').join(' | ')} | --- |`;
  const rows = Object.entries(ROUTE_ACCESS as Record<string, RouteAccess>).map(([key, access]) => {
    const cells = needsToken(access)
      ? COLUMNS.map(([, c]) => (routeAllows(access, c) ? 'yes' : '')).join(' | ')
      : COLUMNS.map(() => access.levels[0]).join(' | ');
    return `| \`${key}\` | \`${access.operationId}\` | ${cells} | ${access.then ?? ''} |`;
  });
  return [head, rule, ...rows].join('\n');
}
