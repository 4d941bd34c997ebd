import { assembleTimeline, type RecordedStep } from './timeline';

const T0 = Date.parse('2026-12-09T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const step = (
  spanId: string,
  name: string,
  side: string,
  from: number,
  durationMs: number,
  parentSpanId?: string,
): RecordedStep => ({
  spanId,
  name,
  side,
  startedAt: at(from),
  durationMs,
  failed: false,
  attributes: {},
  ...(parentSpanId ? { parentSpanId } : {}),
});

// a create as the processes record it: the API's request (its parent, the HTTP span, is no
// step), the wait in the queue, the scheduler's run with its placement and its call to the
// agent, and the agent's own steps inside that call
const CREATE: RecordedStep[] = [
  step('g', 'xl create', 'agent', 70, 20, 'f'),
  step('c', 'scheduler.run', 'scheduler', 30, 100, 'http'),
  step('a', 'api.accept', 'api', 0, 20, 'http'),
  step('b', 'queue.wait', 'queue', 22, 8, 'http'),
  step('d', 'placement', 'scheduler', 31, 9, 'c'),
  step('e', 'agent.CreateDomain', 'scheduler', 60, 60, 'c'),
  step('f', 'rpc.CreateDomain', 'agent', 62, 50, 'e'),
  step('h', 'guest.boot', 'agent', 90, 20, 'f'),
];

describe('assembleTimeline', () => {
  const op = { createdAt: at(15), finishedAt: at(128) };

  it('orders steps depth first, each followed by what ran inside it, siblings by start', () => {
    const t = assembleTimeline(op, CREATE, at(500));
    expect(t.steps.map((s) => [s.name, s.depth])).toEqual([
      ['api.accept', 0],
      ['queue.wait', 0],
      ['scheduler.run', 0],
      ['placement', 1],
      ['agent.CreateDomain', 1],
      ['rpc.CreateDomain', 2],
      ['xl create', 3],
      ['guest.boot', 3],
    ]);
    expect(t.steps[0]).not.toHaveProperty('parentSpanId');
    expect(t.steps[5]).toMatchObject({ parentSpanId: 'e', offsetMs: 62 });
  });

  it('runs from the request to the end of its last step, the operation having ended before it', () => {
    const t = assembleTimeline(op, CREATE, at(500));
    expect(t.startedAt).toEqual(at(0));
    expect(t.endedAt).toEqual(at(130));
    expect(t.wallMs).toBe(130);
  });

  it("totals each side's outermost steps: an agent's steps count once, not per nesting", () => {
    const t = assembleTimeline(op, CREATE, at(500));
    expect(t.totals).toEqual([
      { side: 'api', ms: 20 },
      { side: 'queue', ms: 8 },
      { side: 'scheduler', ms: 100 },
      { side: 'agent', ms: 50 },
    ]);
  });

  it('finds the stretches no top-level step covers, and what they fall between', () => {
    const t = assembleTimeline(op, CREATE, at(500));
    expect(t.gaps).toEqual([{ startedAt: at(20), durationMs: 2, after: 'api.accept', before: 'queue.wait' }]);
    expect(t.unaccountedMs).toBe(2);
    const topLevel = t.steps.filter((s) => s.depth === 0).reduce((n, s) => n + s.durationMs, 0);
    expect(topLevel + t.unaccountedMs).toBe(t.wallMs);
  });

  it('an operation still running ends now; the time after its last step is a gap', () => {
    const t = assembleTimeline({ createdAt: at(15) }, CREATE.slice(0, 4), at(200));
    expect(t.endedAt).toEqual(at(200));
    expect(t.gaps.at(-1)).toEqual({ startedAt: at(130), durationMs: 70, after: 'scheduler.run' });
  });

  it('an operation with no step yet is one gap from its creation', () => {
    const t = assembleTimeline({ createdAt: at(0), finishedAt: null }, [], at(40));
    expect(t).toMatchObject({ steps: [], totals: [], wallMs: 40, unaccountedMs: 40 });
    expect(t.gaps).toEqual([{ startedAt: at(0), durationMs: 40 }]);
  });

  it('a step whose parent was never recorded stands at the top; overlapping top-level steps leave no gap', () => {
    const t = assembleTimeline(
      { createdAt: at(0), finishedAt: at(30) },
      [step('x', 'scheduler.run', 'scheduler', 0, 20, 'lost'), step('y', 'scheduler.run', 'scheduler', 10, 20)],
      at(99),
    );
    expect(t.steps.map((s) => s.depth)).toEqual([0, 0]);
    expect(t.gaps).toEqual([]);
  });

  it('keeps attributes that are an object, and nothing else', () => {
    const t = assembleTimeline(
      op,
      [
        { ...step('a', 'xl create', 'agent', 0, 1), attributes: { 'xl.subcommand': 'create' } },
        { ...step('b', 'xl list', 'agent', 2, 1), attributes: ['bad'] },
      ],
      at(500),
    );
    expect(t.steps.map((s) => s.attributes)).toEqual([{ 'xl.subcommand': 'create' }, {}]);
  });
});
