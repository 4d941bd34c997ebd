import { type FieldSpec, summarize, type Summary } from './summary';

/**
 * What the audit trail records of a request, and how a route maps to the resource it changes.
 * Every request that may change something is audited: any method but GET/HEAD/OPTIONS on a
 * route the API knows, except the pure reads below. A route with no rule of its own is still
 * audited, with what its path says (the route-coverage test asks every route for a rule).
 */

/** Routes that use POST but change nothing. */
const PURE_READS = new Set(['POST /v1/placement/dry-run']);

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Status codes not recorded: refusals the rate limiter makes so that floods cost nothing. */
const UNRECORDED_STATUSES = new Set([429]);

export type ActorKind = 'token' | 'enrollment' | 'anonymous';

interface RouteRule {
  /** what was done, `<resource>.<verb>`; for VM actions the verb is the body's action */
  action: string;
  resourceType: string;
  /** the route parameter that names the target resource */
  idParam?: string;
  /** the route parameter that names the project acted in */
  projectParam?: string;
  /** the request body's field that names the project acted in (global tokens acting for one) */
  projectField?: string;
  /** where a successful answer names the resources the request created */
  created?: (answer: Record<string, unknown>) => unknown[];
  /** the body's fields safe to record (names, sizes, choices: never secrets, user-data or tokens) */
  fields: readonly FieldSpec[];
  /** route parameters to record in the summary too (a name the path carries instead of an id) */
  params?: readonly string[];
  /** who asks: a bearer token (default), or the one-time enrollment token in the body */
  actor?: 'enrollment';
}

const QUOTA: FieldSpec = ['quota', ['instances', 'vcpus', 'memoryMb', 'diskGb']];
const POOL_SETTINGS: FieldSpec[] = [
  'cpuAllocationRatio',
  'ramAllocationRatio',
  'diskAllocationRatio',
  'haHostFailuresToTolerate',
  'requireCpuCompatibility',
  'heartbeatIntervalMs',
  'suspectAfterMs',
  'deadAfterMs',
];
const createdId = (a: Record<string, unknown>) => [a['id']];

/** Keyed by `METHOD /route/template` as Express names the route (`:id` parameters). */
const RULES: Record<string, RouteRule> = {
  'POST /v1/vms': {
    action: 'vm.create',
    resourceType: 'vm',
    projectField: 'projectId',
    created: (a) => (Array.isArray(a['vms']) ? a['vms'].map((vm: { id?: unknown }) => vm?.id) : []),
    // not metadata (free-form, may hold anything) and never userData
    fields: ['name', 'flavor', 'image', 'count', 'poolId', 'serverGroupId', 'haPriority', 'ttlSeconds', 'projectId'],
  },
  'PATCH /v1/vms/:id': { action: 'vm.update', resourceType: 'vm', idParam: 'id', fields: ['ttlSeconds'] },
  'POST /v1/vms/:id/actions': {
    action: 'vm.action',
    resourceType: 'vm',
    idParam: 'id',
    // a clone names the new VM
    created: (a) => [isObject(a['vm']) ? a['vm']['id'] : undefined],
    fields: ['action', 'targetHostId', 'live', 'name'],
  },
  'DELETE /v1/vms/:id': { action: 'vm.delete', resourceType: 'vm', idParam: 'id', fields: [] },
  // a job's id is an operation's or a delivery's (a uuid) or a periodic tick's: kept in the summary either way
  'POST /v1/queues/:name/jobs/:job/retry': {
    action: 'queue_job.retry',
    resourceType: 'queue_job',
    idParam: 'job',
    fields: [],
    params: ['name', 'job'],
  },
  // snapshots are recorded against their VM; a new one's id is added from the answer
  'POST /v1/vms/:id/snapshots': {
    action: 'vm.snapshot',
    resourceType: 'vm',
    idParam: 'id',
    created: (a) => [isObject(a['snapshot']) ? a['snapshot']['id'] : undefined],
    fields: ['name'],
  },
  'DELETE /v1/vms/:id/snapshots/:snapshotId': {
    action: 'vm.snapshot_delete',
    resourceType: 'vm',
    idParam: 'id',
    params: ['snapshotId'],
    fields: [],
  },
  'POST /v1/vms/:id/snapshots/:snapshotId/revert': {
    action: 'vm.snapshot_revert',
    resourceType: 'vm',
    idParam: 'id',
    params: ['snapshotId'],
    fields: [],
  },
  'POST /v1/projects': {
    action: 'project.create',
    resourceType: 'project',
    created: createdId,
    fields: ['name', QUOTA],
  },
  'PATCH /v1/projects/:id': {
    action: 'project.update',
    resourceType: 'project',
    idParam: 'id',
    projectParam: 'id',
    fields: ['name', QUOTA],
  },
  'POST /v1/projects/:id/tokens': {
    action: 'token.create',
    resourceType: 'token',
    projectParam: 'id',
    created: createdId,
    // the answer's secret is never read: only its id
    fields: ['name', 'role'],
  },
  'POST /v1/tokens': {
    action: 'token.create',
    resourceType: 'token',
    created: createdId,
    // the answer's secret is never read: only its id
    fields: ['name', 'role'],
  },
  'DELETE /v1/tokens/:id': { action: 'token.revoke', resourceType: 'token', idParam: 'id', fields: [] },
  'POST /v1/projects/:id/keypairs': {
    action: 'keypair.create',
    resourceType: 'keypair',
    projectParam: 'id',
    created: createdId,
    // not the public key: long, and the fingerprint in the keypair's view identifies it
    fields: ['name'],
  },
  'DELETE /v1/projects/:id/keypairs/:keypair': {
    action: 'keypair.delete',
    resourceType: 'keypair',
    projectParam: 'id',
    // by id (then a resource id) or by name (then in the summary)
    idParam: 'keypair',
    params: ['keypair'],
    fields: [],
  },
  'POST /v1/projects/:id/webhooks': {
    action: 'webhook.create',
    resourceType: 'webhook',
    projectParam: 'id',
    // the answer's secret is never read: only its id. Nor the URL: a receiver's URL often carries
    // a token of its own (in its path or query), and a refused one may hold a password
    created: createdId,
    fields: ['description'],
  },
  'PATCH /v1/projects/:id/webhooks/:webhookId': {
    action: 'webhook.update',
    resourceType: 'webhook',
    projectParam: 'id',
    idParam: 'webhookId',
    // not the URL (see the create's rule)
    fields: ['description', 'enabled'],
  },
  'DELETE /v1/projects/:id/webhooks/:webhookId': {
    action: 'webhook.delete',
    resourceType: 'webhook',
    projectParam: 'id',
    idParam: 'webhookId',
    fields: [],
  },
  'POST /v1/flavors': {
    action: 'flavor.create',
    resourceType: 'flavor',
    created: createdId,
    fields: ['name', 'vcpus', 'memoryMb', 'diskGb'],
  },
  'POST /v1/images': {
    action: 'image.create',
    resourceType: 'image',
    projectField: 'projectId',
    created: createdId,
    // not cmdline: a kernel command line may carry credentials
    fields: ['name', 'guestType', 'diskFormat', 'bootloader', 'projectId'],
  },
  // the content is never read for the audit trail (its body is bytes, no parser touches it)
  'PUT /v1/images/:id/file': { action: 'image.upload', resourceType: 'image', idParam: 'id', fields: [] },
  'DELETE /v1/images/:id': { action: 'image.delete', resourceType: 'image', idParam: 'id', fields: [] },
  'POST /v1/pools': {
    action: 'pool.create',
    resourceType: 'pool',
    created: createdId,
    fields: ['name', ...POOL_SETTINGS],
  },
  'PATCH /v1/pools/:id': { action: 'pool.update', resourceType: 'pool', idParam: 'id', fields: POOL_SETTINGS },
  'POST /v1/pools/:id/networks': {
    action: 'network.create',
    resourceType: 'network',
    created: createdId,
    fields: ['name', 'bridge', 'cidr', 'gateway', 'rangeStart', 'rangeEnd', 'default'],
  },
  'POST /v1/pools/:id/storage-pools': {
    action: 'storage_pool.create',
    resourceType: 'storage_pool',
    created: createdId,
    fields: ['name', 'kind', 'devicePath', 'capacityGb', 'default'],
  },
  'PATCH /v1/networks/:id': { action: 'network.update', resourceType: 'network', idParam: 'id', fields: ['default'] },
  'DELETE /v1/networks/:id': { action: 'network.delete', resourceType: 'network', idParam: 'id', fields: [] },
  'POST /v1/hosts/enrollment-tokens': {
    action: 'enrollment_token.create',
    resourceType: 'enrollment_token',
    created: createdId,
    fields: ['poolId', 'hostName', 'ttlMinutes'],
  },
  'POST /v1/hosts/enroll': {
    action: 'host.enroll',
    resourceType: 'host',
    created: (a) => [a['hostId']],
    actor: 'enrollment',
    // never the token or the CSR
    fields: ['name', 'address'],
  },
  'POST /v1/hosts/:id/maintenance': {
    action: 'host.maintenance',
    resourceType: 'host',
    idParam: 'id',
    fields: ['evacuate'],
  },
  'POST /v1/hosts/:id/declare-dead': {
    action: 'host.declare_dead',
    resourceType: 'host',
    idParam: 'id',
    fields: ['confirm'],
  },
  'POST /v1/hosts/:id/enable': { action: 'host.enable', resourceType: 'host', idParam: 'id', fields: [] },
  'POST /v1/hosts/:id/certificate/renew': {
    action: 'host.renew_certificate',
    resourceType: 'host',
    idParam: 'id',
    fields: [],
  },
  'POST /v1/operations/:id/cancel': {
    action: 'operation.cancel',
    resourceType: 'operation',
    idParam: 'id',
    fields: [],
  },
  'POST /v1/server-groups': {
    action: 'server_group.create',
    resourceType: 'server_group',
    projectField: 'projectId',
    created: createdId,
    fields: ['name', 'policy', 'projectId'],
  },
};

/** The routes with a rule of their own (the route-coverage test compares them with the API's). */
export const AUDITED_ROUTES: readonly string[] = Object.keys(RULES);

export interface AuditRequest {
  method: string;
  /** the route template Express matched (`/v1/vms/:id`), or null when no route matched */
  route: string | null;
  params: Readonly<Record<string, string | undefined>>;
  /** the parsed JSON body, as the client sent it (not validated) */
  body: unknown;
}

/** What an audit row says a request asked for. */
export interface AuditTarget {
  /** e.g. `vm.create`, `vm.stop`, `token.revoke` */
  action: string;
  resourceType: string;
  /** the target named by the route (created ones are added from the answer: createdResources) */
  resourceIds: string[];
  /** a project the route or body names (the caller's own project, if any, is the recorder's) */
  projectId: string | null;
  actor: 'token' | 'enrollment';
  summary: Summary;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);
const VERB = /^[a-z][a-z_]{0,31}$/;

/** Whether a request is audited at all, and if so what it targets; null: not audited. */
export function auditTargetOf(req: AuditRequest): AuditTarget | null {
  const method = req.method.toUpperCase();
  if (READ_METHODS.has(method) || req.route === null) return null;
  const key = `${method} ${req.route}`;
  if (PURE_READS.has(key)) return null;
  const rule = RULES[key] ?? fallbackRule(method, req.route);
  const body = isObject(req.body) ? req.body : {};
  const id = rule.idParam ? req.params[rule.idParam] : undefined;
  const projectFromRoute = rule.projectParam ? req.params[rule.projectParam] : undefined;
  const projectFromBody = rule.projectField ? body[rule.projectField] : undefined;
  const project = [projectFromRoute, projectFromBody].find(isUuid) ?? null;
  return {
    action: actionOf(rule, body),
    resourceType: rule.resourceType,
    resourceIds: isUuid(id) ? [id] : [],
    projectId: project,
    actor: rule.actor ?? 'token',
    summary: { ...summarize(body, rule.fields), ...summarize(req.params, rule.params ?? []) },
  };
}

/** The ids a successful answer names as created (a VM batch: every VM), none for other answers. */
export function createdResources(
  req: Pick<AuditRequest, 'method' | 'route'>,
  status: number,
  answer: unknown,
): string[] {
  if (status < 200 || status >= 300 || req.route === null || !isObject(answer)) return [];
  const rule = RULES[`${req.method.toUpperCase()} ${req.route}`];
  return (rule?.created?.(answer) ?? []).filter(isUuid);
}

/** The operations an accepted (202) answer started: an operation, a VM batch's, a declare-dead's restarts. */
export function startedOperations(status: number, answer: unknown): string[] {
  if (status !== 202 || !isObject(answer)) return [];
  if (typeof answer['kind'] === 'string') return [answer['id']].filter(isUuid);
  // a snapshot's or a clone's answer: { snapshot | vm, operation }
  if (isObject(answer['operation'])) return [answer['operation']['id']].filter(isUuid);
  const ops = answer['operations'] ?? answer['restarts'];
  return Array.isArray(ops) ? ops.map((op: { id?: unknown } | null) => op?.id).filter(isUuid) : [];
}

/** Whether an answer with this status is recorded at all (see UNRECORDED_STATUSES). */
export function recordsStatus(status: number): boolean {
  return !UNRECORDED_STATUSES.has(status);
}

function actionOf(rule: RouteRule, body: Record<string, unknown>): string {
  if (rule.action !== 'vm.action') return rule.action;
  // the action a client asked for, if it looks like one: an unknown one is refused 400 and still recorded
  const asked = body['action'];
  return typeof asked === 'string' && VERB.test(asked) ? `vm.${asked}` : 'vm.action';
}

/** A route nobody gave a rule: its first path segment is the resource, its method the verb. */
function fallbackRule(method: string, route: string): RouteRule {
  const segment = route.split('/').filter((s) => s && s !== 'v1' && !s.startsWith(':'))[0] ?? 'unknown';
  const resourceType = segment.replace(/-/g, '_').replace(/s$/, '');
  return {
    action: `${resourceType}.${method.toLowerCase()}`,
    resourceType,
    ...(route.includes('/:id') ? { idParam: 'id' } : {}),
    fields: [],
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
