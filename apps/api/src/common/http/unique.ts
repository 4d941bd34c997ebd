import { conflict } from '../errors/api-errors';

/** A unique-constraint violation (Prisma P2002): a name taken, or a second default. */
export const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === 'P2002';

/** Turns a unique-constraint violation into a 409 naming what is taken. */
export async function uniquely<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`${what} is already taken`);
    throw err;
  }
}
