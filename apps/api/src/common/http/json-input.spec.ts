import { FORBIDDEN_KEYS, inputFault, MAX_JSON_DEPTH } from './json-input';

const nested = (depth: number, kind: 'array' | 'object') =>
  JSON.parse(
    kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );

describe('inputFault', () => {
  it('passes ordinary input', () => {
    expect(inputFault({ name: 'x', count: 3, metadata: { a: 'b' }, ids: ['1', '2'], on: true, nothing: null })).toBe(
      undefined,
    );
    expect(inputFault('plain')).toBeUndefined();
    expect(inputFault(undefined)).toBeUndefined();
  });

  it(`takes ${MAX_JSON_DEPTH} levels of nesting and refuses one more, however deep it goes`, () => {
    expect(inputFault(nested(MAX_JSON_DEPTH, 'array'))).toBeUndefined();
    expect(inputFault(nested(MAX_JSON_DEPTH, 'object'))).toBeUndefined();
    expect(inputFault(nested(MAX_JSON_DEPTH + 1, 'array'))).toEqual({
      field: '[0]'.repeat(MAX_JSON_DEPTH),
      message: `nests arrays or objects deeper than ${MAX_JSON_DEPTH}`,
    });
    expect(inputFault(nested(MAX_JSON_DEPTH + 1, 'object'))?.field).toBe(Array(MAX_JSON_DEPTH).fill('a').join('.'));
    // the depths that overflowed class-transformer's stack
    expect(inputFault(nested(1_500, 'array'))).toBeDefined();
    expect(inputFault(nested(10_000, 'object'))).toBeDefined();
    expect(inputFault(nested(200_000, 'array'))).toBeDefined();
  });

  it('refuses NUL in any string or key, and names where', () => {
    expect(inputFault({ flavor: 'm1.small\u0000' })).toEqual({
      field: 'flavor',
      message: 'must not contain NUL characters',
    });
    expect(inputFault({ metadata: { a: 'b', c: 'x\u0000' } })?.field).toBe('metadata.c');
    expect(inputFault({ ids: ['ok', 'a\u0000'] })?.field).toBe('ids[1]');
    expect(inputFault({ metadata: { 'k\u0000': 'v' } })?.message).toBe('keys must not contain NUL characters');
    expect(inputFault('\u0000')).toEqual({ field: '', message: 'must not contain NUL characters' });
  });

  it('refuses the prototype keys at the top and inside, as JSON.parse makes them (own keys)', () => {
    expect(inputFault(JSON.parse('{"__proto__":{"polluted":1}}'))?.field).toBe('__proto__');
    expect(inputFault(JSON.parse('{"constructor":{"prototype":{"polluted":1}}}'))?.field).toBe('constructor');
    expect(inputFault({ metadata: { toString: 'x' } })).toEqual({
      field: 'metadata.toString',
      message: 'toString is not allowed as a key',
    });
    expect(inputFault({ placementWeights: { vcpus: { prototype: 1 } } })?.field).toBe(
      'placementWeights.vcpus.prototype',
    );
    expect(inputFault([{ hasOwnProperty: 1 }])?.field).toBe('[0].hasOwnProperty');
    for (const key of [
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'valueOf',
      'hasOwnProperty',
      '__defineGetter__',
    ])
      expect(FORBIDDEN_KEYS.has(key)).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('lets keys that merely look alike through', () => {
    expect(inputFault({ metadata: { proto: 'x', Constructor: 'y', tostring: 'z', __proto: 'w' } })).toBeUndefined();
  });
});
