import { getLogger } from '@xenplane/observability';
import type { Db } from './client';
import { claimHost, type ClaimOutcome, type ClaimRequest, claimStatement } from './claims';

const log = getLogger('claims');

/**
 * Several claims in ONE statement (claimStatement): each VM is still claimed on its own terms,
 * but the round trip, and the socket write that costs more than the work here, is shared.
 * Claims on one host are admitted together or not at all. If any VM of the batch is no longer
 * waiting, the statement undoes itself and each claim is tried alone (the rare path), so one
 * deleted VM never costs the others their host. Hard server-group claims do not come here.
 */
export async function claimHosts(db: Db, claims: readonly ClaimRequest[]): Promise<ClaimOutcome[]> {
  if (claims.length === 1) return [await claimHost(db, claims[0]!)];
  try {
    return await claimStatement(db, claims);
  } catch (err) {
    log.debug({ err: (err as Error).message, claims: claims.length }, 'batched claim undone; claiming one by one');
    const outcomes: ClaimOutcome[] = [];
    for (const c of claims) outcomes.push(await claimHost(db, c));
    return outcomes;
  }
}
