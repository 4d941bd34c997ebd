/** A step an operation spent time in, once it left it. */
export interface StepTimed {
  kind: string;
  step: string;
  seconds: number;
}

/**
 * When each operation this process works on entered its current step: moving it to the next
 * step (or ending it) says how long the last one took. An operation taken over by another
 * process (a crash, a retry elsewhere) never ends here: the clock forgets the oldest beyond
 * `capacity`, so memory stays bounded whatever happens to them.
 */
export class StepClock {
  private readonly current = new Map<string, { kind: string; step: string; since: number }>();

  constructor(private readonly capacity = 50_000) {}

  /**
   * `opId` enters `step` at `now` (ms); the step it was in, timed, if this clock saw it enter.
   * Entering the step it is in already changes nothing (a step recorded twice, by a claim and
   * by its handler, is one step).
   */
  enter(opId: string, kind: string, step: string, now: number): StepTimed | undefined {
    if (this.current.get(opId)?.step === step) return undefined;
    const left = this.leave(opId, now);
    this.current.set(opId, { kind, step, since: now });
    if (this.current.size > this.capacity) this.current.delete(this.current.keys().next().value!);
    return left;
  }

  /** enter, for an operation this clock knows (its kind known): false when it does not. */
  moveOn(opId: string, step: string, now: number): StepTimed | false | undefined {
    const at = this.current.get(opId);
    return at ? this.enter(opId, at.kind, step, now) : false;
  }

  /** `opId` ended (or left this process) at `now`: its last step, timed, if this clock saw it enter. */
  leave(opId: string, now: number): StepTimed | undefined {
    const at = this.current.get(opId);
    if (!at) return undefined;
    this.current.delete(opId);
    return { kind: at.kind, step: at.step, seconds: Math.max(0, (now - at.since) / 1000) };
  }

  get size(): number {
    return this.current.size;
  }
}
