/** What one host says about the migrating VM's domain. */
export type Sighting =
  | { at: 'here'; domId: number; epoch: number; running: boolean }
  | { at: 'absent' }
  /** the agent did not answer: the domain may or may not be there */
  | { at: 'unreachable' };

export interface WhereaboutsInput {
  source: Sighting;
  target: Sighting;
  /** the epoch of the target's claim: the migrated domain carries it */
  epoch: number;
  /** no retry left: wait is not an answer, the operation ends now */
  final: boolean;
}

/** What the migration does next, given where the domain is. */
export type MigrationStep =
  /** the source runs it and the target does not: move it (a leftover copy on the target goes first) */
  | { kind: 'migrate'; clearTarget: boolean }
  /** the target runs it: record it there (a suspended copy left on the source goes) */
  | { kind: 'finish'; domId: number; destroySource: boolean }
  /** it stays on the source: the target's claim is released (and its copy destroyed) */
  | { kind: 'abort'; destroyTarget: boolean }
  /** it runs nowhere: the VM is stopped where its claim is, the target's claim released */
  | { kind: 'vanished'; destroyTarget: boolean }
  | { kind: 'wait'; reason: string };

/**
 * Where a migration stands after a crash or a failure, from what both agents say now. The
 * target only runs the domain once the source has let go of the guest (xl unpauses the
 * received domain after the last pages; the source is suspended by then), so a running domain
 * of the claim's epoch on the target means the switch happened. Anything undecidable waits
 * for another look while retries remain; on the last one the VM stays where Postgres has it
 * (the source), and the reconciler settles the rest once the hosts answer: whatever happens,
 * one domain at most keeps running.
 */
export function decideMigrationStep(i: WhereaboutsInput): MigrationStep {
  const { source, target } = i;
  const targetRuns = target.at === 'here' && target.running && target.epoch >= i.epoch;
  const targetCopy = target.at === 'here' && !targetRuns;
  if (targetRuns) {
    if (source.at !== 'here') return { kind: 'finish', domId: target.domId, destroySource: false };
    if (!source.running) return { kind: 'finish', domId: target.domId, destroySource: true };
    return i.final
      ? { kind: 'abort', destroyTarget: true }
      : { kind: 'wait', reason: 'both hosts run the domain: the switch-over is under way' };
  }
  if (source.at === 'here') {
    if (i.final) return { kind: 'abort', destroyTarget: targetCopy };
    if (target.at === 'unreachable') return { kind: 'wait', reason: 'the target host does not answer' };
    return { kind: 'migrate', clearTarget: targetCopy };
  }
  if (source.at === 'absent') {
    if (target.at === 'unreachable' && !i.final)
      return { kind: 'wait', reason: 'the source lost the domain and the target does not answer' };
    return { kind: 'vanished', destroyTarget: targetCopy };
  }
  // the source does not answer: its domain may still run there
  return i.final
    ? { kind: 'abort', destroyTarget: targetCopy }
    : { kind: 'wait', reason: 'the source host does not answer' };
}
