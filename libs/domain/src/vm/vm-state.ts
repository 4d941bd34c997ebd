/**
 * The VM state machine of API.md. Every state change in the control plane goes through
 * these tables, so an action that makes no sense in a state is refused before anything is
 * written.
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

export const VM_ACTIONS = ['start', 'stop', 'reboot', 'migrate', 'delete'] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

/** Where each action may start from, and the transitional state it puts the VM in. */
const ACTIONS: Record<VmAction, { from: readonly VmState[]; via: VmState; to: VmState }> = {
  start: { from: ['stopped'], via: 'starting', to: 'running' },
  stop: { from: ['running'], via: 'stopping', to: 'stopped' },
  reboot: { from: ['running'], via: 'rebooting', to: 'running' },
  migrate: { from: ['running'], via: 'migrating', to: 'running' },
  // a VM can be deleted from anywhere but while it is already going away; a delete
  // overtakes a create still waiting for a host (the create notices and stops)
  delete: {
    from: ['pending', 'scheduling', 'building', 'running', 'stopped', 'error', 'recovering'],
    via: 'deleting',
    to: 'deleted',
  },
};

export type ActionCheck =
  | { ok: true; via: VmState; to: VmState }
  | { ok: false; reason: string };

export function checkAction(action: VmAction, state: VmState): ActionCheck {
  const rule = ACTIONS[action];
  if (rule.from.includes(state)) return { ok: true, via: rule.via, to: rule.to };
  return { ok: false, reason: `cannot ${action} a VM that is ${state}` };
}

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

