import type { FuzzAnswer } from './send';

/**
 * What is wrong with an answer, or undefined: no 5xx, no answer missing, and every error a
 * problem+json document with its standard members (API.md).
 */
export function answerFault(a: FuzzAnswer): string | undefined {
  if (a.status === 0) return `no answer: ${a.error}`;
  if (a.status >= 500) return `${a.status}: ${a.body.slice(0, 300)}`;
  if (a.status < 200 || (a.status >= 300 && a.status < 400)) return `unexpected status ${a.status}`;
  if (a.status < 400) return undefined;
  if (!a.contentType.startsWith('application/problem+json'))
    return `${a.status} as ${a.contentType || 'no content type'}: ${a.body.slice(0, 200)}`;
  let p: any;
  try {
    p = JSON.parse(a.body);
  } catch {
    return `${a.status}: the problem is not JSON: ${a.body.slice(0, 200)}`;
  }
  const missing = ['type', 'title', 'detail', 'code'].filter((k) => typeof p?.[k] !== 'string' || !p[k]);
  if (missing.length || p.status !== a.status)
    return `${a.status}: not a whole problem (${missing.join(', ') || `status ${p?.status}`}): ${a.body.slice(0, 200)}`;
  if (/at .*\.(js|ts):\d+/.test(a.body)) return `${a.status}: a stack trace left the server`;
  return undefined;
}

/** A write the API accepted: its rows may change the counts. */
export const acceptedWrite = (a: FuzzAnswer): boolean =>
  a.status >= 200 && a.status < 300 && a.request.method !== 'GET';

/**
 * A refused POST with an Idempotency-Key stores its refusal (the same request gets the same
 * answer, API.md): the one row a refused request may add.
 */
export const mayStoreRefusal = (a: FuzzAnswer): boolean =>
  a.request.method === 'POST' && a.request.headers['idempotency-key'] !== undefined;

/** status -> how many answers had it. */
export function histogram(answers: FuzzAnswer[], into: Record<string, number> = {}): Record<string, number> {
  for (const a of answers) into[String(a.status)] = (into[String(a.status)] ?? 0) + 1;
  return into;
}
