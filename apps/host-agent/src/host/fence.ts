import { getLogger } from '@xenplane/observability';

/**
 * Self-fencing: every heartbeat from the control plane renews a lease. If the lease runs out,
 * the agent asks its witnesses (quorum): while at least half of them answer and none says it is
 * condemned, the control plane is the one cut off and the host keeps its VMs (asking again every
 * recheck); otherwise it stops the HA-protected domains itself, so that when the control plane
 * restarts them elsewhere the old copies are already gone. The fence timeout is derived from the
 * pool's dead timeout with room for clock drift (docs/HA.md). The lease runs on the monotonic
 * clock: a wall-clock step (NTP, an operator) must not end or stretch it.
 */
export class FenceLease {
  private readonly log = getLogger('fence');
  private expiresAt = 0;
  /** the fence timeout the control plane last asked for (0: none yet) */
  timeoutMs = 0;
  private protectedVmIds: string[] = [];
  private timer?: NodeJS.Timeout;
  fenced = false;

  constructor(
    private readonly enabled: boolean,
    private readonly fence: (vmIds: string[]) => Promise<void>,
    /** whether enough witnesses still answer (the host keeps its VMs), and how soon to ask again */
    private readonly quorum: { keeps(): Promise<boolean>; recheckMs: number } = {
      keeps: async () => false,
      recheckMs: 0,
    },
  ) {}

  renew(timeoutMs: number, protectedVmIds: string[]): boolean {
    const wasFenced = this.fenced;
    this.fenced = false;
    this.protectedVmIds = protectedVmIds;
    this.timeoutMs = timeoutMs;
    this.expiresAt = timeoutMs > 0 ? performance.now() + timeoutMs : 0;
    this.arm(timeoutMs);
    return wasFenced;
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    if (!this.expiresAt) return;
    this.timer = setTimeout(() => void this.expire(), ms);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async expire(): Promise<void> {
    if (!this.expiresAt) return;
    // a timer measures from the event loop's cached time, which lags: it can fire a little early
    const early = this.expiresAt - performance.now();
    if (early > 0) return this.arm(Math.ceil(early));
    if (this.enabled && this.protectedVmIds.length && (await this.quorum.keeps())) {
      // asked again soon, unless a heartbeat renews the lease meanwhile
      if (this.expiresAt) this.arm(this.quorum.recheckMs);
      return;
    }
    if (this.expiresAt === 0 || performance.now() < this.expiresAt) return;
    this.expiresAt = 0;
    if (!this.enabled) {
      this.log.error(
        { vms: this.protectedVmIds.length },
        'no heartbeat within the fence timeout, and self-fencing is off (AGENT_SELF_FENCE): HA-protected domains keep running',
      );
      return;
    }
    this.fenced = true;
    this.log.warn(
      { vms: this.protectedVmIds.length },
      'no heartbeat within the fence timeout: stopping HA-protected domains',
    );
    await this.fence(this.protectedVmIds).catch((err: Error) => this.log.error({ err: err.message }, 'fencing failed'));
  }
}
