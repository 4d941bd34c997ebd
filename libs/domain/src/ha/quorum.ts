import { CLOCK_DRIFT, fenceBudgetMs, type LivenessSettings, probeTimeoutMs } from '../hosts/liveness';

/**
 * Quorum fencing (docs/HA.md). Each host has a few witnesses among its pool's peers. An agent
 * whose lease ran out keeps its protected domains only while at least half of its witnesses
 * answer its pings without calling it condemned; the control plane restarts a silent host's VMs
 * only when more than half of its witnesses, asked to reach it, could not, and condemned it.
 * A witness that condemned a host refuses it from then on, so the two sets never overlap: the
 * host keeping its VMs and the control plane restarting them cannot both hold.
 */

/** How many witnesses a host has: every peer in a small pool, a fixed few in a large one. */
export const WITNESSES = 5;

/**
 * A host's witnesses: the next few hosts after it in its pool, by id, round the ring. Cheap at
 * any pool size, the same answer for everyone, and a host joining or leaving changes only its
 * neighbours' sets.
 */
export function witnessesOf(hostId: string, poolMembers: readonly string[], count = WITNESSES): string[] {
  return new WitnessRing(poolMembers).of(hostId, count);
}

/** A pool's members sorted once, for every host's witnesses in O(log n) each. */
export class WitnessRing {
  private readonly ring: string[];

  constructor(members: readonly string[]) {
    this.ring = [...new Set(members)].sort();
  }

  of(hostId: string, count = WITNESSES): string[] {
    const others = this.ring.length - (this.has(hostId) ? 1 : 0);
    const out: string[] = [];
    for (
      let i = this.after(hostId), n = 0;
      out.length < Math.min(count, others) && n < this.ring.length;
      i = (i + 1) % this.ring.length, n++
    ) {
      if (this.ring[i] !== hostId) out.push(this.ring[i]!);
    }
    return out;
  }

  /** The index of the first member after hostId (round the ring). */
  private after(hostId: string): number {
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ring[mid]! <= hostId) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.ring.length ? 0 : lo;
  }

  private has(hostId: string): boolean {
    const i = this.after(hostId);
    return this.ring[(i - 1 + this.ring.length) % this.ring.length] === hostId;
  }
}

/** What an agent whose lease ran out does, from its witnesses' answers. */
export function keepsProtected(witnesses: number, reached: number, condemned: boolean): boolean {
  if (condemned) return false;
  // no witness (a pool of one): nobody can restart its VMs elsewhere, so it keeps them
  return witnesses === 0 || reached * 2 >= witnesses;
}

export interface WitnessAnswer {
  reachable: boolean;
  /** since the witness last heard from the host before condemning it (null: never) */
  lastContactAgoMs: number | null;
}

export type DeathVerdict =
  /** more than half of its witnesses lost it long enough ago: the host is dead */
  | { kind: 'dead' }
  /** they lost it, but one heard from it recently: its last keep decision may still stand */
  | { kind: 'wait'; ms: number }
  /** a witness reaches it: the control plane is the one cut off from it (an alert, no restart) */
  | { kind: 'unreachable' }
  /** not enough answers either way */
  | { kind: 'undecided' };

/**
 * How long after a witness last heard from a host that host may still be keeping its protected
 * domains on the strength of that contact: until it asks again (every recheck), the ping's own
 * time, and the time to stop its domains, with room for drift between the two clocks.
 */
export function quorumHoldMs(s: LivenessSettings): number {
  const { stopMs } = fenceBudgetMs(s);
  const ask = (recheckMs(s) + probeTimeoutMs(s)) * ((1 + CLOCK_DRIFT) / (1 - CLOCK_DRIFT));
  return Math.ceil(ask + stopMs);
}

/** How often an agent whose lease ran out asks its witnesses again. */
export function recheckMs(s: LivenessSettings): number {
  return s.heartbeatIntervalMs;
}

/** The control plane's verdict on a host silent for the dead timeout, from its witnesses' answers. */
export function deathVerdict(witnesses: number, answers: readonly WitnessAnswer[], holdMs: number): DeathVerdict {
  const lost = answers.filter((a) => !a.reachable);
  if (witnesses > 0 && lost.length * 2 > witnesses) {
    const wait = Math.max(0, ...lost.map((a) => (a.lastContactAgoMs === null ? 0 : holdMs - a.lastContactAgoMs)));
    return wait > 0 ? { kind: 'wait', ms: wait } : { kind: 'dead' };
  }
  return answers.some((a) => a.reachable) ? { kind: 'unreachable' } : { kind: 'undecided' };
}
