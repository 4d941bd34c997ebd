/** An Idempotency-Key as API.md allows it: 1-200 printable ASCII characters. */
const KEY = /^[\x21-\x7e]{1,200}$/;

export function isIdempotencyKey(key: string): boolean {
  return KEY.test(key);
}

/** A POST or a DELETE by an authenticated caller that sent a key is made idempotent. */
export function idempotencyApplies(method: string, key: string | undefined, authenticated: boolean): key is string {
  return (method === 'POST' || method === 'DELETE') && key !== undefined && authenticated;
}

/** The key's record as another request with the same key left it. */
export interface KeyRecord {
  requestHash: string;
  /** the first answer's HTTP status; null while the first request is still running */
  status: number | null;
  /** the first request's lease on the key */
  lockedUntil: Date;
}

export type KeyVerdict =
  /** the record is gone (a failed first attempt freed it): claim the key again */
  | { kind: 'claim' }
  /** the same key with another body: 409 */
  | { kind: 'conflict-body' }
  /** the first request answered: the same answer again */
  | { kind: 'replay'; status: number }
  /**
   * the first request is still running: take the key over if its lease ran out (its process
   * died), else wait; past the deadline, give up with a 409 instead of waiting on
   */
  | { kind: 'wait'; takeOver: boolean; givenUp: boolean };

/**
 * What a request does when it could not claim its key: a concurrent duplicate waits for the
 * first to finish instead of running twice, and gets its answer.
 */
export function keyVerdict(record: KeyRecord | null, hash: string, now: Date, deadline: Date): KeyVerdict {
  if (!record) return { kind: 'claim' };
  if (record.requestHash !== hash) return { kind: 'conflict-body' };
  if (record.status !== null) return { kind: 'replay', status: record.status };
  return { kind: 'wait', takeOver: record.lockedUntil < now, givenUp: now.getTime() > deadline.getTime() };
}

/**
 * What the key keeps of the first request's answer: a success, replayed to every retry. A
 * refusal or a failure changed nothing, so it frees the key and a retry runs the request again:
 * refused requests store nothing (a 422 for quota may succeed once quota is freed).
 */
export function answerKept(status: number): 'store' | 'release' {
  return status < 400 ? 'store' : 'release';
}

/**
 * The answer a key keeps: a secret the first answer showed (a new token's) is never stored, so a
 * replay shows the rest and names what it withholds (`secretWithheld`): the secret is shown once.
 */
export function answerToKeep(answer: unknown, secretFields: readonly string[]): unknown {
  if (!secretFields.length || typeof answer !== 'object' || answer === null || Array.isArray(answer)) return answer;
  const kept: Record<string, unknown> = {};
  const withheld: string[] = [];
  for (const [k, v] of Object.entries(answer)) {
    if (secretFields.includes(k)) withheld.push(k);
    else kept[k] = v;
  }
  return withheld.length ? { ...kept, secretWithheld: withheld } : kept;
}
