import type { Column, Row } from './table';

/** The table columns of each kind of thing `xp` lists (json and yaml show every field). */
const col = (header: string, value: (r: Row) => unknown): Column<Row> => ({ header, value });

export const VM_COLUMNS = [
  col('id', (v) => v.id),
  col('name', (v) => v.name),
  col('state', (v) => v.state),
  col('power', (v) => v.powerState),
  col('flavor', (v) => v.flavor?.name),
  col('image', (v) => v.image?.name),
  col('addresses', (v) => (v.addresses ?? []).map((a: Row) => a.ip)),
  col('expires', (v) => v.expiresAt),
];

export const OPERATION_COLUMNS = [
  col('id', (o) => o.id),
  col('kind', (o) => o.kind),
  col('status', (o) => o.status),
  col('progress', (o) => `${o.progress}%`),
  col('vm', (o) => o.vmId),
  col('error', (o) => o.error?.code),
];

/** An operation's timeline step by step: nested steps indented under the step they ran in. */
export const TIMELINE_COLUMNS = [
  col('at ms', (s) => Math.round(s.offsetMs)),
  col('step', (s) => `${'  '.repeat(s.depth)}${s.name}`),
  col('side', (s) => s.side),
  col('ms', (s) => (s.durationMs < 10 ? s.durationMs.toFixed(2) : Math.round(s.durationMs))),
  col('failed', (s) => (s.failed ? 'yes' : '')),
];

export const HOST_COLUMNS = [
  col('id', (h) => h.id),
  col('name', (h) => h.name),
  col('state', (h) => h.state),
  col('pool', (h) => h.poolId),
  col('address', (h) => h.address),
];

export const POOL_COLUMNS = [col('id', (p) => p.id), col('name', (p) => p.name)];

export const STORAGE_POOL_COLUMNS = [
  col('id', (s) => s.id),
  col('name', (s) => s.name),
  col('kind', (s) => s.kind),
  col('default', (s) => s.isDefault),
  col('device', (s) => s.devicePath),
  col('totalGb', (s) => s.capacity?.totalGb),
  col('usedGb', (s) => s.capacity?.usedGb),
];

export const TOKEN_COLUMNS = [
  col('id', (t) => t.id),
  col('name', (t) => t.name),
  col('role', (t) => t.role),
  col('project', (t) => t.projectId),
  col('prefix', (t) => t.prefix),
  col('expires', (t) => t.expiresAt),
  col('revoked', (t) => t.revokedAt),
];

export const PROJECT_COLUMNS = [
  col('id', (p) => p.id),
  col('name', (p) => p.name),
  col('instances', (p) => `${p.usage?.instances}/${p.quota?.instances}`),
  col('vcpus', (p) => `${p.usage?.vcpus}/${p.quota?.vcpus}`),
  col('memory mb', (p) => `${p.usage?.memoryMb}/${p.quota?.memoryMb}`),
];

export const AUDIT_COLUMNS = [
  col('time', (a) => a.createdAt),
  col('token', (a) => a.tokenName ?? a.actorType),
  col('action', (a) => a.action),
  col('status', (a) => a.status),
  col('resources', (a) => a.resourceIds),
];

export const IMAGE_COLUMNS = [
  col('id', (i) => i.id),
  col('name', (i) => i.name),
  col('guest', (i) => i.guestType),
  col('visibility', (i) => i.visibility),
  col('status', (i) => i.status),
  col('size gb', (i) => i.sizeGb),
];

export const FLAVOR_COLUMNS = [
  col('id', (f) => f.id),
  col('name', (f) => f.name),
  col('vcpus', (f) => f.vcpus),
  col('memory mb', (f) => f.memoryMb),
  col('disk gb', (f) => f.diskGb),
];

export const EVENT_COLUMNS = [
  col('id', (e) => e.id),
  col('time', (e) => e.createdAt),
  col('type', (e) => e.type),
  col('resource', (e) => `${e.resourceType}/${e.resourceId}`),
  col('data', (e) => e.data),
];
