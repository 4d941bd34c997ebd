import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { withWork } from './correlation';
import { recordStep, step } from './step';
import type { StepRecord } from './step-record';
import { extractTraceContext, initTracing, injectTraceContext } from './tracing';
import { context } from '@opentelemetry/api';

describe('steps', () => {
  const exported = new InMemorySpanExporter();
  let tracing: { shutdown(): Promise<void> };
  beforeAll(() => {
    tracing = initTracing('test', {
      side: 'scheduler',
      export: false,
      processors: [new SimpleSpanProcessor(exported)],
    });
  });
  afterAll(() => tracing.shutdown());
  beforeEach(() => exported.reset());

  it('is one span and one timeline step with the same ids, nested as called', async () => {
    const kept: StepRecord[] = [];
    const sink = async (s: readonly StepRecord[]) => void kept.push(...s);
    const answer = await withWork({ operationId: 'op-1', steps: sink }, () =>
      step('outer', () => step('inner', async () => 42, { attributes: { 'xl.subcommand': 'create' } })),
    );
    expect(answer).toBe(42);
    const [inner, outer] = kept;
    expect(kept.map((s) => s.name)).toEqual(['inner', 'outer']);
    expect(inner).toMatchObject({ side: 'scheduler', parentSpanId: outer!.spanId, traceId: outer!.traceId });
    expect(inner!.attributes).toEqual({ 'xl.subcommand': 'create' });
    expect(outer!.parentSpanId).toBeUndefined();
    // the exported spans are those steps, ids and times alike
    const spans = exported.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.spanContext().spanId])).toEqual([
      ['inner', inner!.spanId],
      ['outer', outer!.spanId],
    ]);
    expect(spans[0]!.parentSpanContext?.spanId).toBe(outer!.spanId);
    expect(inner!.durationMs).toBeGreaterThanOrEqual(0);
    expect(inner!.startedAt.getTime()).toBeGreaterThanOrEqual(outer!.startedAt.getTime() - 1);
  });

  it('marks a failed step and still records it; the error goes on', async () => {
    const kept: StepRecord[] = [];
    const work = withWork({ steps: async (s) => void kept.push(...s) }, () =>
      step('boom', () => Promise.reject(new Error('no'))),
    );
    await expect(work).rejects.toThrow('no');
    expect(kept).toEqual([expect.objectContaining({ name: 'boom', failed: true })]);
  });

  it('a sink that fails does not fail the work', async () => {
    const done = withWork({ steps: () => Promise.reject(new Error('db down')) }, () => step('s', async () => 'ok'));
    await expect(done).resolves.toBe('ok');
  });

  it('records a step timed elsewhere, with the given times and side', async () => {
    const kept: StepRecord[] = [];
    await withWork({ steps: async (s) => void kept.push(...s) }, () =>
      recordStep('queue.wait', { startedAt: 1_000, endedAt: 1_250 }, { side: 'queue' }),
    );
    expect(kept).toEqual([
      expect.objectContaining({ name: 'queue.wait', side: 'queue', durationMs: 250, startedAt: new Date(1_000) }),
    ]);
  });

  it('carries the trace across a carrier: the far side is a child of the near one', async () => {
    const carrier: Record<string, string> = {};
    let nearSpanId = '';
    const kept: StepRecord[] = [];
    await step('near', async () => {
      injectTraceContext((k, v) => (carrier[k] = v));
      nearSpanId = exported.getFinishedSpans().length === 0 ? (carrier['traceparent']!.split('-')[2] ?? '') : '';
    });
    await context.with(extractTraceContext(carrier['traceparent']), () =>
      withWork({ steps: async (s) => void kept.push(...s) }, () => step('far', async () => undefined)),
    );
    expect(carrier['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(kept[0]!.parentSpanId).toBe(nearSpanId);
    expect(kept[0]!.traceId).toBe(carrier['traceparent']!.split('-')[1]);
  });

  it('a malformed traceparent starts a new trace', async () => {
    const kept: StepRecord[] = [];
    await context.with(extractTraceContext('00-zz-yy-01'), () =>
      withWork({ steps: async (s) => void kept.push(...s) }, () => step('alone', async () => undefined)),
    );
    expect(kept[0]!.parentSpanId).toBeUndefined();
  });
});
