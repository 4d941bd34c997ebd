import { OPERATION_ERROR_CODES, type OperationErrorCode, type OperationStatus } from '../operations/operation';
import type { VmState } from '../vm/vm-state';

/** A VM whose claim is on the host being evacuated. */
export interface ResidentVm {
  id: string;
  state: VmState;
  memoryMb: number;
}

/** A migrate operation this evacuation started. */
export interface EvacuationAttempt {
  vmId: string;
  status: OperationStatus;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface EvacuationInput {
  residents: readonly ResidentVm[];
  attempts: readonly EvacuationAttempt[];
  /** at most this many migrations off the host at once */
  limit: number;
}

/** A VM the evacuation tried to move and could not: it stays on the host. */
export interface LeftVm {
  vmId: string;
  code: string;
  message: string;
}

export type EvacuationStep =
  | { kind: 'start'; vmIds: string[]; progress: number }
  | { kind: 'wait'; progress: number }
  | { kind: 'done' }
  | { kind: 'failed'; left: LeftVm[]; code: OperationErrorCode };

// states that settle by themselves (another operation is at work): wait, then look again
const SETTLING: ReadonlySet<VmState> = new Set([
  'pending',
  'scheduling',
  'building',
  'starting',
  'stopping',
  'rebooting',
  'recovering',
  'deleting',
]);

const isOpen = (a: EvacuationAttempt) => a.status === 'queued' || a.status === 'running';

/**
 * The next step of an evacuation, from the database's truth alone (so a scheduler that
 * resumes one decides as the killed one would have): running VMs not yet tried are moved,
 * largest first (they are the hardest to fit, while the pool still has the most room), at
 * most `limit` migrating at once; each VM is tried once. Stopped VMs stay: their disk is
 * on the host. Done when nothing is left to move or to wait for; failed if any VM that was
 * tried is still there.
 */
export function decideEvacuation(i: EvacuationInput): EvacuationStep {
  const lastAttempt = new Map(i.attempts.map((a) => [a.vmId, a]));
  const tried = (vm: ResidentVm) => lastAttempt.get(vm.id);
  const inFlight = i.residents.filter((vm) => vm.state === 'migrating' || (tried(vm) && isOpen(tried(vm)!)));
  const left = i.residents.filter((vm) => !inFlight.includes(vm) && tried(vm) && !isOpen(tried(vm)!));
  const candidates = i.residents.filter((vm) => vm.state === 'running' && !tried(vm));
  const settling = i.residents.filter((vm) => SETTLING.has(vm.state) && !tried(vm));
  const progress = evacuationProgress(i);

  if (candidates.length === 0 && inFlight.length === 0 && settling.length === 0) {
    if (left.length === 0) return { kind: 'done' };
    const leftVms = left.map((vm) => leftVm(vm, tried(vm)!));
    return { kind: 'failed', left: leftVms, code: commonCode(leftVms) };
  }
  const room = Math.max(0, i.limit - inFlight.length);
  const next = [...candidates].sort((a, b) => b.memoryMb - a.memoryMb || a.id.localeCompare(b.id)).slice(0, room);
  return next.length ? { kind: 'start', vmIds: next.map((vm) => vm.id), progress } : { kind: 'wait', progress };
}

/**
 * The share of the VMs to move that have moved, 0..99 while any is left (100 is the end):
 * moved VMs over moved plus those still on the host that the evacuation moves or waits for.
 */
export function evacuationProgress(i: Pick<EvacuationInput, 'residents' | 'attempts'>): number {
  const resident = new Set(i.residents.map((vm) => vm.id));
  const moved = new Set(i.attempts.filter((a) => a.status === 'succeeded' && !resident.has(a.vmId)).map((a) => a.vmId))
    .size;
  const toMove = i.residents.filter(
    (vm) => vm.state === 'running' || vm.state === 'migrating' || SETTLING.has(vm.state),
  ).length;
  if (moved + toMove === 0) return 0;
  return Math.min(99, Math.floor((moved * 100) / (moved + toMove)));
}

function leftVm(vm: ResidentVm, attempt: EvacuationAttempt): LeftVm {
  return {
    vmId: vm.id,
    code: attempt.errorCode ?? attempt.status,
    message: attempt.errorMessage ?? `the migration was ${attempt.status}`,
  };
}

/** The code most of the failed moves ended with (no room: no_valid_host). */
function commonCode(left: readonly LeftVm[]): OperationErrorCode {
  const counts = new Map<string, number>();
  for (const { code } of left) counts.set(code, (counts.get(code) ?? 0) + 1);
  const [code] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  return (OPERATION_ERROR_CODES as readonly string[]).includes(code) ? (code as OperationErrorCode) : 'agent_error';
}
