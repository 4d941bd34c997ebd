/**
 * What `xp` exits with, for scripts to branch on (docs/CLI.md, `xp --help`). Kept apart from the
 * rest so the help text and the error mapping read the same table.
 */
export const EXIT = {
  ok: 0,
  /** the VM ended in error, the operation failed, any other API error */
  failed: 1,
  /** a bad command line: unknown command or option, a bad value, no API to talk to */
  usage: 2,
  timedOut: 3,
  /** the API answered 404 */
  notFound: 4,
  /** the API answered 401 or 403 */
  unauthorized: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  failed: the VM ended in error, the operation failed, or another API error
  2  usage: unknown command or option, a bad value, no API URL or token
  3  timed out (--timeout)
  4  not found (the API answered 404)
  5  unauthorized (the API answered 401 or 403)`;

/** The exit code of an HTTP status the API refused a request with. */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 404) return EXIT.notFound;
  if (status === 401 || status === 403) return EXIT.unauthorized;
  return EXIT.failed;
}
