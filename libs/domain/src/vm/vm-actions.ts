import type { OperationKind } from '../operations/operation';
import { VM_STATES, type VmState } from './vm-state';

export const VM_ACTIONS = ['start', 'stop', 'reboot', 'migrate', 'delete'] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

/** The operation an allowed action starts, or null: the action is refused (409) in that state. */
type Cell = OperationKind | null;
const __ = null;

/**
 * THE action table: for each VM state, the operation each action starts there. An action that
 * makes no sense in a state is refused before anything is written. A VM can be deleted from
 * anywhere but while it is already going away, or while another operation is at work on it
 * (stopping, starting, rebooting, migrating); a delete overtakes a create still waiting for a
 * host (the create notices and stops), and an HA restart (recovering).
 */
// prettier-ignore
export const VM_ACTION_TABLE: Readonly<Record<VmState, Readonly<Record<VmAction, Cell>>>> = {
  //            start      stop      reboot      migrate      delete
  pending:    { start: __, stop: __, reboot: __, migrate: __, delete: 'delete' },
  scheduling: { start: __, stop: __, reboot: __, migrate: __, delete: 'delete' },
  building:   { start: __, stop: __, reboot: __, migrate: __, delete: 'delete' },
  running:    { start: __, stop: 'stop', reboot: 'reboot', migrate: 'migrate', delete: 'delete' },
  stopping:   { start: __, stop: __, reboot: __, migrate: __, delete: __ },
  stopped:    { start: 'start', stop: __, reboot: __, migrate: __, delete: 'delete' },
  starting:   { start: __, stop: __, reboot: __, migrate: __, delete: __ },
  rebooting:  { start: __, stop: __, reboot: __, migrate: __, delete: __ },
  migrating:  { start: __, stop: __, reboot: __, migrate: __, delete: __ },
  recovering: { start: __, stop: __, reboot: __, migrate: __, delete: 'delete' },
  deleting:   { start: __, stop: __, reboot: __, migrate: __, delete: __ },
  deleted:    { start: __, stop: __, reboot: __, migrate: __, delete: __ },
  error:      { start: __, stop: __, reboot: __, migrate: __, delete: 'delete' },
};

/**
 * What each action does once allowed: the transitional state it puts the VM in, where it ends,
 * and whether it needs the VM's host to answer (a delete does not: a silent host's domains are
 * destroyed by epoch when it comes back).
 */
const EFFECTS: Record<VmAction, { via: VmState; to: VmState; needsHost: boolean }> = {
  start: { via: 'starting', to: 'running', needsHost: true },
  stop: { via: 'stopping', to: 'stopped', needsHost: true },
  reboot: { via: 'rebooting', to: 'running', needsHost: true },
  migrate: { via: 'migrating', to: 'running', needsHost: true },
  delete: { via: 'deleting', to: 'deleted', needsHost: false },
};

export type ActionCheck =
  { ok: true; operation: OperationKind; via: VmState; to: VmState } | { ok: false; status: 409; reason: string };

export function checkAction(action: VmAction, state: VmState): ActionCheck {
  const operation = VM_ACTION_TABLE[state][action];
  if (operation === null) return { ok: false, status: 409, reason: `cannot ${action} a VM that is ${state}` };
  const { via, to } = EFFECTS[action];
  return { ok: true, operation, via, to };
}

/** The states an action may start from, in VM_STATES order. */
export function statesAllowing(action: VmAction): VmState[] {
  return VM_STATES.filter((state) => VM_ACTION_TABLE[state][action] !== null);
}

/** The actions a VM in this state accepts now, in VM_ACTIONS order (what a client may offer). */
export function actionsAllowedIn(state: VmState): VmAction[] {
  return VM_ACTIONS.filter((action) => VM_ACTION_TABLE[state][action] !== null);
}

export interface ActionRule {
  from: VmState[];
  via: VmState;
  operation: OperationKind;
  needsHost: boolean;
}

/** What starting an action writes: from which states, through which one, as which operation. */
export function actionRule(action: VmAction): ActionRule {
  const from = statesAllowing(action);
  const check = checkAction(action, from[0]!);
  if (!check.ok) throw new Error(`no state allows ${action}`);
  return { from, via: check.via, operation: check.operation, needsHost: EFFECTS[action].needsHost };
}

/** The VM's host as it was seen when an action needing it could not start. */
export interface HostInDoubtView {
  name: string;
  state: string;
}

/** A 409's message and its extra fields. */
export interface Refusal {
  message: string;
  extra?: Record<string, unknown>;
}

/**
 * Why an action did not start, from what the statement that tried saw: the VM's host silent or
 * dead, the state refusing the action, or (the state allowed it) the VM moved meanwhile.
 */
export function actionRefusal(action: VmAction, state: VmState, hostInDoubt?: HostInDoubtView): Refusal {
  if (hostInDoubt) return hostNotAnswering(action, hostInDoubt, state);
  const check = checkAction(action, state);
  return check.ok ? { message: 'the VM changed state meanwhile; retry' } : { message: check.reason, extra: { state } };
}

function hostNotAnswering(action: VmAction, host: HostInDoubtView, state: VmState): Refusal {
  const why =
    host.state === 'down'
      ? `its host ${host.name} was declared dead; it can ${action === 'start' ? 'start' : 'act'} again once the host is back`
      : `its host ${host.name} has not answered heartbeats (it is ${host.state === 'up' ? 'silent' : host.state}); the VM's power state is unknown until the host answers or is declared dead, when HA restarts it if it is protected`;
  return {
    message: `cannot ${action} the VM now: ${why}. A delete is accepted.`,
    extra: { state, hostState: host.state },
  };
}

/**
 * What a DELETE that did not start answers, so that a blind cleanup loop may repeat it: once the
 * VM is `deleted`, not found (404, as Nova); while it is `deleting`, the delete at work (202, the
 * first DELETE's answer), as when the state seen allowed a delete (a concurrent DELETE moved the
 * VM meanwhile). Undefined: the refusal stands (409; so does it when no delete is open after all).
 */
export function repeatedDeleteAnswer(state: VmState): 'not-found' | 'open-delete' | undefined {
  if (state === 'deleted') return 'not-found';
  if (state === 'deleting' || VM_ACTION_TABLE[state].delete !== null) return 'open-delete';
  return undefined;
}

/** Why a VM's settings cannot change now (PATCH), or undefined: one going away is left alone. */
export function updateRefusal(state: VmState): string | undefined {
  return state === 'deleting' || state === 'deleted' ? `the VM is ${state}` : undefined;
}

/** Why an action's parameters are refused (400), or undefined: only operators choose a migration's target. */
export function actionParamsRefusal(
  action: VmAction,
  p: { global: boolean; targetHostId?: string },
): { field: string; message: string } | undefined {
  if (action === 'migrate' && !p.global && p.targetHostId)
    return { field: 'targetHostId', message: 'only operators choose a target host' };
  return undefined;
}

/**
 * Why this caller's role may not take this action (403), or undefined. An operator runs the
 * infrastructure, not the tenants' machines: it moves them (migrate), their owners power them.
 */
export function actionRoleRefusal(
  action: VmAction | 'clone',
  caller: { global: boolean; role: string },
): string | undefined {
  if (caller.global && caller.role === 'operator' && action !== 'migrate')
    return `an operator may only migrate a VM; ${action} is for its project's members`;
  return undefined;
}
