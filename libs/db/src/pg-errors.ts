/** A Postgres error as the pg adapter reports it through Prisma: its SQLSTATE and message. */
export interface PgError {
  code: string;
  message: string;
}

/** The Postgres error under a Prisma error of a raw statement (P2010), if that is what it is. */
export function pgErrorOf(err: unknown): PgError | null {
  const cause = (
    err as { meta?: { driverAdapterError?: { cause?: { originalCode?: string; originalMessage?: string } } } }
  )?.meta?.driverAdapterError?.cause;
  return cause?.originalCode ? { code: cause.originalCode, message: cause.originalMessage ?? '' } : null;
}
