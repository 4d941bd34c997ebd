import { type Db } from '@xenplane/db';
import { hashSecret, newSecret, secretPrefix } from '@xenplane/domain';
import { type ApiClient, waitFor } from '@xenplane/testing';
import { type ApiOperation, apiOperations } from './openapi-ops';
import { buildWorld, type FuzzWorld, ROLES, type Role } from './world';

/**
 * The fuzzed cloud's settings: rate limits out of the way (the fuzzer sends thousands of
 * requests a minute, a fifth without a valid token), so that requests reach what they aim at.
 * A limit that stays (429) is still a whole problem, and the test only asks that it not dominate.
 */
export const FUZZ_ENV = { RATE_LIMIT_PER_TOKEN: '1000000000', RATE_LIMIT_PER_ADDRESS_UNAUTHENTICATED: '1000000000' };

export interface FuzzSetup {
  world: FuzzWorld;
  ops: ApiOperation[];
  roles: Role[];
}

/**
 * The served OpenAPI document's operations and a world to aim them at. With a database, a
 * global operator token is made there (the API issues project tokens only); without one the
 * operator role is left out.
 */
export async function fuzzSetup(admin: ApiClient, db: Db | undefined): Promise<FuzzSetup> {
  const doc = (await admin.withToken(undefined).get('/docs-json')).body;
  let operatorToken: string | undefined;
  if (db) {
    operatorToken = newSecret('xp');
    await db.token.create({
      data: {
        name: 'fuzz-operator',
        role: 'operator',
        tokenHash: hashSecret(operatorToken),
        prefix: secretPrefix(operatorToken),
      },
    });
  }
  const world = await buildWorld(admin, operatorToken);
  // tenant a's memory near its quota, as a project of large VMs would leave it: a batch of the
  // largest flavor on top passes 2^31, where sums in Postgres integers once failed
  if (db) await db.project.update({ where: { id: world.ids.project[0] }, data: { usedMemoryMb: 900_000_000 } });
  // the world's VMs built, so that nothing of the setup is still under way when fuzzing starts
  await waitFor(
    'the fuzz world settled',
    async () => {
      const ops = await Promise.all(world.ids.operation.map((id) => admin.get(`/v1/operations/${id}`)));
      return ops.every((o) => ['succeeded', 'failed', 'cancelled'].includes(o.body?.status)) ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return { world, ops: apiOperations(doc), roles: ROLES.filter((r) => r !== 'operator' || operatorToken) };
}
