import { createTestDatabase, type TestDatabase } from '@xenplane/testing';
import type { StepRecord } from '@xenplane/observability';
import { OperationStepRepository } from './operation-step.repository';

describe('OperationStepRepository (real Postgres)', () => {
  let t: TestDatabase;
  let steps: OperationStepRepository;

  beforeAll(async () => {
    t = await createTestDatabase('operation_steps');
    steps = new OperationStepRepository(t.db);
  });
  afterAll(() => t.drop());

  // a host's evacuation: an operation of no project, the simplest to make
  const operation = () => t.db.operation.create({ data: { kind: 'evacuate' } });
  const step = (name: string, spanId: string, at: Date, over: Partial<StepRecord> = {}): StepRecord => ({
    name,
    side: 'scheduler',
    startedAt: at,
    durationMs: 1.25,
    traceId: 'a'.repeat(32),
    spanId,
    failed: false,
    attributes: { 'host.id': 'h1' },
    ...over,
  });

  it('keeps the steps of several operations in one statement, each span once, and reads them back in order', async () => {
    const [a, b] = [await operation(), await operation()];
    const early = new Date('2026-12-09T10:00:00.001Z');
    const later = new Date('2026-12-09T10:00:00.500Z');
    await steps.recordRows([
      { operationId: a.id, step: step('placement', '1'.repeat(16), later, { parentSpanId: '2'.repeat(16) }) },
      { operationId: a.id, step: step('scheduler.run', '2'.repeat(16), early, { failed: true }) },
      { operationId: b.id, step: step('scheduler.run', '3'.repeat(16), early) },
    ]);
    // the same span again (a retried write) changes nothing
    await steps.recordRows([{ operationId: a.id, step: step('other', '2'.repeat(16), early) }]);
    const kept = await steps.of(a.id);
    expect(kept.map((s) => [s.name, s.spanId, s.parentSpanId, s.failed])).toEqual([
      ['scheduler.run', '2'.repeat(16), null, true],
      ['placement', '1'.repeat(16), '2'.repeat(16), false],
    ]);
    expect(kept[1]).toMatchObject({ startedAt: later, durationMs: 1.25, attributes: { 'host.id': 'h1' } });
    expect(await steps.of(b.id)).toHaveLength(1);
  });

  it('forgets steps begun before a time, and the steps of an operation that is deleted', async () => {
    const op = await operation();
    await steps.recordRows([
      { operationId: op.id, step: step('old', '4'.repeat(16), new Date('2026-01-01T00:00:00Z')) },
      { operationId: op.id, step: step('new', '5'.repeat(16), new Date('2026-12-01T00:00:00Z')) },
    ]);
    expect(await steps.deleteBefore(new Date('2026-06-01T00:00:00Z'))).toBeGreaterThanOrEqual(1);
    expect((await steps.of(op.id)).map((s) => s.name)).toEqual(['new']);
    await t.db.operation.delete({ where: { id: op.id } });
    expect(await steps.of(op.id)).toEqual([]);
  });
});
