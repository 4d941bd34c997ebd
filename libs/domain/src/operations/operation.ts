/** Operations: the durable record of every piece of asynchronous work (API.md). */
export const OPERATION_KINDS = [
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
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OPERATION_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** Stable error codes an operation can end with (error.code in the API). */
export const OPERATION_ERROR_CODES = [
  'no_valid_host',
  'host_unavailable',
  'agent_error',
  'timeout',
  'vm_deleted',
  'cancelled',
  /** a shared storage pool has no room left for the VM's disks */
  'storage_full',
  'internal',
] as const;
export type OperationErrorCode = (typeof OPERATION_ERROR_CODES)[number];

/**
 * Progress that means something: each kind walks named steps, and the progress of a step is
 * the share of the work done before it.
 */
const STEPS: Record<OperationKind, readonly string[]> = {
  create: ['queued', 'placing', 'claimed', 'building', 'done'],
  delete: ['queued', 'destroying', 'releasing', 'done'],
  start: ['queued', 'building', 'done'],
  stop: ['queued', 'shutting-down', 'done'],
  reboot: ['queued', 'rebooting', 'done'],
  migrate: ['queued', 'placing', 'claimed', 'migrating', 'finishing', 'done'],
  evacuate: ['queued', 'migrating', 'done'],
  snapshot: ['queued', 'copying', 'done'],
  snapshot_revert: ['queued', 'reverting', 'done'],
  snapshot_delete: ['queued', 'deleting', 'done'],
  clone: ['queued', 'claimed', 'copying', 'building', 'done'],
  ha_restart: ['queued', 'placing', 'waiting_for_capacity', 'building', 'done'],
};

export function progressOf(kind: OperationKind, step: string): number {
  const steps = STEPS[kind];
  const i = steps.indexOf(step);
  if (i < 0) return 0;
  return Math.round((i / (steps.length - 1)) * 100);
}

export function stepsOf(kind: OperationKind): readonly string[] {
  return STEPS[kind];
}
