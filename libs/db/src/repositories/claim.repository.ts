import { claimHostInGroup, type ClaimOutcome, type ClaimRequest, inServerGroup } from '../claims';
import { claimHosts } from '../claim-batch';
import type { Db } from '../client';
import { claimRestart, type RestartClaim, type RestartClaimOutcome } from '../failover';
import { claimMigrationTarget, type MigrationClaim } from '../migration';
import type { ClaimResult } from '../claims';

type HardGroup = NonNullable<ClaimRequest['serverGroup']>;

/**
 * Claims of host capacity for VMs (allocations): what placement writes once it has chosen a
 * host. Each is one statement (libs/db claims, claim-batch, failover, migration); a hard server
 * group's claim runs with the group's row locked.
 */
export class ClaimRepository {
  constructor(private readonly db: Db) {}

  /** Claims for many VMs in one statement, one outcome a claim (libs/db claimHosts). */
  claimHosts(claims: readonly ClaimRequest[]): Promise<ClaimOutcome[]> {
    return claimHosts(this.db, claims);
  }

  /** A member of a hard server group claims the host, the group's row locked (libs/db claimHostInGroup). */
  claimHostInGroup(c: ClaimRequest & { serverGroup: HardGroup }): Promise<ClaimOutcome> {
    return claimHostInGroup(this.db, c);
  }

  /** An HA restart's claim, moved from the dead host to the chosen one (libs/db claimRestart). */
  claimRestart(r: RestartClaim): Promise<RestartClaimOutcome> {
    return claimRestart(this.db, r);
  }

  /** An HA restart's claim for a member of a hard server group, the group's row locked. */
  claimRestartInGroup(
    r: RestartClaim,
    serverGroup: HardGroup,
  ): Promise<RestartClaimOutcome | { result: 'group_conflict' }> {
    return inServerGroup(this.db, { vmId: r.vmId, hostId: r.hostId, serverGroup }, (tx) => claimRestart(tx, r));
  }

  /** A migration's claim on its target, the VM keeping its source claim (libs/db claimMigrationTarget). */
  claimMigrationTarget(c: MigrationClaim): Promise<ClaimResult> {
    return claimMigrationTarget(this.db, c);
  }
}
