import type { HostState } from '../hosts/liveness';

/** What an operator's call does to a host's state, or why it makes no sense (409). */
export type HostTransition = { ok: true; to: HostState; changes: boolean } | { ok: false; reason: string };

/**
 * Maintenance is asked of a host that answers: an `up` host (or one already in maintenance or
 * disabled, to evacuate it again). A host that stopped answering is HA's, not the operator's:
 * its VMs cannot be migrated off it, they are restarted elsewhere.
 */
export function maintenanceTransition(state: HostState): HostTransition {
  if (state === 'up' || state === 'maintenance' || state === 'disabled') {
    return { ok: true, to: 'maintenance', changes: state !== 'maintenance' };
  }
  return { ok: false, reason: `cannot put a host that is ${state} into maintenance` };
}

/**
 * Enable returns an operator state (maintenance, disabled) to `up`; enabling an `up` host
 * changes nothing (a retried call answers the same). Heartbeats decide the other states.
 */
export function enableTransition(state: HostState): HostTransition {
  if (state === 'maintenance' || state === 'disabled') return { ok: true, to: 'up', changes: true };
  if (state === 'up') return { ok: true, to: 'up', changes: false };
  return { ok: false, reason: `cannot enable a host that is ${state}; its heartbeats decide its state` };
}
