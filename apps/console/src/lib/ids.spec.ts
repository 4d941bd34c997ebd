import { parseDuration, randomUuid } from './ids';

describe('ids and durations', () => {
  it('makes a v4 UUID from getRandomValues where randomUUID is missing (plain http)', () => {
    const c = {
      getRandomValues: <T extends ArrayBufferView | null>(a: T) => (new Uint8Array(a!.buffer).fill(0xff), a),
    };
    const id = randomUuid(c as Pick<Crypto, 'getRandomValues'>);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });

  it('uses randomUUID when there is one', () => {
    expect(randomUuid({ getRandomValues: () => null as never, randomUUID: () => 'u' })).toBe('u');
  });

  it('reads 90, 90s, 30m, 2h, 1d; refuses anything else and zero', () => {
    expect([
      parseDuration('90'),
      parseDuration('90s'),
      parseDuration('30m'),
      parseDuration(' 2H '),
      parseDuration('1d'),
    ]).toEqual([90, 90, 1800, 7200, 86400]);
    expect([
      parseDuration(''),
      parseDuration('1w'),
      parseDuration('-5'),
      parseDuration('0'),
      parseDuration('1.5h'),
    ]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
