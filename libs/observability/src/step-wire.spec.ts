import type { StepRecord } from './step-record';
import { decodeSteps, encodeSteps, MAX_REPORTED_STEPS } from './step-wire';

const STEP: StepRecord = {
  name: 'xl create',
  side: 'agent',
  startedAt: new Date('2026-12-09T10:00:00.123Z'),
  durationMs: 12.3456,
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  parentSpanId: 'c'.repeat(16),
  failed: true,
  attributes: { 'xl.subcommand': 'create', exitCode: 1 },
};

describe('steps on the wire', () => {
  it('come back as they were sent (durations to the microsecond)', () => {
    expect(decodeSteps(encodeSteps([STEP]))).toEqual([{ ...STEP, durationMs: 12.346 }]);
  });

  it('keep the last steps of a call that made too many', () => {
    const many = Array.from({ length: MAX_REPORTED_STEPS + 5 }, (_, i) => ({ ...STEP, name: `s${i}` }));
    const back = decodeSteps(encodeSteps(many));
    expect(back).toHaveLength(MAX_REPORTED_STEPS);
    expect(back.at(-1)!.name).toBe(`s${MAX_REPORTED_STEPS + 4}`);
  });

  it('drop what is malformed, keeping the rest', () => {
    const good = JSON.parse(encodeSteps([STEP]).toString())[0];
    const rows = [
      good,
      ['x', 'elsewhere', ...good.slice(2)],
      [...good.slice(0, 4), 'not-hex', ...good.slice(5)],
      [...good.slice(0, 3), -1, ...good.slice(4)],
      [...good.slice(0, 8), ['not', 'a', 'record']],
      'junk',
    ];
    const back = decodeSteps(Buffer.from(JSON.stringify(rows)));
    expect(back).toHaveLength(2);
    expect(back[1]!.attributes).toEqual({});
    expect(decodeSteps('not json')).toEqual([]);
    expect(decodeSteps(undefined)).toEqual([]);
  });
});
