import type { HostRow } from '@xenplane/db';
import type { LivenessSettings } from '@xenplane/domain';

/**
 * One monitor replica's record of its hosts' silence, on its own monotonic clock: when each
 * host of its share was last asked and last answered, and since when the replica has been
 * watching at all. A host it has not heard since it took it over (or started) is as silent as
 * Postgres's heartbeat age says (stamped at the end of a round: never too old).
 */
export class SilenceClock {
  private readonly answeredAt = new Map<string, number>();
  private readonly askedAt = new Map<string, number>();

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly since = now(),
  ) {}

  asked(hostId: string): void {
    this.askedAt.set(hostId, this.now());
  }

  /** Call when the answer arrives, not when the round ends: silence is measured from here. */
  answered(hostId: string): void {
    this.answeredAt.set(hostId, this.now());
  }

  /** How long a host has been silent (null: it never answered anyone). */
  silentMs(host: Pick<HostRow, 'id' | 'heartbeatAgeMs'>): number | null {
    const heard = this.answeredAt.get(host.id);
    return heard === undefined ? host.heartbeatAgeMs : this.now() - heard;
  }

  /** How long this replica has been watching: silence before that proves nothing. */
  watchedMs(): number {
    return this.now() - this.since;
  }

  /** Whether a host is due a heartbeat: its pool's interval has passed (a little early rather than late), or it is in doubt. */
  due(host: Pick<HostRow, 'id' | 'state' | 'heartbeatAgeMs'>, settings: LivenessSettings, earlyMs: number): boolean {
    const asked = this.askedAt.get(host.id);
    return (
      asked === undefined ||
      this.now() - asked >= settings.heartbeatIntervalMs - earlyMs ||
      this.inDoubt(host, settings)
    );
  }

  /** In doubt: suspect or unreachable already, or up and silent past the suspect timeout. It is asked every tick. */
  inDoubt(host: Pick<HostRow, 'id' | 'state' | 'heartbeatAgeMs'>, settings: LivenessSettings): boolean {
    if (host.state === 'suspect' || host.state === 'unreachable') return true;
    const silent = this.silentMs(host);
    return host.state === 'up' && silent !== null && silent >= settings.suspectAfterMs;
  }

  /** In how long a silent host's dead timeout runs out, as far as this replica has watched it (0: now). */
  untilDeadMs(silentMs: number, settings: LivenessSettings): number {
    return Math.max(0, settings.deadAfterMs - Math.min(silentMs, this.watchedMs()));
  }

  /**
   * Forgets hosts that are no longer this replica's: if one comes back to it, another replica
   * has heard it since, and Postgres's age says so.
   */
  keepOnly(mine: readonly { id: string }[]): void {
    const ids = new Set(mine.map((h) => h.id));
    for (const map of [this.answeredAt, this.askedAt]) for (const id of map.keys()) if (!ids.has(id)) map.delete(id);
  }
}
