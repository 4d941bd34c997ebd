import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { statementName } from './prepared';

export type Db = PrismaClient;

export interface DbOptions {
  url: string;
  poolSize?: number;
}

/** A Prisma client over node-postgres (Prisma 7: no native query engine). */
export function createDb({ url, poolSize = 10 }: DbOptions): Db {
  const adapter = new PrismaPg({ connectionString: url, max: poolSize }, { statementNameGenerator: statementName });
  // The hot statements (marked `prepared`) are planned once per connection, the rest on every run.
  // A burst of requests queues for the pool's connections: wait for one rather than fail fast
  // (Prisma's 2 s default turns a busy moment into errors), but never hold one for long.
  return new PrismaClient({ adapter, transactionOptions: { maxWait: 10_000, timeout: 20_000 } });
}
