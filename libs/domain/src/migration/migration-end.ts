import type { OperationErrorCode } from '../operations/operation';
import type { MigrationStep } from './migration-step';

/** A step the run does not carry out itself, as the failure it raises to the worker. */
export type MigrationStepFailure =
  { kind: 'transient'; message: string } | { kind: 'permanent'; code: OperationErrorCode; message: string };

/**
 * What a step that is neither a move nor a finish means for the job: can't tell yet is retried
 * (another look later); a migration that did not happen, or whose domain vanished, is ended
 * by compensate, which looks again once and for all.
 */
export function migrationStepFailure(
  step: Extract<MigrationStep, { kind: 'wait' | 'abort' | 'vanished' }>,
): MigrationStepFailure {
  switch (step.kind) {
    case 'wait':
      return { kind: 'transient', message: `cannot tell where the domain is yet: ${step.reason}` };
    case 'abort':
      return { kind: 'permanent', code: 'agent_error', message: 'the migration did not happen' };
    case 'vanished':
      return { kind: 'permanent', code: 'agent_error', message: 'the source no longer has the domain' };
  }
}

/** How a migration that failed for good ends. */
export type MigrationEnd =
  /** the switch happened after all: record the VM on the target */
  | { kind: 'finish'; domId: number; destroySource: boolean }
  /** the VM stays on the source, running, or stopped there when its domain runs nowhere */
  | { kind: 'abort'; destroyTarget: boolean; outcome: 'running' | 'stopped'; message: string };

/**
 * The end of a failed migration from where its domain was last seen (`step`, decided with no
 * retry left), or with no claim on a target at all (undefined: it never began, the VM never
 * left its source). The error's message says so when the domain runs on neither host.
 */
export function migrationEnd(step: MigrationStep | undefined, errorMessage: string): MigrationEnd {
  if (!step) return { kind: 'abort', destroyTarget: false, outcome: 'running', message: errorMessage };
  if (step.kind === 'finish') return step;
  if (step.kind === 'vanished')
    return {
      kind: 'abort',
      destroyTarget: step.destroyTarget,
      outcome: 'stopped',
      message: `${errorMessage}; the domain runs on neither host`,
    };
  const destroyTarget = step.kind === 'abort' && step.destroyTarget;
  return { kind: 'abort', destroyTarget, outcome: 'running', message: errorMessage };
}
