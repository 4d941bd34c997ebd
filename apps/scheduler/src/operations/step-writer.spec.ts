import type { OperationStepRepository } from '@xenplane/db';
import type { StepRecord } from '@xenplane/observability';
import { waitFor } from '@xenplane/testing';
import { StepWriter } from './step-writer';

const step = (name: string): StepRecord => ({
  name,
  side: 'scheduler',
  startedAt: new Date(0),
  durationMs: 1,
  traceId: 'a'.repeat(32),
  spanId: name.padEnd(16, '0'),
  failed: false,
  attributes: {},
});

/** A repository whose writes end when the test says. */
function slowRepository() {
  const writes: { rows: string[]; done: () => void }[] = [];
  const repo = {
    recordRows: (rows: readonly { operationId: string; step: StepRecord }[]) =>
      new Promise<void>((done) => writes.push({ rows: rows.map((r) => `${r.operationId}:${r.step.name}`), done })),
  };
  return { repo: repo as unknown as OperationStepRepository, writes };
}

describe('StepWriter', () => {
  it('writes the steps that end within its delay in one statement, those ending while it writes in the next', async () => {
    const { repo, writes } = slowRepository();
    const writer = new StepWriter(repo);
    await writer.sinkFor('op-1')([step('a')]);
    await writer.sinkFor('op-2')([step('b')]);
    expect(writes).toHaveLength(0);
    await waitFor('the first statement', async () => (writes.length === 1 ? true : undefined), { intervalMs: 5 });
    await writer.sinkFor('op-1')([step('c'), step('d')]);
    writes[0]!.done();
    await waitFor('the second statement', async () => (writes.length === 2 ? true : undefined), { intervalMs: 5 });
    expect(writes.map((w) => w.rows)).toEqual([
      ['op-1:a', 'op-2:b'],
      ['op-1:c', 'op-1:d'],
    ]);
    const flushed = writer.flushed();
    writes[1]!.done();
    await flushed;
  });

  it('a failed write is logged and forgotten: the next steps are still written', async () => {
    let calls = 0;
    const repo = {
      recordRows: async () => {
        calls++;
        if (calls === 1) throw new Error('db down');
      },
    } as unknown as OperationStepRepository;
    const writer = new StepWriter(repo);
    await writer.sinkFor('op-1')([step('a')]);
    await writer.flushed();
    await writer.sinkFor('op-1')([step('b')]);
    await writer.flushed();
    expect(calls).toBe(2);
  });
});
