import type { Db } from '../client';
import { Prisma } from '../generated/prisma/client';

/**
 * A stand-in for the Prisma client that runs nothing: it keeps every raw statement a function
 * sends, in order, and answers with one empty row, so a statement module's function can be run
 * to see its SQL without a database. Prisma's model calls (`tx.host.findUnique`) answer null:
 * they are Prisma's own SQL, not ours.
 */
export function capturingDb(): { db: Db; statements: Prisma.Sql[] } {
  const statements: Prisma.Sql[] = [];
  const send =
    (answer: unknown) =>
    (strings: TemplateStringsArray, ...values: unknown[]) => {
      statements.push(Prisma.sql(strings, ...(values as Prisma.Sql[])));
      return Promise.resolve(answer);
    };
  const model = new Proxy({}, { get: () => () => Promise.resolve(null) });
  const db: Record<string, unknown> = {
    $queryRaw: send([{}]),
    $executeRaw: send(0),
    $transaction: (run: (tx: unknown) => Promise<unknown>) => run(db),
  };
  return { db: new Proxy(db, { get: (target, key: string) => target[key] ?? model }) as unknown as Db, statements };
}

/** Runs `call` against a capturing client and answers the statements it sent. */
export async function statementsOf(call: (db: Db) => Promise<unknown>): Promise<Prisma.Sql[]> {
  const { db, statements } = capturingDb();
  await call(db);
  if (!statements.length) throw new Error('the call sent no raw statement');
  return statements;
}
