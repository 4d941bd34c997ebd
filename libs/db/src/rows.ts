import { Prisma, type Vm } from './generated/prisma/client';

/**
 * Column lists that read a raw statement's rows back as Prisma's own types (camelCase names,
 * enums as text), so a statement that writes and returns in one round trip needs no re-read.
 * Keep in step with prisma/schema.prisma (rows.int.spec.ts checks both read back equal to
 * Prisma's own reads).
 */
type Field = readonly [column: string, field: string, cast?: 'text' | 'text[]'];

const VM_FIELDS: readonly Field[] = [
  ['id', 'id'],
  ['project_id', 'projectId'],
  ['name', 'name'],
  ['state', 'state', 'text'],
  ['power_state', 'powerState', 'text'],
  ['host_id', 'hostId'],
  ['pool_id', 'poolId'],
  ['flavor_id', 'flavorId'],
  ['image_id', 'imageId'],
  ['guest_type', 'guestType', 'text'],
  ['vcpus', 'vcpus'],
  ['memory_mb', 'memoryMb'],
  ['disk_gb', 'diskGb'],
  ['ha_priority', 'haPriority', 'text'],
  ['server_group_id', 'serverGroupId'],
  ['expires_at', 'expiresAt'],
  ['metadata', 'metadata'],
  ['user_data', 'userData'],
  ['ssh_keys', 'sshKeys', 'text[]'],
  ['cloned_from_id', 'clonedFromId'],
  ['epoch', 'epoch'],
  ['dom_id', 'domId'],
  ['error_code', 'errorCode'],
  ['error_message', 'errorMessage'],
  ['state_changed_at', 'stateChangedAt'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
  ['deleted_at', 'deletedAt'],
];

const OPERATION_FIELDS: readonly Field[] = [
  ['id', 'id'],
  ['kind', 'kind', 'text'],
  ['status', 'status', 'text'],
  ['progress', 'progress'],
  ['project_id', 'projectId'],
  ['vm_id', 'vmId'],
  ['host_id', 'hostId'],
  ['step', 'step'],
  ['attempts', 'attempts'],
  ['params', 'params'],
  ['error_code', 'errorCode'],
  ['error_message', 'errorMessage'],
  ['error_details', 'errorDetails'],
  ['correlation_id', 'correlationId'],
  ['requested_by', 'requestedBy'],
  ['cancel_requested', 'cancelRequested'],
  ['created_at', 'createdAt'],
  ['started_at', 'startedAt'],
  ['finished_at', 'finishedAt'],
  ['updated_at', 'updatedAt'],
];

const HOST_FIELDS: readonly Field[] = [
  ['id', 'id'],
  ['name', 'name'],
  ['pool_id', 'poolId'],
  ['state', 'state', 'text'],
  ['address', 'address'],
  ['peer_address', 'peerAddress'],
  ['witness_ids', 'witnessIds', 'text[]'],
  ['cert_serial', 'certSerial'],
  ['cert_fingerprint', 'certFingerprint'],
  ['cert_expires_at', 'certExpiresAt'],
  ['cert_renewal_requested_at', 'certRenewalRequestedAt'],
  ['total_vcpus', 'totalVcpus'],
  ['total_memory_mb', 'totalMemoryMb'],
  ['total_disk_gb', 'totalDiskGb'],
  ['reserved_vcpus', 'reservedVcpus'],
  ['reserved_memory_mb', 'reservedMemoryMb'],
  ['reserved_disk_gb', 'reservedDiskGb'],
  ['free_memory_mb', 'freeMemoryMb'],
  ['cpu_vendor', 'cpuVendor'],
  ['cpu_features', 'cpuFeatures'],
  ['hvm', 'hvm'],
  ['hap', 'hap'],
  ['xen_version', 'xenVersion'],
  ['agent_version', 'agentVersion'],
  ['used_vcpus', 'usedVcpus'],
  ['used_memory_mb', 'usedMemoryMb'],
  ['used_disk_gb', 'usedDiskGb'],
  ['used_instances', 'usedInstances'],
  ['last_heartbeat_at', 'lastHeartbeatAt'],
  ['state_changed_at', 'stateChangedAt'],
  ['enrolled_at', 'enrolledAt'],
  ['generation', 'generation'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
];

function columns(fields: readonly Field[], table = '', prefix = ''): Prisma.Sql {
  const from = table ? `${table}.` : '';
  return Prisma.raw(
    fields
      .map(([column, field, cast]) => `${from}${column}${cast ? `::${cast}` : ''} AS "${prefix}${field}"`)
      .join(', '),
  );
}

export const VM_COLUMNS = columns(VM_FIELDS);
export const OPERATION_COLUMNS = columns(OPERATION_FIELDS);

/** A host's columns from table alias `table`. */
export const hostColumnsOf = (table: string): Prisma.Sql => columns(HOST_FIELDS, table);

/** A VM's columns from table alias `table`, named `vm.<field>`, to read beside another row (vmFromRow). */
export const vmColumnsOf = (table: string): Prisma.Sql => columns(VM_FIELDS, table, 'vm.');

/** The VM read by vmColumnsOf out of a joined row; null when the join found none. */
export function vmFromRow(row: Record<string, unknown>): Vm | null {
  if (row['vm.id'] === null || row['vm.id'] === undefined) return null;
  return Object.fromEntries(VM_FIELDS.map(([, field]) => [field, row[`vm.${field}`]])) as unknown as Vm;
}

/** The row without the columns vmColumnsOf added. */
export function withoutVm<T>(row: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith('vm.'))) as T;
}

/** The operation's columns from table alias `table` (for statements that join others). */
export const operationColumnsOf = (table: string): Prisma.Sql => columns(OPERATION_FIELDS, table);
