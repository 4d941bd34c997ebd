import type { Db } from '@xenplane/db';
import { rowCounts } from '../helpers';
import { describeRequest, type FuzzRequest } from './requests';
import { type FuzzAnswer, type FuzzClient } from './send';
import { acceptedWrite, answerFault, mayStoreRefusal } from './verdict';

export interface BatchOutcome {
  answers: FuzzAnswer[];
  /** each bad answer, with the request that got it */
  faults: string[];
  /** whether no write was accepted, so the row counts could be compared */
  countsChecked: boolean;
}

/**
 * Sends a batch side by side and judges it: every answer on its own, and when the API
 * accepted no write, the rows: unchanged (but for refusals an Idempotency-Key stores). Rows are
 * only compared given `rows`, a database nothing else writes to meanwhile (no scheduler).
 */
export async function runBatch(
  client: FuzzClient,
  rows: { db: Db } | undefined,
  batch: FuzzRequest[],
): Promise<BatchOutcome> {
  const before = rows && (await rowCounts(rows));
  const answers = await client.sendAll(batch);
  const faults = answers.flatMap((a) => {
    const fault = answerFault(a);
    return fault ? [`${fault}\n    <- ${describeRequest(a.request)}`] : [];
  });
  const countsChecked = !!rows && !answers.some(acceptedWrite);
  if (rows && before && countsChecked) {
    const after = await rowCounts(rows);
    const stored = answers.filter(mayStoreRefusal).length;
    const changed = Object.keys(before).filter((k) => {
      const key = k as keyof typeof before;
      const grew = after[key] - before[key];
      return key === 'idempotency' ? grew < 0 || grew > stored : grew !== 0;
    });
    if (changed.length)
      faults.push(
        `rows changed though no write was accepted: ${changed
          .map((k) => `${k} ${before[k as keyof typeof before]} -> ${after[k as keyof typeof after]}`)
          .join(
            ', ',
          )}\n    batch: ${answers.map((a) => `${a.status} ${describeRequest(a.request).slice(0, 200)}`).join('\n           ')}`,
      );
  }
  return { answers, faults, countsChecked };
}
