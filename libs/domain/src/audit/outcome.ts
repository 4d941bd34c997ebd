/** `GET /v1/audit?outcome=`: a class of HTTP statuses. */
export const OUTCOME_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];

/** The statuses of a class, as a half-open range [from, to). */
export function statusRange(c: OutcomeClass): { from: number; to: number } {
  const from = Number(c[0]) * 100;
  return { from, to: from + 100 };
}
