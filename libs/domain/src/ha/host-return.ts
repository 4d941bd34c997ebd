import { orphanReason, type ReportedDomain } from '../reconcile/reconcile';
import type { VmState } from '../vm/vm-state';

/** What Postgres says of a VM a returning host reports, or that holds a claim on it. */
export interface ReturningVm {
  id: string;
  state: VmState;
  hostId: string | null;
  epoch: number;
  errorCode: string | null;
}

export interface HostReturnPlan {
  /** copies that must not run: destroyed before the host takes new work (purge: the VM exists nowhere) */
  stale: { vmId: string; epoch: number; reason: string; purge: boolean }[];
  /** VMs it still runs that were not restarted elsewhere (not protected, or no room yet): running here again */
  adopt: { vmId: string; epoch: number }[];
  /** VMs waiting for a restart whose copy the host no longer has: their claim on it is given back */
  release: string[];
}

const ALIVE: readonly ReportedDomain['state'][] = ['running', 'blocked', 'paused'];

/**
 * A host declared dead answers again. Before it takes new work:
 * - every domain it runs of a VM restarted elsewhere (an older epoch, or placed on another host),
 *   deleted, or stopped for good is destroyed (its agent fenced the protected ones already,
 *   unless it could not);
 * - a VM that was not restarted (`stopped` with host_lost, or `recovering` not yet placed) whose
 *   domain it still runs, under the VM's own epoch, is adopted back, not destroyed;
 * - a VM still waiting for its restart whose domain is not there lets go of its claim on the
 *   host, so the restart may place it anywhere, this host included.
 */
export function planHostReturn(
  hostId: string,
  domains: readonly ReportedDomain[],
  vms: ReadonlyMap<string, ReturningVm>,
): HostReturnPlan {
  const plan: HostReturnPlan = { stale: [], adopt: [], release: [] };
  const adopted = new Set<string>();
  for (const d of domains) {
    const vm = vms.get(d.vmId);
    if (vm && adoptable(vm, d, hostId)) {
      plan.adopt.push({ vmId: vm.id, epoch: d.epoch });
      adopted.add(vm.id);
      continue;
    }
    const reason = orphanReason(vm, d, hostId);
    if (reason) plan.stale.push({ vmId: d.vmId, epoch: d.epoch, reason, purge: !vm || vm.state === 'deleted' });
  }
  for (const vm of vms.values()) {
    if (vm.hostId === hostId && vm.state === 'recovering' && !adopted.has(vm.id)) plan.release.push(vm.id);
  }
  return plan;
}

function adoptable(vm: ReturningVm, d: ReportedDomain, hostId: string): boolean {
  const waiting = vm.state === 'recovering' || (vm.state === 'stopped' && vm.errorCode === 'host_lost');
  return waiting && vm.hostId === hostId && d.epoch === vm.epoch && ALIVE.includes(d.state);
}
