import { conflict } from '../errors/api-errors';

/** Turns a unique-constraint violation (Prisma P2002) into a 409 naming what is taken. */
export async function uniquely<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') throw conflict(`${what} is already taken`);
    throw err;
  }
}
