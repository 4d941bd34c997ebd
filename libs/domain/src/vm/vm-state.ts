/**
 * The VM state machine of API.md: its states, and which are transitional. What each action
 * may do in each state is vm-actions.ts's table.
 */
export const VM_STATES = [
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
] as const;
export type VmState = (typeof VM_STATES)[number];

/** States the VM passes through while an operation works on it. */
const TRANSITIONAL_STATES: readonly VmState[] = [
  'pending',
  'scheduling',
  'building',
  'stopping',
  'starting',
  'rebooting',
  'migrating',
  'recovering',
  'deleting',
];

export function isTransitional(state: VmState): boolean {
  return TRANSITIONAL_STATES.includes(state);
}
