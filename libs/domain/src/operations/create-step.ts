import type { VmState } from '../vm/vm-state';
import type { BuildFailure, HostTried } from './build-failure';
import type { OperationErrorCode } from './operation';

/** What a create knows when it chooses its next step. */
export interface CreateView {
  /** a delete asked for the create to stop */
  cancelRequested: boolean;
  /** the step the operation last recorded (null: never taken up) */
  opStep: string | null;
  /** its VM: undefined while not read yet, null when there is none */
  vm: { state: VmState; hostId: string | null } | null | undefined;
}

export type CreateStep =
  | { kind: 'overtaken'; reason: string }
  /** the operation has no VM: a bug, not worth a retry */
  | { kind: 'missing' }
  /** read the VM */
  | { kind: 'read' }
  /**
   * move the VM from pending to scheduling, reading it in the same statement; when it was not
   * pending, `otherwise` says what next: read it (it was not read yet), or stop (it moved on).
   */
  | { kind: 'schedule'; otherwise: 'read' | 'overtaken' }
  /** place and claim a host (recording the step first unless it already is) */
  | { kind: 'place'; recordStep: boolean }
  /** the VM runs: the operation succeeded */
  | { kind: 'succeed' }
  /** build the domain on the VM's host (recording the step first unless it already is) */
  | { kind: 'build'; recordStep: boolean };

/**
 * pending -> scheduling -> building -> running: what a create does next, from where its VM is.
 * Asked again after each step, so a job killed anywhere resumes where the VM's state says it
 * stopped. An operation never taken up moves its pending VM on without reading it first.
 */
export function nextCreateStep(i: CreateView): CreateStep {
  if (i.cancelRequested) return { kind: 'overtaken', reason: 'the VM is being deleted' };
  if (i.vm === undefined) return i.opStep === null ? { kind: 'schedule', otherwise: 'read' } : { kind: 'read' };
  if (i.vm === null) return { kind: 'missing' };
  const { state, hostId } = i.vm;
  if (state === 'deleting' || state === 'deleted') return { kind: 'overtaken', reason: 'the VM is being deleted' };
  if (state === 'pending') return { kind: 'schedule', otherwise: 'overtaken' };
  // placing again after a host refused the build, or after a crash mid-placement
  if (state === 'scheduling') return { kind: 'place', recordStep: i.opStep !== 'placing' };
  if (state === 'running') return { kind: 'succeed' };
  if (state !== 'building' || !hostId) return { kind: 'overtaken', reason: `the VM is ${state}` };
  return { kind: 'build', recordStep: i.opStep !== 'building' };
}

/** Whether a failed build must ask if the host still answers heartbeats before choosing what next. */
export function needsLiveness(failure: BuildFailure): boolean {
  return failure === 'timeout' || failure === 'unreachable';
}

/** One host a build left, as the operation lists it: its error message cut to 500 characters. */
export function hostTried(
  host: { id: string; name: string },
  failure: BuildFailure,
  message: string,
  at: Date,
): HostTried {
  return { hostId: host.id, hostName: host.name, failure, message: message.slice(0, 500), at: at.toISOString() };
}

/** The end of a build (a create's, an HA restart's) when every host it may try failed it. */
export interface BuildGiveUp {
  code: OperationErrorCode;
  message: string;
  details: { hostsTried: HostTried[] };
}

/**
 * Why a build gave up, host by host: the last host's own code when it refused (agent_error),
 * host_unavailable when hosts could not be reached.
 */
export function buildGiveUp(
  what: 'build' | 'restart',
  last: { code?: OperationErrorCode; message: string },
  tried: HostTried[],
): BuildGiveUp {
  const code = last.code ?? 'host_unavailable';
  const message =
    what === 'build'
      ? `no host could build the VM (${tried.map((t) => `${t.hostName} ${t.failure}`).join(', ')}); last: ${last.message}`
      : `no host could restart the VM: ${last.message}`;
  return { code, message, details: { hostsTried: tried } };
}

/** The states a failed create moves its VM from to error (releasing whatever claim it holds). */
export const CREATE_UNDONE_FROM = ['pending', 'scheduling', 'building'] as const satisfies readonly VmState[];

/**
 * What a failed create leaves to undo: the domain half built on the host it was placed on (a
 * VM still `building` there), and whether the VM goes to error (it had not run yet; one that
 * runs, or went away, is left alone).
 */
export function createCompensation(vm: { state: VmState; hostId: string | null } | null): {
  destroyOn: string | undefined;
  toError: boolean;
} {
  return {
    destroyOn: vm?.hostId && vm.state === 'building' ? vm.hostId : undefined,
    toError: !!vm && (CREATE_UNDONE_FROM as readonly VmState[]).includes(vm.state),
  };
}
