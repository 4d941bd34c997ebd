import type { Operation, OperationStatus, VmState } from './types';

/**
 * A list of every member of a string union, checked by the compiler both ways: a value the API's
 * schema lacks, or a member the list forgets, fails the build (the lists below follow
 * docs/openapi.json as the generated types do).
 */
const everyOf =
  <T extends string>() =>
  <const L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : never)): readonly T[] =>
    list;

/** Every state a VM can be in, in life-cycle order (filters, `--state`, `--for`). */
export const VM_STATES = everyOf<VmState>()([
  'pending',
  'scheduling',
  'building',
  'running',
  'stopping',
  'stopped',
  'starting',
  'rebooting',
  'migrating',
  'recovering',
  'deleting',
  'deleted',
  'error',
]);

export const OPERATION_STATUSES = everyOf<OperationStatus>()(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

export type OperationKind = Operation['kind'];
export const OPERATION_KINDS = everyOf<OperationKind>()([
  'create',
  'delete',
  'start',
  'stop',
  'reboot',
  'migrate',
  'evacuate',
  'ha_restart',
  'snapshot',
  'snapshot_revert',
  'snapshot_delete',
  'clone',
]);
