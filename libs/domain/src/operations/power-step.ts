import type { VmState } from '../vm/vm-state';

export type PowerKind = 'start' | 'stop' | 'reboot';

/** What each power operation records as its step, and where it leaves the VM and its domain. */
export interface PowerPlan {
  /** the transitional state the API put the VM in */
  via: VmState;
  step: string;
  to: VmState;
  powerState: 'running' | 'shutdown';
}

const PLANS: Record<PowerKind, PowerPlan> = {
  start: { via: 'starting', step: 'building', to: 'running', powerState: 'running' },
  stop: { via: 'stopping', step: 'shutting-down', to: 'stopped', powerState: 'shutdown' },
  reboot: { via: 'rebooting', step: 'rebooting', to: 'running', powerState: 'running' },
};

export function powerPlan(kind: PowerKind): PowerPlan {
  return PLANS[kind];
}

export type PowerStep = { kind: 'overtaken'; reason: string } | { kind: 'no-host' } | { kind: 'go'; plan: PowerPlan };

/**
 * Whether a start, stop or reboot goes ahead: only on a VM still in the state the API put it in
 * (anything else means it was deleted or moved on), and on the host that holds its claim.
 */
export function nextPowerStep(
  kind: PowerKind,
  cancelRequested: boolean,
  vm: { state: VmState; hostId: string | null } | null,
): PowerStep {
  const plan = PLANS[kind];
  if (!vm || cancelRequested || vm.state !== plan.via)
    return { kind: 'overtaken', reason: `the VM is ${vm?.state ?? 'gone'}` };
  if (!vm.hostId) return { kind: 'no-host' };
  return { kind: 'go', plan };
}

/** Where a power operation that failed for good puts the VM back: the state it came from, else error. */
export function powerRollback(fromState: VmState | undefined): VmState {
  return fromState ?? 'error';
}
