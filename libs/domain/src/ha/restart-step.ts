import type { VmState } from '../vm/vm-state';

/** What an HA restart knows when it chooses its next step. */
export interface RestartView {
  /** the restart was called off (its host came back, the VM was deleted) */
  cancelRequested: boolean;
  /** the step the operation last recorded */
  opStep: string | null;
  /** the host declared dead that the VM is restarted away from */
  deadHostId: string;
  vm: { state: VmState; hostId: string | null } | null;
}

export type RestartStep =
  | { kind: 'overtaken'; reason: string }
  /** its claim already moved to a new host (a retry after the claim): build there */
  | { kind: 'build-here' }
  /** wait for its turn and for room, then claim a host */
  | { kind: 'place' };

/**
 * What an HA restart does next. The VM stays `recovering` throughout: anything else means
 * someone else (a delete, its host coming back) took it over. A VM whose claim is on another
 * host than the dead one, with the build step recorded, was placed by an earlier attempt.
 */
export function nextRestartStep(i: RestartView): RestartStep {
  if (i.cancelRequested) return { kind: 'overtaken', reason: 'the restart was called off' };
  if (!i.vm || i.vm.state !== 'recovering') return { kind: 'overtaken', reason: `the VM is ${i.vm?.state ?? 'gone'}` };
  const placedHere = i.vm.hostId !== null && i.vm.hostId !== i.deadHostId && i.opStep === 'building';
  return placedHere ? { kind: 'build-here' } : { kind: 'place' };
}

/** Why a restart stops after placing its VM (undefined: the VM is recovering on the host it claimed). */
export function restartPlacementLost(
  vm: { state: VmState; hostId: string | null } | null,
  hostId: string,
): string | undefined {
  return !vm || vm.state !== 'recovering' || vm.hostId !== hostId ? `the VM is ${vm?.state ?? 'gone'}` : undefined;
}

/** Why a restart waits for its turn (undefined: none of a higher priority is ahead of it in its pool). */
export function restartTurnWait(ahead: number): string | undefined {
  return ahead > 0 ? `${ahead} restarts of a higher priority go first` : undefined;
}

/**
 * Whether a failed restart leaves a copy to destroy: the VM's claim moved to a new host (not
 * the dead one, whose copy is stale by epoch) while it was still recovering.
 */
export function restartLeftCopy(vm: { state: VmState; hostId: string | null } | null, deadHostId: string): boolean {
  return !!vm?.hostId && vm.state === 'recovering' && vm.hostId !== deadHostId;
}
