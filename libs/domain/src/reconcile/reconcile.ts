import type { VmState } from '../vm/vm-state';
import { isTransitional } from '../vm/vm-state';

/** What Postgres says about a VM that has something to do with one host. */
export interface KnownVm {
  id: string;
  state: VmState;
  /** the host holding the VM's claim (null: none) */
  hostId: string | null;
  epoch: number;
  powerState: 'none' | 'running' | 'paused' | 'shutdown' | 'crashed';
  /** an operation is queued or running on it: it is that operation's business, not ours */
  busy: boolean;
  stateChangedAt: Date;
}

/** What the host reported, as of the heartbeat. */
export interface ReportedDomain {
  vmId: string;
  epoch: number;
  /** xl state: running, blocked, paused, shutdown, crashed, dying */
  state: 'running' | 'blocked' | 'paused' | 'shutdown' | 'crashed' | 'dying' | 'unknown';
}

export type ReconcileAction =
  | { kind: 'destroy-orphan'; vmId: string; reason: string; purge: boolean }
  | { kind: 'mark-vanished'; vmId: string; from: VmState }
  | { kind: 'set-power'; vmId: string; powerState: 'running' | 'paused' | 'crashed' }
  | { kind: 'mark-stuck'; vmId: string; state: VmState };

export interface ReconcileInput {
  hostId: string;
  reportedAt: Date;
  domains: readonly ReportedDomain[];
  /** every VM whose id the host reported, plus every VM that claims this host */
  vms: ReadonlyMap<string, KnownVm>;
  /** a change this recent may not be in the report yet: leave it for the next round */
  settleMs: number;
  /** a transitional state held this long with no operation behind it is stuck */
  stuckAfterMs: number;
}

/**
 * Compares what Postgres says each VM is with what its host reports, and says what to do:
 * - a domain nobody owns here (no VM, a deleted VM, a VM placed elsewhere, an older epoch):
 *   destroy it — a VM never runs twice;
 * - a VM running here whose domain vanished (guest powered off, crashed and destroyed, killed
 *   behind our back): it is stopped;
 * - a running VM whose domain is paused or crashed: its power state says so;
 * - a VM in a transitional state with no operation working on it for too long: stuck (error).
 */
export function reconcileHost(i: ReconcileInput): ReconcileAction[] {
  const actions: ReconcileAction[] = [];
  const settled = (vm: KnownVm) => i.reportedAt.getTime() - vm.stateChangedAt.getTime() >= i.settleMs;
  const reported = new Set<string>();
  for (const d of i.domains) {
    reported.add(d.vmId);
    const vm = i.vms.get(d.vmId);
    const orphan = orphanReason(vm, d, i.hostId);
    if (orphan) {
      if (!vm || (!vm.busy && settled(vm))) {
        // storage goes with a VM that exists nowhere; a VM alive elsewhere or stopped keeps it
        const purge = !vm || vm.state === 'deleted';
        actions.push({ kind: 'destroy-orphan', vmId: d.vmId, reason: orphan, purge });
      }
      continue;
    }
    if (vm && vm.state === 'running' && !vm.busy && settled(vm)) {
      const power = powerOf(d.state);
      if (power && power !== vm.powerState) actions.push({ kind: 'set-power', vmId: vm.id, powerState: power });
    }
  }
  for (const vm of i.vms.values()) {
    if (vm.hostId !== i.hostId || vm.busy || !settled(vm)) continue;
    if (vm.state === 'running' && !reported.has(vm.id))
      actions.push({ kind: 'mark-vanished', vmId: vm.id, from: vm.state });
    else if (isTransitional(vm.state) && i.reportedAt.getTime() - vm.stateChangedAt.getTime() >= i.stuckAfterMs) {
      actions.push({ kind: 'mark-stuck', vmId: vm.id, state: vm.state });
    }
  }
  return actions;
}

/** Why a domain reported by a host must not run there, or nothing: it belongs to no VM, to a deleted or stopped one, to one placed elsewhere, or to an older placement. */
export function orphanReason(
  vm: Pick<KnownVm, 'state' | 'hostId' | 'epoch'> | undefined,
  d: ReportedDomain,
  hostId: string,
): string | undefined {
  if (!vm) return 'no VM has this id';
  if (vm.state === 'deleted') return 'its VM was deleted';
  // a migrating VM has a domain on its target before Postgres places it there: not a stray
  if (vm.hostId !== hostId && vm.state !== 'migrating') return 'its VM is placed on another host';
  if (d.epoch < vm.epoch) return `its epoch ${d.epoch} is older than the VM's ${vm.epoch}`;
  if (vm.state === 'stopped') return 'its VM is stopped';
  return undefined;
}

function powerOf(state: ReportedDomain['state']): 'running' | 'paused' | 'crashed' | undefined {
  switch (state) {
    case 'running':
    case 'blocked':
      return 'running';
    case 'paused':
      return 'paused';
    case 'crashed':
      return 'crashed';
    case 'shutdown':
    case 'dying':
    case 'unknown':
      return undefined;
  }
}
